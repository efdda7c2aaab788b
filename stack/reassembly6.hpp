#pragma once
// IPv6 fragment reassembly (RFC 8200 §4.5) on the core IPv4 uses (FragmentQueues, reassembly.hpp),
// with the rules of Linux's net/ipv6/reassembly.c (ipv6_frag_rcv, ip6_frag_queue,
// ip6_frag_reasm, ip6frag_expire_frag_queue):
//
//  - Key: (source, destination, identification). No protocol: the Next Header of a Fragment
//    header is not part of the key (Linux's frag_v6_compare_key adds the interface only for
//    link-local and multicast destinations, and we have one interface).
//  - Atomic fragments (offset 0, M clear) are whole datagrams (RFC 6946): ipv6_frag_rcv()
//    returns them at once, touching no queue. on_fragment() says not_a_fragment; the caller
//    delivers them.
//  - Refused with ICMPv6 parameter problem and no queue touched (ipv6_frag_rcv, ip6_frag_queue):
//    a truncated Fragment header (code 0, pointing at it); a first fragment without the
//    upper-layer header (RFC 7112, RFC 8200 §4.5: code 3, pointer 0, as
//    ipv6frag_thdr_truncated() judges it, with the 2023 fix Debian 12's 6.1 carries); a fragment ending beyond 65535 (code 0, pointing at
//    the fragment offset); a non-last fragment whose length is not a multiple of 8 (code 0,
//    pointing at the payload length). Linux creates an empty queue before the last two checks;
//    we create none, which sends nothing different.
//  - Overlaps: the runs rule of inet_frag_queue_insert(), exactly as IPv4's since 2018, so an
//    overlap discards the whole datagram (RFC 5722) and a duplicate inside one run is dropped
//    alone. The end rules (a second last fragment, data beyond the end) are IPv4's too.
//  - ECN: ip_frag_ecn_table, as IPv4.
//  - No ipfrag_max_dist: Linux has no IPv6 equivalent.
//  - The result (ip6_frag_reasm): the first fragment's unfragmentable part with the Fragment
//    header removed, the Next Header that named it set to the Fragment header's, payload length
//    recomputed; more than 65535 bytes of payload then discards the datagram.
//  - Timeout ip6frag_time, 60 s (twice IPv4's), from the first fragment; on expiry, time exceeded
//    code 1 quoting the fragment at offset 0 as it arrived, only if it arrived.
//  - Memory: ip6frag_high_thresh (4 MiB) is a budget separate from IPv4's, so this reassembler
//    has slots of its own, as many as IPv4's; the same deliberate deviation (the oldest evicted).
//
// Deviations (docs/conformance.md): the unfragmentable part of a first fragment is stored in
// front of the payload, in room of kMaxUnfragmentable bytes; a longer one (extension headers of
// more than 1 KiB before the Fragment header, which Linux would take) is dropped as
// inconsistent. A reassembled datagram whose fragmentable part starts with another Fragment
// header (fragments of a fragment, which Linux queues again) is dropped as inconsistent too: its
// bytes live in a slot the next fragment could reuse.
#include "stack/config.hpp"
#include "stack/reassembly.hpp"
#include "stack/time.hpp"
#include "stack/wire/addr.hpp"
#include "stack/wire/bytes.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>

namespace tapstack {

// A datagram whose extension header walk met a Fragment header.
struct Ipv6Fragment {
  Bytes packet;                    // from the IPv6 header to the end of its payload length
  std::size_t fragment_header_at;  // where the Fragment header starts: the unfragmentable part's length
};

// Why a fragment was refused with a parameter problem, in the order Linux checks.
enum class Ipv6FragmentRefusal {
  truncated,         // the Fragment header is cut short
  incomplete_chain,  // a first fragment without the upper-layer header (RFC 7112)
  beyond_max,        // it would end beyond 65535
  bad_length,        // M set and its length not a multiple of 8
};

// ICMPv6 parameter problem (RFC 4443 §3.4) to answer a refused fragment with.
struct Ipv6ParamProblem {
  Ipv6FragmentRefusal why{};
  std::uint8_t code = 0;      // 0 erroneous header field, 3 first fragment has incomplete header chain
  std::uint32_t pointer = 0;  // offset in the fragment of the field in error
};

struct Reassembly6Result {
  ReassemblyStatus status = ReassemblyStatus::held;
  bool evicted = false;                    // the oldest incomplete datagram was discarded (memory)
  Bytes datagram{};                        // complete: the whole datagram, valid until the next call
  // complete: where its unfragmentable part ends (the upper-layer or first fragmentable header
  // starts) and the byte that names that header, for the input walk to go on from.
  std::size_t unfragmentable_len = 0;
  std::size_t next_header_at = 0;
  std::optional<Ipv6ParamProblem> problem;  // refused (status inconsistent): send this
};

struct ExpiredDatagram6 {
  Ipv6Addr src;
  Ipv6Addr dst;
  std::uint32_t ident = 0;
  // The fragment at offset 0 as it arrived, for time exceeded code 1; empty if it never arrived
  // (then Linux sends nothing). Valid until the next call.
  Bytes first_fragment{};
};

class Reassembler6 {
 public:
  static constexpr std::size_t kMaxUnfragmentable = 40 + 1024;  // IPv6 header + extension headers

  // Timeouts are reported to watch (the Stack's).
  explicit Reassembler6(const ReassemblyConfig& config, TimerWatch* watch = nullptr);

  // Call pop_expired(now) until it is empty first, as for IPv4.
  Reassembly6Result on_fragment(const Ipv6Fragment& fragment, Instant now);

  std::optional<ExpiredDatagram6> pop_expired(Instant now);
  std::optional<Instant> next_deadline() const { return queues_.next_deadline(); }

  std::size_t incomplete() const { return queues_.incomplete(); }
  std::size_t bytes_held() const { return queues_.bytes_held(); }
  std::size_t capacity() const { return queues_.capacity(); }

 private:
  FragmentQueues queues_;
};

}  // namespace tapstack
