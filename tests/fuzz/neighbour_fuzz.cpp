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
// As in the Stack (send_to_neighbour, act_on), a datagram that resolve() cannot send yet is
// held for its next hop in a HeldFrames slot (a TxBuffer with room for the Ethernet header), or
// dropped when resolve() made no entry for it (a table full of INCOMPLETE entries, as Linux's
// failing neigh_create), and the cache's release_held / drop_held actions release or drop what
// is held for it.
//
// Checks after every event:
//  - the bounds: entries() <= max_entries, held frames <= max_held_total;
//  - HeldFrames against a model of Linux's arp_queue (unres_qlen per neighbour, the oldest
//    dropped first, then the oldest overall when the pool is full): the counts hold() says it
//    dropped, size(), and what release() hands back, oldest first, each in a buffer with the
//    Ethernet header's headroom and padded to 60 bytes;
//  - every held datagram waits on an INCOMPLETE entry (else nothing would release or drop it);
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

#include "stack/wire/ethernet.hpp"

#include <algorithm>
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

constexpr std::size_t kFrameLen = 16;  // a held datagram: its next hop, then a serial number
constexpr TxRoom kRoom{.headroom = kEthernetHeaderLen, .max_len = kFrameLen, .min_frame_len = kEthernetMinFrameLen};

[[noreturn]] void fail(const char* what) { fuzz::failf(kName, {}, "%s", what); }

Ipv4Addr neighbour(unsigned i) { return Ipv4Addr::from_octets(10, 0, 0, static_cast<std::uint8_t>(10 + i)); }
MacAddr mac_for(unsigned i) {
  if (i == 0) return MacAddr::zero();
  return MacAddr{{0x02, 0x00, 0x00, 0x00, 0x00, static_cast<std::uint8_t>(i)}};
}

class Harness {
 public:
  Harness(const NeighbourConfig& config)
      : config_(config), cache_(config, counters_), held_(config.max_held_total, config.max_held_per_neighbour, kRoom) {
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
    if (n == nullptr) return;  // as Stack::send_to_neighbour: no entry to wait on, dropped
    // As Stack::send_to_neighbour: the datagram waits for ARP.
    std::array<std::byte, kFrameLen> datagram{};
    store_be32(datagram, 0, ip.value);
    store_be32(datagram, 4, serial_);
    if (held_.hold(ip, datagram) != model_hold(ip, serial_)) fail("hold() dropped another number of datagrams than unres_qlen would");
    ++serial_;
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
    if (held_.size() != model_.size()) fail("HeldFrames::size() is not the number of datagrams held");
    for (const Held& h : model_) {
      const Neighbour* n = cache_.find(h.next_hop);
      if (n == nullptr || n->state != NeighbourState::incomplete) fail("a datagram is held for an address that is not resolving");
    }
  }

  std::optional<Instant> next_deadline() const { return cache_.next_deadline(); }

 private:
  struct Held {
    Ipv4Addr next_hop;
    std::uint32_t serial;
  };

  // Linux's arp_queue as HeldFrames keeps it: a neighbour over its share loses its oldest
  // datagram, then a full pool its oldest overall. Returns how many were dropped.
  std::size_t model_hold(Ipv4Addr ip, std::uint32_t serial) {
    std::size_t dropped = 0;
    const auto mine = [&](const Held& h) { return h.next_hop == ip; };
    if (static_cast<std::size_t>(std::count_if(model_.begin(), model_.end(), mine)) >= config_.max_held_per_neighbour) {
      model_.erase(std::find_if(model_.begin(), model_.end(), mine));
      ++dropped;
    }
    if (model_.size() >= config_.max_held_total) {
      model_.erase(model_.begin());
      ++dropped;
    }
    model_.push_back({ip, serial});
    return dropped;
  }

  void act(const NeighbourAction& a) {
    const auto mine = [&](const Held& h) { return h.next_hop == a.ip; };
    if (a.kind == NeighbourAction::Kind::release_held) {
      std::vector<std::uint32_t> expected;
      for (const Held& h : model_)
        if (mine(h)) expected.push_back(h.serial);
      std::size_t i = 0;
      const std::size_t released = held_.release(a.ip, [&](TxBuffer& datagram) {
        const Bytes d = datagram.data();
        if (d.size() != kFrameLen || Ipv4Addr{load_be32(d, 0)} != a.ip) fail("a datagram held for another address was released");
        if (i >= expected.size() || load_be32(d, 4) != expected[i++]) fail("release() did not hand back the held datagrams oldest first");
        // As Stack::send_ethernet: the header goes in the headroom, the frame is padded.
        EthernetRepr{a.mac, MacAddr{{0x02, 0, 0, 0, 0, 0x99}}, EtherType::ipv4}.emit(datagram.push(kEthernetHeaderLen));
        const Bytes frame = datagram.frame();
        if (frame.size() != kEthernetMinFrameLen) fail("a released datagram's frame is not padded to 60 bytes");
        if (load_be32(frame, kEthernetHeaderLen + 4) != expected[i - 1]) fail("the Ethernet header overwrote the datagram");
      });
      if (released != expected.size() || i != expected.size()) fail("release() handed back another number of datagrams than held");
      std::erase_if(model_, mine);
    } else if (a.kind == NeighbourAction::Kind::drop_held) {
      if (held_.drop(a.ip) != static_cast<std::size_t>(std::erase_if(model_, mine)))
        fail("drop() freed another number of datagrams than held");
    }
  }

  NeighbourConfig config_;
  Counters counters_;
  NeighbourCache cache_;
  HeldFrames held_;
  std::vector<NeighbourAction> actions_;
  std::vector<Held> model_;  // what HeldFrames should hold, oldest first
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
