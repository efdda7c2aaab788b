// ICMP (RFC 792, RFC 1122 §3.2.2): input as Linux's icmp_rcv() dispatches it, replies as
// icmp_reply() builds them, errors as __icmp_send() decides and builds them.
#include "stack/wire/checksum.hpp"
#include "stack/wire/icmp.hpp"
#include "stack/wire/ipv4.hpp"
#include "stack/stack.hpp"

#include <algorithm>
#include <chrono>
#include <utility>

namespace tapstack {
namespace {

void fill_checksum(MutableBytes message) {
  store_be16(message, icmp_field::checksum, 0);
  store_be16(message, icmp_field::checksum, internet_checksum(message));
}

}  // namespace

void Stack::on_icmp(const Inbound& in, Instant now) {
  counters_.add(Counter::icmp_in);
  const auto parsed = IcmpView::parse(in.ip.payload());
  if (!parsed) {
    counters_.add(parsed.error() == IcmpError::truncated ? Counter::icmp_drop_truncated
                                                         : Counter::icmp_drop_bad_checksum);
    return;
  }
  const IcmpView& icmp = *parsed;
  const IcmpType type = icmp.type();

  // RFC 1122 §3.2.2.6/§3.2.2.8 (and Linux): to a broadcast, only echo, timestamp and address
  // mask messages are looked at at all.
  if (in.to_broadcast && type != IcmpType::echo_request && type != IcmpType::timestamp_request &&
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
      if (in.to_broadcast && config_.icmp.echo_ignore_broadcasts) {
        counters_.add(Counter::icmp_drop_echo_broadcast);
        return;
      }
      reply_echo(in, icmp, now);
      return;
    case IcmpType::timestamp_request:
      // Linux answers timestamp requests; it ignores those to a broadcast with the echo knob.
      if (in.to_broadcast && config_.icmp.echo_ignore_broadcasts) {
        counters_.add(Counter::icmp_drop_timestamp_broadcast);
        return;
      }
      reply_timestamp(in, icmp, now);
      return;
    case IcmpType::dest_unreachable:
      if (icmp.code() == std::to_underlying(UnreachableCode::frag_needed)) {
        on_frag_needed(icmp, now);
        return;
      }
      counters_.add(Counter::icmp_drop_unhandled_type);
      return;
    default:
      // Echo replies, errors, and the requests Linux no longer answers (information, address
      // mask, router solicitation): consumed without a word.
      counters_.add(Counter::icmp_drop_unhandled_type);
      return;
  }
}

void Stack::reply_echo(const Inbound& in, const IcmpView& icmp, Instant now) {
  const Ipv4Addr dst = in.ip.src();
  const auto options = echo_options(in.header, in.options, now);
  if (!options || !rate_allows(IcmpType::echo_reply, icmp.code(), dst, Counter::icmp_drop_reply_rate_limited, now))
    return;
  // The reply is the request's ICMP message with one byte changed, behind a fresh IP header
  // (RFC 792): one copy of the message, and the checksum patched, not recomputed (RFC 1624).
  // Linux copies the code as it came, so we do too. RFC 1122 §3.2.1.6 lets the reply reuse the
  // request's TOS, and Linux does.
  const Bytes request = icmp.message();
  const MutableBytes reply = tx_.start(request.size());
  copy_bytes(reply, request);
  const std::uint16_t old_word = load_be16(request, icmp_field::type);
  const auto new_word =
      static_cast<std::uint16_t>((std::uint16_t{std::to_underlying(IcmpType::echo_reply)} << 8) | icmp.code());
  store_be16(reply, icmp_field::type, new_word);
  const std::uint16_t checksum = checksum_update16(icmp.checksum(), old_word, new_word);
  // An all-zero reply (code, id, sequence and data all 0) is the one case the update gets wrong.
  store_be16(reply, icmp_field::checksum, fix_all_zero_checksum(checksum, reply, icmp_field::checksum));
  counters_.add(Counter::icmp_echo_replies_sent);
  send_icmp(dst, in.ip.tos(), *options, now);
}

void Stack::on_frag_needed(const IcmpView& icmp, Instant now) {
  counters_.add(Counter::icmp_frag_needed_in);
  // Linux's icmp_unreach() needs the quoted header and 8 bytes behind it, and hands the report
  // to the quoted protocol's error handler. Of what we send, only an echo reply has one that
  // listens (icmp_err(); UDP and TCP find no socket, ping_err() no ping socket), and it
  // believes the report if a route from the quoted source to the quoted destination exists,
  // which needs the source to be our address (ipv4_update_pmtu()). That is the check RFC 5927
  // §4.3 asks for at the level Linux makes it: a datagram of ours, of a kind we send.
  const Bytes quoted = icmp.data();
  if (quoted.size() < kIpv4MinHeaderLen) {
    counters_.add(Counter::pmtu_drop_not_ours);
    return;
  }
  const std::size_t ihl = std::size_t{load_u8(quoted, 0) & 0x0fu} * 4;
  if (ihl < kIpv4MinHeaderLen || quoted.size() < ihl + kIcmpHeaderLen ||
      IpProtocol{load_u8(quoted, ipv4_field::protocol)} != IpProtocol::icmp ||
      IcmpType{load_u8(quoted, ihl + icmp_field::type)} != IcmpType::echo_reply ||
      Ipv4Addr{load_be32(quoted, ipv4_field::src)} != config_.ip.addr) {
    counters_.add(Counter::pmtu_drop_not_ours);
    return;
  }
  // A destination we could send to: a neighbour on our subnet (TAP: we have no gateway), never
  // ourselves or the broadcast, which no reply goes to.
  const Ipv4Addr dst{load_be32(quoted, ipv4_field::dst)};
  if (dst == config_.ip.addr || config_.ip.is_broadcast(dst) || dst.is_multicast() ||
      (config_.mode == LinkMode::tap && !config_.ip.contains(dst))) {
    counters_.add(Counter::pmtu_drop_not_ours);
    return;
  }
  // RFC 1191 §4: the next-hop MTU is the low 16 bits of the header's second word.
  const auto reported = static_cast<std::uint16_t>(icmp.rest() & 0xffffu);
  switch (path_mtus_.learn(dst, reported, now)) {
    case PathMtuUpdate::ignored_larger: counters_.add(Counter::pmtu_drop_larger); return;
    case PathMtuUpdate::ignored_locked: counters_.add(Counter::pmtu_drop_locked); return;
    case PathMtuUpdate::learned:
    case PathMtuUpdate::refreshed:
    case PathMtuUpdate::ignored_same: return;
  }
}

void Stack::reply_timestamp(const Inbound& in, const IcmpView& icmp, Instant now) {
  // RFC 792: originate timestamp copied, receive and transmit both "now" in milliseconds since
  // midnight UT. Linux needs only the 4 originate bytes after the header and always sends 20.
  if (icmp.data().size() < 4) {
    counters_.add(Counter::icmp_drop_timestamp_short);
    return;
  }
  const Ipv4Addr dst = in.ip.src();
  const auto options = echo_options(in.header, in.options, now);
  if (!options || !rate_allows(IcmpType::timestamp_reply, 0, dst, Counter::icmp_drop_reply_rate_limited, now))
    return;
  constexpr std::size_t kTimestampLen = kIcmpHeaderLen + 12;
  const MutableBytes msg = tx_.start(kTimestampLen);
  IcmpRepr{.type = IcmpType::timestamp_reply, .code = 0, .rest = icmp.rest()}.emit(msg);
  copy_bytes(msg.subspan(kIcmpHeaderLen, 4), icmp.data().first(4));
  const std::uint32_t ms = ms_since_midnight_utc(now);
  store_be32(msg, kIcmpHeaderLen + 4, ms);
  store_be32(msg, kIcmpHeaderLen + 8, ms);
  fill_checksum(msg);
  counters_.add(Counter::icmp_timestamp_replies_sent);
  send_icmp(dst, in.ip.tos(), *options, now);
}

namespace {

// Linux's icmp_pointers[] marks more types as errors than RFC 1122 §3.2.2 names: also the
// unassigned 1, 2 and 7, alternate host address (6), and router advertisement and solicitation
// (9, 10). __icmp_send() never answers any of them, even where a parameter problem is due.
bool linux_treats_as_error(IcmpType type) {
  switch (std::to_underlying(type)) {
    case 1: case 2: case 6: case 7: case 9: case 10: return true;
    default: return is_icmp_error(type);
  }
}

}  // namespace

void Stack::send_icmp_error(const Offender& offender, IcmpType type, std::uint8_t code, std::uint32_t info,
                            Instant now) {
  const Bytes header = offender.header;
  // RFC 1122 §3.2.2 and Linux's __icmp_send(): never about a broadcast or multicast, never
  // about a fragment other than the first, never about an ICMP error (or a type too new to
  // know whether it is one).
  bool forbidden = offender.to_broadcast || (load_be16(header, ipv4_field::flags_frag) & kIpv4FragOffsetMask) != 0;
  if (!forbidden && IpProtocol{load_u8(header, ipv4_field::protocol)} == IpProtocol::icmp) {
    forbidden = offender.payload.empty() || !is_known(IcmpType{load_u8(offender.payload, icmp_field::type)}) ||
                linux_treats_as_error(IcmpType{load_u8(offender.payload, icmp_field::type)});
  }
  if (forbidden) {
    counters_.add(Counter::icmp_errors_suppressed);
    return;
  }

  const Ipv4Addr dst{load_be32(header, ipv4_field::src)};
  if (!rate_allows(type, code, dst, Counter::icmp_errors_rate_limited, now)) return;
  const auto options = echo_options(header, offender.options, now);
  if (!options) return;

  // Linux quotes as much as fits in min(path MTU, 576) bytes (RFC 1812 §4.3.2.3), its header
  // and options included, starting with the offender's header as it holds it. The constructor
  // refuses an MTU (and a min_pmtu) below 68, so even 40 bytes of options leave room >= 0.
  const std::size_t limit = std::min<std::size_t>(path_mtus_.mtu_to(dst, now), kIcmpErrorMaxDatagram);
  const std::size_t room = limit - kIpv4MinHeaderLen - options->size() - kIcmpHeaderLen;
  const std::size_t quoted_header = std::min(header.size(), room);
  const std::size_t quoted_payload = std::min(offender.payload.size(), room - quoted_header);
  // Linux: the offender's TOS bits with precedence "internetwork control" (RFC 1812 §4.3.2.5).
  const auto tos = static_cast<std::uint8_t>((load_u8(header, ipv4_field::tos) & 0x1e) | 0xc0);
  const MutableBytes msg = tx_.start(kIcmpHeaderLen + quoted_header + quoted_payload);
  IcmpRepr{.type = type, .code = code, .rest = info}.emit(msg);
  copy_bytes(msg.subspan(kIcmpHeaderLen), header.first(quoted_header));
  copy_bytes(msg.subspan(kIcmpHeaderLen + quoted_header), offender.payload.first(quoted_payload));
  fill_checksum(msg);
  counters_.add(Counter::icmp_errors_sent);
  send_icmp(dst, tos, *options, now);
}

std::optional<Bytes> Stack::build_echo_options(Bytes header, const ReceivedOptions& options, Instant now) {
  const auto built = build_reply_options(header.subspan(kIpv4MinHeaderLen), options, config_.ip,
                                         ms_since_midnight_utc(now), reply_options_);
  if (!built) {
    counters_.add(Counter::icmp_drop_options_no_room);
    return std::nullopt;
  }
  return Bytes(reply_options_).first(built->len);
}

bool Stack::rate_allows(IcmpType type, std::uint8_t code, Ipv4Addr dst, Counter if_limited, Instant now) {
  if (rate_limiter_.allow(type, code, dst, now)) return true;
  counters_.add(if_limited);
  return false;
}

void Stack::send_icmp(Ipv4Addr dst, std::uint8_t tos, Bytes options, Instant now) {
  // Linux's ICMP socket: DF clear (IP_PMTUDISC_DONT), so a large echo reply is fragmented.
  dispatch_ip({.dst = dst, .protocol = IpProtocol::icmp, .tos = tos, .options = options}, tx_, now);
}

std::uint32_t Stack::ms_since_midnight_utc(Instant now) const {
  const auto since_epoch = (now + config_.wall_clock_offset).time_since_epoch();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch).count();
  return static_cast<std::uint32_t>(ms % (24 * 3600 * 1000));
}

}  // namespace tapstack
