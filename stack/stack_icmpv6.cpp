// ICMPv6 (RFC 4443): input as Linux's icmpv6_rcv() dispatches it, echo replies as
// icmpv6_echo_reply() builds them, errors as icmp6_send() decides and builds them.
#include "stack/stack.hpp"
#include "stack/wire/icmpv6.hpp"
#include "stack/wire/ipv6.hpp"

#include <algorithm>
#include <cstring>
#include <utility>

namespace tapstack {
namespace {

// MLD (RFC 2710, RFC 3810): the neighbour layer's, beside NDP.
bool is_mld(Icmpv6Type type) {
  switch (type) {
    case Icmpv6Type::mld_query:
    case Icmpv6Type::mld_report:
    case Icmpv6Type::mld_done:
    case Icmpv6Type::mld2_report:
      return true;
    default:
      return false;
  }
}

// The prefix length icmpv6_xrlim_allow() scales its interval by, for the neighbours we answer:
// Linux 6.18 limits a neighbour on a /64 at the unscaled icmp.ratelimit (recorded in
// v6_error_rate_limit_refill: 100 ms apart, not 25), i.e. the route it sees is a /128.
constexpr std::uint8_t kNeighbourRoutePrefix = 128;

Ipv6Addr address_at(Bytes datagram, std::size_t at) {
  Ipv6Addr a;
  std::memcpy(a.octets.data(), datagram.data() + at, a.octets.size());
  return a;
}

// RFC 4443 §2.4 (e.1, e.2): never an error about an ICMPv6 error or a redirect. As Linux's
// is_ineligible(): the chain is skipped as ipv6_skip_exthdr() does; a message whose type is
// not there is ineligible unless it is in a fragment. Linux tests the Fragment header's whole
// frag_off word, so a first fragment cut before its ICMPv6 header (RFC 7112's incomplete
// chain) still earns its parameter problem (v6_frag_first_without_upper_header).
bool is_ineligible(Bytes datagram) {
  const auto upper = find_upper_layer(datagram);
  if (!upper || upper->protocol != IpProtocol::icmpv6) return false;
  if (upper->offset >= datagram.size()) return upper->fragment_word == 0;
  const Icmpv6Type type{load_u8(datagram, upper->offset)};
  return is_icmpv6_error(type) || type == Icmpv6Type::redirect;
}

}  // namespace

void Stack::on_icmpv6(const Inbound6& in, Instant now) {
  counters_.add(Counter::icmp6_in);
  const auto parsed = Icmpv6View::parse(in.payload(), in.ip.src(), in.ip.dst());
  if (!parsed) {
    counters_.add(parsed.error() == Icmpv6Error::truncated ? Counter::icmp6_drop_truncated
                                                           : Counter::icmp6_drop_bad_checksum);
    return;
  }
  const Icmpv6View& icmp = *parsed;
  const Icmpv6Type type = icmp.type();
  if (is_ndp(type) || is_mld(type)) {
    on_ndp(in, icmp, now);
    return;
  }
  if (type != Icmpv6Type::echo_request) {
    // Echo replies (no ping socket), errors (no socket to notify) and informational types
    // Linux has no handler for: consumed without a word.
    counters_.add(Counter::icmp6_drop_unhandled_type);
    return;
  }
  counters_.add(Counter::icmp6_echo_requests);
  if (config_.icmpv6.echo_ignore_all) {
    counters_.add(Counter::icmp6_drop_echo_ignored);
    return;
  }
  if (in.ip.dst().is_multicast() && config_.icmpv6.echo_ignore_multicast) {
    counters_.add(Counter::icmp6_drop_echo_multicast);
    return;
  }
  reply_echo6(in, icmp, now);
}

void Stack::reply_echo6(const Inbound6& in, const Icmpv6View& icmp, Instant now) {
  const Ipv6Addr dst = in.ip.src();
  // From the address the request went to; to a group, from the address selection picks for
  // the requester (Linux: saddr NULL unless ipv6_unicast_destination()).
  const std::optional<Ipv6Addr> src = in.ip.dst().is_multicast() ? select_source6(dst) : in.ip.dst();
  const std::optional<std::uint8_t> prefix = on_link_prefix6(dst);
  if (!src || !prefix) {
    counters_.add(Counter::ipv6_drop_no_route);  // ip6_dst_lookup() fails: nothing is sent
    return;
  }
  if (!rate_allows6(Icmpv6Type::echo_reply, dst, kNeighbourRoutePrefix, Counter::icmp6_drop_reply_rate_limited, now)) return;
  // The request's message with the type changed, its checksum computed once over the reply's
  // pseudo-header (whose source may differ from the request's destination). Linux copies the
  // code as it came, and the traffic class (icmpv6_echo_reply: ipv6_get_dsfield).
  const Bytes request = icmp.message();
  const MutableBytes reply = tx_.start(request.size());
  copy_bytes(reply, request);
  store_u8(reply, icmpv6_field::type, std::to_underlying(Icmpv6Type::echo_reply));
  fill_icmpv6_checksum(reply, *src, dst);
  counters_.add(Counter::icmp6_echo_replies_sent);
  dispatch_ipv6({.src = *src, .dst = dst, .next_header = IpProtocol::icmpv6, .traffic_class = in.ip.traffic_class()}, tx_, now);
}

void Stack::send_icmpv6_error(const Offender6& offender, Icmpv6Type type, std::uint8_t code, std::uint32_t info,
                              Instant now) {
  const Bytes d = offender.datagram;
  const Ipv6Addr bad_src = address_at(d, ipv6_field::src);
  const Ipv6Addr bad_dst = address_at(d, ipv6_field::dst);
  // RFC 4443 §2.4 (e.3): about a datagram to a group, only packet too big and a parameter
  // problem for an option whose action bits are 10 (Linux's opt_unrec()).
  const bool unrecognised_option_for_all =
      type == Icmpv6Type::parameter_problem && code == std::to_underlying(Ipv6ParamProblemCode::unknown_option) &&
      info < d.size() && unrecognised_option_action(load_u8(d, info)) == Ipv6OptionAction::discard_and_report;
  bool forbidden = offender.to_multicast && type != Icmpv6Type::packet_too_big && !unrecognised_option_for_all;
  // RFC 4443 §2.4 (e.4-e.6): never to a source that does not name one node.
  forbidden = forbidden || bad_src.is_unspecified() || bad_src.is_multicast() || is_ineligible(d);
  if (forbidden) {
    counters_.add(Counter::icmp6_errors_suppressed);
    return;
  }
  // From the address the offender was sent to, when it is ours and unicast; otherwise the
  // address selection picks (Linux's icmp6_send()).
  const std::optional<Ipv6Addr> src =
      !offender.to_multicast && is_our_ipv6(bad_dst) ? std::optional{bad_dst} : select_source6(bad_src);
  const std::optional<std::uint8_t> prefix = on_link_prefix6(bad_src);
  if (!src || !prefix) {
    counters_.add(Counter::ipv6_drop_no_route);
    return;
  }
  if (!rate_allows6(type, bad_src, kNeighbourRoutePrefix, Counter::icmp6_errors_rate_limited, now)) return;

  // RFC 4443 §2.4 (c): as much of the offender as fits in the minimum MTU.
  const std::size_t quoted = std::min(d.size(), kIcmpv6ErrorMaxLen - kIpv6HeaderLen - kIcmpv6HeaderLen);
  const MutableBytes msg = tx_.start(kIcmpv6HeaderLen + quoted);
  Icmpv6Repr{.type = type, .code = code, .rest = info}.emit(msg);
  copy_bytes(msg.subspan(kIcmpv6HeaderLen), d.first(quoted));
  fill_icmpv6_checksum(msg, *src, bad_src);
  counters_.add(Counter::icmp6_errors_sent);
  dispatch_ipv6({.src = *src, .dst = bad_src, .next_header = IpProtocol::icmpv6}, tx_, now);
}

bool Stack::rate_allows6(Icmpv6Type type, const Ipv6Addr& dst, std::uint8_t route_prefix_len, Counter if_limited,
                         Instant now) {
  if (rate_limiter_.allow6(type, dst, route_prefix_len, now)) return true;
  counters_.add(if_limited);
  return false;
}

}  // namespace tapstack
