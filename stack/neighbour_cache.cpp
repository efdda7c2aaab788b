#include "stack/neighbour_cache.hpp"

#include <algorithm>
#include <utility>

namespace tapstack {

std::string_view to_string(NeighbourState state) {
  switch (state) {
    case NeighbourState::incomplete: return "INCOMPLETE";
    case NeighbourState::reachable: return "REACHABLE";
    case NeighbourState::stale: return "STALE";
    case NeighbourState::delay: return "DELAY";
    case NeighbourState::probe: return "PROBE";
    case NeighbourState::failed: return "FAILED";
  }
  return "?";
}

NeighbourCache::NeighbourCache(const NeighbourConfig& config, Counters& counters)
    : config_(config), counters_(counters) {
  entries_.reserve(std::max<std::size_t>(config_.max_entries, 1));
}

const Neighbour* NeighbourCache::find(Ipv4Addr ip) const {
  // A linear scan: the table is small and contiguous, which beats hashing for the handful of
  // neighbours a virtual host has, and it never allocates.
  const auto it = std::find_if(entries_.begin(), entries_.end(), [&](const Neighbour& n) { return n.ip == ip; });
  return it == entries_.end() ? nullptr : &*it;
}

Neighbour* NeighbourCache::find_mut(Ipv4Addr ip) { return const_cast<Neighbour*>(std::as_const(*this).find(ip)); }

Neighbour* NeighbourCache::allocate(Ipv4Addr ip, Instant now) {
  if (entries_.size() >= std::max<std::size_t>(config_.max_entries, 1)) {
    // Linux's forced GC removes unreferenced entries that are not resolving; the oldest first.
    auto victim = entries_.end();
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      if (it->state == NeighbourState::incomplete) continue;
      if (victim == entries_.end() || it->updated < victim->updated) victim = it;
    }
    if (victim == entries_.end()) return nullptr;
    counters_.add(Counter::arp_cache_evicted);
    erase(&*victim);
  }
  Neighbour& n = entries_.emplace_back();
  n.ip = ip;
  n.updated = now;
  n.used = now;
  return &n;
}

void NeighbourCache::erase(Neighbour* n) {
  // Order does not matter: swap with the last and pop keeps erasure O(1).
  *n = entries_.back();
  entries_.pop_back();
}

std::optional<Instant> NeighbourCache::next_deadline() const {
  std::optional<Instant> earliest;
  for (const auto& n : entries_)
    if (!earliest || n.deadline < *earliest) earliest = n.deadline;
  return earliest;
}

}  // namespace tapstack
