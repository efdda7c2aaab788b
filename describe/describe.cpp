#include "describe/describe.hpp"

#include "describe/addr_format.hpp"
#include "stack/wire/arp.hpp"
#include "stack/wire/checksum.hpp"
#include "stack/wire/ethernet.hpp"
#include "stack/wire/icmp.hpp"
#include "stack/wire/icmpv6.hpp"
#include "stack/wire/ipv4.hpp"
#include "stack/wire/ipv6.hpp"
#include "stack/wire/pseudo_header.hpp"
#include "stack/wire/tcp.hpp"
#include "stack/wire/udp.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <optional>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace tapstack {
namespace describe_detail {

// "1 byte", "3 bytes".
struct ByteCount {
  std::size_t n;
};

}  // namespace describe_detail
}  // namespace tapstack

template <>
struct fmt::formatter<tapstack::describe_detail::ByteCount> : fmt::formatter<std::string_view> {
  template <class FormatContext>
  auto format(tapstack::describe_detail::ByteCount c, FormatContext& ctx) const {
    return fmt::format_to(ctx.out(), "{} {}", c.n, c.n == 1 ? "byte" : "bytes");
  }
};

namespace tapstack {
namespace {

using describe_detail::ByteCount;

template <class... Args>
void put(std::string& out, fmt::format_string<Args...> format, Args&&... args) {
  fmt::format_to(std::back_inserter(out), format, std::forward<Args>(args)...);
}

// ---- fields no view names --------------------------------------------------------------------
// stack/wire/ names these only inside view accessors (or not at all), and the printer reads them
// where no view is to be had: a segment its view refused, a header quoted in an ICMP error, a
// VLAN tag. Candidates for the wire's field constants.

namespace vlan_field {  // the 4-byte tag after the addresses (IEEE 802.1Q §9.6)
inline constexpr std::size_t tci = 0;
inline constexpr std::size_t type = 2;
}  // namespace vlan_field

// UDP (RFC 768) and TCP (RFC 793 §3.1) alike: the ports come first, where an ICMP error's
// 8 quoted bytes still hold them.
struct PortsLayout {
  boost::endian::big_uint16_buf_t src_port;
  boost::endian::big_uint16_buf_t dst_port;
};

// The second word of an ICMP header, where the type gives it a meaning other than echo's
// identifier and sequence (RFC 792, RFC 1191).
namespace icmp_rest {
inline constexpr std::size_t gateway = 4;       // redirect
inline constexpr std::size_t pointer = 4;       // parameter problem
inline constexpr std::size_t next_hop_mtu = 6;  // fragmentation needed
}  // namespace icmp_rest

// ---- repairs ---------------------------------------------------------------------------------
// A view refuses a header whose checksum or length field is wrong; the printer still wants to
// show what the header says, and name the fault beside it. It parses a copy with that field set
// right instead. Only malformed frames and fragments pay for the copy.

using Copy = std::vector<std::byte>;

// An IPv4 datagram of total bytes with a header checksum that verifies. The caller has checked
// that the header (version 4, ihl >= 20 bytes) is all there and that total >= ihl.
Copy repaired_ipv4(Bytes packet, std::size_t ihl, std::size_t total) {
  Copy c(packet.begin(), packet.begin() + static_cast<std::ptrdiff_t>(std::min(total, packet.size())));
  store_be16(c, ipv4_field::total_len, static_cast<std::uint16_t>(c.size()));
  store_be16(c, ipv4_field::checksum, 0);
  store_be16(c, ipv4_field::checksum, internet_checksum(Bytes(c).first(ihl)));
  return c;
}

Copy repaired_icmp(Bytes msg) {
  Copy c(msg.begin(), msg.end());
  store_be16(c, icmp_field::checksum, 0);
  store_be16(c, icmp_field::checksum, internet_checksum(c));
  return c;
}

// The UDP length set to the segment's, and no checksum (zero: the sender computed none). IPv6
// has no "none" (RFC 8200 §8.1): there the checksum is computed.
template <class Addr>
Copy repaired_udp(Bytes seg, const Addr& src, const Addr& dst) {
  Copy c(seg.begin(), seg.end());
  auto hdr = load_layout<UdpLayout>(c);
  hdr.length = static_cast<std::uint16_t>(c.size());
  hdr.checksum = 0;
  store_layout(c, hdr);
  if constexpr (std::is_same_v<Addr, Ipv6Addr>) {
    const std::uint16_t sum = transport_checksum(c, src, dst, IpProtocol::udp);
    hdr.checksum = sum == 0 ? std::uint16_t{0xffff} : sum;
    store_layout(c, hdr);
  }
  return c;
}

Copy repaired_icmpv6(Bytes msg, const Ipv6Addr& src, const Ipv6Addr& dst) {
  Copy c(msg.begin(), msg.end());
  fill_icmpv6_checksum(c, src, dst);
  return c;
}

template <class Addr>
Copy repaired_tcp(Bytes seg, const Addr& src, const Addr& dst) {
  Copy c(seg.begin(), seg.end());
  auto hdr = load_layout<TcpLayout>(c);
  hdr.checksum = 0;
  store_layout(c, hdr);
  ChecksumAccumulator acc;
  add_pseudo_header(acc, src, dst, IpProtocol::tcp, c.size());
  acc.add(c);
  hdr.checksum = acc.finish();
  store_layout(c, hdr);
  return c;
}

// ---- names -----------------------------------------------------------------------------------

std::string_view ip_protocol_name(std::uint8_t p) {
  switch (p) {
    case static_cast<std::uint8_t>(IpProtocol::icmp): return "ICMP";
    case static_cast<std::uint8_t>(IpProtocol::igmp): return "IGMP";
    case 4: return "IPIP";
    case static_cast<std::uint8_t>(IpProtocol::tcp): return "TCP";
    case static_cast<std::uint8_t>(IpProtocol::udp): return "UDP";
    case 41: return "IPv6-in-IPv4";
    case 47: return "GRE";
    case 50: return "ESP";
    case 51: return "AH";
    case 89: return "OSPF";
    case 132: return "SCTP";
    default: return {};
  }
}

void put_protocol(std::string& out, std::uint8_t p) {
  if (const auto name = ip_protocol_name(p); !name.empty())
    put(out, "{}", name);
  else
    put(out, "proto {}", p);
}

std::string_view unreachable_name(std::uint8_t code) {
  switch (code) {
    case static_cast<std::uint8_t>(UnreachableCode::net): return "net";
    case static_cast<std::uint8_t>(UnreachableCode::host): return "host";
    case static_cast<std::uint8_t>(UnreachableCode::protocol): return "protocol";
    case static_cast<std::uint8_t>(UnreachableCode::port): return "port";
    case static_cast<std::uint8_t>(UnreachableCode::frag_needed): return "need-to-fragment";
    case 5: return "source-route-failed";
    case 9: case 10: case 13: return "administratively prohibited";  // RFC 1812 §5.2.7.1
    default: return {};
  }
}

// ---- transport -------------------------------------------------------------------------------
// complete: the whole datagram is here (not a first fragment, not cut short), so lengths and
// checksums can be judged.

// ip: an Ipv4View or an Ipv6View, for the pseudo-header's addresses.
template <class IpView>
void describe_udp(std::string& out, Bytes seg, const IpView& ip, bool complete) {
  put(out, "UDP ");
  auto udp = UdpView::parse(seg, ip.src(), ip.dst());
  std::optional<UdpError> fault;
  Copy repaired;
  if (!udp) {
    fault = udp.error();
    if (fault == UdpError::truncated) {
      put(out, "truncated, {}", ByteCount{seg.size()});
      return;
    }
    repaired = repaired_udp(seg, ip.src(), ip.dst());
    udp = UdpView::parse(repaired, ip.src(), ip.dst());
    if (!udp) return;  // a repaired header always parses
  }
  put(out, "{} > {} len {}", udp->src_port(), udp->dst_port(), udp->segment().size() - kUdpHeaderLen);
  if (!complete || !fault) return;
  switch (*fault) {
    case UdpError::truncated: break;
    case UdpError::bad_length: put(out, " [bad UDP length {}]", load_layout<UdpLayout>(seg).length.value()); break;
    case UdpError::bad_checksum: put(out, " [bad UDP checksum]"); break;
    case UdpError::zero_checksum: put(out, " [UDP checksum 0, which IPv6 forbids]"); break;
  }
}

template <class IpView>
void describe_tcp(std::string& out, Bytes seg, const IpView& ip, bool complete) {
  put(out, "TCP ");
  auto tcp = TcpView::parse(seg, ip.src(), ip.dst());
  bool bad_checksum = false;
  Copy repaired;
  if (!tcp) {
    switch (tcp.error()) {
      case TcpError::truncated:
        put(out, "truncated, {}", ByteCount{seg.size()});
        return;
      case TcpError::bad_length: {
        const auto hdr = load_layout<TcpLayout>(seg);
        put(out, "{} > {} bad header length {}", hdr.src_port.value(), hdr.dst_port.value(),
            (hdr.data_offset.value() >> 4) * 4);
        return;
      }
      case TcpError::bad_checksum:
        bad_checksum = true;
        break;
    }
    repaired = repaired_tcp(seg, ip.src(), ip.dst());
    tcp = TcpView::parse(repaired, ip.src(), ip.dst());
    if (!tcp) return;  // a repaired header always parses
  }
  put(out, "{} > {} [", tcp->src_port(), tcp->dst_port());
  // tcpdump's letters and order; '.' is ACK.
  static constexpr std::pair<std::uint8_t, char> kFlags[] = {
      {tcp_flag::fin, 'F'}, {tcp_flag::syn, 'S'}, {tcp_flag::rst, 'R'}, {tcp_flag::psh, 'P'},
      {0x20, 'U'},          {0x40, 'E'},          {0x80, 'W'},          {tcp_flag::ack, '.'}};
  for (const auto& [bit, letter] : kFlags)
    if (tcp->has(bit)) out.push_back(letter);
  if (tcp->flags() == 0) put(out, "none");
  put(out, "] seq {}", tcp->seq());
  if (tcp->has(tcp_flag::ack)) put(out, " ack {}", tcp->ack());
  put(out, " win {} len {}", tcp->window(), tcp->payload_len());
  if (complete && bad_checksum) put(out, " [bad TCP checksum]");
}

// The start of the datagram an ICMP error quotes (RFC 792: its header and 8 bytes). Nothing when
// it is not an IPv4 header.
void describe_quoted(std::string& out, Bytes inner) {
  if (inner.size() < kIpv4MinHeaderLen) return;
  const auto hdr = load_layout<Ipv4Layout>(inner);
  const std::size_t ihl = std::size_t{hdr.ver_ihl.value() & 0x0fu} * 4;
  if ((hdr.ver_ihl.value() >> 4) != 4 || ihl < kIpv4MinHeaderLen || ihl > inner.size()) return;
  // Cut short by design, and its checksum may predate options rewritten on receipt.
  const Copy repaired = repaired_ipv4(inner, ihl, inner.size());
  const auto ip = Ipv4View::parse(repaired);
  if (!ip) return;
  const auto proto = static_cast<std::uint8_t>(ip->protocol());
  put(out, " (about {} > {} ", ip->src(), ip->dst());
  put_protocol(out, proto);
  const Bytes seg = ip->payload();
  if ((proto == static_cast<std::uint8_t>(IpProtocol::tcp) || proto == static_cast<std::uint8_t>(IpProtocol::udp)) &&
      seg.size() >= sizeof(PortsLayout)) {
    const auto ports = load_layout<PortsLayout>(seg);
    put(out, " {} > {}", ports.src_port.value(), ports.dst_port.value());
  }
  put(out, ")");
}

void describe_icmp(std::string& out, Bytes msg, bool complete) {
  put(out, "ICMP ");
  auto icmp = IcmpView::parse(msg);
  bool bad_checksum = false;
  Copy repaired;
  if (!icmp) {
    switch (icmp.error()) {
      case IcmpError::truncated:
        put(out, "truncated, {}", ByteCount{msg.size()});
        return;
      case IcmpError::bad_checksum:
        bad_checksum = true;
        break;
    }
    repaired = repaired_icmp(msg);
    icmp = IcmpView::parse(repaired);
    if (!icmp) return;  // a repaired message always parses
  }
  const auto type = static_cast<std::uint8_t>(icmp->type());
  const std::uint8_t code = icmp->code();
  const Bytes m = icmp->message();
  bool quotes = false;
  switch (static_cast<IcmpType>(type)) {
    case IcmpType::echo_reply:
    case IcmpType::echo_request:
      put(out, "{} id 0x{:x} seq {} len {}",
          type == static_cast<std::uint8_t>(IcmpType::echo_request) ? "echo request" : "echo reply", icmp->ident(),
          icmp->sequence(), m.size());
      break;
    case IcmpType::dest_unreachable:
      if (const auto name = unreachable_name(code); !name.empty())
        put(out, "unreachable {}", name);
      else
        put(out, "unreachable code {}", code);
      if (code == static_cast<std::uint8_t>(UnreachableCode::frag_needed))
        put(out, " mtu {}", load_be16(m, icmp_rest::next_hop_mtu));
      quotes = true;
      break;
    case IcmpType::source_quench:
      put(out, "source quench");
      quotes = true;
      break;
    case IcmpType::redirect:
      put(out, "redirect to {}", Ipv4Addr{load_be32(m, icmp_rest::gateway)});
      quotes = true;
      break;
    case IcmpType::time_exceeded:
      put(out, "{}",
          code == static_cast<std::uint8_t>(TimeExceededCode::ttl)          ? "time exceeded in transit"
          : code == static_cast<std::uint8_t>(TimeExceededCode::reassembly) ? "time exceeded in reassembly"
                                                                            : "time exceeded");
      quotes = true;
      break;
    case IcmpType::parameter_problem:
      put(out, "parameter problem pointer {}", load_u8(m, icmp_rest::pointer));
      quotes = true;
      break;
    case IcmpType::timestamp_request:
    case IcmpType::timestamp_reply:
      put(out, "{} id 0x{:x} seq {}",
          type == static_cast<std::uint8_t>(IcmpType::timestamp_request) ? "timestamp request" : "timestamp reply",
          icmp->ident(), icmp->sequence());
      break;
    case IcmpType::router_advertisement: put(out, "router advertisement"); break;
    case IcmpType::router_solicitation: put(out, "router solicitation"); break;
    case IcmpType::info_request: put(out, "information request"); break;
    case IcmpType::info_reply: put(out, "information reply"); break;
    case IcmpType::address_mask_request: put(out, "address mask request"); break;
    case IcmpType::address_mask_reply: put(out, "address mask reply"); break;
    default:
      put(out, "type {} code {} len {}", type, code, m.size());
      break;
  }
  if (quotes) describe_quoted(out, icmp->data());
  if (complete && bad_checksum) put(out, " [bad ICMP checksum]");
}

// ---- network ---------------------------------------------------------------------------------

// A datagram whose header parsed (perhaps from a repaired copy), after its addresses.
// truncated: the datagram was cut short, so its transport cannot be judged whole.
void describe_datagram(std::string& out, const Ipv4View& ip, bool truncated) {
  const Bytes payload = ip.payload();
  const auto proto = static_cast<std::uint8_t>(ip.protocol());
  auto put_fragment = [&] {
    put(out, "fragment id 0x{:04x} offset {} len {}{}", ip.ident(), ip.frag_offset(), payload.size(),
        ip.more_fragments() ? ", more" : "");
  };
  if (ip.frag_offset() != 0) {
    // Only the first fragment holds the transport header.
    put_protocol(out, proto);
    put(out, " ");
    put_fragment();
    return;
  }
  const bool complete = !ip.more_fragments() && !truncated;
  switch (proto) {
    case static_cast<std::uint8_t>(IpProtocol::icmp): describe_icmp(out, payload, complete); break;
    case static_cast<std::uint8_t>(IpProtocol::tcp): describe_tcp(out, payload, ip, complete); break;
    case static_cast<std::uint8_t>(IpProtocol::udp): describe_udp(out, payload, ip, complete); break;
    default:
      put_protocol(out, proto);
      put(out, " len {}", payload.size());
      break;
  }
  if (ip.more_fragments()) {
    put(out, " (");
    put_fragment();
    put(out, ")");
  }
}

void describe_ipv4(std::string& out, Bytes packet) {
  if (const auto ip = Ipv4View::parse(packet)) {
    put(out, "{} > {} ", ip->src(), ip->dst());
    describe_datagram(out, *ip, false);
    return;
  }
  // The view says which check failed first; the header says by how much.
  if (packet.size() < kIpv4MinHeaderLen) {
    put(out, "IPv4 truncated, {} (the header is {})", ByteCount{packet.size()}, kIpv4MinHeaderLen);
    return;
  }
  const auto hdr = load_layout<Ipv4Layout>(packet);
  const unsigned version = hdr.ver_ihl.value() >> 4;
  const std::size_t ihl = std::size_t{hdr.ver_ihl.value() & 0x0fu} * 4;
  const std::size_t total = hdr.total_len.value();
  if (version != 4) {
    put(out, "IPv4 header with version {}", version);
    return;
  }
  if (ihl < kIpv4MinHeaderLen) {
    put(out, "IPv4 bad header length {}", ihl);
    return;
  }
  put(out, "{} > {} ", Ipv4Addr{hdr.src.value()}, Ipv4Addr{hdr.dst.value()});
  if (ihl > packet.size()) {
    put(out, "IPv4 truncated: header length {}, {}", ihl, ByteCount{packet.size()});
    return;
  }
  if (total < ihl) {
    put(out, "IPv4 bad total length {}", total);
    return;
  }
  // What is left: a bad header checksum, a total length beyond what arrived, or both. The rest of
  // the header is sound, so describe the datagram as it says, then the faults.
  const bool bad_checksum = internet_checksum(packet.first(ihl)) != 0;
  const bool truncated = total > packet.size();
  const Copy repaired = repaired_ipv4(packet, ihl, total);
  const auto ip = Ipv4View::parse(repaired);
  if (!ip) return;  // a repaired header always parses
  describe_datagram(out, *ip, truncated);
  if (truncated) put(out, " [truncated: total length {}, {}]", total, ByteCount{packet.size()});
  if (bad_checksum) put(out, " [bad IP checksum]");
}


// ---- IPv6 ------------------------------------------------------------------------------------

std::string_view unreachable6_name(std::uint8_t code) {
  switch (code) {
    case std::to_underlying(Icmpv6UnreachableCode::no_route): return "no route";
    case std::to_underlying(Icmpv6UnreachableCode::admin_prohibited): return "administratively prohibited";
    case std::to_underlying(Icmpv6UnreachableCode::beyond_scope): return "beyond scope";
    case std::to_underlying(Icmpv6UnreachableCode::address): return "address";
    case std::to_underlying(Icmpv6UnreachableCode::port): return "port";
    default: return {};
  }
}

// An NDP message's target address (RFC 4861 §4.3, §4.4), after the 8-byte header.
std::optional<Ipv6Addr> ndp_target(Bytes m) {
  if (m.size() < kIcmpv6HeaderLen + 16) return std::nullopt;
  Ipv6Addr a;
  for (std::size_t i = 0; i < 16; ++i) a.octets[i] = load_u8(m, kIcmpv6HeaderLen + i);
  return a;
}

void describe_icmpv6(std::string& out, Bytes msg, const Ipv6Addr& src, const Ipv6Addr& dst, bool complete) {
  put(out, "ICMP6 ");
  auto icmp = Icmpv6View::parse(msg, src, dst);
  bool bad_checksum = false;
  Copy repaired;
  if (!icmp) {
    if (icmp.error() == Icmpv6Error::truncated) {
      put(out, "truncated, {}", ByteCount{msg.size()});
      return;
    }
    bad_checksum = true;
    repaired = repaired_icmpv6(msg, src, dst);
    icmp = Icmpv6View::parse(repaired, src, dst);
    if (!icmp) return;  // a repaired message always parses
  }
  const std::uint8_t code = icmp->code();
  const Bytes m = icmp->message();
  switch (icmp->type()) {
    case Icmpv6Type::echo_request:
    case Icmpv6Type::echo_reply:
      put(out, "{} id 0x{:x} seq {} len {}", icmp->type() == Icmpv6Type::echo_request ? "echo request" : "echo reply",
          icmp->ident(), icmp->sequence(), m.size());
      break;
    case Icmpv6Type::dest_unreachable:
      if (const auto name = unreachable6_name(code); !name.empty())
        put(out, "unreachable {}", name);
      else
        put(out, "unreachable code {}", code);
      break;
    case Icmpv6Type::packet_too_big: put(out, "packet too big mtu {}", icmp->rest()); break;
    case Icmpv6Type::time_exceeded:
      put(out, "{}", code == 0 ? "time exceeded in transit" : code == 1 ? "time exceeded in reassembly" : "time exceeded");
      break;
    case Icmpv6Type::parameter_problem: put(out, "parameter problem code {} pointer {}", code, icmp->rest()); break;
    case Icmpv6Type::neighbour_solicitation:
      if (const auto target = ndp_target(m)) put(out, "neighbor solicitation who-has {}", target->to_string());
      else put(out, "neighbor solicitation, {}", ByteCount{m.size()});
      break;
    case Icmpv6Type::neighbour_advertisement:
      if (const auto target = ndp_target(m)) put(out, "neighbor advertisement {}", target->to_string());
      else put(out, "neighbor advertisement, {}", ByteCount{m.size()});
      break;
    case Icmpv6Type::router_solicitation: put(out, "router solicitation"); break;
    case Icmpv6Type::router_advertisement: put(out, "router advertisement"); break;
    case Icmpv6Type::redirect: put(out, "redirect"); break;
    case Icmpv6Type::mld_query: put(out, "multicast listener query"); break;
    case Icmpv6Type::mld_report:
    case Icmpv6Type::mld2_report: put(out, "multicast listener report"); break;
    case Icmpv6Type::mld_done: put(out, "multicast listener done"); break;
    default: put(out, "type {} code {} len {}", std::to_underlying(icmp->type()), code, m.size()); break;
  }
  if (complete && bad_checksum) put(out, " [bad ICMP6 checksum]");
}

void describe_ipv6(std::string& out, Bytes packet) {
  const auto ip = Ipv6View::parse(packet);
  if (!ip) {
    if (ip.error() == Ipv6Error::bad_version) {
      put(out, "IPv6 header with version {}", load_u8(packet, 0) >> 4);
    } else if (packet.size() < kIpv6HeaderLen) {
      put(out, "IPv6 truncated, {} (the header is {})", ByteCount{packet.size()}, kIpv6HeaderLen);
    } else {
      put(out, "IPv6 truncated: payload length {}, {}", load_be16(packet, ipv6_field::payload_len),
          ByteCount{packet.size() - kIpv6HeaderLen});
    }
    return;
  }
  put(out, "{} > {} ", ip->src().to_string(), ip->dst().to_string());
  const Bytes d = ip->datagram();
  const auto upper = find_upper_layer(d);
  if (!upper) {
    put(out, "IPv6 no upper layer (extension headers cut short or no next header), {}", ByteCount{d.size()});
    return;
  }
  const std::size_t ext = upper->offset - kIpv6HeaderLen;
  if (upper->protocol == IpProtocol::fragment) {
    // A later fragment: its offset in 8-byte units, the identification behind it.
    put(out, "IPv6 fragment offset {}", std::size_t{upper->fragment_offset()} * 8);
    if (d.size() >= upper->offset + 8) put(out, " id 0x{:08x}", load_be32(d, upper->offset + 4));
    put(out, " len {}", d.size() - std::min(d.size(), upper->offset));
    return;
  }
  if (upper->offset > d.size()) {
    put(out, "IPv6 extension headers past the payload, {}", ByteCount{d.size()});
    return;
  }
  const Bytes payload = d.subspan(upper->offset);
  switch (upper->protocol) {
    case IpProtocol::icmpv6: describe_icmpv6(out, payload, ip->src(), ip->dst(), true); break;
    case IpProtocol::tcp: describe_tcp(out, payload, *ip, true); break;
    case IpProtocol::udp: describe_udp(out, payload, *ip, true); break;
    default:
      put_protocol(out, std::to_underlying(upper->protocol));
      put(out, " len {}", payload.size());
      break;
  }
  if (ext > 0) put(out, " (extension headers {})", ByteCount{ext});
}

// ---- link ------------------------------------------------------------------------------------

void describe_arp(std::string& out, Bytes packet) {
  put(out, "ARP ");
  const auto arp = ArpPacket::parse(packet);
  if (arp) {
    switch (arp->op) {
      case ArpOp::request:
        put(out, "who-has {} tell {}", arp->target_ip, arp->sender_ip);
        if (arp->sender_ip.is_unspecified()) put(out, " (probe)");                    // RFC 5227 §2.1.1
        else if (arp->sender_ip == arp->target_ip) put(out, " (announcement)");  // RFC 5227 §2.3
        return;
      case ArpOp::reply:
        put(out, "reply {} is-at {}", arp->sender_ip, arp->sender_mac);
        if (arp->sender_ip == arp->target_ip) put(out, " (gratuitous)");
        return;
    }
    return;
  }
  if (arp.error() == ArpError::truncated) {
    put(out, "truncated, {} of {} bytes", packet.size(), kArpPacketLen);
    return;
  }
  const auto l = load_layout<ArpLayout>(packet);  // the 28 bytes are there
  switch (arp.error()) {
    case ArpError::truncated:
      break;
    case ArpError::bad_hardware:
      put(out, "hardware type {} length {} (not Ethernet)", l.htype.value(), l.hlen.value());
      break;
    case ArpError::bad_protocol:
      put(out, "protocol type 0x{:04x} length {} (not IPv4)", l.ptype.value(), l.plen.value());
      break;
    case ArpError::bad_op:
      put(out, "op {} {} > {}", l.op.value(), Ipv4Addr{l.spa.value()}, Ipv4Addr{l.tpa.value()});
      break;
  }
}

void describe_vlan(std::string& out, std::uint16_t type, Bytes payload) {
  put(out, "{}", type == static_cast<std::uint16_t>(EtherType::vlan) ? "802.1Q" : "802.1ad");
  if (payload.size() < kVlanTagLen) {
    put(out, " truncated, {}", ByteCount{payload.size()});
    return;
  }
  put(out, " vlan {} ethertype 0x{:04x}, {}", load_be16(payload, vlan_field::tci) & kVlanIdMask,
      load_be16(payload, vlan_field::type), ByteCount{payload.size() - kVlanTagLen});
}

void describe_ethernet(std::string& out, Bytes frame) {
  const auto eth = EthernetView::parse(frame);
  if (!eth) {
    switch (eth.error()) {
      case EthernetError::truncated:
        put(out, "runt frame, {} (an Ethernet header is {})", ByteCount{frame.size()}, kEthernetHeaderLen);
        return;
    }
    return;
  }
  put(out, "{} > {} ", eth->src(), eth->dst());
  const auto type = static_cast<std::uint16_t>(eth->type());
  const Bytes payload = eth->payload();
  switch (type) {
    case static_cast<std::uint16_t>(EtherType::arp):
      describe_arp(out, payload);
      return;
    case static_cast<std::uint16_t>(EtherType::ipv4):
      put(out, "IPv4 ");
      describe_ipv4(out, payload);
      return;
    case static_cast<std::uint16_t>(EtherType::ipv6):
      put(out, "IPv6 ");
      describe_ipv6(out, payload);
      return;
    case static_cast<std::uint16_t>(EtherType::vlan):
    case static_cast<std::uint16_t>(EtherType::qinq):
      describe_vlan(out, type, payload);
      return;
    default:
      break;
  }
  if (type <= kMaxLlcLength)
    put(out, "802.3 length {} (LLC), {}", type, ByteCount{payload.size()});
  else if (type < kMinEtherType)
    put(out, "invalid type/length 0x{:04x}", type);
  else
    put(out, "ethertype 0x{:04x}, {}", type, ByteCount{payload.size()});
}

}  // namespace

void append_frame_description(std::string& out, Bytes frame, Framing framing) {
  if (frame.empty()) {
    put(out, "empty frame");
    return;
  }
  if (framing == Framing::ethernet) {
    describe_ethernet(out, frame);
    return;
  }
  // A bare datagram: the version nibble that starts IPv4 and IPv6 headers alike is all there is
  // to go on.
  switch (const unsigned version = load_u8(frame, 0) >> 4) {
    case 4: describe_ipv4(out, frame); break;
    case 6: describe_ipv6(out, frame); break;
    default: put(out, "not IP (version {}), {}", version, ByteCount{frame.size()}); break;
  }
}

std::string describe_frame(Bytes frame, Framing framing) {
  std::string out;
  out.reserve(96);
  append_frame_description(out, frame, framing);
  return out;
}

std::string hex_dump(Bytes data) {
  std::string out;
  out.reserve((data.size() + 15) / 16 * 68);
  for (std::size_t line = 0; line < data.size(); line += 16) {
    if (line != 0) out.push_back('\n');
    put(out, "0x{:04x}: ", line);
    const std::size_t n = std::min<std::size_t>(16, data.size() - line);
    for (std::size_t i = 0; i < 16; ++i) {
      if (i % 2 == 0) out.push_back(' ');
      if (i < n)
        put(out, "{:02x}", load_u8(data, line + i));
      else
        out.append("  ");
    }
    out.append("  ");
    for (std::size_t i = 0; i < n; ++i) {
      const auto b = load_u8(data, line + i);
      out.push_back(b >= 0x20 && b < 0x7f ? static_cast<char>(b) : '.');
    }
  }
  return out;
}

}  // namespace tapstack
