#pragma once
// Linux's ICMP output rate limiting (RFC 1812 §4.3.2.8 "SHOULD be able to limit the rate"),
// as net/ipv4/icmp.c and net/ipv4/inetpeer.c do it since Linux 6.12 ("icmp: change the order of
// rate limits"), applied to every ICMP message we send (errors from icmp_send(), and replies
// from icmp_reply()):
//
//  1. icmpv4_mask_allow(): a type whose bit is clear in icmp_ratemask, any type above 18, and
//     destination-unreachable/fragmentation-needed (PMTU discovery) are never limited, by
//     either bucket. With the default mask (0x1818) echo and timestamp replies are unlimited;
//     setting their bit limits them too, as in Linux.
//  2. icmp_global_allow(): a host-wide bucket of icmp_msgs_burst credits refilled at
//     icmp_msgs_per_sec. While credit remains it says yes without refilling; once empty it
//     refills only if at least HZ/50 (20 ms) passed since the last refill, adding
//     rate * min(elapsed, 1 s) / 1 s credits (truncated), capped at the burst.
//  3. inet_peer_xrlim_allow(): a per-destination bucket in time units: tokens += elapsed, capped
//     at XRLIM_BURST_FACTOR (6) * icmp_ratelimit; a message needs and takes icmp_ratelimit. A new
//     destination starts as if last seen 60 s ago, i.e. with a full burst (6 messages at once).
//  4. icmp_global_consume(): only a message that passed both takes a global credit.
//
// Deliberate deviations, to be listed in docs/conformance.md:
//  - Linux consumes a random 0..2 global credits per message (icmp_global_consume(), against
//    the SADDNS side channel, CVE-2020-25705); we consume exactly 1, the mean, so replays are
//    deterministic.
//  - Time is kept in milliseconds, i.e. Linux with HZ=1000 (distribution kernels use HZ=250:
//    the same arithmetic at 4 ms granularity).
//  - Linux's inet_peer cache has no fixed size; ours holds max_peers destinations and evicts
//    the least recently used. Evicting a destination idle for 6 * icmp_ratelimit or more is
//    invisible: it would be back at a full burst anyway.
// Kernels before 6.12 checked in a different order (the global bucket was charged before the
// per-destination check); we follow the current one.
//
// ICMPv6 (net/ipv6/icmp.c, icmpv6_global_allow() and icmpv6_xrlim_allow()) runs the same three
// steps with its own knobs: net.ipv6.icmp.ratemask (any type up to 255; default "0-1,3-127", so
// packet too big and every informational message go unlimited) and net.ipv6.icmp.ratelimit,
// whose per-destination interval is scaled by the prefix length of the route to the destination,
// tmo >>= (128 - plen) >> 5, "to give more bandwidth to wider prefixes" (a /64 would get a
// quarter; Linux 6.18 gives its neighbours the whole interval, so the Stack passes 128 for
// them: stack_icmpv6.cpp). The global bucket (icmp_msgs_per_sec) is one for both families;
// the per-destination buckets are separate tables in Linux (ipv4.peers, ipv6.peers) and
// separate entries here.
#include "stack/wire/addr.hpp"
#include "stack/config.hpp"
#include "stack/wire/icmp.hpp"
#include "stack/wire/icmpv6.hpp"
#include "stack/time.hpp"

#include <bitset>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

namespace tapstack {

enum class IcmpRateVerdict {
  allowed,         // send it (and a global credit was taken if the type is rate-limited)
  limited_global,  // icmp_msgs_per_sec exhausted (Linux: Icmp RATELIMITGLOBAL)
  limited_peer,    // icmp_ratelimit for this destination (Linux: Icmp RATELIMITHOST)
};

class IcmpRateLimiter {
 public:
  static constexpr std::size_t kDefaultMaxPeers = 1024;
  static constexpr std::int64_t kBurstFactor = 6;  // XRLIM_BURST_FACTOR
  static constexpr std::uint8_t kNrIcmpTypes = 18;  // NR_ICMP_TYPES

  explicit IcmpRateLimiter(const IcmpConfig& config, std::size_t max_peers = kDefaultMaxPeers)
      : IcmpRateLimiter(config, Icmpv6Config{}, max_peers) {}
  IcmpRateLimiter(const IcmpConfig& config, const Icmpv6Config& config6, std::size_t max_peers = kDefaultMaxPeers);

  // Decides whether an ICMP message of this type/code to dst may be sent now, and charges the
  // buckets as Linux does. dst is the IP destination of the message (Linux's fl4.daddr).
  IcmpRateVerdict check(IcmpType type, std::uint8_t code, Ipv4Addr dst, Instant now);
  // Every echo reply asks, and by default none is limited: that answer is inline, without a call.
  bool allow(IcmpType type, std::uint8_t code, Ipv4Addr dst, Instant now) {
    return !is_limited_type(type, code) || check(type, code, dst, now) == IcmpRateVerdict::allowed;
  }

  // Whether the type is subject to limiting at all (icmpv4_mask_allow() is false).
  bool is_limited_type(IcmpType type, std::uint8_t code) const {
    const auto t = std::to_underlying(type);
    if (t > kNrIcmpTypes) return false;
    // "Don't limit PMTU discovery."
    if (type == IcmpType::dest_unreachable && code == static_cast<std::uint8_t>(UnreachableCode::frag_needed)) {
      return false;
    }
    return ((std::uint32_t{1} << t) & ratemask_) != 0;
  }

  // The same for an ICMPv6 message to dst, reached by a route with this prefix length (Linux's
  // rt6i_dst.plen: the on-link prefix's for a neighbour).
  IcmpRateVerdict check6(Icmpv6Type type, const Ipv6Addr& dst, std::uint8_t route_prefix_len, Instant now);
  bool allow6(Icmpv6Type type, const Ipv6Addr& dst, std::uint8_t route_prefix_len, Instant now) {
    return check6(type, dst, route_prefix_len, now) == IcmpRateVerdict::allowed;
  }
  bool is_limited_type6(Icmpv6Type type) const { return ratemask6_.test(std::to_underlying(type)); }

  int global_credit() const { return credit_; }
  std::size_t peers() const { return used_; }

 private:
  // A destination of either family: an IPv4 address is kept v4-mapped, with the family beside
  // it so that it never shares a bucket with the IPv6 address ::ffff:a.b.c.d.
  struct PeerKey {
    Ipv6Addr addr;
    bool v6 = false;
    friend bool operator==(const PeerKey&, const PeerKey&) = default;
  };
  struct Peer {
    PeerKey key;
    std::int64_t rate_last = 0;  // ms
    std::int64_t tokens = 0;     // ms
    std::uint64_t last_use = 0;  // LRU stamp
  };

  bool global_allow(std::int64_t now_ms);
  bool peer_allow(const PeerKey& dst, std::int64_t interval_ms, std::int64_t now_ms);

  std::uint32_t ratemask_;
  std::int64_t ratelimit_ms_;
  std::int64_t rate_per_sec_;
  std::int64_t burst_;
  std::bitset<256> ratemask6_;
  std::int64_t ratelimit6_ms_;

  int credit_ = 0;                     // icmp_global_credit, starts empty and
  std::optional<std::int64_t> stamp_;  // ...refills in full on first use (stamp long ago)

  std::vector<Peer> peers_;  // preallocated; the first used_ are live
  std::size_t used_ = 0;
  std::uint64_t use_clock_ = 0;
};

}  // namespace tapstack
