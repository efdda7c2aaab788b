#pragma once
// Fragment reassembly: one family-neutral core (FragmentQueues: slots, runs, bitmaps, the memory
// bound and the timeout) and the IPv4 rules on top of it (Reassembler). The IPv6 rules sit on the
// same core in stack/reassembly6.hpp.
//
// IPv4 fragment reassembly (RFC 791 §3.2 "Reassembly", RFC 815), with the rules of Linux's
// net/ipv4/ip_fragment.c (ip_frag_queue, ip_frag_reasm, ip_expire, ip_frag_too_far) and
// net/ipv4/inet_fragment.c (inet_frag_queue_insert). Fragments of a datagram are matched on
// (source, destination, protocol, identification) (RFC 791 §3.2).
//
// What Linux does, and so do we:
//  - Position: a fragment covers payload bytes [offset, offset + length). A fragment with MF set
//    whose length is not a multiple of 8 is not rejected: Linux trims it down to a multiple of 8
//    (a fragment trimmed to nothing, or empty, discards the whole datagram).
//  - The end: the last fragment (MF clear) fixes the length. A last fragment ending before data
//    already held, a second last fragment with another end, or a fragment reaching beyond a known
//    end discards the whole datagram ("the segment is corrupted").
//  - Overlaps (inet_frag_queue_insert(), since 4.19/2018, RFC 5722 §4 applied to IPv4): fragments
//    are kept as "runs" — a run grows only when a fragment arrives exactly at the end of the
//    highest one; any fragment placed elsewhere starts a run of its own. A fragment lying wholly
//    inside one run is a duplicate and is dropped alone (the datagram keeps waiting); any other
//    fragment that touches held data — partial overlap, straddling two runs, or covering more
//    than the held data — discards the whole datagram. So "duplicate" is decided per run, not
//    per fragment: after 0-1479 and 1480-2959 arrived in order, 8-15 or 1000-2000 are duplicates;
//    had they arrived in the opposite order, 1000-2000 would be an overlap.
//  - Size: the check against 65535 is made when the datagram is complete (ip_frag_reasm(): first
//    fragment's header length + payload length > 65535 → discarded, "Oversized IP packet"), so a
//    ping of death is held like any other datagram until then, and times out like one.
//  - ECN (RFC 3168 §5.3): not-ECT fragments mixed with ECT/CE ones discard the datagram; CE in
//    any fragment of an ECT datagram marks the result CE.
//  - The result: the first fragment's header (options as received and processed), total length
//    set, MF and offset cleared, DF set only if the largest fragment had DF, checksum recomputed.
//  - Timeout (ipfrag_time, 30 s) runs from the first fragment and is not extended by later ones.
//    On expiry, if the fragment at offset 0 had arrived, Linux sends ICMP time exceeded
//    (reassembly) quoting that fragment (ip_expire → icmp_send with the head skb): its header as
//    received, then as much of its payload as icmp_send's 576-byte rule allows.
//  - ipfrag_max_dist (64): if more than 64 fragments from the same source were processed for
//    other datagrams since this datagram's last fragment, the next fragment first flushes what
//    was held (ip_frag_reinit: "too far", probably a reused identification) and restarts the
//    timer.
//
// Deliberate deviation (docs/conformance.md): memory. Since 4.17 Linux stops accepting *any*
// fragment while the fragment memory (skb truesize) is above ipfrag_high_thresh and waits for
// timeouts; the issue asks instead for a hard bound with the oldest incomplete datagrams
// evicted, which is what we do. Eviction sends no ICMP (neither did Linux's old LRU evictor).
//
// Storage (FragmentQueues, shared by both families), chosen for no allocation on the hot path
// and bounded work per fragment: the memory bound is carved into slots of 64 KiB, one incomplete
// datagram each (max_bytes / 64 KiB slots, at least one; 64 with the default 4 MiB). A slot's
// buffer holds the family's largest header (IPv4: 60 bytes) and its largest payload (IPv4: 65515
// bytes) at their final positions, so completion needs no copy. All slots are allocated at
// construction and left uninitialised, so memory is only backed for as much concurrency as was
// ever needed, and no fragment allocates. Two bitmaps per slot (8-byte units) track coverage and
// run starts, so the Linux overlap/duplicate rules cost a few word operations per 512 payload
// bytes instead of a tree. Payload beyond the largest (a datagram doomed to be oversize) is
// tracked but not stored. Looking up a datagram and the max_dist bookkeeping scan the incomplete
// datagrams (≤ slots).
#include "stack/config.hpp"
#include "stack/wire/ip_options.hpp"
#include "stack/wire/ipv4.hpp"
#include "stack/time.hpp"
#include "stack/timer_watch.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

namespace tapstack {

enum class ReassemblyStatus {
  held,            // fragment kept; the datagram is still incomplete
  complete,        // ReassemblyResult::datagram is the reassembled datagram
  duplicate,       // lay inside one run of held data: this fragment dropped, datagram kept
  overlap,         // overlapped held data otherwise: fragment and datagram discarded
  inconsistent,    // empty, or conflicting with the datagram's end: fragment and datagram discarded
  oversize,        // completed beyond 65535 bytes (ping of death): datagram discarded
  ecn_mismatch,    // RFC 3168 §5.3 not-ECT mixed with ECT/CE: datagram discarded
  not_a_fragment,  // MF clear and offset 0: the caller should not have passed it; ignored
};

// What matches the fragments of one datagram, for either family: addresses as 16 bytes (an IPv4
// address in the first four), the identification, and the protocol (IPv4 only: RFC 791 §3.2
// keys on it, RFC 8200 §4.5 and Linux's IPv6 do not).
struct FragmentKey {
  std::array<std::uint8_t, 16> src{};
  std::array<std::uint8_t, 16> dst{};
  std::uint32_t ident = 0;
  std::uint8_t protocol = 0;
  friend bool operator==(const FragmentKey&, const FragmentKey&) = default;
};

// One fragment as its family's rules placed it.
struct FragmentPiece {
  Bytes header;          // what precedes its data; kept from the fragment at offset 0
  Bytes data;            // the bytes it contributes: [offset, offset + data.size())
  std::size_t offset = 0;
  bool more = false;     // not the last fragment
  std::uint8_t ecn = 0;  // the ECN codepoint of its IP header (RFC 3168)
  bool dont_fragment = false;  // IPv4 DF, for the reassembled header's
  ReceivedOptions options{};   // IPv4, kept from the fragment at offset 0
};

// The shape of a family's datagrams, which sizes the slots.
struct FragmentLimits {
  std::size_t header_room = 0;       // the longest header kept from the first fragment
  std::size_t payload_capacity = 0;  // the most payload a valid datagram can have
  unsigned max_dist = 0;             // ipfrag_max_dist; 0: no "too far" rule
};

// Incomplete datagrams in fixed slots, with the runs, duplicate, end and ECN rules both families
// share (Linux's inet_fragment.c), the memory bound and the timeout. It knows no header format:
// the family places each fragment (FragmentPiece) and finishes the reassembled header.
class FragmentQueues {
 public:
  static constexpr std::size_t kSlotBytes = 64 * 1024;  // storage accounted per datagram

  // Every deadline set is reported to watch (the Stack's).
  FragmentQueues(std::size_t max_bytes, Duration timeout, const FragmentLimits& limits, TimerWatch* watch = nullptr);
  ~FragmentQueues();
  FragmentQueues(const FragmentQueues&) = delete;
  FragmentQueues& operator=(const FragmentQueues&) = delete;

  struct Outcome {
    ReassemblyStatus status = ReassemblyStatus::held;
    bool evicted = false;
    bool restarted = false;
    // complete: the first fragment's header followed by the whole payload, in the slot's buffer,
    // valid until the next call; the family rewrites the header in place.
    MutableBytes datagram{};
    std::size_t header_len = 0;
    std::uint8_t ecn = 0;          // the ECN bits to OR into the reassembled header
    bool dont_fragment = false;    // the largest fragment had DF
    ReceivedOptions options{};
  };
  // An empty piece is inconsistent, and is refused before it could take a slot.
  Outcome insert(const FragmentKey& key, const FragmentPiece& piece, Instant now);

  struct Expired {
    FragmentKey key;
    Bytes first_fragment{};  // its header then its data as held; empty if it never arrived
    ReceivedOptions options{};
  };
  std::optional<Expired> pop_expired(Instant now);
  // Asked after every frame (through Stack::next_deadline), so inline: the head of the
  // deadline-ordered list.
  std::optional<Instant> next_deadline() const {
    if (head_ == kNone) return std::nullopt;
    return slots_[head_].deadline;
  }

  std::size_t incomplete() const { return active_; }
  std::size_t bytes_held() const { return bytes_held_; }
  std::size_t capacity() const { return slots_.size(); }

 private:
  static constexpr std::uint32_t kNone = 0xffffffff;

  struct Slot {
    FragmentKey key;
    bool active = false;
    Instant deadline{};
    std::uint32_t prev = kNone;  // deadline-ordered list of active slots
    std::uint32_t next = kNone;

    // struct inet_frag_queue state.
    std::size_t len = 0;       // q.len: end of the datagram's payload as far as known
    std::size_t meat = 0;      // q.meat: payload bytes received (completion compares it with len)
    std::size_t stored = 0;    // of those, the bytes the buffer keeps: what bytes_held() counts
    std::size_t tail_end = 0;  // end of fragments_tail (the highest fragment); 0 = none yet
    bool first_in = false;
    bool last_in = false;
    std::uint8_t ecn = 0;         // OR of 1 << ecn codepoint
    std::size_t max_size = 0;     // q.max_size: largest fragment (header + payload)
    std::size_t max_df_size = 0;  // largest fragment with DF
    unsigned dist = 0;            // fragments from src processed for other datagrams since our last one

    // The fragment at offset 0.
    std::size_t first_hlen = 0;
    std::size_t first_end = 0;
    ReceivedOptions first_options{};

    // Storage, in the queues' two blocks (allocated at construction).
    std::byte* buffer = nullptr;       // header room, then the payload
    std::uint64_t* bitmaps = nullptr;  // covered units, then run starts
    std::size_t words_used = 0;        // bitmap words in use; the rest are undefined
  };

  std::uint32_t find(const FragmentKey& key) const;
  std::uint32_t acquire(Instant now, bool& evicted);
  void release(std::uint32_t idx);
  void flush(Slot& s);
  void unlink(std::uint32_t idx);
  // Puts the slot, its deadline set, at the end of the deadline list: the one way in.
  void link_tail(std::uint32_t idx);
  Outcome discard(std::uint32_t idx, ReassemblyStatus why, Outcome r);
  Outcome reassemble(std::uint32_t idx, Outcome r);

  Duration timeout_;
  FragmentLimits limits_;
  std::vector<Slot> slots_;
  std::unique_ptr<std::byte[]> buffers_;      // every slot's buffer, one after another
  std::unique_ptr<std::uint64_t[]> bitmaps_;  // every slot's two bitmaps
  std::vector<std::uint32_t> free_;  // LIFO, so a warm buffer is reused first
  std::uint32_t head_ = kNone;       // oldest (earliest deadline)
  std::uint32_t tail_ = kNone;
  std::size_t active_ = 0;
  std::size_t bytes_held_ = 0;
  TimerReporter timers_;
};

// What ip_rcv_options() left with the fragment: its header as rewritten by
// compile_received_options() (Linux reassembles, and quotes, that header) and the option state
// an echo of the first fragment's options needs (Linux keeps it in IPCB across reassembly).
struct FragmentMeta {
  Bytes header{};  // empty: the fragment's header as parsed
  ReceivedOptions options{};
};

struct ReassemblyResult {
  ReassemblyStatus status = ReassemblyStatus::held;
  bool evicted = false;       // the oldest incomplete datagram was discarded to make room (memory)
  bool restarted = false;     // ipfrag_max_dist: what this datagram held before was discarded
  Bytes datagram{};           // complete: the whole datagram, valid until the next call
  ReceivedOptions options{};  // complete: the first fragment's FragmentMeta::options
};

// An incomplete datagram that timed out.
struct ExpiredDatagram {
  Ipv4Addr src;
  Ipv4Addr dst;
  IpProtocol protocol{};
  std::uint16_t ident = 0;
  // The fragment at offset 0 as held (header, then its payload), for ICMP time exceeded code 1;
  // empty if it never arrived (then Linux sends nothing). Valid until the next call.
  Bytes first_fragment{};
  ReceivedOptions options{};  // the first fragment's, for echoing its options in the error
};

// IPv4's rules (ip_fragment.c) on the shared core.
class Reassembler {
 public:
  static constexpr unsigned kDefaultMaxDist = 64;  // ipfrag_max_dist
  static constexpr std::size_t kSlotBytes = FragmentQueues::kSlotBytes;

  // max_dist 0 disables the "too far" rule, as the sysctl does. Timeouts are reported to watch.
  explicit Reassembler(const ReassemblyConfig& config, unsigned max_dist = kDefaultMaxDist,
                       TimerWatch* watch = nullptr);

  // Takes a validated fragment (Ipv4View::is_fragment()). Call pop_expired(now) until it is
  // empty first, so that a datagram past its deadline is expired (with its ICMP) rather than
  // extended or evicted, as Linux's timer would have done.
  ReassemblyResult on_fragment(const Ipv4View& fragment, Instant now, const FragmentMeta& meta = {});

  // One datagram whose deadline is at or before now, oldest first.
  std::optional<ExpiredDatagram> pop_expired(Instant now);
  std::optional<Instant> next_deadline() const { return queues_.next_deadline(); }

  std::size_t incomplete() const { return queues_.incomplete(); }  // datagrams held
  // Payload bytes stored, at most capacity() * 65515: a doomed datagram's payload past what a
  // slot stores is tracked for its end but takes no memory, so it is not counted.
  std::size_t bytes_held() const { return queues_.bytes_held(); }
  std::size_t capacity() const { return queues_.capacity(); }  // datagrams that can be held at once

 private:
  FragmentQueues queues_;
};

}  // namespace tapstack
