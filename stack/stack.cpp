// Construction, the entry points, and the Ethernet demultiplexer.
#include "stack/stack.hpp"

#include "stack/wire/ethernet.hpp"
#include "stack/wire/ipv4.hpp"
#include "stack/wire/ipv6.hpp"

#include <algorithm>

namespace tapstack {
namespace {

// The config, once config_error() finds nothing wrong: checked before any member is sized from it.
const StackConfig& checked(const StackConfig& config) {
  if (auto error = config_error(config)) throw StackConfigError(*error);
  return config;
}

// What the link adds around a datagram: a TAP carries Ethernet frames, padded to the minimum;
// a TUN carries the bare datagram.
TxRoom link_room(const StackConfig& config, std::size_t max_len, std::size_t headroom_inside = 0) {
  const bool tap = config.mode == LinkMode::tap;
  return {.headroom = (tap ? kEthernetHeaderLen : 0) + headroom_inside,
          .max_len = max_len,
          .min_frame_len = tap ? kEthernetMinFrameLen : 0};
}

}  // namespace

Stack::Stack(const StackConfig& config, FrameSink& out, StackEvents* events)
    : config_(checked(config)),
      out_(out),
      events_(events),
      neighbours_(config.arp, counters_, kArpNeighbourCounters, &timers_),
      held_(config.arp.max_held_total, config.arp.max_held_per_neighbour, link_room(config, config.mtu)),
      reassembler_(config.reassembly, Reassembler::kDefaultMaxDist, &timers_),
      rate_limiter_(config.icmp, config.icmpv6),
      path_mtus_(config.pmtu, config.mtu, counters_, &timers_),
      // A payload as large as an IP datagram can carry (IPv6's 65 535 is the larger), with room
      // in front for the largest IP header (IPv4's 60: IPv6's 40 and a Fragment header fit) and
      // the link's.
      tx_(link_room(config, std::max(kIpv4MaxDatagramLen - kIpv4MinHeaderLen, kIpv6MaxPayloadLen), kIpv4MaxHeaderLen)),
      frag_tx_(link_room(config, config.mtu)),
      arp_tx_(link_room(config, kArpPacketLen)),
      neighbours6_(config.arp, counters_, kNdNeighbourCounters, &timers_),
      ipv6_addresses_(owned_ipv6(config)),
      dad_(ipv6_addresses_.size()),
      ns_tx_(link_room(config, kNdpIcmpHeaderLen + kNdpSolicitationBodyLen + kNdpLinkLayerOptionLen, kIpv6HeaderLen)),
      na_tx_(link_room(config, kNdpIcmpHeaderLen + kNdpAdvertisementBodyLen + kNdpLinkLayerOptionLen, kIpv6HeaderLen)),
      reassembler6_(config.reassembly, &timers_) {}

const StackConfig& Stack::config() const { return config_; }
const Counters& Stack::counters() const { return counters_; }
const NeighbourCache& Stack::neighbours() const { return neighbours_; }

void Stack::on_frame(Bytes frame, Instant now) {
  counters_.add(Counter::frames_in);
  if (config_.mode == LinkMode::tun) {
    // A TUN carries bare datagrams: the version nibble says which (Linux's tun reads it too
    // when the device runs without packet information).
    if (!frame.empty() && (load_u8(frame, 0) >> 4) == 6) {
      on_ipv6(frame, LinkCast::host, now);
      return;
    }
    on_ipv4(frame, LinkCast::host, now);
    return;
  }

  const auto eth = EthernetView::parse(frame);
  if (!eth) {
    counters_.add(Counter::eth_drop_runt);
    return;
  }
  LinkCast cast = LinkCast::host;
  if (eth->dst().is_broadcast()) {
    cast = LinkCast::broadcast;
  } else if (eth->dst().is_multicast()) {
    cast = LinkCast::multicast;
  } else if (eth->dst() != config_.mac) {
    // Linux marks these PACKET_OTHERHOST and neither ARP nor IP looks at them.
    counters_.add(Counter::eth_drop_other_host);
    return;
  }
  rx_src_mac_ = eth->src();

  EtherType type = eth->type();
  Bytes payload = eth->payload();
  // A priority tag (IEEE 802.1Q VLAN ID 0) carries only a priority: Linux strips it and takes
  // the frame as untagged (__netif_receive_skb_core); any other VLAN is one we are not on.
  if ((type == EtherType::vlan || type == EtherType::qinq) && payload.size() >= kVlanTagLen &&
      (load_be16(payload, 0) & kVlanIdMask) == 0) {
    type = EtherType{load_be16(payload, 2)};
    payload = payload.subspan(kVlanTagLen);
  }
  if (is_llc_length(type)) {
    counters_.add(Counter::eth_drop_llc);
    return;
  }
  switch (type) {
    case EtherType::arp:
      on_arp(payload, cast, now);
      return;
    case EtherType::ipv4:
      on_ipv4(payload, cast, now);
      return;
    case EtherType::vlan:
    case EtherType::qinq:
      counters_.add(Counter::eth_drop_vlan);
      return;
    case EtherType::ipv6:
      on_ipv6(payload, cast, now);
      return;
  }
  counters_.add(Counter::eth_drop_unknown_type);
}

void Stack::on_timer(Instant now) {
  neighbours_.on_timer(now, [&](const NeighbourAction& a) { act_on(a, now); });
  expire_fragments(now);
  expire_fragments6(now);
  path_mtus_.expire(now);
  ndp_on_timer(now);
  // The only place the watch moves later: what ran may have cancelled or pushed back timers.
  timers_.recomputed(exact_next_deadline());
}

std::optional<Instant> Stack::exact_next_deadline() const {
  std::optional<Instant> next = neighbours_.next_deadline();
  const auto take_if_sooner = [&next](const std::optional<Instant>& deadline) {
    if (deadline && (!next || *deadline < *next)) next = deadline;
  };
  take_if_sooner(reassembler_.next_deadline());
  take_if_sooner(reassembler6_.next_deadline());
  take_if_sooner(path_mtus_.next_deadline());
  take_if_sooner(ndp_next_deadline());
  return next;
}

void Stack::announce(Instant now) {
  if (config_.mode == LinkMode::tun) return;
  announce_arp(now);
  start_dad(now);
}

void Stack::announce_arp(Instant now) {
  // A gratuitous request, sender = target = our address, as Linux sends it (arp_notify and
  // RFC 5227 §2.3): every host that caches us updates its entry.
  send_arp(ArpOp::request, MacAddr::broadcast(), MacAddr::zero(), config_.ip.addr, now);
  counters_.add(Counter::arp_announcements_sent);
}

}  // namespace tapstack
