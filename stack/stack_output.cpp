// The output path: one datagram description in, IP header, fragments, neighbour resolution,
// held datagrams and the link header out; and ARP through the same link output. IPv6 has its
// own first step (dispatch_ipv6) and meets IPv4 at send_ethernet().
#include "stack/fragmenter.hpp"
#include "stack/stack.hpp"
#include "stack/wire/arp.hpp"
#include "stack/wire/ethernet.hpp"
#include "stack/wire/ipv4.hpp"
#include "stack/wire/ipv6.hpp"

#include <bit>

namespace tapstack {

void Stack::dispatch_ip(const Outbound& datagram, TxBuffer& packet, Instant now) {
  const bool may_fragment = datagram.fragmentation == Fragmentation::allowed;
  const Ipv4Repr header{
      .src = config_.ip.addr,  // for a broadcast request too: our primary address (Linux's spec_dst)
      .dst = datagram.dst,
      .protocol = datagram.protocol,
      .ttl = datagram.ttl,
      .tos = datagram.tos,
      // A datagram that may be fragmented needs an identification its fragments can share; an
      // atomic one does not, and Linux sends 0 (RFC 6864 §4.1).
      .ident = may_fragment ? next_ident() : std::uint16_t{0},
      .flags_frag = may_fragment ? std::uint16_t{0} : kIpv4FlagDontFragment,
      .payload_len = packet.size(),
      .options = datagram.options,
  };
  header.emit(packet.push(header.header_len()));

  // Every reply goes to a neighbour on our subnet: we have no gateway to route through.
  if (config_.mode == LinkMode::tap && !config_.ip.contains(datagram.dst)) {
    counters_.add(Counter::ip_drop_no_route);
    return;
  }
  // The path MTU: the link's, or less where a router said so (RFC 1191). Linux's ICMP socket
  // (IP_PMTUDISC_DONT) still fragments to it: ip_sk_use_pmtu() holds for every mode below PROBE.
  const std::uint16_t mtu = path_mtus_.mtu_to(datagram.dst, now);
  if (packet.size() > mtu) {
    send_fragments(datagram.dst, packet, mtu, now);
    return;
  }
  counters_.add(Counter::ip_out);
  send_to_neighbour(datagram.dst, packet, now);
}

void Stack::send_fragments(Ipv4Addr next_hop, const TxBuffer& datagram, std::uint16_t mtu, Instant now) {
  // RFC 791 §3.2: larger than the path takes, so fragments, built one at a time in frag_tx_
  // (sized for the link MTU, which no path MTU exceeds) and sent (or held for ARP) as they are
  // made. dispatch_ip() built the header, so it parses.
  auto fragments = Fragmenter::create(*Ipv4View::parse(datagram.data()), mtu);
  if (!fragments) {
    counters_.add(Counter::ip_drop_df_too_big);
    return;
  }
  counters_.add(Counter::ip_out);
  while (!fragments->done()) {
    fragments->next(frag_tx_.start(fragments->next_len()));
    counters_.add(Counter::ip_frags_out);
    send_to_neighbour(next_hop, frag_tx_, now);
  }
}

void Stack::send_to_neighbour(Ipv4Addr next_hop, TxBuffer& datagram, Instant now) {
  if (config_.mode == LinkMode::tun) {
    emit(datagram, now);
    return;
  }
  // As Linux: the destination MAC comes from the neighbour cache, never from the request.
  const auto mac = neighbours_.resolve(next_hop, now, [&](const NeighbourAction& a) { act_on(a, now); });
  if (!mac) {
    // No entry to wait on: the table is full of neighbours still resolving. Linux drops the
    // packet then (neigh_create fails, ip_finish_output2 frees it); held, it would wait for a
    // resolution nobody started, taking a slot from datagrams that have one.
    if (neighbours_.find(next_hop) == nullptr) {
      counters_.add(Counter::arp_drop_table_full);
      return;
    }
    counters_.add(Counter::arp_drop_unresolved, held_.hold(next_hop, datagram.data()));
    return;
  }
  send_ethernet(*mac, EtherType::ipv4, datagram, now);
}

void Stack::send_ethernet(MacAddr dst, EtherType type, TxBuffer& packet, Instant now) {
  EthernetRepr{dst, config_.mac, type}.emit(packet.push(kEthernetHeaderLen));
  emit(packet, now);
}

void Stack::send_arp(ArpOp op, MacAddr eth_dst, MacAddr target_mac, Ipv4Addr target_ip, Instant now) {
  ArpPacket{op, config_.mac, config_.ip.addr, target_mac, target_ip}.emit(arp_tx_.start(kArpPacketLen));
  send_ethernet(eth_dst, EtherType::arp, arp_tx_, now);
}

void Stack::act_on(const NeighbourAction& action, Instant now) {
  switch (action.kind) {
    case NeighbourAction::Kind::solicit_broadcast:
      send_arp(ArpOp::request, MacAddr::broadcast(), MacAddr::zero(), action.ip, now);
      counters_.add(Counter::arp_requests_sent);
      return;
    case NeighbourAction::Kind::solicit_unicast:
      send_arp(ArpOp::request, action.mac, MacAddr::zero(), action.ip, now);
      counters_.add(Counter::arp_requests_sent);
      return;
    case NeighbourAction::Kind::release_held:
      counters_.add(Counter::arp_held_sent, held_.release(action.ip, [&](TxBuffer& datagram) {
        send_ethernet(action.mac, EtherType::ipv4, datagram, now);
      }));
      return;
    case NeighbourAction::Kind::drop_held:
      counters_.add(Counter::arp_drop_unresolved, held_.drop(action.ip));
      return;
  }
}

namespace {

// Every IPv6 link has fe80::/64 on it (RFC 4291 §2.5.6).
constexpr Ipv6Interface kLinkLocalPrefix{{{0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}}, 64};

// The length of the prefix a and b share, 0..128 (RFC 6724 §2.2 CommonPrefixLen).
unsigned common_prefix_len(const Ipv6Addr& a, const Ipv6Addr& b) {
  unsigned bits = 0;
  for (std::size_t i = 0; i < a.octets.size(); ++i) {
    const auto diff = static_cast<std::uint8_t>(a.octets[i] ^ b.octets[i]);
    if (diff == 0) {
      bits += 8;
      continue;
    }
    return bits + static_cast<unsigned>(std::countl_zero(diff));
  }
  return bits;
}

// RFC 4291 §2.7 and §2.5.6: the scope rule 2 of RFC 6724 compares, link-local (2) or global (14).
unsigned scope_of(const Ipv6Addr& a) {
  if (a.is_multicast()) return a.multicast_scope();
  return a.is_link_local() ? 2u : 14u;
}

}  // namespace

std::optional<Ipv6Addr> Stack::select_source6(const Ipv6Addr& dst) const {
  // RFC 6724 §5 among the preferred addresses of our one interface: rule 2 (the smallest scope
  // that reaches the destination; a larger one if none does), then rule 8 (the longest prefix
  // in common). Rule 1 (the destination itself) falls out of rule 8.
  const unsigned dst_scope = scope_of(dst);
  const OwnedIpv6Address* best = nullptr;
  for (const OwnedIpv6Address& candidate : ipv6_addresses_) {
    if (candidate.state != Ipv6AddressState::preferred) continue;
    if (best == nullptr) {
      best = &candidate;
      continue;
    }
    const unsigned a = scope_of(best->net.addr);
    const unsigned b = scope_of(candidate.net.addr);
    if (a != b) {
      // Rule 2: if Scope(SA) < Scope(SB), prefer SB when SA cannot reach D, else SA.
      const bool prefer_candidate = a < b ? a < dst_scope : b >= dst_scope;
      if (prefer_candidate) best = &candidate;
      continue;
    }
    if (common_prefix_len(candidate.net.addr, dst) > common_prefix_len(best->net.addr, dst)) best = &candidate;
  }
  if (best == nullptr) return std::nullopt;
  return best->net.addr;
}

std::optional<std::uint8_t> Stack::on_link_prefix6(const Ipv6Addr& dst) const {
  // ff00::/8 is routed to every interface (Linux's multicast route).
  if (dst.is_multicast()) return std::uint8_t{8};
  std::optional<std::uint8_t> longest;
  const auto consider = [&](const Ipv6Interface& prefix) {
    if (prefix.contains(dst) && (!longest || prefix.prefix_len > *longest)) longest = prefix.prefix_len;
  };
  consider(kLinkLocalPrefix);
  for (const OwnedIpv6Address& owned : ipv6_addresses_) consider(owned.net);
  // A TUN has no neighbours to resolve: whatever we send goes down it, as IPv4's does. Its
  // route is the default one for the rate limit's scaling.
  if (!longest && config_.mode == LinkMode::tun) return std::uint8_t{0};
  return longest;
}

void Stack::dispatch_ipv6(const Outbound6& datagram, TxBuffer& packet, Instant now) {
  // A host with no router: on-link destinations only (RFC 4861 §5.2's conceptual sending
  // algorithm with an empty Default Router List; Linux: no route, ENETUNREACH).
  if (!on_link_prefix6(datagram.dst)) {
    counters_.add(Counter::ipv6_drop_no_route);
    return;
  }
  const std::size_t payload_len = packet.size();
  const Ipv6Repr header{
      .src = datagram.src,
      .dst = datagram.dst,
      .next_header = datagram.next_header,
      .hop_limit = datagram.hop_limit.value_or(config_.icmpv6.hop_limit),
      .traffic_class = datagram.traffic_class,
      // Linux sets an automatic flow label (auto_flowlabels=1, a hash of the flow with a
      // per-boot secret); ours is 0, which RFC 6437 §2 allows (docs/conformance.md).
      .flow_label = 0,
      .payload_len = payload_len,
  };
  header.emit(packet.push(kIpv6HeaderLen));
  counters_.add(Counter::ipv6_out);
  // Larger than the link takes (RFC 8200 §5; with no router the link MTU is the path's):
  // fragments with a Fragment header, one at a time (stack_ipv6_fragments.cpp).
  if (packet.size() > config_.mtu) {
    send_fragments6(datagram.dst, packet, config_.mtu, now);
    return;
  }
  send_to_neighbour6(datagram.dst, packet, now);
}

}  // namespace tapstack
