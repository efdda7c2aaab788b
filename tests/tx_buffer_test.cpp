#include "stack/tx_buffer.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <vector>

using namespace tapstack;

namespace {

std::vector<int> bytes_of(Bytes b) {
  std::vector<int> v;
  for (const std::byte x : b) v.push_back(std::to_integer<int>(x));
  return v;
}

void fill(MutableBytes b, int value) { std::fill(b.begin(), b.end(), static_cast<std::byte>(value)); }

}  // namespace

TEST_CASE("tx buffer: headers pushed in front of the payload come first, innermost last") {
  TxBuffer buf({.headroom = 6, .max_len = 8, .min_frame_len = 0});
  fill(buf.start(3), 3);
  fill(buf.push(2), 2);
  fill(buf.push(1), 1);
  CHECK(bytes_of(buf.data()) == std::vector<int>{1, 2, 2, 3, 3, 3});
  CHECK(buf.size() == 6);
  CHECK(bytes_of(buf.frame()) == bytes_of(buf.data()));
}

TEST_CASE("tx buffer: a short frame is padded with zeros to the minimum, even over old bytes") {
  TxBuffer buf({.headroom = 2, .max_len = 4, .min_frame_len = 10});
  fill(buf.start(4), 0xee);  // leaves non-zero bytes behind for the next packet
  fill(buf.start(1), 7);
  fill(buf.push(2), 1);
  CHECK(bytes_of(buf.frame()) == std::vector<int>{1, 1, 7, 0, 0, 0, 0, 0, 0, 0});
  CHECK(buf.size() == 3);  // padding is the frame's, not the packet's
}

TEST_CASE("tx buffer: start() begins a new packet behind the whole headroom") {
  TxBuffer buf({.headroom = 4, .max_len = 4, .min_frame_len = 0});
  fill(buf.start(2), 5);
  buf.push(4);
  fill(buf.start(4), 6);
  CHECK(bytes_of(buf.data()) == std::vector<int>{6, 6, 6, 6});
  fill(buf.push(4), 9);
  CHECK(buf.size() == 8);
}
