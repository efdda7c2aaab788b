// Neighbour discovery (RFC 4861) and duplicate address detection (RFC 4862 §5.4), following
// Linux's net/ipv6/ndisc.c and addrconf.c. The neighbour state machine is the ARP side's
// (NeighbourTable, as Linux's nd_tbl and arp_tbl share neighbour.c); this file speaks NDP to it.
//
// MLD: we send no reports and keep no listener state. RFC 3810 reports exist so that routers
// and snooping switches forward a group to the link; a TAP is a point-to-point wire to one host
// whose kernel delivers every multicast frame to us anyway, so reports would change nothing.
// Queries and other listeners' reports are counted (nd_drop_mld) and dropped.
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

std::optional<Ipv6Addr> Stack::preferred_link_local() const {
  for (const OwnedIpv6Address& owned : ipv6_addresses_)
    if (owned.state == Ipv6AddressState::preferred && owned.net.addr.is_link_local()) return owned.net.addr;
  return std::nullopt;
}

std::optional<MacAddr> Stack::our_link_address() const {
  // A TUN has no link-layer address: Linux's ndisc_send_na leaves the option out when
  // dev->addr_len is 0.
  if (config_.mode == LinkMode::tun) return std::nullopt;
  return config_.mac;
}

// ---- input -----------------------------------------------------------------------------------

void Stack::on_ndp(const Inbound6& in, const Icmpv6View& icmp, Instant now) {
  // Linux's "solicited NA is multicasted" looks at the IPv6 destination, not the link's.
  on_nd_message(in.ip, icmp, in.ip.dst().is_multicast(), now);
}

void Stack::on_nd_message(const Ipv6View& ip, const Icmpv6View& icmp, bool to_multicast, Instant now) {
  const Icmpv6Type type = icmp.type();
  if (!is_ndp(type)) {
    counters_.add(Counter::nd_drop_mld);
    return;
  }
  counters_.add(Counter::nd_in);
  // RFC 4861 §6.1.1, §7.1: a hop limit of 255 proves the message was not forwarded (it comes
  // from the link), and the code must be 0. Linux's ndisc_rcv checks both first.
  if (ip.hop_limit() != 255 || icmp.code() != 0) {
    counters_.add(Counter::nd_drop_invalid);
    return;
  }
  const Bytes body = icmp.message().subspan(kNdpIcmpHeaderLen);
  switch (type) {
    case Icmpv6Type::neighbour_solicitation:
      on_neighbour_solicitation(ip, body, now);
      return;
    case Icmpv6Type::neighbour_advertisement:
      on_neighbour_advertisement(body, to_multicast, now);
      return;
    case Icmpv6Type::router_solicitation:
      // A host ignores RS (§6.2.6; Linux ndisc_recv_rs with forwarding=0). Validated all the
      // same, so a malformed one is counted as such.
      counters_.add(RouterSolicitation::parse(body) ? Counter::nd_drop_router : Counter::nd_drop_invalid);
      return;
    case Icmpv6Type::router_advertisement:
      // We have no router and take no configuration from one (docs/conformance.md).
      counters_.add(RouterAdvertisement::parse(body) && ip.src().is_link_local() ? Counter::nd_drop_router
                                                                                 : Counter::nd_drop_invalid);
      return;
    default:  // redirect: we send nothing through a router it could redirect
      counters_.add(check_redirect(body) && ip.src().is_link_local() ? Counter::nd_drop_router
                                                                      : Counter::nd_drop_invalid);
      return;
  }
}

void Stack::on_neighbour_solicitation(const Ipv6View& ip, Bytes body, Instant now) {
  // RFC 4861 §7.1.1, in Linux ndisc_recv_ns's order.
  const auto ns = NeighbourSolicitation::parse(body);
  if (!ns) {
    counters_.add(Counter::nd_drop_invalid);
    return;
  }
  if (ns->target.is_multicast()) {
    counters_.add(Counter::nd_drop_multicast_target);
    return;
  }
  // A DAD probe comes from :: and may go only to a solicited-node group, without a source
  // link-layer option (there is no address to bind it to).
  const bool dad = ip.src().is_unspecified();
  if (dad && (!ip.dst().is_solicited_node() || ns->source_mac)) {
    counters_.add(Counter::nd_drop_bad_dad);
    return;
  }
  const auto index = static_cast<std::size_t>(
      std::ranges::find_if(ipv6_addresses_, [&](const OwnedIpv6Address& o) { return o.net.addr == ns->target; }) -
      ipv6_addresses_.begin());
  if (index == ipv6_addresses_.size()) {
    counters_.add(Counter::nd_drop_not_for_us);
    return;
  }
  const OwnedIpv6Address& owned = ipv6_addresses_[index];
  if (owned.state != Ipv6AddressState::preferred) {
    // RFC 4862 §5.4.3: another node probing the address we are probing: neither may have it.
    if (dad && owned.state == Ipv6AddressState::tentative) {
      dad_failed(index, rx_src_mac_, now);
      return;
    }
    counters_.add(Counter::nd_drop_tentative);
    return;
  }
  if (dad) {
    // Defend: tell every node the address is taken (§7.2.4: to all-nodes, S clear, O set).
    send_advertisement({.solicited = false, .override = true, .target = ns->target, .target_mac = our_link_address()},
                       ns->target, Ipv6Addr::all_nodes(), now);
    counters_.add(Counter::nd_solicitations_answered);
    return;
  }
  // Learn the solicitor (§7.2.3): STALE, replacing whatever it had (Linux: neigh_update with
  // OVERRIDE, no locktime), and release what waited on it.
  if (ns->source_mac && config_.mode == LinkMode::tap)
    neighbours6_.learn(ip.src(), *ns->source_mac, {.reachable = false, .create = true, .force = true}, now,
                       [&](const NeighbourAction6& a) { act_on(a, now); });
  // Linux's ndisc_send_na(saddr, target, router, solicited=true, override=inc, inc_opt=inc):
  // to a multicast NS (resolution) O is set and our address is included; a unicast NS (NUD)
  // already knows it, and O is clear so a proxy's answer could still win (§7.2.4).
  const bool multicast = ip.dst().is_multicast();
  send_advertisement({.solicited = true,
                      .override = multicast,
                      .target = ns->target,
                      .target_mac = multicast ? our_link_address() : std::nullopt},
                     ns->target, ip.src(), now);
  counters_.add(Counter::nd_solicitations_answered);
}

void Stack::on_neighbour_advertisement(Bytes body, bool to_multicast, Instant now) {
  // RFC 4861 §7.1.2, in Linux ndisc_recv_na's order.
  const auto na = NeighbourAdvertisement::parse(body);
  if (!na) {
    counters_.add(Counter::nd_drop_invalid);
    return;
  }
  if (na->target.is_multicast()) {
    counters_.add(Counter::nd_drop_multicast_target);
    return;
  }
  if (to_multicast && na->solicited) {
    counters_.add(Counter::nd_drop_invalid);
    return;
  }
  const auto index = static_cast<std::size_t>(
      std::ranges::find_if(ipv6_addresses_, [&](const OwnedIpv6Address& o) { return o.net.addr == na->target; }) -
      ipv6_addresses_.begin());
  if (index < ipv6_addresses_.size()) {
    // Someone advertises one of our addresses: while tentative it is a duplicate (RFC 4862
    // §5.4.4); once preferred Linux only warns ("NA: ... advertised our address"), as we do.
    if (ipv6_addresses_[index].state == Ipv6AddressState::tentative) {
      dad_failed(index, rx_src_mac_, now);
      return;
    }
    if (rx_src_mac_ != config_.mac) {
      counters_.add(Counter::nd_conflicts);
      if (events_ != nullptr) events_->address_conflict(na->target, rx_src_mac_, now);
    }
    return;
  }
  // Only an entry we have is updated (§7.2.5; Linux accept_untracked_na=0).
  if (!neighbours6_.advertise(na->target, na->target_mac, na->solicited, na->override, now,
                              [&](const NeighbourAction6& a) { act_on(a, now); }))
    counters_.add(Counter::nd_drop_unsolicited_na);
}

// ---- output ----------------------------------------------------------------------------------

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
    case NeighbourActionKind::solicit_unicast: {
      // Linux ndisc_solicit → ndisc_send_ns: from a preferred address of ours (none yet: no
      // NS), with our link-layer address; to the solicited-node group while resolving, to the
      // neighbour itself when probing (NUD).
      // The source: while resolving, Linux takes the held datagram's (ours came from
      // select_source6 for the same destination); a NUD probe has no datagram behind it and
      // ndisc_send_ns falls back to the link-local address (ipv6_get_lladdr).
      const bool probing = action.kind == NeighbourActionKind::solicit_unicast;
      const auto src = probing ? preferred_link_local() : select_source6(action.ip);
      if (!src) return;
      send_solicitation({action.ip, config_.mac}, *src, probing ? action.ip : action.ip.solicited_node(),
                        probing ? std::optional{action.mac} : std::nullopt, now);
      counters_.add(Counter::nd_solicitations_sent);
      return;
    }
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

void Stack::send_solicitation(const NeighbourSolicitation& ns, const Ipv6Addr& src, const Ipv6Addr& dst,
                              std::optional<MacAddr> eth_dst, Instant now) {
  const MutableBytes message = ns_tx_.start(kNdpIcmpHeaderLen + ns.body_len());
  Icmpv6Repr{.type = Icmpv6Type::neighbour_solicitation}.emit(message);
  ns.emit(message.subspan(kNdpIcmpHeaderLen));
  fill_icmpv6_checksum(message, src, dst);
  send_nd(ns_tx_, src, dst, eth_dst, now);
}

void Stack::send_advertisement(const NeighbourAdvertisement& na, const Ipv6Addr& src, const Ipv6Addr& dst, Instant now) {
  const MutableBytes message = na_tx_.start(kNdpIcmpHeaderLen + na.body_len());
  Icmpv6Repr{.type = Icmpv6Type::neighbour_advertisement}.emit(message);
  na.emit(message.subspan(kNdpIcmpHeaderLen));
  fill_icmpv6_checksum(message, src, dst);
  send_nd(na_tx_, src, dst, std::nullopt, now);
}

void Stack::send_nd(TxBuffer& message, const Ipv6Addr& src, const Ipv6Addr& dst, std::optional<MacAddr> eth_dst,
                    Instant now) {
  const Ipv6Repr header{.src = src,
                        .dst = dst,
                        .next_header = IpProtocol::icmpv6,
                        .hop_limit = 255,
                        .payload_len = message.size()};
  header.emit(message.push(kIpv6HeaderLen));
  if (eth_dst)
    send_ethernet(*eth_dst, EtherType::ipv6, message, now);
  else
    send_to_neighbour6(dst, message, now);
}

// ---- DAD -------------------------------------------------------------------------------------

void Stack::start_dad(Instant now) {
  if (dad_started_) return;
  dad_started_ = true;
  for (std::size_t i = 0; i < ipv6_addresses_.size(); ++i) {
    if (config_.ipv6.dad_transmits == 0) {
      // DAD skipped (--no-dad): preferred already; announce it as DAD's end would.
      set_dad_due(i, now);
      dad_[i].probes_sent = 0;
      continue;
    }
    ipv6_addresses_[i].state = Ipv6AddressState::tentative;
    send_dad_probe(i, now);
  }
}

void Stack::send_dad_probe(std::size_t index, Instant now) {
  // RFC 4862 §5.4.2: from ::, to the address's solicited-node group, no link-layer option.
  const Ipv6Addr target = ipv6_addresses_[index].net.addr;
  send_solicitation({target, std::nullopt}, Ipv6Addr::unspecified(), target.solicited_node(), std::nullopt, now);
  counters_.add(Counter::nd_dad_probes_sent);
  ++dad_[index].probes_sent;
  set_dad_due(index, now + config_.arp.retrans_time);
}

void Stack::dad_on_timer(Instant now) {
  for (std::size_t i = 0; i < ipv6_addresses_.size(); ++i) {
    DadProgress& dad = dad_[i];
    if (!dad.due || *dad.due > now) continue;
    if (dad.probes_sent < config_.ipv6.dad_transmits) {
      send_dad_probe(i, now);
      continue;
    }
    // RetransTimer after the last probe and nobody objected (§5.4.3): the address is ours.
    // Then one unsolicited NA to all-nodes, O set, so caches that held it elsewhere update.
    dad.due.reset();
    OwnedIpv6Address& owned = ipv6_addresses_[i];
    owned.state = Ipv6AddressState::preferred;
    send_advertisement({.solicited = false, .override = true, .target = owned.net.addr, .target_mac = our_link_address()},
                       owned.net.addr, Ipv6Addr::all_nodes(), now);
    counters_.add(Counter::nd_announcements_sent);
  }
}

void Stack::dad_failed(std::size_t index, MacAddr other, Instant now) {
  // RFC 4862 §5.4.5: never used; Linux marks it IFA_F_DADFAILED and logs "IPv6 duplicate
  // address ... used by <mac> detected!".
  ipv6_addresses_[index].state = Ipv6AddressState::duplicate;
  dad_[index].due.reset();
  counters_.add(Counter::nd_dad_duplicates);
  if (events_ != nullptr) events_->address_conflict(ipv6_addresses_[index].net.addr, other, now);
}

void Stack::ndp_on_timer(Instant now) {
  neighbours6_.on_timer(now, [&](const NeighbourAction6& a) { act_on(a, now); });
  dad_on_timer(now);
}

std::optional<Instant> Stack::ndp_next_deadline() const {
  std::optional<Instant> next = neighbours6_.next_deadline();
  for (const DadProgress& dad : dad_)
    if (dad.due && (!next || *dad.due < *next)) next = dad.due;
  return next;
}

}  // namespace tapstack
