#include "stack/wire/ipv4.hpp"

#include "test_frames.hpp"

#include <catch2/catch.hpp>

using namespace tapstack;
using namespace tapstack::test;

namespace {
// A `ping -c1 -s 0 10.0.0.2` echo request from 10.0.0.1 as iputils builds it (IPv4 header +
// ICMP, id 0x1c seq 1); both checksums summed independently in Python.
const Frame kPingRequest = bytes({0x45, 0x00, 0x00, 0x1c, 0x3c, 0x1d, 0x40, 0x00, 0x40, 0x01, 0xea, 0xc1,
                                  0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02, 0x08, 0x00, 0xf7, 0xe2,
                                  0x00, 0x1c, 0x00, 0x01});
}  // namespace

TEST_CASE("ipv4: a captured echo request parses with every field") {
  const auto v = Ipv4View::parse(kPingRequest);
  REQUIRE(v);
  CHECK(v->header_len() == 20);
  CHECK(v->total_len() == 28);
  CHECK(v->ident() == 0x3c1d);
  CHECK(v->dont_fragment());
  CHECK_FALSE(v->is_fragment());
  CHECK(v->ttl() == 64);
  CHECK(v->protocol() == IpProtocol::icmp);
  CHECK(v->src() == kPeerIp);
  CHECK(v->dst() == kOurIp);
  CHECK(v->payload().size() == 8);
  CHECK(v->options().empty());
}

TEST_CASE("ipv4: every truncation of a valid header is rejected as truncated") {
  for (std::size_t len = 0; len < kPingRequest.size(); ++len) {
    INFO("length " << len);
    const auto v = Ipv4View::parse(Bytes(kPingRequest).first(len));
    REQUIRE_FALSE(v);
    CHECK(v.error() == Ipv4Error::truncated);
  }
}

TEST_CASE("ipv4: link-layer padding after the datagram is cut off") {
  Frame padded = kPingRequest;
  padded.resize(46, std::byte{0xee});
  const auto v = Ipv4View::parse(padded);
  REQUIRE(v);
  CHECK(v->datagram().size() == 28);
  CHECK(v->payload().size() == 8);
}

TEST_CASE("ipv4: a version other than 4 is rejected") {
  Frame p = kPingRequest;
  store_u8(p, 0, 0x65);
  CHECK(Ipv4View::parse(p).error() == Ipv4Error::bad_version);
}

TEST_CASE("ipv4: IHL below 5 is rejected, and so is a total length shorter than the header") {
  Frame p = kPingRequest;
  store_u8(p, 0, 0x44);
  CHECK(Ipv4View::parse(p).error() == Ipv4Error::bad_header_len);

  Frame q = kPingRequest;
  store_be16(q, ipv4_field::total_len, 19);
  store_be16(q, ipv4_field::checksum, 0);
  store_be16(q, ipv4_field::checksum, internet_checksum(Bytes(q).first(20)));
  CHECK(Ipv4View::parse(q).error() == Ipv4Error::bad_header_len);
}

TEST_CASE("ipv4: an IHL that runs past the data is truncated") {
  Frame p = kPingRequest;
  store_u8(p, 0, 0x4f);  // 60-byte header in a 28-byte packet
  CHECK(Ipv4View::parse(p).error() == Ipv4Error::truncated);
}

TEST_CASE("ipv4: a total length beyond the frame is truncated") {
  Frame p = kPingRequest;
  store_be16(p, ipv4_field::total_len, 29);
  store_be16(p, ipv4_field::checksum, 0);
  store_be16(p, ipv4_field::checksum, internet_checksum(Bytes(p).first(20)));
  CHECK(Ipv4View::parse(p).error() == Ipv4Error::truncated);
}

TEST_CASE("ipv4: any flipped header bit fails the checksum") {
  for (std::size_t bit = 0; bit < 160; ++bit) {
    if (bit < 8 || (bit >= 16 && bit < 32)) continue;  // version/IHL and length have their own errors
    Frame p = kPingRequest;
    p[bit / 8] ^= static_cast<std::byte>(0x80 >> (bit % 8));
    INFO("bit " << bit);
    const auto v = Ipv4View::parse(p);
    REQUIRE_FALSE(v);
    CHECK(v.error() == Ipv4Error::bad_checksum);
  }
}

TEST_CASE("ipv4: an emitted header parses back with its options padded to 4 bytes") {
  const auto options = bytes({0x01, 0x07, 0x03, 0x04});  // NOP + a cut record route: content is opaque here
  const Ipv4Repr r{.src = kOurIp, .dst = kPeerIp, .protocol = IpProtocol::icmp, .ttl = 64, .tos = 0x10, .ident = 7,
                   .flags_frag = 0, .payload_len = 8, .options = Bytes(options).first(3)};
  Frame out(r.total_len());
  r.emit(out);
  const auto v = Ipv4View::parse(out);
  REQUIRE(v);
  CHECK(v->header_len() == 24);
  CHECK(v->tos() == 0x10);
  CHECK(v->ttl() == 64);
  CHECK(v->ident() == 7);
  CHECK(v->options()[2] == std::byte{0x03});
  CHECK(v->options()[3] == std::byte{0x00});  // EOOL padding
}
