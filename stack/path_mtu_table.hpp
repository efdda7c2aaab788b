#pragma once
// Path MTU per destination (RFC 1191 §6.3, RFC 1122 §3.2.2.1), learned from ICMP "fragmentation
// needed" as Linux learns it (net/ipv4/route.c __ip_rt_update_pmtu, its next-hop exceptions):
//
//   - a reported MTU larger than the one in use is ignored (RFC 1191 §6.1: a PMTU only shrinks
//     from a report; it grows back by expiry);
//   - one below min_pmtu (net.ipv4.route.min_pmtu, 552) is raised to it, or kept at the MTU in
//     use if that is smaller, and the entry is marked locked, as Linux marks fnhe_mtu_locked.
//     A locked entry ignores every later report until it expires (ip_mtu_locked()).
//     A next-hop MTU of 0 (RFC 1191 §5, a router older than RFC 1191) is no special case in
//     Linux since 3.6: it is below the floor, so the path gets 552, not a plateau guess;
//   - a report repeating the MTU already held is ignored while more than half of the entry's
//     lifetime remains, then refreshes it;
//   - an entry lives mtu_expires (net.ipv4.route.mtu_expires, 600 s) from its last update; at
//     its expiry instant the link MTU is back (ipv4_mtu: time_after_eq(jiffies, expires)).
//
// Bounded: max_entries slots reserved at construction, nothing allocated after. When every slot
// is live, a new destination evicts the entry updated longest ago (Linux reclaims the oldest
// exception of a hash chain, fnhe_oldest(), by the same measure).
//
// Whether a report is believed (RFC 5927 §4.3: only if it quotes a datagram we sent) is the
// stack's decision, before it calls learn(); the table only keeps what it is told.
#include "stack/config.hpp"
#include "stack/counters.hpp"
#include "stack/time.hpp"
#include "stack/timer_watch.hpp"
#include "stack/wire/addr.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace tapstack {

struct PathMtu {
  Ipv4Addr dst;
  std::uint16_t mtu = 0;
  bool locked = false;  // reported below min_pmtu and floored (Linux's "mtu lock" in `ip route get`)
  Instant updated{};
  Instant expires{};
};

enum class PathMtuUpdate {
  learned,         // a new entry, or a smaller MTU for an existing one
  refreshed,       // the same MTU again, its lifetime restarted
  ignored_larger,  // larger than the MTU in use
  ignored_same,    // the same MTU, reported again while the entry is young
  ignored_locked,  // the entry was floored at min_pmtu: it stays until it expires
};

class PathMtuTable {
 public:
  // link_mtu is what a destination without an entry gets. Counts pmtu_learned, pmtu_floored,
  // pmtu_expired and pmtu_evicted. Every expiry set is reported to watch (the Stack's).
  PathMtuTable(const PathMtuConfig& config, std::uint16_t link_mtu, Counters& counters, TimerWatch* watch = nullptr);

  // A "fragmentation needed" the stack believed: dst's next hop takes at most reported_mtu.
  PathMtuUpdate learn(Ipv4Addr dst, std::uint16_t reported_mtu, Instant now);

  // The MTU to send to dst with: its live entry's, else the link's. Inline for the hot path,
  // where the table is nearly always empty.
  std::uint16_t mtu_to(Ipv4Addr dst, Instant now) const {
    if (entries_.empty()) return link_mtu_;
    return lookup(dst, now);
  }

  // Drops the entries whose lifetime is over (counted as pmtu_expired).
  void expire(Instant now);
  // Asked after every frame: inline for the usual empty table.
  std::optional<Instant> next_deadline() const {
    if (entries_.empty()) return std::nullopt;
    return earliest_expiry();
  }
  // Live and expired-but-not-yet-swept entries alike; expire() first for only the live ones.
  std::span<const PathMtu> entries() const { return entries_; }

 private:
  Instant earliest_expiry() const;  // entries_ is not empty
  std::uint16_t lookup(Ipv4Addr dst, Instant now) const;
  PathMtu* find(Ipv4Addr dst);
  PathMtu& allocate(Ipv4Addr dst, Instant now);

  PathMtuConfig config_;
  std::uint16_t link_mtu_;
  std::vector<PathMtu> entries_;  // capacity reserved once
  Counters& counters_;
  TimerReporter timers_;
};

}  // namespace tapstack
