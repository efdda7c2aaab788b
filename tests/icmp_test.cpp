#include "stack/wire/icmp.hpp"

#include "test_frames.hpp"

#include <catch2/catch.hpp>

using namespace tapstack;
using namespace tapstack::test;

TEST_CASE("icmp: an echo request exposes identifier, sequence and data") {
  const Frame m = icmp_echo(0x1c, 3, 56);
  const auto v = IcmpView::parse(m);
  REQUIRE(v);
  CHECK(v->type() == IcmpType::echo_request);
  CHECK(v->code() == 0);
  CHECK(v->ident() == 0x1c);
  CHECK(v->sequence() == 3);
  CHECK(v->data().size() == 56);
}

TEST_CASE("icmp: messages shorter than 8 bytes are truncated") {
  const Frame m = icmp_echo(1, 1, 0);
  for (std::size_t len = 0; len < kIcmpHeaderLen; ++len) {
    INFO("length " << len);
    CHECK(IcmpView::parse(Bytes(m).first(len)).error() == IcmpError::truncated);
  }
}

TEST_CASE("icmp: the checksum covers the data too") {
  Frame m = icmp_echo(1, 1, 32);
  m.back() ^= std::byte{0x01};
  CHECK(IcmpView::parse(m).error() == IcmpError::bad_checksum);
}
