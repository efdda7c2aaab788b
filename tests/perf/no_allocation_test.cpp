// The hot path allocates nothing: this binary replaces the global operator new with one that
// counts, then feeds the stack every kind of frame it answers and checks the count stayed put;
// and the same through a link chain with the pcap recorder, as `run --pcap` composes it, and
// through the link emulation (`--loss`, `--delay`, ...), whose held frames sit in slots carved once.
// It is its own executable because replacing operator new affects everything linked with it.
#include "link/impairment.hpp"
#include "link/link.hpp"
#include "link/pcap_file.hpp"
#include "link/pcap_recorder.hpp"
#include "stack/stack.hpp"

#include "../test_frames.hpp"
#include "stack/wire/icmpv6.hpp"
#include "stack/fragmenter.hpp"
#include "stack/wire/ipv6.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <cstdlib>
#include <new>

namespace {
std::atomic<std::size_t> g_allocations{0};
}

// Every form of new and delete is replaced together, so allocation and release always meet
// the same allocator (sanitizers check that they do).
namespace {
void* counted_alloc(std::size_t n) noexcept {
  ++g_allocations;
  return std::malloc(n == 0 ? 1 : n);
}
}  // namespace

void* operator new(std::size_t n) {
  if (void* p = counted_alloc(n)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) {
  if (void* p = counted_alloc(n)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return counted_alloc(n); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return counted_alloc(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }

using namespace tapstack;
using namespace tapstack::test;

namespace {

class CountingSink final : public FrameSink {
 public:
  void emit(Bytes frame, Instant) override { bytes += frame.size(); ++frames; }
  std::size_t frames = 0, bytes = 0;
};

// The bottom of a chain, like a device: hands out the given frames in turn from storage it
// owns, stamped with the time the test sets, and counts what is emitted.
class LoopLink final : public Link {
 public:
  explicit LoopLink(std::vector<Frame> frames) : frames_(std::move(frames)) {}
  std::optional<ReceivedFrame> receive() override {
    if (next_ == frames_.size()) return std::nullopt;
    return ReceivedFrame{frames_[next_++], now};
  }
  void emit(Bytes, Instant) override { ++sent; }
  void rewind() { next_ = 0; }

  Instant now{};
  std::size_t sent = 0;

 private:
  std::vector<Frame> frames_;
  std::size_t next_ = 0;
};

}  // namespace

TEST_CASE("hot path: answering ARP, echo, fragments and options allocates nothing after construction") {
  StackConfig config;
  config.mac = kOurMac;
  config.ip = Ipv4Interface{kOurIp, 24};
  CountingSink sink;
  Stack stack(config, sink);
  const Instant t0 = instant_from_ns(1'000'000'000);

  const Frame arp_request = arp_request_for_us();
  const Frame echo_small = echo_request_frame(1, 56);
  const Frame echo_large = echo_request_frame(2, 1472);
  // Resolution from scratch: an echo from an unknown host is held while we ARP for it.
  const auto stranger = Ipv4Addr::from_octets(10, 0, 0, 77);
  const Frame from_stranger = ethernet(kOurMac, kPeerMac, EtherType::ipv4, ipv4(stranger, kOurIp, IpProtocol::icmp, icmp_echo(5, 1, 56)));
  const Frame stranger_reply = ethernet(kOurMac, kPeerMac, EtherType::arp, arp(ArpOp::reply, kPeerMac, stranger, kOurMac, kOurIp));
  // ping -s 4000: three fragments in, reassembled, answered in three fragments.
  const Frame big = ipv4(kPeerIp, kOurIp, IpProtocol::icmp, icmp_echo(0x1c, 1, 4000), 0, 0x77, 0);
  std::vector<Frame> fragments;
  for (std::size_t off = 0; off < big.size() - 20; off += 1480) {
    const std::size_t len = std::min<std::size_t>(1480, big.size() - 20 - off);
    const Frame piece(big.begin() + 20 + static_cast<std::ptrdiff_t>(off), big.begin() + 20 + static_cast<std::ptrdiff_t>(off + len));
    const auto flags = static_cast<std::uint16_t>((off + len < big.size() - 20 ? kIpv4FlagMoreFragments : 0) | (off / 8));
    fragments.push_back(ethernet(kOurMac, kPeerMac, EtherType::ipv4, ipv4(kPeerIp, kOurIp, IpProtocol::icmp, piece, 0, 0x77, flags)));
  }
  Frame record_route(40, std::byte{0});
  record_route[0] = std::byte{7};
  record_route[1] = std::byte{39};
  record_route[2] = std::byte{4};
  const Frame ping_r = ethernet(kOurMac, kPeerMac, EtherType::ipv4, ipv4(kPeerIp, kOurIp, IpProtocol::icmp, icmp_echo(1, 1, 56), 0, 1, 0x4000, record_route));
  const Frame garbage = bytes({0x02, 0, 0x0a, 0, 0, 2, 1, 2, 3, 4, 5, 6, 0x08, 0x00, 0x45});

  const std::size_t before = g_allocations.load();
  for (int i = 0; i < 1000; ++i) {
    const Instant now = t0 + std::chrono::milliseconds(i);
    stack.on_frame(arp_request, now);
    stack.on_frame(echo_small, now);
    stack.on_frame(echo_large, now);
    stack.on_frame(garbage, now);
    stack.on_frame(from_stranger, now);
    stack.on_frame(stranger_reply, now);
    for (const auto& f : fragments) stack.on_frame(f, now);
    stack.on_frame(ping_r, now);
    stack.on_timer(now);
  }
  const std::size_t during = g_allocations.load() - before;
  CHECK(during == 0);
  CHECK(sink.frames >= 4000);  // the frames really were answered
  CHECK(stack.counters()[Counter::arp_held_sent] >= 1);
  CHECK(stack.counters()[Counter::ip_frag_reassembled] == 1000);
  CHECK(stack.counters()[Counter::ip_frags_out] == 3000);
}

TEST_CASE("hot path: learning path MTUs, evicting and expiring them, and fragmenting to them allocates nothing") {
  StackConfig config;
  config.mac = kOurMac;
  config.ip = Ipv4Interface{kOurIp, 24};
  config.pmtu.max_entries = 8;  // small, so that learning evicts
  config.pmtu.mtu_expires = std::chrono::milliseconds(500);
  CountingSink sink;
  Stack stack(config, sink);
  const Instant t0 = instant_from_ns(1'000'000'000);

  // "Fragmentation needed" quoting an echo reply of ours to dst: the first 28 bytes of it.
  auto frag_needed = [](Ipv4Addr dst, std::uint16_t mtu) {
    Frame quote = ipv4(kOurIp, dst, IpProtocol::icmp, icmp_echo(0x1c, 1, 1400, IcmpType::echo_reply), 0, 0x55, 0);
    quote.resize(28);
    Frame m(kIcmpHeaderLen + quote.size());
    IcmpRepr{.type = IcmpType::dest_unreachable, .code = 4, .rest = mtu}.emit(m);
    std::copy(quote.begin(), quote.end(), m.begin() + kIcmpHeaderLen);
    store_be16(m, icmp_field::checksum, internet_checksum(m));
    return ethernet(kOurMac, kPeerMac, EtherType::ipv4, ipv4(kPeerIp, kOurIp, IpProtocol::icmp, m, 0, 0x99, 0));
  };
  std::vector<Frame> reports;
  for (std::uint8_t host = 100; host < 120; ++host) reports.push_back(frag_needed(Ipv4Addr::from_octets(10, 0, 0, host), 900));
  const Frame to_peer = frag_needed(kPeerIp, 1000);
  const Frame arp_request = arp_request_for_us();
  const Frame echo_large = echo_request_frame(2, 1472);

  const std::size_t before = g_allocations.load();
  for (int i = 0; i < 1000; ++i) {
    const Instant now = t0 + std::chrono::milliseconds(i);
    stack.on_frame(arp_request, now);
    stack.on_frame(to_peer, now);
    stack.on_frame(reports[static_cast<std::size_t>(i) % reports.size()], now);
    stack.on_frame(echo_large, now);  // 1500 bytes to a 1000-byte path: two fragments
    stack.on_timer(now);
  }
  stack.on_timer(t0 + std::chrono::seconds(10));  // every entry's time is over
  CHECK(g_allocations.load() - before == 0);
  CHECK(stack.path_mtus().entries().empty());
  CHECK(stack.counters()[Counter::pmtu_learned] >= 1000);
  CHECK(stack.counters()[Counter::pmtu_evicted] >= 1);
  CHECK(stack.counters()[Counter::pmtu_expired] >= 1);
  // Most replies go out in two fragments; when a report evicts the peer's entry, one whole.
  CHECK(stack.counters()[Counter::ip_frags_out] >= 1500);
}

TEST_CASE("hot path: frame in → reply out through a link chain with the pcap recorder allocates nothing") {
  StackConfig config;
  config.mac = kOurMac;
  config.ip = Ipv4Interface{kOurIp, 24};
  LoopLink base({arp_request_for_us(), echo_request_frame(1, 56), echo_request_frame(2, 1472)});
  auto writer = PcapWriter::create("/dev/null", CaptureLinkType::ethernet);
  REQUIRE(writer);
  PcapRecorder recorder(base, std::move(*writer), std::chrono::seconds(1'700'000'000));
  Link& link = recorder;
  Stack stack(config, link);

  // One round first: stdio's buffer for the capture is allocated at its first write.
  auto round = [&](Instant now) {
    base.now = now;
    base.rewind();
    if (const auto due = link.next_deadline(); due && *due <= now) link.on_timer(now);
    while (const auto frame = link.receive()) stack.on_frame(frame->data, frame->at);
  };
  const Instant t0 = instant_from_ns(1'000'000'000);
  round(t0);
  const std::size_t before = g_allocations.load();
  for (int i = 1; i <= 1000; ++i) round(t0 + std::chrono::milliseconds(10 * i));  // flushes every 100 rounds
  CHECK(g_allocations.load() - before == 0);
  CHECK(base.sent == 3003);
}

TEST_CASE("hot path: through the link emulation (loss, delay, jitter, duplicates, reorder, both ways) allocates nothing") {
  StackConfig config;
  config.mac = kOurMac;
  config.ip = Ipv4Interface{kOurIp, 24};
  LoopLink base({arp_request_for_us(), echo_request_frame(1, 56), echo_request_frame(2, 1472)});
  ImpairmentConfig impaired;
  impaired.loss = 0.1;
  impaired.duplicate = 0.1;
  impaired.reorder = 0.1;
  impaired.delay = std::chrono::milliseconds(5);
  impaired.jitter = std::chrono::milliseconds(2);
  impaired.inbound = impaired.outbound = true;
  Impairment impairment(base, impaired);  // its slots are carved here, once
  Link& link = impairment;
  Stack stack(config, link);

  // As run's loop: the link's timers when due, then every frame it hands over.
  auto round = [&](Instant now) {
    base.now = now;
    base.rewind();
    while (const auto due = link.next_deadline()) {
      if (*due > now) break;
      link.on_timer(*due);
    }
    while (const auto frame = link.receive()) stack.on_frame(frame->data, frame->at);
  };
  const Instant t0 = instant_from_ns(1'000'000'000);
  round(t0);
  const std::size_t before = g_allocations.load();
  for (int i = 1; i <= 1000; ++i) round(t0 + std::chrono::milliseconds(3 * i));
  CHECK(g_allocations.load() - before == 0);
  CHECK(base.sent > 2000);
  CHECK(impairment.outbound_stats().delayed > 0);
  CHECK(impairment.inbound_stats().duplicated > 0);
}

TEST_CASE("hot path: answering IPv6 echoes, UDP and TCP over IPv6 and parameter problems allocates nothing") {
  const Ipv6Addr ours = *Ipv6Addr::parse("fd00::2");
  const Ipv6Addr peer = *Ipv6Addr::parse("fd00::1");
  StackConfig config;
  config.mode = LinkMode::tun;  // replies leave at once: neighbour discovery is not this test's
  config.ip = Ipv4Interface{kOurIp, 24};
  config.ipv6.addresses = {Ipv6Interface{ours, 64}};
  config.icmpv6.ratemask.reset();  // errors unlimited, so every round answers them all
  CountingSink sink;
  Stack stack(config, sink);
  const Instant t0 = instant_from_ns(1'000'000'000);

  // ping -6: the fixed header, an ICMPv6 echo request and its data, checksum over the pseudo-header.
  const auto datagram = [&](IpProtocol next, const Frame& payload) {
    const Ipv6Repr r{.src = peer, .dst = ours, .next_header = next, .payload_len = payload.size()};
    Frame f(kIpv6HeaderLen);
    r.emit(f);
    f.insert(f.end(), payload.begin(), payload.end());
    return f;
  };
  const auto echo = [&](std::size_t len) {
    Frame m(kIcmpv6HeaderLen + len, std::byte{0x42});
    Icmpv6Repr{.type = Icmpv6Type::echo_request, .rest = 0x001c0001}.emit(m);
    fill_icmpv6_checksum(m, peer, ours);
    return datagram(IpProtocol::icmpv6, m);
  };
  Frame udp(kUdpHeaderLen + 20, std::byte{0x5a});
  store_be16(udp, 0, 40000);
  store_be16(udp, 2, 9);
  store_be16(udp, 4, static_cast<std::uint16_t>(udp.size()));
  store_be16(udp, 6, 0);
  store_be16(udp, 6, transport_checksum(udp, peer, ours, IpProtocol::udp));
  Frame syn(kTcpMinHeaderLen);
  TcpRepr{.src_port = 40000, .dst_port = 80, .seq = 7, .flags = tcp_flag::syn}.emit(syn, peer, ours);
  const std::vector<Frame> frames = {echo(56), echo(1400), datagram(IpProtocol::udp, udp), datagram(IpProtocol::tcp, syn),
                                     datagram(IpProtocol{253}, Frame(8))};

  const std::size_t before = g_allocations.load();
  for (int i = 0; i < 1000; ++i) {
    const Instant now = t0 + std::chrono::milliseconds(i);
    for (const Frame& f : frames) stack.on_frame(f, now);
    stack.on_timer(now);
  }
  CHECK(g_allocations.load() - before == 0);
  CHECK(sink.frames == 5000);
  CHECK(stack.counters()[Counter::icmp6_echo_replies_sent] == 2000);
  CHECK(stack.counters()[Counter::icmp6_errors_sent] == 2000);
  CHECK(stack.counters()[Counter::tcp_resets_sent] == 1000);
}

TEST_CASE("hot path: ping -6 -s 4000, reassembled and answered in fragments, and a reassembly timeout allocate nothing") {
  const Ipv6Addr ours = *Ipv6Addr::parse("fd00::2");
  const Ipv6Addr peer = *Ipv6Addr::parse("fd00::1");
  StackConfig config;
  config.mode = LinkMode::tun;  // replies leave at once: neighbour discovery is not this test's
  config.ip = Ipv4Interface{kOurIp, 24};
  config.ipv6.addresses = {Ipv6Interface{ours, 64}};
  config.icmpv6.ratemask.reset();
  CountingSink sink;
  Stack stack(config, sink);
  const Instant t0 = instant_from_ns(1'000'000'000);

  // The echo request as the peer's kernel sends it: 4008 bytes of ICMPv6 in fragments of 1448.
  Frame m(kIcmpv6HeaderLen + 4000, std::byte{0x42});
  Icmpv6Repr{.type = Icmpv6Type::echo_request, .rest = 0x001c0001}.emit(m);
  fill_icmpv6_checksum(m, peer, ours);
  Frame whole(kIpv6HeaderLen);
  Ipv6Repr{.src = peer, .dst = ours, .next_header = IpProtocol::icmpv6, .payload_len = m.size()}.emit(whole);
  whole.insert(whole.end(), m.begin(), m.end());
  auto pieces = Fragmenter6::create(whole, kIpv6HeaderLen, ipv6_field::next_header, 1500, 0x5150);
  REQUIRE(pieces);
  std::vector<Frame> fragments;
  Frame buf(pieces->max_fragment_len());
  while (auto n = pieces->next(buf)) fragments.emplace_back(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*n));
  REQUIRE(fragments.size() == 3);

  const std::size_t before = g_allocations.load();
  for (int i = 0; i < 1000; ++i) {
    const Instant now = t0 + std::chrono::milliseconds(i);
    for (const Frame& f : fragments) stack.on_frame(f, now);
    stack.on_timer(now);
  }
  // A first fragment alone, 60 s later: time exceeded (reassembly), quoting it.
  stack.on_frame(fragments[0], t0 + std::chrono::seconds(2));
  stack.on_timer(t0 + std::chrono::seconds(63));
  CHECK(g_allocations.load() - before == 0);
  CHECK(stack.counters()[Counter::ip6_frag_reassembled] == 1000);
  CHECK(stack.counters()[Counter::icmp6_echo_replies_sent] == 1000);
  CHECK(stack.counters()[Counter::ip6_frags_out] == 3000);
  CHECK(stack.counters()[Counter::ip6_frag_drop_timeout] == 1);
  CHECK(stack.counters()[Counter::icmp6_errors_sent] == 1);
  CHECK(sink.frames == 3001);
}
