// libFuzzer target: the Reassembler fed sequences of fragments — a few sources and ids that
// collide, any offsets, lengths, flags and ECN bits, overlaps and duplicates, clock steps — the
// way Stack::on_fragment drives it (pop_expired until empty, then on_fragment).
//
// Input: one configuration byte, then 6-byte records:
//   config   bits 0-1 max_bytes (16 KiB, 64 KiB, 128 KiB, 256 KiB: 1, 1, 2, 4 slots)
//            bits 2-3 timeout (1 s, 2 s, 30 s, 5 s)   bits 4-5 max_dist (64, 0, 1, 4)
//   byte 0   bits 0-1 source 10.0.0.1-4, bits 2-4 ident, bit 5 protocol (ICMP/UDP),
//            bit 6 destination (10.0.0.2 / 10.0.0.255), bit 7 pass a FragmentMeta header
//   byte 1-2 bits 0-12 offset (8-byte units), bit 13 MF, bit 14 DF, bit 15 4 bytes of options
//   byte 3-4 payload length: bits 0-10 if bit 15 is clear, else bits 0-14 * 2 (mod what fits)
//   byte 5   bits 0-1 ECN, bits 2-5 clock advance (kAdvance), bit 6 timers only, no fragment
// Every fragment's payload byte at datagram offset k is pattern(ident, k), so overlapping
// fragments agree and a reassembled datagram can be checked byte for byte.
//
// Checks after every step:
//  - the memory bound: incomplete() <= capacity() (max_bytes / 64 KiB slots, at least one), and
//    bytes_held() within what the slots store (65515 payload bytes each); nothing held when no
//    datagram is incomplete; next_deadline() exactly when something is held, and later than
//    now once pop_expired(now) is drained (else an event loop would spin);
//  - a complete datagram parses, is not a fragment, has its fragments' key, and carries the
//    pattern at every payload byte;
//  - an expired datagram's first fragment (when held) starts with a header of its key;
//  - a non-fragment is answered not_a_fragment.
#include "fuzz_check.hpp"
#include "fuzz_input.hpp"
#include "stack/reassembly.hpp"
#include "stack/wire/ipv4.hpp"

#include <array>
#include <cinttypes>
#include <vector>

namespace {

using namespace tapstack;
using tapstack::fuzz::u;

constexpr const char* kName = "reassembly_fuzz";

constexpr std::array<std::size_t, 4> kMaxBytes{16 * 1024, 64 * 1024, 128 * 1024, 256 * 1024};
constexpr std::array<Duration, 4> kTimeouts{1s, 2s, 30s, 5s};
constexpr std::array<unsigned, 4> kMaxDist{64, 0, 1, 4};

constexpr Ipv4Addr kOurIp = Ipv4Addr::from_octets(10, 0, 0, 2);
constexpr Ipv4Addr kBroadcastIp = Ipv4Addr::from_octets(10, 0, 0, 255);

// What bytes_held() can count per incomplete datagram: the payload a slot stores (65515 bytes).
// A doomed datagram's payload past that is tracked for its end but not stored, so not counted
// (regressions/reassembly/bytes-held-counts-unstored-payload: it once was).
constexpr std::size_t kMaxAccountedPerSlot = kIpv4MaxDatagramLen - kIpv4MinHeaderLen;

std::uint8_t pattern(std::uint16_t ident, std::size_t k) {
  return static_cast<std::uint8_t>(k * 131u + ident * 7u + (k >> 8) * 13u);
}

[[noreturn]] void fail(Bytes data, const char* what) { fuzz::failf(kName, data, "%s", what); }

std::array<std::byte, kIpv4MaxDatagramLen> g_fragment;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::ByteReader in(data, size);
  const std::uint8_t cfg = in.u8();
  const ReassemblyConfig config{.timeout = kTimeouts[(cfg >> 2) & 3], .max_bytes = kMaxBytes[cfg & 3]};
  Reassembler r(config, kMaxDist[(cfg >> 4) & 3]);
  const std::size_t slots = std::max<std::size_t>(config.max_bytes / Reassembler::kSlotBytes, 1);
  if (r.capacity() != slots) fail({}, "capacity() is not max_bytes / 64 KiB (at least 1)");

  Instant now = fuzz::kStart;
  while (in.size() >= 6) {
    const std::uint8_t key = in.u8();
    const std::uint16_t off_flags = in.be16();
    const std::uint16_t len_field = in.be16();
    const std::uint8_t step = in.u8();
    now += fuzz::kAdvance[(step >> 2) & 0x0f];

    // As Stack::on_fragment: everything due expires first.
    while (const auto e = r.pop_expired(now)) {
      const Bytes first = e->first_fragment;
      if (first.empty()) continue;
      if (first.size() < kIpv4MinHeaderLen) fail(first, "an expired datagram's first fragment is shorter than a header");
      const std::size_t hlen = static_cast<std::size_t>(load_u8(first, 0) & 0x0fu) * 4;
      if (hlen < kIpv4MinHeaderLen || hlen > first.size()) fail(first, "an expired first fragment's IHL is wrong");
      if (Ipv4Addr{load_be32(first, ipv4_field::src)} != e->src || Ipv4Addr{load_be32(first, ipv4_field::dst)} != e->dst ||
          load_u8(first, ipv4_field::protocol) != u(e->protocol) || load_be16(first, ipv4_field::ident) != e->ident)
        fail(first, "an expired first fragment does not carry its datagram's key");
      for (std::size_t k = 0; k < first.size() - hlen; ++k)
        if (load_u8(first, hlen + k) != pattern(e->ident, k)) fail(first, "an expired first fragment's payload is corrupt");
    }
    if (const auto d = r.next_deadline(); d && *d <= now) fail({}, "next_deadline() is not later than now after pop_expired(now)");

    if ((step & 0x40) == 0) {
      const bool options = (off_flags & 0x8000) != 0;
      Ipv4Repr repr{.src = Ipv4Addr::from_octets(10, 0, 0, static_cast<std::uint8_t>(1 + (key & 3))),
                    .dst = (key & 0x40) != 0 ? kBroadcastIp : kOurIp,
                    .protocol = static_cast<decltype(Ipv4Repr::protocol)>((key & 0x20) != 0 ? 17 : 1),
                    .tos = static_cast<std::uint8_t>(step & 3),
                    .ident = static_cast<std::uint16_t>(0x100 + ((key >> 2) & 7)),
                    .flags_frag = static_cast<std::uint16_t>(off_flags & 0x7fff)};
      static constexpr std::array<std::byte, 4> kNops{std::byte{1}, std::byte{1}, std::byte{1}, std::byte{0}};
      if (options) repr.options = kNops;
      // Mostly short (0-2047 bytes, so an input holds many fragments and runs fast); with the
      // top bit, any length that fits.
      const std::size_t room = kIpv4MaxDatagramLen - repr.header_len();
      repr.payload_len = (len_field & 0x8000) != 0 ? (std::size_t{len_field & 0x7fffu} * 2) % (room + 1) : len_field & 0x07ffu;
      const MutableBytes out = MutableBytes(g_fragment).first(repr.total_len());
      repr.emit(out);
      const std::size_t offset = static_cast<std::size_t>(off_flags & kIpv4FragOffsetMask) * 8;
      for (std::size_t k = 0; k < repr.payload_len; ++k)
        store_u8(out, repr.header_len() + k, pattern(repr.ident, offset + k));
      const auto frag = Ipv4View::parse(out);
      if (!frag) fail(out.first(repr.header_len()), "Ipv4Repr::emit wrote a header that does not parse");

      // The header as option processing left it (here: another TTL), as the Stack passes it.
      std::array<std::byte, kIpv4MaxHeaderLen> rewritten{};
      FragmentMeta meta;
      if ((key & 0x80) != 0) {
        copy_bytes(rewritten, frag->header());
        store_u8(rewritten, ipv4_field::ttl, 0xee);
        meta.header = Bytes(rewritten).first(frag->header_len());
      }

      const ReassemblyResult res = r.on_fragment(*frag, now, meta);
      if (!frag->is_fragment() && res.status != ReassemblyStatus::not_a_fragment)
        fail(out.first(repr.header_len()), "a datagram that is not a fragment was not answered not_a_fragment");
      if (res.status == ReassemblyStatus::complete) {
        const auto whole = Ipv4View::parse(res.datagram);
        if (!whole) fail(res.datagram.first(std::min<std::size_t>(res.datagram.size(), 60)), "a reassembled datagram does not parse");
        if (whole->is_fragment()) fail(whole->header(), "a reassembled datagram is still a fragment");
        if (whole->datagram().size() != res.datagram.size()) fail(whole->header(), "a reassembled datagram's total_len is not its size");
        if (whole->src() != frag->src() || whole->dst() != frag->dst() || u(whole->protocol()) != u(frag->protocol()) ||
            whole->ident() != frag->ident())
          fail(whole->header(), "a reassembled datagram does not carry its fragments' key");
        const Bytes payload = whole->payload();
        for (std::size_t k = 0; k < payload.size(); ++k)
          if (load_u8(payload, k) != pattern(whole->ident(), k)) {
            fuzz::failf(kName, whole->header(), "reassembled payload byte %zu is %u, fragments carried %u", k,
                        load_u8(payload, k), pattern(whole->ident(), k));
          }
      }
    }

    // The bounds.
    if (r.incomplete() > r.capacity()) fail({}, "more incomplete datagrams than slots");
    if (r.incomplete() == 0 && r.bytes_held() != 0) fail({}, "bytes held with no incomplete datagram");
    if (r.next_deadline().has_value() != (r.incomplete() != 0)) fail({}, "next_deadline() and incomplete() disagree");
    if (r.bytes_held() > r.capacity() * kMaxAccountedPerSlot) {
      fuzz::failf(kName, {}, "bytes_held() %zu is above what %zu slots can account (%zu bytes; max_bytes %zu)",
                  r.bytes_held(), r.capacity(), r.capacity() * kMaxAccountedPerSlot, config.max_bytes);
    }
  }
  return 0;
}
