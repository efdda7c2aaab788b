#include "stack/path_mtu_table.hpp"

#include <algorithm>

namespace tapstack {

PathMtuTable::PathMtuTable(const PathMtuConfig& config, std::uint16_t link_mtu, Counters& counters,
                           TimerWatch* watch)
    : config_(config), link_mtu_(link_mtu), counters_(counters), timers_(watch) {
  entries_.reserve(config.max_entries);
}

std::uint16_t PathMtuTable::lookup(Ipv4Addr dst, Instant now) const {
  for (const PathMtu& e : entries_)
    if (e.dst == dst) return now < e.expires ? e.mtu : link_mtu_;
  return link_mtu_;
}

PathMtu* PathMtuTable::find(Ipv4Addr dst) {
  const auto it = std::find_if(entries_.begin(), entries_.end(), [&](const PathMtu& e) { return e.dst == dst; });
  return it == entries_.end() ? nullptr : &*it;
}

PathMtuUpdate PathMtuTable::learn(Ipv4Addr dst, std::uint16_t reported_mtu, Instant now) {
  PathMtu* entry = find(dst);
  if (entry != nullptr && now >= entry->expires) {
    // Past its lifetime the entry no longer counts: the path is back at the link MTU.
    counters_.add(Counter::pmtu_expired);
    *entry = entries_.back();
    entries_.pop_back();
    entry = nullptr;
  }
  const bool live = entry != nullptr;
  // A floored path keeps its MTU until it expires (ip_mtu_locked(): rt_mtu_locked from the
  // exception), whatever later reports say.
  if (live && entry->locked) return PathMtuUpdate::ignored_locked;
  const std::uint16_t current = live ? entry->mtu : link_mtu_;
  if (reported_mtu > current) return PathMtuUpdate::ignored_larger;

  std::uint16_t mtu = reported_mtu;
  bool locked = false;
  if (mtu < config_.min_pmtu) {
    locked = true;
    mtu = std::min(current, config_.min_pmtu);
  }
  if (live && entry->mtu == mtu && !locked && now < entry->expires - config_.mtu_expires / 2)
    return PathMtuUpdate::ignored_same;

  const bool refresh = live && entry->mtu == mtu;
  if (entry == nullptr) entry = &allocate(dst, now);
  // The one place an expiry is set.
  *entry = PathMtu{.dst = dst, .mtu = mtu, .locked = locked, .updated = now, .expires = now + config_.mtu_expires};
  timers_.timer_set(entry->expires);
  if (locked) counters_.add(Counter::pmtu_floored);
  if (refresh) return PathMtuUpdate::refreshed;
  counters_.add(Counter::pmtu_learned);
  return PathMtuUpdate::learned;
}

PathMtu& PathMtuTable::allocate(Ipv4Addr dst, Instant now) {
  if (entries_.size() == config_.max_entries) {
    expire(now);
    if (entries_.size() == config_.max_entries) {
      const auto oldest = std::min_element(entries_.begin(), entries_.end(),
                                           [](const PathMtu& a, const PathMtu& b) { return a.updated < b.updated; });
      counters_.add(Counter::pmtu_evicted);
      *oldest = entries_.back();
      entries_.pop_back();
    }
  }
  return entries_.emplace_back(PathMtu{.dst = dst});
}

void PathMtuTable::expire(Instant now) {
  const auto before = entries_.size();
  std::erase_if(entries_, [&](const PathMtu& e) { return now >= e.expires; });
  counters_.add(Counter::pmtu_expired, before - entries_.size());
}

Instant PathMtuTable::earliest_expiry() const {
  return std::min_element(entries_.begin(), entries_.end(),
                          [](const PathMtu& a, const PathMtu& b) { return a.expires < b.expires; })
      ->expires;
}

}  // namespace tapstack
