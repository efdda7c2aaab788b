// libFuzzer target: the Reassembler6 fed sequences of IPv6 fragments — a few sources and
// identifications that collide, any offsets, lengths, M bits, ECN bits, an optional destination
// options header before the Fragment header, overlaps, duplicates and clock steps — the way
// Stack::on_fragment6 drives it (pop_expired until empty, then on_fragment).
//
// Input: one configuration byte, then 6-byte records:
//   config   bits 0-1 max_bytes (16 KiB, 64 KiB, 128 KiB, 256 KiB: 1, 1, 2, 4 slots)
//            bits 2-3 ipv6_timeout (1 s, 2 s, 60 s, 5 s)
//   byte 0   bits 0-1 source fd00::1-4, bits 2-4 ident, bit 5 Next Header (ICMPv6/UDP),
//            bit 6 an 8-byte destination options header before the Fragment header,
//            bit 7 the upper layer is TCP (needs 20 bytes in a first fragment)
//   byte 1-2 bits 0-12 offset (8-byte units), bit 13 M, bits 14-15 the reserved bits
//   byte 3-4 data length: bits 0-10 if bit 15 is clear, else bits 0-14 * 2 (mod what fits)
//   byte 5   bits 0-1 ECN, bits 2-5 clock advance (kAdvance), bit 6 timers only, no fragment
// Data byte at fragmentable offset k is pattern(ident, k), so a reassembled datagram can be
// checked byte for byte.
//
// Checks after every step:
//  - the bounds: incomplete() <= capacity(); bytes_held() within 65535 per slot; nothing held
//    when nothing is incomplete; next_deadline() exactly when something is held, and later than
//    now once pop_expired(now) is drained;
//  - a refused fragment (parameter problem) names code 0 or 3 and a pointer inside the fragment;
//  - an atomic fragment is answered not_a_fragment and changes nothing;
//  - a complete datagram has no Fragment header left, a payload length equal to its size - 40,
//    its fragments' addresses, the unfragmentable part of the first, and the pattern throughout;
//  - an expired datagram's first fragment (when held) carries its key.
#include "fuzz_check.hpp"
#include "fuzz_input.hpp"
#include "stack/reassembly6.hpp"
#include "stack/wire/ipv6.hpp"
#include "stack/wire/ipv6_fragment.hpp"

#include <algorithm>
#include <array>
#include <vector>

namespace {

using namespace tapstack;

constexpr const char* kName = "reassembly6_fuzz";

constexpr std::array<std::size_t, 4> kMaxBytes{16 * 1024, 64 * 1024, 128 * 1024, 256 * 1024};
constexpr std::array<Duration, 4> kTimeouts{1s, 2s, 60s, 5s};
constexpr std::uint8_t kDestOptions = 60, kIcmpv6 = 58, kUdp = 17, kTcp = 6, kFragment = 44;

std::uint8_t pattern(std::uint32_t ident, std::size_t k) {
  return static_cast<std::uint8_t>(k * 131u + ident * 7u + (k >> 8) * 13u);
}

[[noreturn]] void fail(Bytes data, const char* what) { fuzz::failf(kName, data, "%s", what); }

std::array<std::byte, 40 + 8 + 8 + 65535> g_fragment;

Ipv6Addr source(unsigned i) {
  Ipv6Addr a;
  a.octets[0] = 0xfd;
  a.octets[15] = static_cast<std::uint8_t>(1 + i);
  return a;
}
Ipv6Addr ours() {
  Ipv6Addr a;
  a.octets[0] = 0xfd;
  a.octets[15] = 0x80;
  return a;
}

bool address_at(Bytes b, std::size_t at, const Ipv6Addr& a) {
  for (std::size_t i = 0; i < 16; ++i)
    if (load_u8(b, at + i) != a.octets[i]) return false;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::ByteReader in(data, size);
  const std::uint8_t cfg = in.u8();
  ReassemblyConfig config;
  config.max_bytes = kMaxBytes[cfg & 3];
  config.ipv6_timeout = kTimeouts[(cfg >> 2) & 3];
  Reassembler6 r(config);
  const std::size_t slots = std::max<std::size_t>(config.max_bytes / FragmentQueues::kSlotBytes, 1);
  if (r.capacity() != slots) fail({}, "capacity() is not max_bytes / 64 KiB (at least 1)");

  Instant now = fuzz::kStart;
  while (in.size() >= 6) {
    const std::uint8_t key = in.u8();
    const std::uint16_t off_flags = in.be16();
    const std::uint16_t len_field = in.be16();
    const std::uint8_t step = in.u8();
    now += fuzz::kAdvance[(step >> 2) & 0x0f];

    while (const auto e = r.pop_expired(now)) {
      const Bytes first = e->first_fragment;
      if (first.empty()) continue;
      if (first.size() < 48) fail(first, "an expired first fragment is shorter than its headers");
      if (!address_at(first, 8, e->src) || !address_at(first, 24, e->dst))
        fail(first, "an expired first fragment does not carry its datagram's addresses");
    }
    if (const auto d = r.next_deadline(); d && *d <= now) fail({}, "next_deadline() is not later than now after pop_expired(now)");

    if ((step & 0x40) == 0) {
      const bool dest_options = (key & 0x40) != 0;
      const std::uint8_t upper = (key & 0x80) != 0 ? kTcp : (key & 0x20) != 0 ? kUdp : kIcmpv6;
      const std::size_t at = dest_options ? 48 : 40;
      const std::size_t room = kIpv6MaxPayloadLen - (at - 40) - 8;
      const std::size_t len = (len_field & 0x8000) != 0 ? (std::size_t{len_field & 0x7fffu} * 2) % (room + 1) : len_field & 0x07ffu;
      const MutableBytes out = MutableBytes(g_fragment).first(at + 8 + len);
      std::fill_n(out.begin(), at, std::byte{0});
      const std::uint8_t ecn = step & 3;
      store_u8(out, 0, 0x60);
      store_u8(out, 1, static_cast<std::uint8_t>(ecn << 4));
      store_be16(out, 4, static_cast<std::uint16_t>(out.size() - 40));
      store_u8(out, 6, dest_options ? kDestOptions : kFragment);
      store_u8(out, 7, 64);
      const Ipv6Addr src = source(key & 3u), dst = ours();
      for (std::size_t i = 0; i < 16; ++i) {
        store_u8(out, 8 + i, src.octets[i]);
        store_u8(out, 24 + i, dst.octets[i]);
      }
      if (dest_options) {
        store_u8(out, 40, kFragment);
        store_u8(out, 42, 1);  // PadN of 4
        store_u8(out, 43, 4);
      }
      const std::uint32_t ident = 0x100u + ((key >> 2) & 7u);
      const std::size_t offset = std::size_t{off_flags & 0x1fffu} * 8;
      Ipv6FragmentRepr{IpProtocol{upper}, offset, (off_flags & 0x2000) != 0, ident}.emit(out.subspan(at));
      store_u8(out, at + 3, static_cast<std::uint8_t>(load_u8(out, at + 3) | ((off_flags >> 13) & 6u)));  // reserved bits
      for (std::size_t k = 0; k < len; ++k) store_u8(out, at + 8 + k, pattern(ident, offset + k));

      const std::size_t held_before = r.incomplete();
      const std::size_t bytes_before = r.bytes_held();
      const Reassembly6Result res = r.on_fragment({out, at}, now);
      const bool atomic = offset == 0 && (off_flags & 0x2000) == 0;
      if (atomic != (res.status == ReassemblyStatus::not_a_fragment))
        fail(out.first(at + 8), "an atomic fragment was not answered not_a_fragment, or a fragment was");
      if (atomic && (r.incomplete() != held_before || r.bytes_held() != bytes_before))
        fail(out.first(at + 8), "an atomic fragment changed the reassembly state");
      if (res.problem) {
        if (res.status != ReassemblyStatus::inconsistent) fail(out.first(at + 8), "a parameter problem without inconsistent");
        if ((res.problem->code != 0 && res.problem->code != 3) || res.problem->pointer >= out.size())
          fail(out.first(at + 8), "a parameter problem with a code or pointer Linux would not send");
      }
      if (res.status == ReassemblyStatus::complete) {
        const Bytes d = res.datagram;
        if (d.size() < at) fail({}, "a reassembled datagram is shorter than its unfragmentable part");
        if (load_be16(d, 4) != d.size() - 40) fail(d.first(at), "a reassembled payload length is not its size");
        if (!address_at(d, 8, src) || !address_at(d, 24, dst)) fail(d.first(at), "a reassembled datagram has other addresses");
        const std::size_t unfragmentable = load_u8(d, 6) == kDestOptions ? 48 : 40;
        const std::uint8_t named = load_u8(d, unfragmentable == 48 ? 40 : 6);
        if (named == kFragment) fail(d.first(unfragmentable), "a reassembled datagram still names a Fragment header");
        for (std::size_t k = 0; k < d.size() - unfragmentable; ++k)
          if (load_u8(d, unfragmentable + k) != pattern(ident, k)) {
            fuzz::failf(kName, d.first(unfragmentable), "reassembled payload byte %zu is %u, fragments carried %u", k,
                        load_u8(d, unfragmentable + k), pattern(ident, k));
          }
      }
    }

    if (r.incomplete() > r.capacity()) fail({}, "more incomplete datagrams than slots");
    if (r.incomplete() == 0 && r.bytes_held() != 0) fail({}, "bytes held with no incomplete datagram");
    if (r.next_deadline().has_value() != (r.incomplete() != 0)) fail({}, "next_deadline() and incomplete() disagree");
    if (r.bytes_held() > r.capacity() * kIpv6MaxPayloadLen) fail({}, "bytes_held() above what the slots can store");
  }
  return 0;
}
