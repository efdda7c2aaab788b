#pragma once
// The neighbour table: a network address → MAC with Linux's neighbour states (NUD,
// net/core/neighbour.c), a size bound and expiry. One implementation for both families, as
// Linux's arp_tbl and nd_tbl are two instances of neighbour.c: NeighbourCache resolves IPv4 for
// ARP, NeighbourTable<Ipv6Addr> IPv6 for NDP. It decides; the stack builds and sends the ARP
// requests or neighbour solicitations it asks for.
#include "stack/wire/addr.hpp"
#include "stack/config.hpp"
#include "stack/counters.hpp"
#include "stack/time.hpp"
#include "stack/timer_watch.hpp"

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

template <class Addr>
struct NeighbourEntry {
  Addr ip;
  MacAddr mac;                  // zero while incomplete
  NeighbourState state = NeighbourState::incomplete;
  Instant confirmed{};          // last proof of reachability (a unicast reply to us)
  Instant updated{};            // last time the MAC or state was written
  Instant used{};               // last time a frame was sent through this entry
  Instant deadline{};           // when the state machine next needs on_timer
  unsigned probes = 0;          // requests sent in the current incomplete/probe phase
};
using Neighbour = NeighbourEntry<Ipv4Addr>;
using Neighbour6 = NeighbourEntry<Ipv6Addr>;

enum class NeighbourActionKind {
  solicit_broadcast,  // ARP: a broadcast request for ip; NDP: an NS to ip's solicited-node group
  solicit_unicast,    // a unicast request (ARP) or NS (NDP) for ip to mac: the NUD probe
  release_held,       // ip is resolved to mac: send the frames held for it
  drop_held,          // ip failed to resolve: drop the frames held for it
};

// What the cache asks of the stack. The cache never builds packets: it names the ARP request to
// send and which held frames to release or drop, and the stack does it.
template <class Addr>
struct NeighbourActionOf {
  using Kind = NeighbourActionKind;
  Kind kind;
  Addr ip;
  MacAddr mac;
};
using NeighbourAction = NeighbourActionOf<Ipv4Addr>;
using NeighbourAction6 = NeighbourActionOf<Ipv6Addr>;

// Where a table counts what happens to its entries: each family has its own counters (arp_cache_*,
// nd_cache_*), as Linux keeps statistics per table.
struct NeighbourCounters {
  Counter learned;
  Counter updated;
  Counter evicted;
  Counter expired;
  Counter resolution_failed;
};
inline constexpr NeighbourCounters kArpNeighbourCounters{Counter::arp_cache_learned, Counter::arp_cache_updated,
                                                         Counter::arp_cache_evicted, Counter::arp_cache_expired,
                                                         Counter::arp_resolution_failed};
inline constexpr NeighbourCounters kNdNeighbourCounters{Counter::nd_cache_learned, Counter::nd_cache_updated,
                                                        Counter::nd_cache_evicted, Counter::nd_cache_expired,
                                                        Counter::nd_resolution_failed};

template <class Addr>
class NeighbourTable {
 public:
  using Entry = NeighbourEntry<Addr>;
  using Action = NeighbourActionOf<Addr>;

  // Learned, updated, evicted, expired and failed entries are counted into counters, at ids
  // (the ARP ones unless told otherwise). Every deadline set is reported to watch (the Stack's).
  NeighbourTable(const NeighbourConfig& config, Counters& counters, const NeighbourCounters& ids = kArpNeighbourCounters,
                 TimerWatch* watch = nullptr);

  // Output path (Linux neigh_resolve_output/__neigh_event_send): the MAC to send to now, or
  // nullopt when the frame must be held while resolution runs. Starts resolution (and asks for
  // the first broadcast request through act) when ip is unknown or failed. When ip is unknown
  // and every entry is still resolving, there is no room and nothing to evict: nullopt with no
  // entry for ip (find(ip) is null), and the caller drops the frame, as Linux does when
  // neigh_create() fails (held, nothing would ever release or drop it but pool pressure).
  template <class Act>
  std::optional<MacAddr> resolve(Addr ip, Instant now, Act&& act);

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
  void learn(Addr ip, MacAddr mac, Update how, Instant now, Act&& act);

  // NDP's neighbour advertisement (RFC 4861 §7.2.5, Linux ndisc_recv_na → neigh_update with
  // WEAK_OVERRIDE, and OVERRIDE when O is set): only an existing entry is updated. An entry
  // still resolving takes mac (none: the NA is ignored) and releases its held frames; a known one
  // takes a different mac only when override is set, else a REACHABLE entry turns STALE and any
  // other is left alone. solicited (S) makes the entry REACHABLE; an unsolicited NA with the
  // same (or no) address changes nothing. Returns whether an entry for ip existed.
  template <class Act>
  bool advertise(Addr ip, std::optional<MacAddr> mac, bool solicited, bool override, Instant now, Act&& act);

  // Advances every entry's state machine to now.
  template <class Act>
  void on_timer(Instant now, Act&& act);

  // The earliest entry deadline, read off the top of a heap: O(1), asked before every frame,
  // so inline.
  std::optional<Instant> next_deadline() const {
    if (heap_.empty()) return std::nullopt;
    return entries_[heap_.front()].deadline;
  }
  const Entry* find(Addr ip) const;
  std::span<const Entry> entries() const { return entries_; }

 private:
  using Slot = std::uint32_t;
  static constexpr Slot no_slot = ~Slot{0};

  Entry* find_mut(Addr ip);
  // A fresh slot, evicting the least recently updated entry that is not resolving when full.
  Entry* allocate(Addr ip, Instant now);
  void erase(Entry* n);
  // The one place an entry's deadline is written (allocate()'s callers all set one).
  void set_deadline(Entry& n, Instant deadline);

  // The address index: open addressing with linear probing over slot numbers of entries_.
  std::size_t home_bucket(Addr ip) const;
  std::size_t bucket_of(Addr ip) const;  // the bucket holding ip; it must be indexed
  void index_insert(Addr ip, Slot slot);
  void index_remove(Addr ip);

  // The deadline heap: a binary min-heap of slot numbers keyed by their entry's deadline.
  bool earlier(Slot a, Slot b) const { return entries_[a].deadline < entries_[b].deadline; }
  void heap_place(std::size_t pos, Slot slot);
  void heap_sift_up(std::size_t pos);
  void heap_sift_down(std::size_t pos);
  void heap_fix(std::size_t pos);
  void heap_remove(Slot slot);

  NeighbourConfig config_;
  std::size_t capacity_;
  std::vector<Entry> entries_;  // capacity reserved once: no allocation after construction
  // Sized at construction, never resized: at least twice the entries (load <= 1/2), a power
  // of two so a bucket is a mask. Each bucket holds a slot number or no_slot.
  std::vector<Slot> index_;
  std::size_t index_mask_;
  std::vector<Slot> heap_;        // capacity reserved once
  std::vector<std::size_t> heap_pos_;  // slot → its position in heap_
  Counters& counters_;
  NeighbourCounters ids_;
  TimerReporter timers_;
};

// The ARP cache, by the name its callers have always used.
using NeighbourCache = NeighbourTable<Ipv4Addr>;
extern template class NeighbourTable<Ipv4Addr>;
extern template class NeighbourTable<Ipv6Addr>;

// ---- implementation of the templates ---------------------------------------------------------

template <class Addr>
template <class Act>
std::optional<MacAddr> NeighbourTable<Addr>::resolve(Addr ip, Instant now, Act&& act) {
  Entry* n = find_mut(ip);
  if (n == nullptr || n->state == NeighbourState::failed) {
    if (n == nullptr) n = allocate(ip, now);
    if (n == nullptr) return std::nullopt;  // table full of entries still resolving
    n->mac = MacAddr::zero();
    n->state = NeighbourState::incomplete;
    n->updated = now;
    n->probes = 1;
    set_deadline(*n, now + config_.retrans_time);
    act(Action{NeighbourActionKind::solicit_broadcast, ip, MacAddr::zero()});
    return std::nullopt;
  }
  n->used = now;
  switch (n->state) {
    case NeighbourState::incomplete:
      return std::nullopt;
    case NeighbourState::stale:
      // First use of an unconfirmed entry: keep sending, but check on it soon (RFC 4861 §7.3.3
      // NUD, which Linux applies to ARP too).
      n->state = NeighbourState::delay;
      n->updated = now;
      set_deadline(*n, now + config_.delay_first_probe);
      return n->mac;
    default:
      return n->mac;
  }
}

template <class Addr>
template <class Act>
void NeighbourTable<Addr>::learn(Addr ip, MacAddr mac, Update how, Instant now, Act&& act) {
  Entry* n = find_mut(ip);
  const bool created = n == nullptr;
  if (created) {
    if (!how.create) return;
    n = allocate(ip, now);
    if (n == nullptr) return;
    counters_.add(ids_.learned);
  } else {
    counters_.add(ids_.updated);
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
  if (was_resolving) act(Action{NeighbourActionKind::release_held, ip, mac});
}

template <class Addr>
template <class Act>
bool NeighbourTable<Addr>::advertise(Addr ip, std::optional<MacAddr> mac, bool solicited, bool override, Instant now,
                                     Act&& act) {
  Entry* n = find_mut(ip);
  if (n == nullptr || n->state == NeighbourState::failed) return n != nullptr;
  const bool was_resolving = n->state == NeighbourState::incomplete;
  if (was_resolving && !mac) return true;  // nothing to resolve it with
  const MacAddr advertised = mac.value_or(n->mac);
  NeighbourState next = solicited ? NeighbourState::reachable : NeighbourState::stale;
  if (!was_resolving && advertised != n->mac && !override) {
    // §7.2.5: a different address without O does not replace the cached one; a REACHABLE
    // entry is only marked STALE so that NUD checks it.
    if (n->state != NeighbourState::reachable) return true;
    counters_.add(ids_.updated);
    n->state = NeighbourState::stale;
    n->updated = now;
    set_deadline(*n, now + config_.gc_stale_time);
    return true;
  }
  // The same address without S: neigh_update keeps the state it has.
  if (!was_resolving && advertised == n->mac && !solicited) return true;
  counters_.add(ids_.updated);
  n->mac = advertised;
  n->updated = now;
  n->state = next;
  n->probes = 0;
  if (next == NeighbourState::reachable) {
    n->confirmed = now;
    set_deadline(*n, now + config_.reachable_time);
  } else {
    set_deadline(*n, now + config_.gc_stale_time);
  }
  if (was_resolving) act(Action{NeighbourActionKind::release_held, ip, advertised});
  return true;
}

template <class Addr>
template <class Act>
void NeighbourTable<Addr>::on_timer(Instant now, Act&& act) {
  // Nothing due: the common case costs one comparison. When something is, the walk below keeps
  // the order in which entries are visited (and so the order of the ARP requests sent).
  if (heap_.empty() || entries_[heap_.front()].deadline > now) return;
  for (std::size_t i = 0; i < entries_.size();) {
    Entry& n = entries_[i];
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
        counters_.add(ids_.expired);
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
          act(Action{NeighbourActionKind::solicit_unicast, n.ip, n.mac});
        }
        n.updated = now;
        break;
      case NeighbourState::probe:
      case NeighbourState::incomplete: {
        const bool probing = n.state == NeighbourState::probe;
        const unsigned limit = probing ? config_.unicast_probes : config_.multicast_probes;
        if (n.probes >= limit) {
          counters_.add(ids_.resolution_failed);
          act(Action{NeighbourActionKind::drop_held, n.ip, n.mac});
          erase(&n);
          erased = true;
        } else {
          ++n.probes;
          set_deadline(n, now + config_.retrans_time);
          act(Action{probing ? NeighbourActionKind::solicit_unicast
                                      : NeighbourActionKind::solicit_broadcast,
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
