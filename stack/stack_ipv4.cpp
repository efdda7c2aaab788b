// IPv4 input (RFC 791, RFC 1122 §3.2.1), in the order of Linux's ip_rcv_core(),
// ip_route_input_slow(), ip_rcv_options() and ip_local_deliver().
#include "stack/wire/ipv4.hpp"
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

  // Options are processed before reassembly, on every fragment, as Linux's ip_rcv_options()
  // does; processing rewrites them (record route, timestamp), so it works on a copy.
  Bytes header = ip.header();
  ReceivedOptions options;
  if (ip.header_len() > kIpv4MinHeaderLen) {
    const MutableBytes copy = MutableBytes(rx_header_).first(ip.header_len());
    copy_bytes(copy, ip.header());
    header = copy;
    const auto compiled =
        compile_received_options(copy.subspan(kIpv4MinHeaderLen), iface, ms_since_midnight_utc(now));
    if (!compiled) {
      counters_.add(Counter::ip_drop_bad_options);
      send_icmp_error(Offender{header, ip.payload(), compiled.error().compiled, to_broadcast}, IcmpType::parameter_problem, 0,
                      std::uint32_t{compiled.error().pointer} << 24, now);
      return;
    }
    // A host does not honour source routes (accept_source_route=0): dropped without a word.
    if (compiled->srr != 0) {
      counters_.add(Counter::ip_drop_source_route);
      return;
    }
    options = *compiled;
  }

  if (ip.is_fragment()) {
    on_fragment(ip, header, options, to_broadcast, now);
    return;
  }
  deliver(Inbound{ip, header, options, to_broadcast}, now);
}

void Stack::on_fragment(const Ipv4View& ip, Bytes header, const ReceivedOptions& options, bool to_broadcast,
                        Instant now) {
  counters_.add(Counter::ip_frag_in);
  // A datagram past its deadline is expired (with its ICMP) before this fragment could extend
  // or evict it, as Linux's timer would have done.
  expire_fragments(now);
  const ReassemblyResult r = reassembler_.on_fragment(ip, now, FragmentMeta{header, options});
  if (r.evicted) counters_.add(Counter::ip_frag_drop_memory);
  if (r.restarted) counters_.add(Counter::ip_frag_drop_too_far);
  switch (r.status) {
    case ReassemblyStatus::held:
    case ReassemblyStatus::not_a_fragment:
      return;
    case ReassemblyStatus::duplicate:
      counters_.add(Counter::ip_frag_drop_duplicate);
      return;
    case ReassemblyStatus::overlap:
      counters_.add(Counter::ip_frag_drop_overlap);
      return;
    case ReassemblyStatus::oversize:
      counters_.add(Counter::ip_frag_drop_oversize);
      return;
    case ReassemblyStatus::inconsistent:
    case ReassemblyStatus::ecn_mismatch:
      counters_.add(Counter::ip_frag_drop_bad);
      return;
    case ReassemblyStatus::complete:
      break;
  }
  counters_.add(Counter::ip_frag_reassembled);
  const auto whole = Ipv4View::parse(r.datagram);
  if (!whole) {  // the reassembler builds a valid header; anything else is our bug, not the peer's
    counters_.add(Counter::ip_frag_drop_bad);
    return;
  }
  deliver(Inbound{*whole, whole->header(), r.options, to_broadcast}, now);
}

void Stack::expire_fragments(Instant now) {
  while (auto expired = reassembler_.pop_expired(now)) {
    counters_.add(Counter::ip_frag_drop_timeout);
    // Linux's ip_expire(): time exceeded (reassembly) only if the first fragment had arrived,
    // quoting that fragment as it was held.
    if (expired->first_fragment.empty()) continue;
    const Bytes first = expired->first_fragment;
    const std::size_t hlen = std::size_t{load_u8(first, 0) & 0x0fu} * 4;
    const bool to_broadcast = config_.ip.is_broadcast(expired->dst) || expired->dst.is_multicast();
    send_icmp_error(Offender{first.first(hlen), first.subspan(hlen), expired->options, to_broadcast},
                    IcmpType::time_exceeded, static_cast<std::uint8_t>(TimeExceededCode::reassembly), 0, now);
  }
}

// PIM (RFC 7761), which the wire layer has no name for: only the host's silence is needed.
constexpr IpProtocol kPimProtocol{103};

void Stack::deliver(const Inbound& in, Instant now) {
  if (in.ip.protocol() == kPimProtocol) {
    // Linux built with multicast routing (CONFIG_IP_PIMSM_V2, as Debian's and most kernels are)
    // registers pim_rcv at boot, which drops what no router asked for: no protocol unreachable.
    counters_.add(Counter::ip_drop_unknown_protocol);
    return;
  }
  switch (in.ip.protocol()) {
    case IpProtocol::icmp:
      on_icmp(in, now);
      return;
    case IpProtocol::udp:
      on_udp(in, now);
      return;
    case IpProtocol::tcp:
      on_tcp(in, now);
      return;
    case IpProtocol::igmp:
      // Linux always has an IGMP handler, so IGMP never earns a protocol unreachable.
      counters_.add(Counter::igmp_in);
      return;
    default:
      break;
  }
  counters_.add(Counter::ip_drop_unknown_protocol);
  send_icmp_error(offender(in, in.ip.payload()), IcmpType::dest_unreachable,
                  static_cast<std::uint8_t>(UnreachableCode::protocol), 0, now);
}

}  // namespace tapstack
