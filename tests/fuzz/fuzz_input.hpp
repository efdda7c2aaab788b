#pragma once
// The fuzz input format, shared by the harness (stack_fuzz.cpp) and the seed writer
// (make_corpus.cpp). An input is a sequence of records driving one Stack:
//
//   0               1               2               3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |      length (big-endian)      |     flags     |  frame ...    |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// A last record shorter than its length says takes what is left, so no input is wasted.
// Per record, in this order: advance the clock (bits 4-7, not on the first record), on_timer
// (bit 2), jump to next_deadline() and on_timer (bit 3), then on_frame (unless bit 0).
// On the first record bits 4-7 choose the configuration instead of a time advance.
#include "stack/config.hpp"
#include "stack/time.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace tapstack::fuzz {

inline constexpr std::size_t kRecordHeaderLen = 3;

namespace flag {
inline constexpr std::uint8_t no_frame = 0x01;       // timer steps only: the record's bytes are skipped
inline constexpr std::uint8_t fix_checksums = 0x02;  // recompute IPv4/ICMP/UDP/TCP checksums before feeding
inline constexpr std::uint8_t timer = 0x04;          // on_timer(now) after the advance
inline constexpr std::uint8_t to_deadline = 0x08;    // now = max(now, next_deadline()); on_timer(now)
inline constexpr unsigned advance_shift = 4;         // bits 4-7: index into kAdvance
// First record only, in bits 4-7:
inline constexpr std::uint8_t cfg_tun = 0x10;    // TUN mode: frames are bare IPv4 datagrams
inline constexpr unsigned cfg_mtu_shift = 5;     // bits 5-6: index into kMtus
inline constexpr std::uint8_t cfg_tight = 0x80;  // tight limits and the non-default knobs
}  // namespace flag

// The clock steps a record can take: around the stack's timers (ICMP rate limit 1 s, ARP
// retransmit 1 s, first probe 5 s, reachable 30 s, reassembly 30 s, stale GC 60 s).
inline constexpr std::array<Duration, 16> kAdvance{0ms, 1ms, 10ms, 100ms, 200ms, 500ms, 999ms, 1s,
                                                   1001ms, 2s, 3s, 5s, 10s, 29s, 30s, 61s};

// 68 is RFC 791's minimum (and the CLI's); 65535 makes every reply fit in one frame.
inline constexpr std::array<std::uint16_t, 4> kMtus{1500, 576, 68, 65535};

// Fixed, like the unit tests' t0 (Nov 2023), so ICMP timestamps are deterministic.
inline constexpr Instant kStart = instant_from_ns(1'700'000'000'000'000'000);

inline constexpr MacAddr kOurMac{{0x02, 0x00, 0x0a, 0x00, 0x00, 0x02}};
inline constexpr Ipv4Addr kOurIp = Ipv4Addr::from_octets(10, 0, 0, 2);

// The configuration a first record's flags select.
inline StackConfig config_for(std::uint8_t first_flags) {
  StackConfig c;
  c.mode = (first_flags & flag::cfg_tun) != 0 ? LinkMode::tun : LinkMode::tap;
  c.mac = kOurMac;
  c.ip = Ipv4Interface{kOurIp, 24};
  c.mtu = kMtus[(first_flags >> flag::cfg_mtu_shift) & 0x3];
  // The Stack allocates and zero-fills its buffers at construction: held frames take
  // max_held_total × (MTU + 14) bytes and reassembly max_bytes. With the defaults that is 4.3 MB
  // (12.6 MB at MTU 65535) per input, which under ASan cost more than the frames themselves; the
  // fuzz configurations keep every limit's logic but scale the memory down (about 4x the
  // executions per second).
  c.arp.max_held_total = std::clamp<std::size_t>(256 * 1024 / (c.mtu + 14u), 4, 32);
  c.arp.max_held_per_neighbour = c.arp.max_held_total / 2;
  c.reassembly.max_bytes = 512 * 1024;
  if ((first_flags & flag::cfg_tight) != 0) {
    // Small tables so eviction, queue overflow and memory pressure are reachable in a few records.
    c.arp_defend = true;
    c.arp.max_entries = 4;
    c.arp.max_held_per_neighbour = 3;
    c.arp.max_held_total = 5;
    c.icmp.echo_ignore_broadcasts = false;
    c.icmp.global_burst = 4;
    c.icmp.ratemask = 0xffffffff;
    c.reassembly.max_bytes = 16 * 1024;
    c.reassembly.timeout = 2s;
  }
  return c;
}

struct Record {
  std::uint8_t flags = 0;
  std::span<const std::uint8_t> bytes;
};

// Splits an input into records; never reads past data + size.
class RecordReader {
 public:
  RecordReader(const std::uint8_t* data, std::size_t size) : rest_(data, size) {}
  std::optional<Record> next() {
    if (rest_.size() < kRecordHeaderLen) return std::nullopt;
    const std::size_t len = (std::size_t{rest_[0]} << 8) | rest_[1];
    Record r{rest_[2], rest_.subspan(kRecordHeaderLen)};
    r.bytes = r.bytes.first(std::min(len, r.bytes.size()));
    rest_ = rest_.subspan(kRecordHeaderLen + r.bytes.size());
    return r;
  }

 private:
  std::span<const std::uint8_t> rest_;
};

// Appends one record; the seed writer's side of RecordReader.
template <class Bytes>
void append_record(std::vector<std::uint8_t>& out, std::uint8_t flags, const Bytes& frame) {
  const std::size_t len = frame.size();
  out.push_back(static_cast<std::uint8_t>(len >> 8));
  out.push_back(static_cast<std::uint8_t>(len));
  out.push_back(flags);
  for (const auto b : frame) out.push_back(static_cast<std::uint8_t>(b));
}

}  // namespace tapstack::fuzz
