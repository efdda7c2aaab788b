#pragma once
// The ARP cache: IPv4 → MAC with Linux's neighbour states (NUD, net/core/neighbour.c), a size
// bound and expiry. It decides; the stack builds and sends the ARP packets it asks for.
#include "stack/wire/addr.hpp"
#include "stack/config.hpp"
#include "stack/counters.hpp"
#include "stack/time.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace tapstack {

enum class NeighbourState {
  incomplete,  // resolving: broadcast requests sent, datagrams held
  reachable,   // confirmed within reachable_time
  stale,       // usable, but unconfirmed for a while: the next use starts a check
  delay,       // used while stale: wait delay_first_probe for confirmation from above
  probe,       // unicast requests to the known MAC
  failed,      // no answer: held datagrams dropped
};

std::string_view to_string(NeighbourState state);

struct Neighbour {
  Ipv4Addr ip;
  MacAddr mac;                  // zero while incomplete
  NeighbourState state = NeighbourState::incomplete;
  Instant confirmed{};          // last proof of reachability (a unicast reply to us)
  Instant updated{};            // last time the MAC or state was written
  Instant used{};               // last time a frame was sent through this entry
  Instant deadline{};           // when the state machine next needs on_timer
  unsigned probes = 0;          // requests sent in the current incomplete/probe phase
};

}  // namespace tapstack

namespace tapstack {

// What the cache asks of the stack. The cache never builds packets: it names the ARP request to
// send and which held frames to release or drop, and the stack does it.
struct NeighbourAction {
  enum class Kind {
    solicit_broadcast,  // send a broadcast ARP request for ip
    solicit_unicast,    // send a unicast ARP request for ip to mac (NUD probe)
    release_held,       // ip is resolved to mac: send the frames held for it
    drop_held,          // ip failed to resolve: drop the frames held for it
  };
  Kind kind;
  Ipv4Addr ip;
  MacAddr mac;
};

class NeighbourCache {
 public:
  // Learned, updated, evicted, expired and failed entries are counted into counters.
  NeighbourCache(const NeighbourConfig& config, Counters& counters);

  // Output path (Linux neigh_resolve_output/__neigh_event_send): the MAC to send to now, or
  // nullopt when the frame must be held while resolution runs. Starts resolution (and asks for
  // the first broadcast request through act) when ip is unknown or failed. When ip is unknown
  // and every entry is still resolving, there is no room and nothing to evict: nullopt with no
  // entry for ip (find(ip) is null), and the caller drops the frame, as Linux does when
  // neigh_create() fails (held, nothing would ever release or drop it but pool pressure).
  template <class Act>
  std::optional<MacAddr> resolve(Ipv4Addr ip, Instant now, Act&& act);

  // ARP input (Linux neigh_update). reachable: the packet proves two-way reachability (a unicast
  // reply to us); otherwise the entry becomes stale. create: add the entry if it is missing
  // (requests for our address, RFC 826's "am I the target?"); otherwise only existing entries
  // are merged (RFC 826 merge rule). force: bypass the locktime (gratuitous ARP).
  struct Update {
    bool reachable = false;
    bool create = false;
    bool force = false;
  };
  template <class Act>
  void learn(Ipv4Addr ip, MacAddr mac, Update how, Instant now, Act&& act);

  // Advances every entry's state machine to now.
  template <class Act>
  void on_timer(Instant now, Act&& act);

  // The earliest entry deadline, read off the top of a heap: O(1), asked before every frame,
  // so inline.
  std::optional<Instant> next_deadline() const {
    if (heap_.empty()) return std::nullopt;
    return entries_[heap_.front()].deadline;
  }
  const Neighbour* find(Ipv4Addr ip) const;
  std::span<const Neighbour> entries() const { return entries_; }

 private:
  using Slot = std::uint32_t;
  static constexpr Slot no_slot = ~Slot{0};

  Neighbour* find_mut(Ipv4Addr ip);
  // A fresh slot, evicting the least recently updated entry that is not resolving when full.
  Neighbour* allocate(Ipv4Addr ip, Instant now);
  void erase(Neighbour* n);
  void set_deadline(Neighbour& n, Instant deadline);

  // The IP index: open addressing with linear probing over slot numbers of entries_.
  std::size_t home_bucket(Ipv4Addr ip) const;
  std::size_t bucket_of(Ipv4Addr ip) const;  // the bucket holding ip; it must be indexed
  void index_insert(Ipv4Addr ip, Slot slot);
  void index_remove(Ipv4Addr ip);

  // The deadline heap: a binary min-heap of slot numbers keyed by their entry's deadline.
  bool earlier(Slot a, Slot b) const { return entries_[a].deadline < entries_[b].deadline; }
  void heap_place(std::size_t pos, Slot slot);
  void heap_sift_up(std::size_t pos);
  void heap_sift_down(std::size_t pos);
  void heap_fix(std::size_t pos);
  void heap_remove(Slot slot);

  NeighbourConfig config_;
  std::size_t capacity_;
  std::vector<Neighbour> entries_;  // capacity reserved once: no allocation after construction
  // Sized at construction, never resized: at least twice the entries (load <= 1/2), a power
  // of two so a bucket is a mask. Each bucket holds a slot number or no_slot.
  std::vector<Slot> index_;
  std::size_t index_mask_;
  std::vector<Slot> heap_;        // capacity reserved once
  std::vector<std::size_t> heap_pos_;  // slot → its position in heap_
  Counters& counters_;
};

// ---- implementation of the templates ---------------------------------------------------------

template <class Act>
std::optional<MacAddr> NeighbourCache::resolve(Ipv4Addr ip, Instant now, Act&& act) {
  Neighbour* n = find_mut(ip);
  if (n == nullptr || n->state == NeighbourState::failed) {
    if (n == nullptr) n = allocate(ip, now);
    if (n == nullptr) return std::nullopt;  // table full of entries still resolving
    n->mac = MacAddr::zero();
    n->state = NeighbourState::incomplete;
    n->updated = now;
    n->probes = 1;
    set_deadline(*n, now + config_.retrans_time);
    act(NeighbourAction{NeighbourAction::Kind::solicit_broadcast, ip, MacAddr::zero()});
    return std::nullopt;
  }
  n->used = now;
  switch (n->state) {
    case NeighbourState::incomplete:
      return std::nullopt;
    case NeighbourState::stale:
      // First use of an unconfirmed entry: keep sending, but check on it soon (RFC 4861 §7.3.3
      // NUD as Linux applies it to ARP).
      n->state = NeighbourState::delay;
      n->updated = now;
      set_deadline(*n, now + config_.delay_first_probe);
      return n->mac;
    default:
      return n->mac;
  }
}

template <class Act>
void NeighbourCache::learn(Ipv4Addr ip, MacAddr mac, Update how, Instant now, Act&& act) {
  Neighbour* n = find_mut(ip);
  const bool created = n == nullptr;
  if (created) {
    if (!how.create) return;
    n = allocate(ip, now);
    if (n == nullptr) return;
    counters_.add(Counter::arp_cache_learned);
  } else {
    counters_.add(Counter::arp_cache_updated);
  }
  // Only an entry that was resolving can have frames waiting for this answer.
  const bool was_resolving = !created && n->state == NeighbourState::incomplete;
  // An entry without a MAC yet takes this one. Linux's locktime: a different MAC within
  // locktime of the last update does not override (the first of several proxies' answers wins).
  const bool had_mac = !created && n->state != NeighbourState::incomplete && n->state != NeighbourState::failed;
  const bool mac_changes = had_mac && n->mac != mac;
  if (mac_changes && !how.force && now < n->updated + config_.locktime) return;

  n->mac = mac;
  n->updated = now;
  if (how.reachable) {
    n->state = NeighbourState::reachable;
    n->confirmed = now;
    n->probes = 0;
    set_deadline(*n, now + config_.reachable_time);
  } else if (!had_mac || mac_changes) {
    n->state = NeighbourState::stale;
    n->probes = 0;
  }
  // Otherwise the same MAC without proof of reachability: Linux's neigh_update() keeps the
  // state as it is (a request does not demote a reachable entry).
  if (n->state == NeighbourState::stale) set_deadline(*n, now + config_.gc_stale_time);
  if (was_resolving) act(NeighbourAction{NeighbourAction::Kind::release_held, ip, mac});
}

template <class Act>
void NeighbourCache::on_timer(Instant now, Act&& act) {
  // Nothing due: the common case costs one comparison. When something is, the walk below keeps
  // the order in which entries are visited (and so the order of the ARP requests sent).
  if (heap_.empty() || entries_[heap_.front()].deadline > now) return;
  for (std::size_t i = 0; i < entries_.size();) {
    Neighbour& n = entries_[i];
    if (n.deadline > now) {
      ++i;
      continue;
    }
    bool erased = false;
    switch (n.state) {
      case NeighbourState::reachable:
        n.state = NeighbourState::stale;
        n.updated = now;
        set_deadline(n, now + config_.gc_stale_time);
        break;
      case NeighbourState::stale:
        // Unused for gc_stale_time: forget it, as Linux's periodic GC does.
        counters_.add(Counter::arp_cache_expired);
        erase(&n);
        erased = true;
        break;
      case NeighbourState::delay:
        if (n.confirmed + config_.delay_first_probe > now) {
          n.state = NeighbourState::reachable;
          set_deadline(n, n.confirmed + config_.reachable_time);
        } else {
          n.state = NeighbourState::probe;
          n.probes = 1;
          set_deadline(n, now + config_.retrans_time);
          act(NeighbourAction{NeighbourAction::Kind::solicit_unicast, n.ip, n.mac});
        }
        n.updated = now;
        break;
      case NeighbourState::probe:
      case NeighbourState::incomplete: {
        const bool probing = n.state == NeighbourState::probe;
        const unsigned limit = probing ? config_.unicast_probes : config_.multicast_probes;
        if (n.probes >= limit) {
          counters_.add(Counter::arp_resolution_failed);
          act(NeighbourAction{NeighbourAction::Kind::drop_held, n.ip, n.mac});
          erase(&n);
          erased = true;
        } else {
          ++n.probes;
          set_deadline(n, now + config_.retrans_time);
          act(NeighbourAction{probing ? NeighbourAction::Kind::solicit_unicast
                                      : NeighbourAction::Kind::solicit_broadcast,
                              n.ip, n.mac});
        }
        break;
      }
      case NeighbourState::failed:
        erase(&n);
        erased = true;
        break;
    }
    if (!erased) ++i;
  }
}

}  // namespace tapstack
