// UDP and TCP for a host with no listeners: every datagram and segment to us meets a closed
// port, answered as Linux answers it (net/ipv4/udp.c __udp4_lib_rcv, tcp_ipv4.c tcp_v4_send_reset;
// over IPv6 net/ipv6/udp.c __udp6_lib_rcv, tcp_ipv6.c tcp_v6_send_reset).
#include "stack/wire/icmp.hpp"
#include "stack/wire/icmpv6.hpp"
#include "stack/wire/ipv4.hpp"
#include "stack/stack.hpp"
#include "stack/wire/tcp.hpp"
#include "stack/wire/udp.hpp"

namespace tapstack {
namespace {

// The reset a segment with no listener earns (RFC 9293 §3.10.7.1), the same for both families.
TcpRepr reset_for(const TcpView& tcp) {
  // If the segment carried an ACK, the reset takes its sequence number from it; otherwise the
  // reset acknowledges everything the segment occupied (SYN and FIN count one each).
  TcpRepr rst{.src_port = tcp.dst_port(), .dst_port = tcp.src_port(), .flags = tcp_flag::rst};
  if (tcp.has(tcp_flag::ack)) {
    rst.seq = tcp.ack();
  } else {
    rst.flags |= tcp_flag::ack;
    rst.ack = tcp.seq() + static_cast<std::uint32_t>(tcp.payload_len()) + (tcp.has(tcp_flag::syn) ? 1u : 0u) +
              (tcp.has(tcp_flag::fin) ? 1u : 0u);
  }
  return rst;
}

}  // namespace

void Stack::on_udp(const Inbound& in, Instant now) {
  const Ipv4View& ip = in.ip;
  counters_.add(Counter::udp_in);
  // A corrupt datagram is dropped before the port lookup, so it never earns an ICMP error.
  const auto udp = UdpView::parse(ip.payload(), ip.src(), ip.dst());
  if (!udp) {
    counters_.add(Counter::udp_drop_malformed);
    return;
  }
  counters_.add(Counter::udp_port_unreachable);
  // Linux has trimmed the datagram to the UDP length by now, and quotes only that much.
  send_icmp_error(offender(in, udp->segment()), IcmpType::dest_unreachable, static_cast<std::uint8_t>(UnreachableCode::port), 0, now);
}

void Stack::on_tcp(const Inbound& in, Instant now) {
  const Ipv4View& ip = in.ip;
  counters_.add(Counter::tcp_in);
  const auto tcp = TcpView::parse(ip.payload(), ip.src(), ip.dst());
  if (!tcp) {
    counters_.add(Counter::tcp_drop_malformed);
    return;
  }
  // RFC 793 §3.4 "Reset Generation", case 1: never answer a reset, and never a broadcast.
  if (tcp->has(tcp_flag::rst) || in.to_broadcast) {
    counters_.add(Counter::tcp_drop_reset);
    return;
  }
  const TcpRepr rst = reset_for(*tcp);
  // Linux's ip_send_unicast_reply() echoes the segment's IP options like any reply.
  const auto options = echo_options(in.header, in.options, now);
  if (!options) return;
  // dispatch_ip() sends from our address, the segment's destination (one to a broadcast was
  // not answered above), so the checksum's pseudo-header names the same.
  rst.emit(tx_.start(kTcpMinHeaderLen), config_.ip.addr, ip.src());
  counters_.add(Counter::tcp_resets_sent);
  dispatch_ip({.dst = ip.src(),
               .protocol = IpProtocol::tcp,
               .tos = static_cast<std::uint8_t>(ip.tos() & ~0x03),  // Linux reflects the TOS without ECN bits
               // Linux's TCP control socket sets DF, and a DF datagram from an unconnected socket gets ID 0.
               .fragmentation = Fragmentation::forbidden,
               .options = *options},
              tx_, now);
}


void Stack::on_udp6(const Inbound6& in, Instant now) {
  counters_.add(Counter::udp_in);
  const auto udp = UdpView::parse(in.payload(), in.ip.src(), in.ip.dst());
  if (!udp) {
    // RFC 8200 §8.1: over IPv6 a zero checksum is no checksum, and the datagram is discarded.
    counters_.add(udp.error() == UdpError::zero_checksum ? Counter::ipv6_drop_udp_zero_checksum
                                                         : Counter::udp_drop_malformed);
    return;
  }
  counters_.add(Counter::udp_port_unreachable);
  // Linux has trimmed the datagram to the UDP length, and quotes the headers in front and that.
  send_icmpv6_error(Offender6{in.ip.datagram().first(in.payload_at + udp->segment().size()), in.to_multicast},
                    Icmpv6Type::dest_unreachable, std::to_underlying(Icmpv6UnreachableCode::port), 0, now);
}

void Stack::on_tcp6(const Inbound6& in, Instant now) {
  counters_.add(Counter::tcp_in);
  const auto tcp = TcpView::parse(in.payload(), in.ip.src(), in.ip.dst());
  if (!tcp) {
    counters_.add(Counter::tcp_drop_malformed);
    return;
  }
  // Never answer a reset, nor a segment to a group (tcp_v6_rcv drops pkt_type != PACKET_HOST,
  // tcp_v6_send_reset() needs a unicast destination).
  if (tcp->has(tcp_flag::rst) || in.to_multicast) {
    counters_.add(Counter::tcp_drop_reset);
    return;
  }
  const Ipv6Addr src = in.ip.dst();  // ours: the segment was not to a group
  const Ipv6Addr dst = in.ip.src();
  if (!on_link_prefix6(dst)) {
    counters_.add(Counter::ipv6_drop_no_route);
    return;
  }
  reset_for(*tcp).emit(tx_.start(kTcpMinHeaderLen), src, dst);
  counters_.add(Counter::tcp_resets_sent);
  // Linux reflects the traffic class without its ECN bits (tcp_v6_send_reset).
  dispatch_ipv6({.src = src, .dst = dst, .next_header = IpProtocol::tcp,
                 .traffic_class = static_cast<std::uint8_t>(in.ip.traffic_class() & ~0x03)},
                tx_, now);
}

}  // namespace tapstack
