// libFuzzer target: the NeighbourCache (with the HeldFrames pool the Stack pairs it with) fed
// resolutions, ARP learning and clock steps under small, varied configurations.
//
// Input: three configuration bytes, then 3-byte events.
//   config 0  bits 0-2 max_entries - 1, bits 3-4 / 5-6 unicast / multicast probes (1-3),
//             bit 7 nothing
//   config 1  reachable_time, delay_first_probe, retrans_time, gc_stale_time: 2 bits each
//   config 2  bits 0-1 locktime, bits 2-4 held per neighbour - 1, bits 5-7 held in total - 1
//   event 0   bits 0-1 op (resolve, learn, on_timer(now), jump to next_deadline() and
//             on_timer), bits 2-5 neighbour 10.0.0.10-25
//   event 1   bits 0-2 MAC (0 = all zeros), bit 3 force, bit 4 create, bit 5 reachable
//   event 2   bits 0-3 clock advance (kAdvance) before the op
// As in the Stack, a datagram that resolve() cannot send yet is held for its next hop, and the
// cache's release_held / drop_held actions release or drop what is held for it.
//
// Checks after every event:
//  - the bounds: entries() <= max_entries, held frames <= max_held_total;
//  - the table: one entry per address, find() agrees with entries(), next_deadline() is the
//    earliest entry deadline;
//  - the states: INCOMPLETE has no MAC and 1..multicast_probes probes sent, PROBE
//    1..unicast_probes;
//  - resolve(): a MAC only from an entry that has one (REACHABLE, DELAY or PROBE after the call)
//    and that MAC; nullopt only while resolving or when the table is full of resolving entries;
//    at most one broadcast request, for that address;
//  - learn(): at most one action, release_held for the address and MAC learned, which then has
//    an entry with that MAC; released frames are the ones held for that address;
//  - on_timer(now): afterwards no deadline is at or before now (an event loop would spin);
//    drop_held only for an address whose entry is gone.
#include "fuzz_check.hpp"
#include "fuzz_input.hpp"
#include "stack/counters.hpp"
#include "stack/held_frames.hpp"
#include "stack/neighbour_cache.hpp"

#include <array>
#include <vector>

namespace {

using namespace tapstack;

constexpr const char* kName = "neighbour_fuzz";

constexpr std::array<Duration, 4> kReachable{30s, 5s, 1s, 2s};
constexpr std::array<Duration, 4> kDelay{5s, 1s, 2s, 100ms};
constexpr std::array<Duration, 4> kRetrans{1s, 100ms, 500ms, 2s};
constexpr std::array<Duration, 4> kGcStale{60s, 2s, 10s, 1s};
constexpr std::array<Duration, 4> kLocktime{1s, 0s, 100ms, 5s};

constexpr std::size_t kFrameLen = 16;  // a held "frame": its next hop, then a serial number

[[noreturn]] void fail(const char* what) { fuzz::failf(kName, {}, "%s", what); }

Ipv4Addr neighbour(unsigned i) { return Ipv4Addr::from_octets(10, 0, 0, static_cast<std::uint8_t>(10 + i)); }
MacAddr mac_for(unsigned i) {
  if (i == 0) return MacAddr::zero();
  return MacAddr{{0x02, 0x00, 0x00, 0x00, 0x00, static_cast<std::uint8_t>(i)}};
}

class Harness {
 public:
  Harness(const NeighbourConfig& config)
      : config_(config), cache_(config, counters_), held_(config.max_held_total, config.max_held_per_neighbour, kFrameLen) {
    actions_.reserve(64);
  }

  void resolve(Ipv4Addr ip, Instant now) {
    const Neighbour* before = cache_.find(ip);
    const bool was_absent = before == nullptr;
    const bool table_full = cache_.entries().size() >= std::max<std::size_t>(config_.max_entries, 1);
    actions_.clear();
    const auto mac = cache_.resolve(ip, now, [&](const NeighbourAction& a) { actions_.push_back(a); });
    const Neighbour* n = cache_.find(ip);
    if (mac) {
      if (n == nullptr) fail("resolve() returned a MAC for an address with no entry");
      if (n->mac != *mac) fail("resolve() returned another MAC than its entry's");
      if (n->state != NeighbourState::reachable && n->state != NeighbourState::delay && n->state != NeighbourState::probe)
        fail("resolve() returned a MAC but left the entry neither REACHABLE, DELAY nor PROBE");
      if (!actions_.empty()) fail("resolve() of a known neighbour asked for an action");
      return;
    }
    if (n == nullptr) {
      if (!was_absent || !table_full) fail("resolve() dropped an entry, or had room and created none");
      for (const Neighbour& e : cache_.entries())
        if (e.state != NeighbourState::incomplete) fail("resolve() created no entry though one could be evicted");
    } else if (n->state != NeighbourState::incomplete) {
      fail("resolve() returned nullopt for an entry that is not INCOMPLETE");
    }
    if (actions_.size() > 1) fail("resolve() asked for more than one action");
    if (actions_.size() == 1) {
      const NeighbourAction& a = actions_[0];
      if (a.kind != NeighbourAction::Kind::solicit_broadcast || a.ip != ip)
        fail("resolve()'s action is not a broadcast request for the address");
      if (!was_absent && before->state != NeighbourState::failed) fail("resolve() re-solicited an entry already resolving");
    } else if (was_absent && n != nullptr) {
      fail("resolve() created an entry without asking for a request");
    }
    // As Stack::send_on_link: the datagram waits for ARP.
    std::array<std::byte, kFrameLen> frame{};
    store_be32(frame, 0, ip.value);
    store_be32(frame, 4, serial_++);
    held_.hold(ip, frame);
  }

  void learn(Ipv4Addr ip, MacAddr mac, NeighbourCache::Update how, Instant now) {
    actions_.clear();
    cache_.learn(ip, mac, how, now, [&](const NeighbourAction& a) { actions_.push_back(a); });
    if (actions_.size() > 1) fail("learn() asked for more than one action");
    if (actions_.empty()) return;
    const NeighbourAction& a = actions_[0];
    if (a.kind != NeighbourAction::Kind::release_held || a.ip != ip || a.mac != mac)
      fail("learn()'s action is not release_held for the address and MAC learned");
    const Neighbour* n = cache_.find(ip);
    if (n == nullptr || n->mac != mac || n->state == NeighbourState::incomplete)
      fail("learn() released held frames but the entry has not that MAC");
    act(a);
  }

  void on_timer(Instant now) {
    actions_.clear();
    cache_.on_timer(now, [&](const NeighbourAction& a) { actions_.push_back(a); });
    for (const Neighbour& n : cache_.entries())
      if (n.deadline <= now) fail("after on_timer(now) an entry's deadline is not later than now");
    for (const NeighbourAction& a : actions_) {
      switch (a.kind) {
        case NeighbourAction::Kind::solicit_broadcast:
        case NeighbourAction::Kind::solicit_unicast:
          if (cache_.find(a.ip) == nullptr) fail("on_timer() solicited an address it has no entry for");
          break;
        case NeighbourAction::Kind::drop_held:
          if (cache_.find(a.ip) != nullptr) fail("on_timer() dropped held frames of an entry it kept");
          break;
        case NeighbourAction::Kind::release_held:
          fail("on_timer() released held frames");
      }
      act(a);
    }
  }

  void check() const {
    const auto entries = cache_.entries();
    if (entries.size() > std::max<std::size_t>(config_.max_entries, 1)) fail("more entries than max_entries");
    if (held_.size() > std::max<std::size_t>(config_.max_held_total, 1)) fail("more held frames than max_held_total");
    std::optional<Instant> earliest;
    for (std::size_t i = 0; i < entries.size(); ++i) {
      const Neighbour& n = entries[i];
      if (cache_.find(n.ip) != &n) fail("find() does not return the entry (two entries for one address?)");
      if (!earliest || n.deadline < *earliest) earliest = n.deadline;
      if (n.state == NeighbourState::incomplete &&
          (!n.mac.is_zero() || n.probes < 1 || n.probes > config_.multicast_probes))
        fail("an INCOMPLETE entry with a MAC, or with a probe count outside 1..multicast_probes");
      if (n.state == NeighbourState::probe && (n.probes < 1 || n.probes > config_.unicast_probes))
        fail("a PROBE entry with a probe count outside 1..unicast_probes");
    }
    if (cache_.next_deadline() != earliest) fail("next_deadline() is not the earliest entry deadline");
  }

  std::optional<Instant> next_deadline() const { return cache_.next_deadline(); }

 private:
  void act(const NeighbourAction& a) {
    if (a.kind == NeighbourAction::Kind::release_held) {
      held_.release(a.ip, [&](MutableBytes frame) {
        if (frame.size() != kFrameLen || Ipv4Addr{load_be32(frame, 0)} != a.ip)
          fail("a frame held for another address was released");
      });
    } else if (a.kind == NeighbourAction::Kind::drop_held) {
      held_.drop(a.ip);
    }
  }

  NeighbourConfig config_;
  Counters counters_;
  NeighbourCache cache_;
  HeldFrames held_;
  std::vector<NeighbourAction> actions_;
  std::uint32_t serial_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::ByteReader in(data, size);
  const std::uint8_t c0 = in.u8(), c1 = in.u8(), c2 = in.u8();
  NeighbourConfig config;
  config.max_entries = 1u + (c0 & 7u);
  config.unicast_probes = 1u + ((c0 >> 3) & 3u) % 3u;
  config.multicast_probes = 1u + ((c0 >> 5) & 3u) % 3u;
  config.reachable_time = kReachable[c1 & 3];
  config.delay_first_probe = kDelay[(c1 >> 2) & 3];
  config.retrans_time = kRetrans[(c1 >> 4) & 3];
  config.gc_stale_time = kGcStale[(c1 >> 6) & 3];
  config.locktime = kLocktime[c2 & 3];
  config.max_held_per_neighbour = 1u + ((c2 >> 2) & 7u);
  config.max_held_total = 1u + ((c2 >> 5) & 7u);

  Harness h(config);
  Instant now = fuzz::kStart;
  while (in.size() >= 3) {
    const std::uint8_t e0 = in.u8(), e1 = in.u8(), e2 = in.u8();
    now += fuzz::kAdvance[e2 & 0x0f];
    const Ipv4Addr ip = neighbour((e0 >> 2) & 0x0f);
    switch (e0 & 3) {
      case 0:
        h.resolve(ip, now);
        break;
      case 1:
        h.learn(ip, mac_for(e1 & 7),
                {.reachable = (e1 & 0x20) != 0, .create = (e1 & 0x10) != 0, .force = (e1 & 0x08) != 0}, now);
        break;
      case 2:
        h.on_timer(now);
        break;
      case 3:
        if (const auto d = h.next_deadline(); d && *d > now) now = *d;
        h.on_timer(now);
        break;
    }
    h.check();
  }
  return 0;
}
