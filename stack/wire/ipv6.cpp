#include "stack/wire/ipv6.hpp"

#include <optional>
#include <utility>

namespace tapstack {

std::expected<Ipv6View, Ipv6Error> Ipv6View::parse(Bytes packet) {
  if (packet.size() < kIpv6HeaderLen) return std::unexpected(Ipv6Error::truncated);
  const auto hdr = load_layout<Ipv6Layout>(packet);
  if ((hdr.ver_class_flow.value() >> 28) != 6) return std::unexpected(Ipv6Error::bad_version);
  const std::size_t total = kIpv6HeaderLen + hdr.payload_len.value();
  if (packet.size() < total) return std::unexpected(Ipv6Error::truncated);
  return Ipv6View(packet.first(total), hdr);
}

void Ipv6Repr::emit(MutableBytes out) const {
  Ipv6Layout l;
  l.ver_class_flow = (std::uint32_t{6} << 28) | (std::uint32_t{traffic_class} << 20) | (flow_label & 0xfffff);
  l.payload_len = static_cast<std::uint16_t>(payload_len);
  l.next_header = std::to_underlying(next_header);
  l.hop_limit = hop_limit;
  l.src = src.octets;
  l.dst = dst.octets;
  store_layout(out, l);
}

namespace {

// The 8-octet units of Hop-by-Hop, Destination Options and Routing headers.
std::size_t extension_len(Bytes datagram, std::size_t at) { return (std::size_t{load_u8(datagram, at + 1)} + 1) * 8; }

Ipv6Chain ended(const Ipv6ChainStart& at, Ipv6ChainFate fate) {
  return {.fate = fate, .protocol = at.protocol, .offset = at.offset, .next_header_at = at.next_header_at, .headers = at.headers};
}

Ipv6Chain parameter_problem(const Ipv6ChainStart& at, Ipv6ParamProblemCode code, std::size_t pointer) {
  Ipv6Chain c = ended(at, Ipv6ChainFate::parameter_problem);
  c.code = code;
  c.pointer = static_cast<std::uint32_t>(pointer);
  return c;
}

// An option no handler claims, by its action bits (Linux's ip6_tlvopt_unknown()). nullopt: skip it.
std::optional<Ipv6Chain> unrecognised(const Ipv6ChainStart& at, std::uint8_t type, std::size_t option_at, bool to_multicast) {
  switch (unrecognised_option_action(type)) {
    case Ipv6OptionAction::skip:
      return std::nullopt;
    case Ipv6OptionAction::discard:
      return ended(at, Ipv6ChainFate::option_discarded);
    case Ipv6OptionAction::discard_and_report_unless_multicast:
      if (to_multicast) return ended(at, Ipv6ChainFate::option_discarded);
      [[fallthrough]];
    case Ipv6OptionAction::discard_and_report:
      return parameter_problem(at, Ipv6ParamProblemCode::unknown_option, option_at);
  }
  return std::nullopt;
}

// The options of the Hop-by-Hop or Destination Options header at `at` (whose length the caller
// checked), as Linux's ip6_parse_tlv() reads them and its option handlers judge the few it knows.
// nullopt: every option passed.
std::optional<Ipv6Chain> check_options(const Ipv6View& ip, const Ipv6ChainStart& at, std::size_t len, bool hop_by_hop) {
  const Bytes d = ip.datagram();
  const bool to_multicast = ip.dst().is_multicast();
  std::size_t off = at.offset + 2;
  const std::size_t end = at.offset + len;
  unsigned options = 0;
  unsigned padding = 0;
  while (off < end) {
    const std::uint8_t type = load_u8(d, off);
    if (type == ipv6_option::pad1) {
      if (++padding > kIpv6MaxPadding) return ended(at, Ipv6ChainFate::bad_options);
      ++off;
      continue;
    }
    if (end - off < 2) return ended(at, Ipv6ChainFate::bad_options);
    const std::size_t option_len = std::size_t{load_u8(d, off + 1)} + 2;
    if (option_len > end - off) return ended(at, Ipv6ChainFate::bad_options);
    if (type == ipv6_option::padn) {
      // RFC 4942 §2.1.9.5: padding is at most 7 bytes and all zeros; Linux enforces both.
      padding += static_cast<unsigned>(option_len);
      if (padding > kIpv6MaxPadding) return ended(at, Ipv6ChainFate::bad_options);
      for (std::size_t i = 2; i < option_len; ++i)
        if (load_u8(d, off + i) != 0) return ended(at, Ipv6ChainFate::bad_options);
      off += option_len;
      continue;
    }
    if (++options > kIpv6MaxOptionsPerHeader) return ended(at, Ipv6ChainFate::bad_options);
    padding = 0;
    const std::uint8_t value_len = load_u8(d, off + 1);
    std::optional<Ipv6Chain> verdict;
    if (hop_by_hop) {
      switch (type) {
        case ipv6_option::router_alert:  // ipv6_hop_ra(): 2 bytes of value, or dropped
          if (value_len != 2) verdict = ended(at, Ipv6ChainFate::bad_options);
          break;
        case 0x07:  // CALIPSO (RFC 5570): no DOI is configured, so calipso_validate() refuses it
          verdict = ended(at, Ipv6ChainFate::bad_options);
          break;
        case 0x31:  // IOAM (RFC 9486): ignored while ioam6_enabled is 0, dropped if misaligned
          if ((off & 3) != 0) verdict = ended(at, Ipv6ChainFate::bad_options);
          break;
        case ipv6_option::jumbo:  // ipv6_hop_jumbo(): never valid in a datagram that fits 65 535
          if (value_len != 4 || (off & 3) != 2) {
            verdict = ended(at, Ipv6ChainFate::bad_options);
          } else if (load_be32(d, off + 2) <= kIpv6MaxPayloadLen) {
            verdict = parameter_problem(at, Ipv6ParamProblemCode::header_field, off + 2);
          } else if (ip.payload_len() != 0) {
            verdict = parameter_problem(at, Ipv6ParamProblemCode::header_field, off);
          } else {
            verdict = ended(at, Ipv6ChainFate::truncated);  // the jumbo length runs past the frame
          }
          break;
        default:
          verdict = unrecognised(at, type, off, to_multicast);
      }
    } else if (type == ipv6_option::home_address) {
      // Mobile IPv6's ipv6_dest_hao(): without an IPsec state for the home address, dropped.
      verdict = ended(at, Ipv6ChainFate::option_discarded);
    } else {
      verdict = unrecognised(at, type, off, to_multicast);
    }
    if (verdict) return verdict;
    off += option_len;
  }
  return std::nullopt;
}

// A Routing header (Linux's ipv6_rthdr_rcv()). nullopt: go on behind it.
std::optional<Ipv6Chain> check_routing(const Ipv6View& ip, const Ipv6ChainStart& at, const Ipv6WalkRules& rules) {
  const Bytes d = ip.datagram();
  if (ip.dst().is_multicast() || !rules.link_host) return ended(at, Ipv6ChainFate::routing_discarded);
  const std::uint8_t type = load_u8(d, at.offset + ipv6_routing_field::type);
  const std::uint8_t segments_left = load_u8(d, at.offset + ipv6_routing_field::segments_left);
  switch (type) {
    case ipv6_routing_type::rpl:      // seg6_enabled and rpl_seg_enabled are 0: dropped in silence
    case ipv6_routing_type::segment:
    case ipv6_routing_type::mobile_ipv6:  // sent to a home address we do not have
      return ended(at, Ipv6ChainFate::routing_discarded);
    default:
      break;
  }
  // RFC 8200 §4.4: an unrecognised type with no segments left is ignored; with some, a parameter
  // problem pointing at the type. Type 0 is unrecognised on purpose (RFC 5095 §3).
  if (segments_left == 0) return std::nullopt;
  return parameter_problem(at, Ipv6ParamProblemCode::header_field, at.offset + ipv6_routing_field::type);
}

}  // namespace

Ipv6Chain walk_extension_headers(const Ipv6View& ip, Ipv6ChainStart at, Ipv6WalkRules rules) {
  const Bytes d = ip.datagram();
  for (;;) {
    const IpProtocol header = at.protocol;
    if (rules.hop_by_hop_only && (header != IpProtocol::hop_by_hop || at.headers > 0)) return ended(at, Ipv6ChainFate::more);
    const bool walked = header == IpProtocol::hop_by_hop || header == IpProtocol::dst_options || header == IpProtocol::routing;
    if (!walked) {
      if (header == IpProtocol::fragment) return ended(at, Ipv6ChainFate::fragment);
      if (header == IpProtocol::no_next) return ended(at, Ipv6ChainFate::no_next_header);
      return ended(at, Ipv6ChainFate::upper_layer);
    }
    // RFC 8200 §4.3: Hop-by-Hop only right after the IPv6 header. Linux has no handler for it
    // anywhere else, so it answers as for an unknown next header.
    if (header == IpProtocol::hop_by_hop && at.offset != kIpv6HeaderLen) {
      return parameter_problem(at, Ipv6ParamProblemCode::unknown_next_header, at.next_header_at);
    }
    if (at.headers == kIpv6MaxExtensionHeaders) return ended(at, Ipv6ChainFate::too_long);
    if (d.size() - at.offset < 8) return ended(at, Ipv6ChainFate::truncated);
    const std::size_t len = extension_len(d, at.offset);
    if (d.size() - at.offset < len) return ended(at, Ipv6ChainFate::truncated);

    if (header == IpProtocol::routing) {
      if (auto stop = check_routing(ip, at, rules)) return *stop;
    } else if (auto stop = check_options(ip, at, len, header == IpProtocol::hop_by_hop)) {
      return *stop;
    }
    at = {IpProtocol{load_u8(d, at.offset)}, at.offset + len, at.offset, at.headers + 1};
  }
}

std::optional<Ipv6UpperLayer> find_upper_layer(Bytes datagram) {
  constexpr IpProtocol kAuthentication{51};  // RFC 4302: its length counts 4-octet units, less 2
  if (datagram.size() < kIpv6HeaderLen) return std::nullopt;
  Ipv6UpperLayer at{IpProtocol{load_u8(datagram, ipv6_field::next_header)}, kIpv6HeaderLen, 0};
  for (;;) {
    const IpProtocol p = at.protocol;
    if (p == IpProtocol::no_next) return std::nullopt;
    const bool skipped = p == IpProtocol::hop_by_hop || p == IpProtocol::routing || p == IpProtocol::dst_options ||
                         p == IpProtocol::fragment || p == kAuthentication;
    if (!skipped) return at;
    // Linux reads only the two bytes it needs (four of a Fragment header) before moving on.
    const std::size_t needed = p == IpProtocol::fragment ? 4 : 2;
    if (at.offset > datagram.size() || datagram.size() - at.offset < needed) return std::nullopt;
    std::size_t len = 0;
    if (p == IpProtocol::fragment) {
      at.fragment_word = load_be16(datagram, at.offset + 2);
      if (at.fragment_offset() != 0) return at;
      len = 8;
    } else if (p == kAuthentication) {
      len = (std::size_t{load_u8(datagram, at.offset + 1)} + 2) * 4;
    } else {
      len = extension_len(datagram, at.offset);
    }
    at.protocol = IpProtocol{load_u8(datagram, at.offset)};
    at.offset += len;
  }
}

}  // namespace tapstack
