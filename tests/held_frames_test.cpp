#include "stack/held_frames.hpp"

#include "test_frames.hpp"

#include <catch2/catch.hpp>

using namespace tapstack;
using namespace tapstack::test;

namespace {
// Buffers as the Stack makes them in TAP mode, for datagrams of up to max_len bytes.
TxRoom room(std::size_t max_len) { return {.headroom = kEthernetHeaderLen, .max_len = max_len, .min_frame_len = 60}; }
Frame numbered(int n, std::size_t len = 60) { return Frame(len, static_cast<std::byte>(n)); }
std::vector<int> release_all(HeldFrames& held, Ipv4Addr ip) {
  std::vector<int> seen;
  held.release(ip, [&](TxBuffer& datagram) { seen.push_back(std::to_integer<int>(datagram.data()[0])); });
  return seen;
}
}  // namespace

TEST_CASE("held frames: released oldest first, only for their neighbour") {
  HeldFrames held(8, 4, room(100));
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
  HeldFrames held(8, 2, room(100));
  CHECK(held.hold(kPeerIp, numbered(1)) == 0);
  CHECK(held.hold(kPeerIp, numbered(2)) == 0);
  CHECK(held.hold(kPeerIp, numbered(3)) == 1);
  CHECK(release_all(held, kPeerIp) == std::vector<int>{2, 3});
}

TEST_CASE("held frames: a full pool loses its oldest frame overall") {
  HeldFrames held(2, 8, room(100));
  const auto other = Ipv4Addr::from_octets(10, 0, 0, 9);
  held.hold(kPeerIp, numbered(1));
  held.hold(other, numbered(2));
  CHECK(held.hold(other, numbered(3)) == 1);
  CHECK(release_all(held, kPeerIp).empty());
  CHECK(release_all(held, other) == std::vector<int>{2, 3});
}

TEST_CASE("held frames: a frame larger than a slot is refused, and drop() empties a neighbour") {
  HeldFrames held(4, 4, room(100));
  CHECK(held.hold(kPeerIp, numbered(1, 101)) == 1);
  CHECK(held.size() == 0);
  held.hold(kPeerIp, numbered(1));
  held.hold(kPeerIp, numbered(2));
  CHECK(held.drop(kPeerIp) == 2);
  CHECK(held.size() == 0);
}

TEST_CASE("held frames: contents survive byte for byte") {
  HeldFrames held(2, 2, room(100));
  const Frame f = ipv4(kOurIp, kPeerIp, IpProtocol::icmp, icmp_echo(1, 1, 8));
  held.hold(kPeerIp, f);
  Frame out;
  held.release(kPeerIp, [&](TxBuffer& datagram) { out.assign(datagram.data().begin(), datagram.data().end()); });
  CHECK(out == f);
}

TEST_CASE("held frames: a released datagram gets its link header in front and padding behind, in place") {
  HeldFrames held(2, 2, room(100));
  const Frame f = ipv4(kOurIp, kPeerIp, IpProtocol::icmp, icmp_echo(1, 1, 0));  // 28 bytes
  held.hold(kPeerIp, f);
  Frame out;
  held.release(kPeerIp, [&](TxBuffer& datagram) {
    EthernetRepr{kPeerMac, kOurMac, EtherType::ipv4}.emit(datagram.push(kEthernetHeaderLen));
    const Bytes frame = datagram.frame();
    out.assign(frame.begin(), frame.end());
  });
  CHECK(out == [&] {
    Frame padded = ethernet(kPeerMac, kOurMac, EtherType::ipv4, f);
    padded.resize(60);
    return padded;
  }());
}
