#include "stack/held_frames.hpp"

#include "test_frames.hpp"

#include <catch2/catch.hpp>

using namespace tapstack;
using namespace tapstack::test;

namespace {
Frame numbered(int n, std::size_t len = 60) { return Frame(len, static_cast<std::byte>(n)); }
std::vector<int> release_all(HeldFrames& held, Ipv4Addr ip) {
  std::vector<int> seen;
  held.release(ip, [&](MutableBytes f) { seen.push_back(std::to_integer<int>(f[0])); });
  return seen;
}
}  // namespace

TEST_CASE("held frames: released oldest first, only for their neighbour") {
  HeldFrames held(8, 4, 100);
  const auto other = Ipv4Addr::from_octets(10, 0, 0, 9);
  held.hold(kPeerIp, numbered(1));
  held.hold(other, numbered(2));
  held.hold(kPeerIp, numbered(3));
  CHECK(release_all(held, kPeerIp) == std::vector<int>{1, 3});
  CHECK(held.size() == 1);
  CHECK(release_all(held, other) == std::vector<int>{2});
  CHECK(held.size() == 0);
}

TEST_CASE("held frames: a neighbour over its share loses its oldest frame") {
  HeldFrames held(8, 2, 100);
  CHECK(held.hold(kPeerIp, numbered(1)) == 0);
  CHECK(held.hold(kPeerIp, numbered(2)) == 0);
  CHECK(held.hold(kPeerIp, numbered(3)) == 1);
  CHECK(release_all(held, kPeerIp) == std::vector<int>{2, 3});
}

TEST_CASE("held frames: a full pool loses its oldest frame overall") {
  HeldFrames held(2, 8, 100);
  const auto other = Ipv4Addr::from_octets(10, 0, 0, 9);
  held.hold(kPeerIp, numbered(1));
  held.hold(other, numbered(2));
  CHECK(held.hold(other, numbered(3)) == 1);
  CHECK(release_all(held, kPeerIp).empty());
  CHECK(release_all(held, other) == std::vector<int>{2, 3});
}

TEST_CASE("held frames: a frame larger than a slot is refused, and drop() empties a neighbour") {
  HeldFrames held(4, 4, 100);
  CHECK(held.hold(kPeerIp, numbered(1, 101)) == 1);
  CHECK(held.size() == 0);
  held.hold(kPeerIp, numbered(1));
  held.hold(kPeerIp, numbered(2));
  CHECK(held.drop(kPeerIp) == 2);
  CHECK(held.size() == 0);
}

TEST_CASE("held frames: contents survive byte for byte") {
  HeldFrames held(2, 2, 100);
  const Frame f = echo_request_frame();
  held.hold(kPeerIp, f);
  Frame out;
  held.release(kPeerIp, [&](MutableBytes b) { out.assign(b.begin(), b.end()); });
  CHECK(out == f);
}
