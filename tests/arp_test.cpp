#include "stack/wire/arp.hpp"

#include "test_frames.hpp"

#include <catch2/catch.hpp>

using namespace tapstack;
using namespace tapstack::test;

namespace {
// The ARP payload of `arping -c1 10.0.0.2` from 10.0.0.1 (iputils: target MAC all-ones).
const Frame kArpingRequest = bytes({0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0x02, 0x00, 0x0a, 0x00,
                                    0x00, 0x01, 0x0a, 0x00, 0x00, 0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                    0x0a, 0x00, 0x00, 0x02});
}  // namespace

TEST_CASE("arp: a request from arping parses into its fields") {
  const auto p = ArpPacket::parse(kArpingRequest);
  REQUIRE(p);
  CHECK(p->op == ArpOp::request);
  CHECK(p->sender_mac == kPeerMac);
  CHECK(p->sender_ip == kPeerIp);
  CHECK(p->target_mac.is_broadcast());
  CHECK(p->target_ip == kOurIp);
}

TEST_CASE("arp: emit then parse is the identity") {
  const ArpPacket reply{ArpOp::reply, kOurMac, kOurIp, kPeerMac, kPeerIp};
  Frame out(kArpPacketLen);
  reply.emit(out);
  CHECK(ArpPacket::parse(out) == reply);
}

TEST_CASE("arp: every truncation is rejected as truncated") {
  for (std::size_t len = 0; len < kArpPacketLen; ++len) {
    INFO("length " << len);
    const auto p = ArpPacket::parse(Bytes(kArpingRequest).first(len));
    REQUIRE_FALSE(p);
    CHECK(p.error() == ArpError::truncated);
  }
}

TEST_CASE("arp: trailing Ethernet padding is ignored") {
  Frame padded = kArpingRequest;
  padded.resize(46);
  CHECK(ArpPacket::parse(padded));
}

TEST_CASE("arp: IEEE 802 hardware type is accepted as Linux does") {
  Frame p = kArpingRequest;
  store_be16(p, 0, 6);
  CHECK(ArpPacket::parse(p));
}

TEST_CASE("arp: wrong hardware, protocol, lengths and opcodes are rejected with their reason") {
  struct Case {
    std::size_t at;
    int value;
    bool wide;
    ArpError expected;
  };
  const Case cases[] = {
      {0, 0x0000, true, ArpError::bad_hardware},  {0, 0x0007, true, ArpError::bad_hardware},
      {4, 8, false, ArpError::bad_hardware},      {2, 0x86dd, true, ArpError::bad_protocol},
      {5, 16, false, ArpError::bad_protocol},     {6, 0, true, ArpError::bad_op},
      {6, 3, true, ArpError::bad_op},             {6, 0x0100, true, ArpError::bad_op},
  };
  for (const auto& c : cases) {
    Frame p = kArpingRequest;
    if (c.wide)
      store_be16(p, c.at, static_cast<std::uint16_t>(c.value));
    else
      store_u8(p, c.at, static_cast<std::uint8_t>(c.value));
    INFO("offset " << c.at << " value " << c.value);
    const auto parsed = ArpPacket::parse(p);
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error() == c.expected);
  }
}
