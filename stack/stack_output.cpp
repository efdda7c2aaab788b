// The output path: one datagram description in, IP header, fragments, neighbour resolution,
// held datagrams and the link header out; and ARP through the same link output.
#include "stack/fragmenter.hpp"
#include "stack/stack.hpp"
#include "stack/wire/arp.hpp"
#include "stack/wire/ethernet.hpp"
#include "stack/wire/ipv4.hpp"

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

}  // namespace tapstack
