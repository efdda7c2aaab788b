#pragma once
// The flood: a deterministic stream of frames from a crowd of random hosts, built with the
// stack's own Reprs, that make every bounded structure of the Stack work at its limit. Shared by
// make_flood (which writes it to a pcap for `tapstack replay`) and flood_test (which feeds it
// straight to a Stack), so both see the very same frames.
//
// Per frame, one of (by a seeded xorshift; seed and index fix the frame):
//  - 30 % an ARP request for our address from a random sender in 10.0.0.0/16 with a random MAC:
//    the stack learns the sender (create, force) and answers — the neighbour cache fills with
//    STALE entries and evicts;
//  - 30 % an ICMP echo request from a random source: the reply needs that neighbour resolved,
//    so the stack creates an INCOMPLETE entry, broadcasts an ARP request and holds the reply —
//    the cache fills with entries it cannot evict and the held-frame pool overflows;
//  - 40 % an IPv4 fragment (ICMP) with a random identification from a random source, half of
//    them for a key seen recently (the last 256), at a random 8-byte-aligned offset with a
//    random length: duplicates, overlaps, completions, and a new reassembly slot for every new
//    key — the reassembler's memory bound evicts. Every fragment stays within a legal datagram
//    (offset + length <= 65515 payload bytes). One in 16 is instead the first of two fragments
//    of a valid echo request, the second following at once: reassembled and answered.
// Frames are 40 µs apart (25 000 per second), so a million take 40 s of capture time: ARP
// retries and expiry, reassembly timeouts and the ICMP rate limits all run.
#include "stack/config.hpp"
#include "stack/wire/arp.hpp"
#include "stack/wire/checksum.hpp"
#include "stack/wire/ethernet.hpp"
#include "stack/wire/icmp.hpp"
#include "stack/wire/ipv4.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>

namespace tapstack::flood {

inline constexpr Ipv4Interface kOurInterface{Ipv4Addr::from_octets(10, 0, 0, 2), 16};
inline constexpr std::uint64_t kDefaultSeed = 0x7a9517ac4b1d2e03;
inline constexpr std::size_t kDefaultFrames = 1'000'000;
inline constexpr Duration kSpacing = std::chrono::microseconds(40);
// 2023-11-14, as the unit tests' t0: replay's clock is the capture's.
inline constexpr Instant kStart = instant_from_ns(1'700'000'000'000'000'000);

// What `tapstack replay --ip 10.0.0.2/16` builds: Linux's defaults, the MAC from the address.
inline StackConfig stack_config() {
  StackConfig c;
  c.mode = LinkMode::tap;
  c.ip = kOurInterface;
  c.mac = default_mac_for(c.ip.addr);
  return c;
}

class FloodGenerator {
 public:
  enum class Kind { arp_request, echo_request, fragment };

  explicit FloodGenerator(std::uint64_t seed = kDefaultSeed) : state_(seed | 1) {}

  // The next frame (valid until the next call) and its time stamp.
  Bytes next(Instant& at, Kind* kind = nullptr) {
    at = kStart + kSpacing * static_cast<std::int64_t>(index_++);
    const unsigned pick = static_cast<unsigned>(random() % 10);
    const Kind k = pick < 3 ? Kind::arp_request : pick < 6 ? Kind::echo_request : Kind::fragment;
    if (kind != nullptr) *kind = k;
    switch (k) {
      case Kind::arp_request: return arp_request();
      case Kind::echo_request: return echo_request();
      case Kind::fragment: return fragment();
    }
    return {};
  }

  std::uint64_t produced() const { return index_; }

 private:
  static constexpr std::size_t kMaxPayload = kIpv4MaxDatagramLen - kIpv4MinHeaderLen;  // 65515
  static constexpr std::size_t kMaxFragment = 1480;

  std::uint64_t random() {  // xorshift64*
    state_ ^= state_ >> 12;
    state_ ^= state_ << 25;
    state_ ^= state_ >> 27;
    return state_ * 0x2545f4914f6cdd1dULL;
  }

  // A host of 10.0.0.0/16 other than us, the network and the broadcast address.
  Ipv4Addr random_host() {
    for (;;) {
      const auto low = static_cast<std::uint16_t>(random());
      const Ipv4Addr a{kOurInterface.network().value | low};
      if (a != kOurInterface.addr && low != 0 && low != 0xffff) return a;
    }
  }
  MacAddr random_mac() {  // locally administered unicast
    const std::uint64_t r = random();
    MacAddr m;
    for (std::size_t i = 0; i < 6; ++i) m.octets[i] = static_cast<std::uint8_t>(r >> (8 * i));
    m.octets[0] = static_cast<std::uint8_t>((m.octets[0] & 0xfc) | 0x02);
    return m;
  }
  // The sender's MAC: one per address (derived from it), as a real crowd of hosts would have.
  static MacAddr mac_of(Ipv4Addr a) { return {{0x02, 0x42, a.octet(0), a.octet(1), a.octet(2), a.octet(3)}}; }

  Bytes arp_request() {
    const Ipv4Addr sender = random_host();
    const MacAddr mac = (random() & 7) == 0 ? random_mac() : mac_of(sender);  // some hosts change MAC
    const MutableBytes f = MutableBytes(buffer_).first(kEthernetMinFrameLen);
    EthernetRepr{MacAddr::broadcast(), mac, EtherType::arp}.emit(f);
    ArpPacket{ArpOp::request, mac, sender, MacAddr::zero(), kOurInterface.addr}.emit(f.subspan(kEthernetHeaderLen));
    std::fill(f.begin() + kEthernetHeaderLen + kArpPacketLen, f.end(), std::byte{0});
    return f;
  }

  // The IPv4 datagram's header at kEthernetHeaderLen, from src to us, Ethernet in front.
  MutableBytes datagram(Ipv4Addr src, std::uint16_t ident, std::uint16_t flags_frag, std::size_t payload_len) {
    const Ipv4Repr ip{.src = src, .dst = kOurInterface.addr, .protocol = static_cast<decltype(Ipv4Repr::protocol)>(1),
                      .ident = ident, .flags_frag = flags_frag, .payload_len = payload_len};
    const MutableBytes f = MutableBytes(buffer_).first(kEthernetHeaderLen + ip.total_len());
    EthernetRepr{default_mac_for(kOurInterface.addr), mac_of(src), EtherType::ipv4}.emit(f);
    ip.emit(f.subspan(kEthernetHeaderLen));
    return f;
  }

  Bytes echo_request() {
    const Ipv4Addr src = random_host();
    constexpr std::size_t kData = 56;  // ping's default
    const MutableBytes f = datagram(src, static_cast<std::uint16_t>(random()), kIpv4FlagDontFragment, kIcmpHeaderLen + kData);
    const MutableBytes icmp = f.subspan(kEthernetHeaderLen + kIpv4MinHeaderLen);
    store_u8(icmp, icmp_field::type, 8);
    store_u8(icmp, icmp_field::code, 0);
    store_be16(icmp, icmp_field::checksum, 0);
    store_be16(icmp, icmp_field::ident, static_cast<std::uint16_t>(random()));
    store_be16(icmp, icmp_field::sequence, static_cast<std::uint16_t>(index_));
    for (std::size_t i = 0; i < kData; ++i) store_u8(icmp, kIcmpHeaderLen + i, static_cast<std::uint8_t>(i));
    store_be16(icmp, icmp_field::checksum, internet_checksum(icmp));
    return f;
  }

  Bytes fragment() {
    if (pending_len_ != 0) return second_half();
    if (random() % 16 == 0) return first_half();
    Key key;
    if ((random() & 1) != 0 && recent_count_ > 0) {
      key = recent_[random() % std::min(recent_count_, recent_.size())];
    } else {
      key = Key{random_host(), static_cast<std::uint16_t>(random())};
      recent_[recent_count_++ % recent_.size()] = key;
    }
    // Offsets mostly in the first 4 KiB, where a recent key's fragments meet; sometimes anywhere.
    const std::size_t max_unit = (random() % 8) == 0 ? (kMaxPayload - 8) / 8 : 512;
    const std::size_t offset = (random() % (max_unit + 1)) * 8;
    std::size_t len = 8 * (1 + random() % (kMaxFragment / 8));
    len = std::min(len, kMaxPayload - offset);
    const bool more = (random() % 4) != 0;
    if (more) len &= ~std::size_t{7};
    const auto flags_frag = static_cast<std::uint16_t>((more ? kIpv4FlagMoreFragments : 0) | (offset / 8));
    const MutableBytes f = datagram(key.src, key.ident, flags_frag, len);
    // The payload's bytes depend on the key and the offset only: overlaps agree with each other.
    const MutableBytes payload = f.subspan(kEthernetHeaderLen + kIpv4MinHeaderLen);
    for (std::size_t i = 0; i < len; ++i) store_u8(payload, i, static_cast<std::uint8_t>((offset + i) * 7 + key.ident));
    return f;
  }

  // One fragment in 16 starts a well-formed echo request in two fragments, whose second comes
  // next: reassembled (a new key takes the newest slot, which eviction reaches last) and answered.
  Bytes first_half() {
    const Ipv4Addr src = random_host();
    const auto ident = static_cast<std::uint16_t>(random());
    const std::size_t message_len = 16 + 8 * (random() % 180);  // 16-1448 bytes of ICMP
    const std::size_t first_len = 8 * (1 + random() % (message_len / 8 - 1));
    // The whole message first, at the end of the buffer, then the first piece in front of it.
    const MutableBytes message = MutableBytes(buffer_).last(message_len);
    store_u8(message, icmp_field::type, 8);
    store_u8(message, icmp_field::code, 0);
    store_be16(message, icmp_field::checksum, 0);
    store_be16(message, icmp_field::ident, ident);
    store_be16(message, icmp_field::sequence, static_cast<std::uint16_t>(index_));
    for (std::size_t i = kIcmpHeaderLen; i < message_len; ++i) store_u8(message, i, static_cast<std::uint8_t>(i));
    store_be16(message, icmp_field::checksum, internet_checksum(message));
    pending_ = Key{src, ident};
    pending_offset_ = first_len;
    pending_len_ = message_len - first_len;
    const MutableBytes f = datagram(src, ident, kIpv4FlagMoreFragments, first_len);
    copy_bytes(f.subspan(kEthernetHeaderLen + kIpv4MinHeaderLen), message.first(first_len));
    return f;
  }
  Bytes second_half() {
    const std::size_t offset = pending_offset_, len = pending_len_;
    pending_len_ = 0;
    const Bytes rest = Bytes(buffer_).last(offset + len).subspan(offset);
    // The datagram is built in front of the message, which stays where it is at the buffer's end.
    const MutableBytes f = datagram(pending_.src, pending_.ident, static_cast<std::uint16_t>(offset / 8), len);
    copy_bytes(f.subspan(kEthernetHeaderLen + kIpv4MinHeaderLen), rest);
    return f;
  }

  struct Key {  // a datagram being fragmented: (source, identification); destination us, ICMP
    Ipv4Addr src;
    std::uint16_t ident = 0;
  };

  std::uint64_t state_;
  std::uint64_t index_ = 0;
  std::array<std::byte, kEthernetHeaderLen + kIpv4MaxDatagramLen> buffer_{};
  std::array<Key, 256> recent_{};
  std::size_t recent_count_ = 0;
  Key pending_;  // the echo request whose second fragment comes next, if pending_len_ != 0
  std::size_t pending_offset_ = 0, pending_len_ = 0;
};

}  // namespace tapstack::flood
