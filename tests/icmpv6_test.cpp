#include "stack/wire/icmpv6.hpp"

#include "ipv6_frames.hpp"

#include <catch2/catch.hpp>

using namespace tapstack;
using namespace tapstack::test;

TEST_CASE("icmpv6: an echo request parses with identifier, sequence and data") {
  const Frame m = icmpv6_echo(0x1c, 7, 8, kPeerIp6, kOurIp6);
  const auto v = Icmpv6View::parse(m, kPeerIp6, kOurIp6);
  REQUIRE(v);
  CHECK(v->type() == Icmpv6Type::echo_request);
  CHECK(v->code() == 0);
  CHECK(v->ident() == 0x1c);
  CHECK(v->sequence() == 7);
  CHECK(v->data().size() == 8);
}

TEST_CASE("icmpv6: the checksum covers the pseudo-header, so other addresses fail it") {
  const Frame m = icmpv6_echo(0x1c, 7, 8, kPeerIp6, kOurIp6);
  CHECK(Icmpv6View::parse(m, kPeerIp6, Ipv6Addr::all_nodes()).error() == Icmpv6Error::bad_checksum);
  CHECK(Icmpv6View::parse(m, kOurLinkLocal, kOurIp6).error() == Icmpv6Error::bad_checksum);
}

TEST_CASE("icmpv6: a message shorter than its header is truncated") {
  const Frame m = icmpv6_echo(1, 1, 0, kPeerIp6, kOurIp6);
  for (std::size_t len = 0; len < kIcmpv6HeaderLen; ++len)
    CHECK(Icmpv6View::parse(Bytes(m).first(len), kPeerIp6, kOurIp6).error() == Icmpv6Error::truncated);
}

TEST_CASE("icmpv6: a flipped data bit fails the checksum") {
  Frame m = icmpv6_echo(1, 1, 16, kPeerIp6, kOurIp6);
  m[12] ^= std::byte{0x01};
  CHECK(Icmpv6View::parse(m, kPeerIp6, kOurIp6).error() == Icmpv6Error::bad_checksum);
}

TEST_CASE("icmpv6: the checksum of the Python-built echo request is reproduced") {
  // tests/ipv6_test.cpp's kEchoRequest: fd00::1 > fd00::2, id 0x1c seq 1, data 00..07.
  const Frame m = icmpv6_echo(0x1c, 1, 8, kPeerIp6, kOurIp6);
  CHECK(load_be16(m, icmpv6_field::checksum) == 0x7983);
}

TEST_CASE("icmpv6: error and NDP types are told apart") {
  CHECK(is_icmpv6_error(Icmpv6Type::parameter_problem));
  CHECK(is_icmpv6_error(Icmpv6Type{127}));
  CHECK_FALSE(is_icmpv6_error(Icmpv6Type::echo_request));
  CHECK(is_ndp(Icmpv6Type::neighbour_solicitation));
  CHECK(is_ndp(Icmpv6Type::redirect));
  CHECK_FALSE(is_ndp(Icmpv6Type::echo_reply));
  CHECK_FALSE(is_ndp(Icmpv6Type::mld2_report));
}

TEST_CASE("icmpv6: UDP over IPv6 refuses a zero checksum and verifies the pseudo-header") {
  Frame seg = udp6(1000, 2000, 5, kPeerIp6, kOurIp6);
  CHECK(UdpView::parse(seg, kPeerIp6, kOurIp6));
  CHECK(UdpView::parse(seg, kPeerIp6, Ipv6Addr::all_nodes()).error() == UdpError::bad_checksum);
  store_be16(seg, 6, 0);
  CHECK(UdpView::parse(seg, kPeerIp6, kOurIp6).error() == UdpError::zero_checksum);
}

TEST_CASE("icmpv6: TCP over IPv6 round-trips through TcpRepr and TcpView") {
  const Frame seg = tcp6(tcp_flag::syn, 100, 0, kPeerIp6, kOurIp6, 3);
  const auto v = TcpView::parse(seg, kPeerIp6, kOurIp6);
  REQUIRE(v);
  CHECK(v->seq() == 100);
  CHECK(v->payload_len() == 3);
  CHECK(TcpView::parse(seg, kPeerLinkLocal, kOurIp6).error() == TcpError::bad_checksum);
}
