#include "stack/wire/tcp.hpp"

#include "test_frames.hpp"

#include <catch2/catch.hpp>

using namespace tapstack;
using namespace tapstack::test;

TEST_CASE("tcp: a header built by TcpRepr reads back field by field, its checksum covering the data") {
  Frame seg(kTcpMinHeaderLen + 5, std::byte{0x42});
  const TcpRepr repr{.src_port = 80, .dst_port = 40000, .seq = 0x01020304, .ack = 0xa0b0c0d0,
                     .flags = tcp_flag::rst | tcp_flag::ack, .window = 512};
  repr.emit(seg, kOurIp, kPeerIp);
  const auto v = TcpView::parse(seg, kOurIp, kPeerIp);
  REQUIRE(v);
  CHECK(v->src_port() == 80);
  CHECK(v->dst_port() == 40000);
  CHECK(v->seq() == 0x01020304);
  CHECK(v->ack() == 0xa0b0c0d0);
  CHECK(v->header_len() == kTcpMinHeaderLen);
  CHECK(v->flags() == (tcp_flag::rst | tcp_flag::ack));
  CHECK(v->window() == 512);
  CHECK(v->payload_len() == 5);
  // The pseudo-header binds it to its addresses.
  CHECK(TcpView::parse(seg, kOurIp, Ipv4Addr::from_octets(10, 0, 0, 3)).error() == TcpError::bad_checksum);
}

TEST_CASE("tcp: a segment shorter than its header, or with a data offset below 5 or past its end, is refused") {
  Frame seg = tcp(tcp_flag::syn, 1, 0);
  CHECK(TcpView::parse(Bytes(seg).first(19), kPeerIp, kOurIp).error() == TcpError::truncated);
  store_u8(seg, 12, 4 << 4);
  CHECK(TcpView::parse(seg, kPeerIp, kOurIp).error() == TcpError::bad_length);
  store_u8(seg, 12, 6 << 4);
  CHECK(TcpView::parse(seg, kPeerIp, kOurIp).error() == TcpError::bad_length);
}
