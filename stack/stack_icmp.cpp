// ICMP input (RFC 792, RFC 1122 §3.2.2), as Linux's icmp_rcv() dispatches it.
#include "stack/checksum.hpp"
#include "stack/icmp.hpp"
#include "stack/ipv4.hpp"
#include "stack/stack.hpp"

#include <algorithm>
#include <chrono>

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
  const auto type = static_cast<IcmpType>(icmp.type());

  // RFC 1122 §3.2.2.6/§3.2.2.8 (and Linux): to a broadcast, only echo, timestamp and address
  // mask messages are looked at at all.
  if (to_broadcast && type != IcmpType::echo_request && type != IcmpType::timestamp_request &&
      type != IcmpType::address_mask_request && type != IcmpType::address_mask_reply) {
    counters_.add(Counter::icmp_drop_broadcast_type);
    return;
  }

  switch (type) {
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
    case IcmpType::timestamp_request:
      // Linux answers timestamp requests; it ignores those to a broadcast with the echo knob.
      if (to_broadcast && config_.icmp.echo_ignore_broadcasts) {
        counters_.add(Counter::icmp_drop_echo_broadcast);
        return;
      }
      reply_timestamp(ip, icmp, now);
      return;
    default:
      // Echo replies, errors, and the requests Linux no longer answers (information, address
      // mask, router solicitation): consumed without a word.
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

void Stack::reply_timestamp(const Ipv4View& ip, const IcmpView& icmp, Instant now) {
  // RFC 792: originate timestamp copied, receive and transmit both "now" in milliseconds since
  // midnight UT. Linux needs only the 4 originate bytes after the header and always sends 20.
  if (icmp.data().size() < 4) {
    counters_.add(Counter::icmp_drop_timestamp_short);
    return;
  }
  constexpr std::size_t kTimestampLen = kIcmpHeaderLen + 12;
  const auto since_epoch = (now + config_.wall_clock_offset).time_since_epoch();
  const auto ms_today = static_cast<std::uint32_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch).count() % (24 * 3600 * 1000));

  const Ipv4Repr header{.src = config_.ip.addr, .dst = ip.src(), .protocol = static_cast<std::uint8_t>(IpProtocol::icmp),
                        .ttl = kDefaultTtl, .tos = ip.tos(), .ident = next_ident(), .flags_frag = 0,
                        .payload_len = kTimestampLen};
  MutableBytes out = datagram_buffer();
  header.emit(out);
  MutableBytes msg = out.subspan(header.header_len(), kTimestampLen);
  store_u8(msg, icmp_field::type, static_cast<std::uint8_t>(IcmpType::timestamp_reply));
  store_u8(msg, icmp_field::code, 0);
  store_be16(msg, icmp_field::checksum, 0);
  copy_bytes(msg.subspan(icmp_field::ident, 4), icmp.message().subspan(icmp_field::ident, 4));
  copy_bytes(msg.subspan(kIcmpHeaderLen, 4), icmp.data().first(4));
  store_be32(msg, kIcmpHeaderLen + 4, ms_today);
  store_be32(msg, kIcmpHeaderLen + 8, ms_today);
  store_be16(msg, icmp_field::checksum, internet_checksum(msg));
  counters_.add(Counter::icmp_timestamp_replies_sent);
  send_datagram(header.total_len(), now);
}

void Stack::send_icmp_error(const Ipv4View& offending, Bytes quote, bool to_broadcast, IcmpType type,
                            std::uint8_t code, std::uint32_t info, Instant now) {
  // RFC 1122 §3.2.2 and Linux's __icmp_send(): never about a broadcast or multicast, never
  // about a fragment other than the first, never about an ICMP error (or a type too new to
  // know whether it is one).
  bool forbidden = to_broadcast || offending.frag_offset() != 0;
  if (!forbidden && offending.protocol() == static_cast<std::uint8_t>(IpProtocol::icmp)) {
    const Bytes inner = offending.payload();
    forbidden = inner.empty() || load_u8(inner, icmp_field::type) > kIcmpMaxKnownType ||
                is_icmp_error(load_u8(inner, icmp_field::type));
  }
  if (forbidden) {
    counters_.add(Counter::icmp_errors_suppressed);
    return;
  }

  const std::size_t room = kIcmpErrorMaxDatagram - kIpv4MinHeaderLen - kIcmpHeaderLen;
  quote = quote.first(std::min(quote.size(), room));
  const Ipv4Repr header{
      .src = config_.ip.addr,
      .dst = offending.src(),
      .protocol = static_cast<std::uint8_t>(IpProtocol::icmp),
      .ttl = kDefaultTtl,
      // Linux: the offender's TOS bits with precedence "internetwork control" (RFC 1812 §4.3.2.5).
      .tos = static_cast<std::uint8_t>((offending.tos() & 0x1e) | 0xc0),
      .ident = next_ident(),
      .flags_frag = 0,
      .payload_len = kIcmpHeaderLen + quote.size(),
  };
  MutableBytes out = datagram_buffer();
  header.emit(out);
  MutableBytes msg = out.subspan(header.header_len(), header.payload_len);
  store_u8(msg, icmp_field::type, static_cast<std::uint8_t>(type));
  store_u8(msg, icmp_field::code, code);
  store_be16(msg, icmp_field::checksum, 0);
  store_be32(msg, icmp_field::ident, info);
  copy_bytes(msg.subspan(kIcmpHeaderLen), quote);
  store_be16(msg, icmp_field::checksum, internet_checksum(msg));
  counters_.add(Counter::icmp_errors_sent);
  send_datagram(header.total_len(), now);
}

}  // namespace tapstack
