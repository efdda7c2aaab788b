// Neighbour discovery (RFC 4861) and duplicate address detection (RFC 4862 §5.4), following
// Linux's net/ipv6/ndisc.c and addrconf.c. The neighbour state machine is the ARP side's
// (NeighbourTable, as Linux's nd_tbl and arp_tbl share neighbour.c); this file speaks NDP to it.
#include "stack/stack.hpp"

#include <algorithm>

namespace tapstack {

std::string_view to_string(Ipv6AddressState state) {
  switch (state) {
    case Ipv6AddressState::tentative: return "tentative";
    case Ipv6AddressState::preferred: return "preferred";
    case Ipv6AddressState::duplicate: return "duplicate";
  }
  return "?";
}

std::vector<OwnedIpv6Address> Stack::owned_ipv6(const StackConfig& config) {
  // Preferred from the start: only announce() runs DAD, so replay and tests, which never call
  // it, answer from the first frame.
  std::vector<OwnedIpv6Address> owned;
  owned.reserve(config.ipv6.addresses.size() + 1);
  for (const Ipv6Interface& net : config.ipv6.addresses) owned.push_back({net, Ipv6AddressState::preferred});
  // TAP mode also owns the link-local address of its MAC (RFC 4862 §5.3), unless configured.
  if (config.mode == LinkMode::tap && config.ipv6.link_local) {
    const Ipv6Interface link_local{link_local_from_mac(config.mac), 64};
    const bool listed = std::ranges::any_of(owned, [&](const OwnedIpv6Address& o) { return o.net.addr == link_local.addr; });
    if (!listed) owned.push_back({link_local, Ipv6AddressState::preferred});
  }
  return owned;
}

const OwnedIpv6Address* Stack::find_ipv6(const Ipv6Addr& a) const {
  for (const OwnedIpv6Address& owned : ipv6_addresses_)
    if (owned.net.addr == a) return &owned;
  return nullptr;
}

void Stack::send_to_neighbour6(const Ipv6Addr& next_hop, TxBuffer& datagram, Instant now) {
  if (config_.mode == LinkMode::tun) {
    emit(datagram, now);
    return;
  }
  // RFC 2464 §7: a multicast destination needs no resolution.
  if (next_hop.is_multicast()) {
    send_ethernet(multicast_mac_for(next_hop), EtherType::ipv6, datagram, now);
    return;
  }
  const auto mac = neighbours6_.resolve(next_hop, now, [&](const NeighbourAction6& a) { act_on(a, now); });
  if (!mac) {
    // As send_to_neighbour: no entry means nothing would ever release the datagram.
    if (neighbours6_.find(next_hop) == nullptr) {
      counters_.add(Counter::nd_drop_table_full);
      return;
    }
    counters_.add(Counter::nd_drop_unresolved, held_.hold(next_hop, datagram.data()));
    return;
  }
  send_ethernet(*mac, EtherType::ipv6, datagram, now);
}

void Stack::act_on(const NeighbourAction6& action, Instant now) {
  switch (action.kind) {
    case NeighbourActionKind::solicit_broadcast:
    case NeighbourActionKind::solicit_unicast:
      // The solicitation itself needs the IPv6 output path; wired in with it.
      counters_.add(Counter::nd_solicitations_sent);
      return;
    case NeighbourActionKind::release_held:
      counters_.add(Counter::nd_held_sent, held_.release(action.ip, [&](TxBuffer& datagram) {
        send_ethernet(action.mac, EtherType::ipv6, datagram, now);
      }));
      return;
    case NeighbourActionKind::drop_held:
      counters_.add(Counter::nd_drop_unresolved, held_.drop(action.ip));
      return;
  }
}

void Stack::ndp_on_timer(Instant now) {
  neighbours6_.on_timer(now, [&](const NeighbourAction6& a) { act_on(a, now); });
}

std::optional<Instant> Stack::ndp_next_deadline() const { return neighbours6_.next_deadline(); }

}  // namespace tapstack
