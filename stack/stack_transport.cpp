// UDP and TCP for a host with no listeners: every datagram and segment to us meets a closed
// port, answered as Linux answers it (net/ipv4/udp.c __udp4_lib_rcv, tcp_ipv4.c tcp_v4_send_reset).
#include "stack/wire/icmp.hpp"
#include "stack/wire/ipv4.hpp"
#include "stack/stack.hpp"
#include "stack/wire/tcp.hpp"
#include "stack/wire/udp.hpp"

namespace tapstack {

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
  // If the segment carried an ACK, the reset takes its sequence number from it; otherwise the
  // reset acknowledges everything the segment occupied (SYN and FIN count one each).
  TcpRepr rst{.src_port = tcp->dst_port(), .dst_port = tcp->src_port(), .flags = tcp_flag::rst};
  if (tcp->has(tcp_flag::ack)) {
    rst.seq = tcp->ack();
  } else {
    rst.flags |= tcp_flag::ack;
    rst.ack = tcp->seq() + static_cast<std::uint32_t>(tcp->payload_len()) + (tcp->has(tcp_flag::syn) ? 1u : 0u) +
              (tcp->has(tcp_flag::fin) ? 1u : 0u);
  }
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

}  // namespace tapstack
