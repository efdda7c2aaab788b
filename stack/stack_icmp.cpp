// ICMP input (RFC 792, RFC 1122 §3.2.2), as Linux's icmp_rcv() dispatches it.
#include "stack/checksum.hpp"
#include "stack/icmp.hpp"
#include "stack/ipv4.hpp"
#include "stack/stack.hpp"

namespace tapstack {

void Stack::on_icmp(const Ipv4View& ip, bool to_broadcast, Instant now) {
  counters_.add(Counter::icmp_in);
  const auto parsed = IcmpView::parse(ip.payload());
  if (!parsed) {
    counters_.add(parsed.error() == IcmpError::truncated ? Counter::icmp_drop_truncated
                                                         : Counter::icmp_drop_bad_checksum);
    return;
  }
  const IcmpView& icmp = *parsed;

  switch (static_cast<IcmpType>(icmp.type())) {
    case IcmpType::echo_request:
      counters_.add(Counter::icmp_echo_requests);
      if (config_.icmp.echo_ignore_all) {
        counters_.add(Counter::icmp_drop_echo_ignored);
        return;
      }
      // RFC 1122 §3.2.2.6: an echo to a broadcast MAY be ignored; Linux's default does.
      if (to_broadcast && config_.icmp.echo_ignore_broadcasts) {
        counters_.add(Counter::icmp_drop_echo_broadcast);
        return;
      }
      reply_echo(ip, icmp, now);
      return;
    default:
      counters_.add(Counter::icmp_drop_unhandled_type);
      return;
  }
}

void Stack::reply_echo(const Ipv4View& ip, const IcmpView& icmp, Instant now) {
  // The reply is the request's ICMP message with one byte changed, behind a fresh IP header
  // (RFC 792): one copy of the message, and the checksum patched, not recomputed (RFC 1624).
  // Linux copies the code as it came, so we do too.
  const Bytes request = icmp.message();
  const Ipv4Repr header{
      .src = config_.ip.addr,  // for a broadcast request, our primary address (Linux's spec_dst)
      .dst = ip.src(),
      .protocol = static_cast<std::uint8_t>(IpProtocol::icmp),
      .ttl = kDefaultTtl,
      .tos = ip.tos(),  // RFC 1122 §3.2.1.6 lets a reply reuse the request's TOS; Linux does
      .ident = next_ident(),
      .flags_frag = 0,  // Linux's ICMP socket does not set DF (IP_PMTUDISC_DONT)
      .payload_len = request.size(),
  };
  MutableBytes out = datagram_buffer();
  const std::size_t hlen = header.header_len();
  header.emit(out);
  MutableBytes reply = out.subspan(hlen, request.size());
  copy_bytes(reply, request);
  const std::uint16_t old_word = load_be16(request, icmp_field::type);
  const std::uint16_t new_word = static_cast<std::uint16_t>((std::uint16_t{static_cast<std::uint8_t>(IcmpType::echo_reply)} << 8) |
                                                            icmp.code());
  store_be16(reply, icmp_field::type, new_word);
  store_be16(reply, icmp_field::checksum, checksum_update16(icmp.checksum(), old_word, new_word));
  counters_.add(Counter::icmp_echo_replies_sent);
  send_datagram(header.total_len(), now);
}

}  // namespace tapstack
