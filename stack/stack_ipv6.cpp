// IPv6 input (RFC 8200), in the order of Linux's ip6_rcv_core() (fixed header, Hop-by-Hop),
// ip6_route_input() (is it ours?) and ip6_protocol_deliver_rcu() (the rest of the chain).
#include "stack/stack.hpp"
#include "stack/wire/ipv6.hpp"

namespace tapstack {

void Stack::on_ipv6(Bytes packet, LinkCast cast, Instant now) {
  counters_.add(Counter::ipv6_in);
  // Linux takes IPv6 off a link whose MTU is below 1280 (addrconf_ifdown), and a link with no
  // address of ours has no IPv6 to answer with.
  if (config_.mtu < kIpv6MinMtu || ipv6_addresses_.empty()) {
    counters_.add(Counter::ipv6_drop_disabled);
    return;
  }
  const auto parsed = Ipv6View::parse(packet);
  if (!parsed) {
    counters_.add(parsed.error() == Ipv6Error::truncated ? Counter::ipv6_drop_truncated : Counter::ipv6_drop_bad_version);
    return;
  }
  const Ipv6View& ip = *parsed;
  const Ipv6Addr src = ip.src();
  const Ipv6Addr dst = ip.dst();

  // RFC 4291 §2.5.3: loopback never arrives from a link.
  if (src.is_loopback() || dst.is_loopback()) {
    counters_.add(Counter::ipv6_drop_loopback);
    return;
  }
  // RFC 4291 §2.7 and its erratum 3480: scope 0 is reserved, and interface-local multicast
  // (ff01::/16, ff01::1 too) never leaves the node that sent it.
  if (dst.is_multicast() && dst.multicast_scope() <= 1) {
    counters_.add(Counter::ipv6_drop_bad_multicast_scope);
    return;
  }
  // RFC 4291 §2.7: a multicast address is never a source.
  if (src.is_multicast()) {
    counters_.add(Counter::ipv6_drop_multicast_source);
    return;
  }

  // Linux parses the Hop-by-Hop options before it asks whether the datagram is ours, so one to
  // another host can still earn a parameter problem; the rest of the chain only once it is.
  const bool to_multicast = dst.is_multicast() || cast != LinkCast::host;
  Ipv6ChainStart from = chain_start(ip);
  if (ip.next_header() == IpProtocol::hop_by_hop) {
    const Ipv6Chain hop_by_hop = walk_extension_headers(ip, from, {.link_host = cast == LinkCast::host, .hop_by_hop_only = true});
    if (hop_by_hop.fate != Ipv6ChainFate::more) {
      on_chain_end6(ip, hop_by_hop, to_multicast, now);
      return;
    }
    from = continue_from(hop_by_hop);
  }
  if (!accepts_ipv6_destination(dst)) {
    counters_.add(Counter::ipv6_drop_not_for_us);  // a host: no forwarding
    return;
  }
  walk_and_deliver6(ip, from, cast, now);
}

bool Stack::accepts_ipv6_destination(const Ipv6Addr& dst) const {
  if (!dst.is_multicast()) return is_our_ipv6(dst);
  // The groups a host joins (RFC 4291 §2.8): all-nodes, and the solicited-node group of each
  // of its addresses, tentative ones included (RFC 4862 §5.4.2 joins it before DAD).
  if (dst == Ipv6Addr::all_nodes()) return true;
  if (!dst.is_solicited_node()) return false;
  for (const OwnedIpv6Address& owned : ipv6_addresses_)
    if (owned.net.addr.solicited_node() == dst) return true;
  return false;
}

void Stack::walk_and_deliver6(const Ipv6View& ip, Ipv6ChainStart from, LinkCast cast, Instant now) {
  const bool to_multicast = ip.dst().is_multicast() || cast != LinkCast::host;
  const Ipv6Chain chain = walk_extension_headers(ip, from, {.link_host = cast == LinkCast::host});
  switch (chain.fate) {
    case Ipv6ChainFate::upper_layer:
      deliver6(Inbound6{ip, chain.protocol, chain.offset, chain.next_header_at, to_multicast}, now);
      return;
    case Ipv6ChainFate::fragment:
      on_fragment6(ip, chain, cast, now);
      return;
    default:
      on_chain_end6(ip, chain, to_multicast, now);
      return;
  }
}

void Stack::on_chain_end6(const Ipv6View& ip, const Ipv6Chain& chain, bool to_multicast, Instant now) {
  switch (chain.fate) {
    case Ipv6ChainFate::upper_layer:
    case Ipv6ChainFate::fragment:
    case Ipv6ChainFate::more:
      return;  // not an end: the callers go on
    case Ipv6ChainFate::no_next_header:
      counters_.add(Counter::ipv6_drop_no_next_header);  // RFC 8200 §4.7: nothing to deliver
      return;
    case Ipv6ChainFate::truncated:
      counters_.add(Counter::ipv6_drop_bad_ext_header);
      return;
    case Ipv6ChainFate::bad_options:
      counters_.add(Counter::ipv6_drop_bad_options);
      return;
    case Ipv6ChainFate::option_discarded:
      counters_.add(Counter::ipv6_drop_unknown_option);
      return;
    case Ipv6ChainFate::routing_discarded:
      counters_.add(Counter::ipv6_drop_routing_header);
      return;
    case Ipv6ChainFate::too_long:
      counters_.add(Counter::ipv6_drop_chain_too_long);
      return;
    case Ipv6ChainFate::parameter_problem:
      break;
  }
  switch (chain.code) {
    case Ipv6ParamProblemCode::unknown_option: counters_.add(Counter::ipv6_drop_unknown_option); break;
    case Ipv6ParamProblemCode::unknown_next_header: counters_.add(Counter::ipv6_drop_unknown_next_header); break;
    case Ipv6ParamProblemCode::header_field:
      counters_.add(chain.protocol == IpProtocol::routing ? Counter::ipv6_drop_routing_header : Counter::ipv6_drop_bad_header_field);
      break;
  }
  send_icmpv6_error(Offender6{ip.datagram(), to_multicast}, Icmpv6Type::parameter_problem, std::to_underlying(chain.code),
                    chain.pointer, now);
}

void Stack::deliver6(const Inbound6& in, Instant now) {
  switch (in.protocol) {
    case IpProtocol::icmpv6:
      on_icmpv6(in, now);
      return;
    case IpProtocol::udp:
      on_udp6(in, now);
      return;
    case IpProtocol::tcp:
      on_tcp6(in, now);
      return;
    default:
      break;
  }
  // Linux's ip6_protocol_deliver_rcu(): no handler for the protocol, a parameter problem
  // pointing at the Next Header field that named it (RFC 8200 §4).
  counters_.add(Counter::ipv6_drop_unknown_next_header);
  send_icmpv6_error(offender6(in), Icmpv6Type::parameter_problem,
                    std::to_underlying(Ipv6ParamProblemCode::unknown_next_header),
                    static_cast<std::uint32_t>(in.next_header_at), now);
}

}  // namespace tapstack
