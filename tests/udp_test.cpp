#include "stack/wire/udp.hpp"

#include "test_frames.hpp"

#include <catch2/catch.hpp>

using namespace tapstack;
using namespace tapstack::test;

TEST_CASE("udp: a datagram reads back, cut to its UDP length") {
  Frame seg = udp(5000, 53, 12);
  seg.resize(seg.size() + 4);  // IP payload beyond the UDP length (Linux trims it)
  const auto v = UdpView::parse(seg, kPeerIp, kOurIp);
  REQUIRE(v);
  CHECK(v->src_port() == 5000);
  CHECK(v->dst_port() == 53);
  CHECK(v->segment().size() == kUdpHeaderLen + 12);
  CHECK(v->payload().size() == 12);
}

TEST_CASE("udp: a zero checksum means none was computed; any other must verify") {
  Frame seg = udp(5000, 53, 12);
  const Ipv4Addr elsewhere = Ipv4Addr::from_octets(10, 0, 0, 3);
  CHECK(UdpView::parse(seg, kPeerIp, elsewhere).error() == UdpError::bad_checksum);
  store_be16(seg, 6, 0);
  CHECK(UdpView::parse(seg, kPeerIp, elsewhere));
}

TEST_CASE("udp: a length below the header or beyond the IP payload is refused") {
  Frame seg = udp(5000, 53, 12);
  CHECK(UdpView::parse(Bytes(seg).first(7), kPeerIp, kOurIp).error() == UdpError::truncated);
  store_be16(seg, 4, 7);
  CHECK(UdpView::parse(seg, kPeerIp, kOurIp).error() == UdpError::bad_length);
  store_be16(seg, 4, 21);
  CHECK(UdpView::parse(seg, kPeerIp, kOurIp).error() == UdpError::bad_length);
}
