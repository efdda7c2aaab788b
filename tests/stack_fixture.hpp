#pragma once
// A Stack on 10.0.0.2/24 with a capturing sink, shared by the stack-level tests.
#include "stack/stack.hpp"

#include "test_frames.hpp"

#include <catch2/catch.hpp>

#include <optional>

namespace tapstack::test {

inline StackConfig test_config() {
  StackConfig c;
  c.mac = kOurMac;
  c.ip = Ipv4Interface{kOurIp, 24};
  return c;
}

struct ConflictLog final : StackEvents {
  using StackEvents::address_conflict;
  void address_conflict(Ipv4Addr, MacAddr other, Instant) override { seen.push_back(other); }
  std::vector<MacAddr> seen;
};

struct StackFixture {
  StackConfig config = test_config();
  CapturingSink sink;
  ConflictLog events;
  std::optional<Stack> stack;
  Instant t0 = instant_from_ns(1'700'000'000'000'000'000);

  StackFixture() { stack.emplace(config, sink, &events); }
  void reconfigure() {
    sink.frames.clear();
    stack.emplace(config, sink, &events);
  }
  void feed(const Frame& f, Instant at) { stack->on_frame(f, at); }
  void feed(const Frame& f) { feed(f, t0); }
  std::uint64_t count(Counter c) const { return stack->counters()[c]; }
  // The peer's ARP request makes us learn it, as `ping` does before its first echo.
  void introduce_peer() {
    feed(arp_request_for_us());
    sink.frames.clear();
  }
};

inline ArpPacket emitted_arp(const Emitted& e) {
  const auto eth = EthernetView::parse(e.frame);
  REQUIRE(eth);
  REQUIRE(eth->type() == EtherType::arp);
  const auto arp = ArpPacket::parse(eth->payload());
  REQUIRE(arp);
  return *arp;
}

// The IPv4 datagram inside an emitted frame, header checksum verified.
inline Ipv4View emitted_ipv4(const Emitted& e) {
  const auto eth = EthernetView::parse(e.frame);
  REQUIRE(eth);
  REQUIRE(eth->type() == EtherType::ipv4);
  CHECK(eth->src() == kOurMac);
  const auto ip = Ipv4View::parse(eth->payload());
  REQUIRE(ip);
  return *ip;
}

// The ICMP message of an emitted frame, checksum verified.
inline IcmpView emitted_icmp(const Emitted& e) {
  const auto ip = emitted_ipv4(e);
  REQUIRE(ip.protocol() == IpProtocol::icmp);
  const auto icmp = IcmpView::parse(ip.payload());
  REQUIRE(icmp);
  return *icmp;
}

}  // namespace tapstack::test
