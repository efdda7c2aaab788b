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

namespace {

std::size_t index_buckets(std::size_t entries) {
  std::size_t buckets = 2;
  while (buckets < 2 * entries) buckets *= 2;
  return buckets;
}

// What the index hashes: the address folded into 64 bits. IPv4's is its value, so the ARP
// table's buckets are what they were before the table served two families.
std::uint64_t hash_key(Ipv4Addr ip) { return ip.value; }
std::uint64_t hash_key(const Ipv6Addr& ip) {
  // Neighbours on one link share the top 64 bits; the interface identifier is what differs.
  std::uint64_t high = 0;
  std::uint64_t low = 0;
  for (std::size_t i = 0; i < 8; ++i) {
    high = (high << 8) | ip.octets[i];
    low = (low << 8) | ip.octets[8 + i];
  }
  return low ^ (high * 0x9E3779B97F4A7C15ull);
}

}  // namespace

template <class Addr>
NeighbourTable<Addr>::NeighbourTable(const NeighbourConfig& config, Counters& counters, const NeighbourCounters& ids,
                                     TimerWatch* watch)
    : config_(config),
      capacity_(std::max<std::size_t>(config_.max_entries, 1)),
      index_(index_buckets(capacity_), no_slot),
      index_mask_(index_.size() - 1),
      heap_pos_(capacity_),
      counters_(counters),
      ids_(ids),
      timers_(watch) {
  entries_.reserve(capacity_);
  heap_.reserve(capacity_);
}

template <class Addr>
std::size_t NeighbourTable<Addr>::home_bucket(Addr ip) const {
  // Fibonacci hashing: neighbours on one subnet differ in their low bits, which the multiply
  // spreads into the high bits taken here.
  const std::uint64_t mixed = hash_key(ip) * 0x9E3779B97F4A7C15ull;
  return static_cast<std::size_t>(mixed >> 32) & index_mask_;
}

template <class Addr>
auto NeighbourTable<Addr>::find(Addr ip) const -> const Entry* {
  // Load <= 1/2 keeps the probe sequence short; an empty bucket ends it.
  for (std::size_t b = home_bucket(ip);; b = (b + 1) & index_mask_) {
    const Slot slot = index_[b];
    if (slot == no_slot) return nullptr;
    if (entries_[slot].ip == ip) return &entries_[slot];
  }
}

template <class Addr>
auto NeighbourTable<Addr>::find_mut(Addr ip) -> Entry* {
  return const_cast<Entry*>(std::as_const(*this).find(ip));
}

template <class Addr>
std::size_t NeighbourTable<Addr>::bucket_of(Addr ip) const {
  std::size_t b = home_bucket(ip);
  while (entries_[index_[b]].ip != ip) b = (b + 1) & index_mask_;
  return b;
}

template <class Addr>
void NeighbourTable<Addr>::index_insert(Addr ip, Slot slot) {
  std::size_t b = home_bucket(ip);
  while (index_[b] != no_slot) b = (b + 1) & index_mask_;
  index_[b] = slot;
}

template <class Addr>
void NeighbourTable<Addr>::index_remove(Addr ip) {
  // Backward-shift deletion (no tombstones, so lookups never slow down with churn): move later
  // members of the run into the hole when their home bucket allows it.
  std::size_t hole = bucket_of(ip);
  for (std::size_t b = (hole + 1) & index_mask_; index_[b] != no_slot; b = (b + 1) & index_mask_) {
    const std::size_t home = home_bucket(entries_[index_[b]].ip);
    // b may move to hole unless its home lies cyclically in (hole, b].
    const bool home_after_hole = ((b - home) & index_mask_) < ((b - hole) & index_mask_);
    if (home_after_hole) continue;
    index_[hole] = index_[b];
    hole = b;
  }
  index_[hole] = no_slot;
}

template <class Addr>
void NeighbourTable<Addr>::heap_place(std::size_t pos, Slot slot) {
  heap_[pos] = slot;
  heap_pos_[slot] = pos;
}

template <class Addr>
void NeighbourTable<Addr>::heap_sift_up(std::size_t pos) {
  const Slot slot = heap_[pos];
  while (pos > 0) {
    const std::size_t parent = (pos - 1) / 2;
    if (!earlier(slot, heap_[parent])) break;
    heap_place(pos, heap_[parent]);
    pos = parent;
  }
  heap_place(pos, slot);
}

template <class Addr>
void NeighbourTable<Addr>::heap_sift_down(std::size_t pos) {
  const Slot slot = heap_[pos];
  for (;;) {
    std::size_t child = 2 * pos + 1;
    if (child >= heap_.size()) break;
    if (child + 1 < heap_.size() && earlier(heap_[child + 1], heap_[child])) ++child;
    if (!earlier(heap_[child], slot)) break;
    heap_place(pos, heap_[child]);
    pos = child;
  }
  heap_place(pos, slot);
}

template <class Addr>
void NeighbourTable<Addr>::heap_fix(std::size_t pos) {
  if (pos > 0 && earlier(heap_[pos], heap_[(pos - 1) / 2]))
    heap_sift_up(pos);
  else
    heap_sift_down(pos);
}

template <class Addr>
void NeighbourTable<Addr>::heap_remove(Slot slot) {
  const std::size_t pos = heap_pos_[slot];
  const Slot last = heap_.back();
  heap_.pop_back();
  if (pos == heap_.size()) return;
  heap_place(pos, last);
  heap_fix(pos);
}

template <class Addr>
void NeighbourTable<Addr>::set_deadline(Entry& n, Instant deadline) {
  n.deadline = deadline;
  heap_fix(heap_pos_[static_cast<Slot>(&n - entries_.data())]);
  timers_.timer_set(deadline);
}

template <class Addr>
auto NeighbourTable<Addr>::allocate(Addr ip, Instant now) -> Entry* {
  if (entries_.size() >= capacity_) {
    // Linux's forced GC removes unreferenced entries that are not resolving; the oldest first.
    // A scan, but only when the table is full and a new neighbour appears, as Linux's
    // neigh_forced_gc() walks its whole list.
    auto victim = entries_.end();
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      if (it->state == NeighbourState::incomplete) continue;
      if (victim == entries_.end() || it->updated < victim->updated) victim = it;
    }
    if (victim == entries_.end()) return nullptr;
    counters_.add(ids_.evicted);
    erase(&*victim);
  }
  const auto slot = static_cast<Slot>(entries_.size());
  Entry& n = entries_.emplace_back();
  n.ip = ip;
  n.updated = now;
  n.used = now;
  index_insert(ip, slot);
  heap_.push_back(slot);
  heap_pos_[slot] = heap_.size() - 1;
  heap_sift_up(heap_.size() - 1);
  return &n;
}

template <class Addr>
void NeighbourTable<Addr>::erase(Entry* n) {
  // Order does not matter to lookups: swap with the last and pop keeps erasure O(1), and the
  // index and the heap follow the last entry to its new slot.
  const auto slot = static_cast<Slot>(n - entries_.data());
  const auto last = static_cast<Slot>(entries_.size() - 1);
  index_remove(n->ip);
  heap_remove(slot);
  if (slot != last) {
    index_[bucket_of(entries_[last].ip)] = slot;
    heap_place(heap_pos_[last], slot);
    *n = entries_[last];
  }
  entries_.pop_back();
}

template class NeighbourTable<Ipv4Addr>;
template class NeighbourTable<Ipv6Addr>;

}  // namespace tapstack
