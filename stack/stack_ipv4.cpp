// IPv4 input (RFC 791, RFC 1122 §3.2.1), in the order of Linux's ip_rcv_core(),
// ip_route_input_slow() and ip_local_deliver().
#include "stack/ipv4.hpp"
#include "stack/stack.hpp"

namespace tapstack {

void Stack::on_ipv4(Bytes packet, LinkCast cast, Instant now) {
  counters_.add(Counter::ip_in);
  const auto parsed = Ipv4View::parse(packet);
  if (!parsed) {
    switch (parsed.error()) {
      case Ipv4Error::truncated: counters_.add(Counter::ip_drop_truncated); break;
      case Ipv4Error::bad_version: counters_.add(Counter::ip_drop_bad_version); break;
      case Ipv4Error::bad_header_len: counters_.add(Counter::ip_drop_bad_header_len); break;
      case Ipv4Error::bad_checksum: counters_.add(Counter::ip_drop_bad_checksum); break;
    }
    return;
  }
  const Ipv4View& ip = *parsed;
  const Ipv4Interface& iface = config_.ip;

  // Martian sources (RFC 1122 §3.2.1.3): nobody can be reached at these, so nothing answers.
  const Ipv4Addr src = ip.src();
  if (src.is_multicast() || src.is_limited_broadcast() || src.is_zeronet() || src.is_loopback() ||
      iface.is_broadcast(src) || src == iface.addr) {
    counters_.add(Counter::ip_drop_martian_source);
    return;
  }

  // 224.0.0.1 (all hosts) is the one group every host is in (RFC 1112 §4).
  const Ipv4Addr dst = ip.dst();
  const bool to_broadcast = iface.is_broadcast(dst) || dst == Ipv4Addr::from_octets(224, 0, 0, 1);
  if (dst != iface.addr && !to_broadcast) {
    counters_.add(Counter::ip_drop_not_for_us);  // we are a host: no forwarding
    return;
  }
  // RFC 1122 §3.3.6: a host SHOULD discard a datagram received in a link-layer broadcast that
  // is not addressed to an IP broadcast or multicast address. (Linux does too with
  // drop_unicast_in_l2_multicast=1; its default is 0. docs/conformance.md.)
  if (cast != LinkCast::host && !to_broadcast) {
    counters_.add(Counter::ip_drop_bad_link_type);
    return;
  }

  if (ip.is_fragment()) {
    counters_.add(Counter::ip_frag_in);
    counters_.add(Counter::ip_frag_drop_bad);  // reassembly is not wired in yet
    return;
  }

  switch (static_cast<IpProtocol>(ip.protocol())) {
    case IpProtocol::icmp:
      on_icmp(ip, to_broadcast, now);
      return;
    case IpProtocol::udp:
      on_udp(ip, to_broadcast, now);
      return;
    case IpProtocol::tcp:
      on_tcp(ip, to_broadcast, now);
      return;
    case IpProtocol::igmp:
      // Linux always has an IGMP handler, so IGMP never earns a protocol unreachable.
      counters_.add(Counter::igmp_in);
      return;
  }
  counters_.add(Counter::ip_drop_unknown_protocol);
  send_icmp_error(ip, ip.datagram(), to_broadcast, IcmpType::dest_unreachable,
                  static_cast<std::uint8_t>(UnreachableCode::protocol), 0, now);
}

}  // namespace tapstack
