#include "stack/wire/ethernet.hpp"

#include "test_frames.hpp"

#include <catch2/catch.hpp>

using namespace tapstack;
using namespace tapstack::test;

TEST_CASE("ethernet: every frame shorter than 14 bytes is rejected as truncated") {
  const Frame frame = arp_request_for_us();
  for (std::size_t len = 0; len < kEthernetHeaderLen; ++len) {
    INFO("length " << len);
    const auto v = EthernetView::parse(Bytes(frame).first(len));
    REQUIRE_FALSE(v);
    CHECK(v.error() == EthernetError::truncated);
  }
}

TEST_CASE("ethernet: a header parses into addresses, type and the rest as payload") {
  const auto frame = bytes({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0x00, 0x0a, 0x00, 0x00, 0x01, 0x08, 0x06, 0xaa});
  const auto v = EthernetView::parse(frame);
  REQUIRE(v);
  CHECK(v->dst().is_broadcast());
  CHECK(v->src() == kPeerMac);
  CHECK(v->type() == EtherType::arp);
  CHECK(v->payload().size() == 1);
}

TEST_CASE("ethernet: an emitted header parses back to the same values, unknown types included") {
  Frame out(kEthernetHeaderLen);
  const EthernetRepr repr{kPeerMac, kOurMac, EtherType{0x88b5}};
  repr.emit(out);
  const auto v = EthernetView::parse(out);
  REQUIRE(v);
  CHECK(v->dst() == kPeerMac);
  CHECK(v->src() == kOurMac);
  CHECK(v->type() == EtherType{0x88b5});
}
