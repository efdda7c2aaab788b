#include "stack/describe.hpp"

#include "stack/wire/arp.hpp"
#include "stack/wire/checksum.hpp"
#include "stack/wire/ethernet.hpp"
#include "stack/wire/icmp.hpp"
#include "stack/wire/ipv4.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <string_view>

namespace tapstack {
namespace {

// ---- appending without temporaries --------------------------------------------------------------

void put(std::string& out, std::string_view s) { out.append(s); }

void put_dec(std::string& out, std::uint64_t v) {
  char buf[20];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

// "0x1c": the style tcpdump and ping use for identifiers.
void put_hex(std::string& out, std::uint64_t v) {
  char buf[16];
  const auto r = std::to_chars(buf, buf + sizeof buf, v, 16);
  out.append("0x");
  out.append(buf, r.ptr);
}

// Zero-padded to width digits: "0x0806".
void put_hex_fixed(std::string& out, std::uint64_t v, int width) {
  static constexpr char kDigits[] = "0123456789abcdef";
  out.append("0x");
  for (int shift = (width - 1) * 4; shift >= 0; shift -= 4) out.push_back(kDigits[(v >> shift) & 0xf]);
}

void put_ip(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) {
    if (i != 0) out.push_back('.');
    put_dec(out, (v >> (24 - 8 * i)) & 0xff);
  }
}

// The caller has checked that b holds 6 bytes from at.
void put_mac(std::string& out, Bytes b, std::size_t at) {
  static constexpr char kDigits[] = "0123456789abcdef";
  for (std::size_t i = 0; i < 6; ++i) {
    if (i != 0) out.push_back(':');
    const auto o = load_u8(b, at + i);
    out.push_back(kDigits[o >> 4]);
    out.push_back(kDigits[o & 0xf]);
  }
}

void put_bytes(std::string& out, std::size_t n) {
  put_dec(out, n);
  put(out, n == 1 ? " byte" : " bytes");
}

std::string_view ip_protocol_name(std::uint8_t p) {
  switch (p) {
    case 1: return "ICMP";
    case 2: return "IGMP";
    case 4: return "IPIP";
    case 6: return "TCP";
    case 17: return "UDP";
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
  const auto name = ip_protocol_name(p);
  if (!name.empty()) {
    put(out, name);
  } else {
    put(out, "proto ");
    put_dec(out, p);
  }
}

// ---- transport ----------------------------------------------------------------------------------

// complete: the whole datagram is here (not a first fragment, not cut short), so lengths and
// checksums can be judged.
void describe_udp(std::string& out, Bytes seg, bool complete) {
  put(out, "UDP ");
  if (seg.size() < 8) {
    put(out, "truncated, ");
    put_bytes(out, seg.size());
    return;
  }
  const std::uint16_t len = load_be16(seg, 4);
  put_dec(out, load_be16(seg, 0));
  put(out, " > ");
  put_dec(out, load_be16(seg, 2));
  put(out, " len ");
  put_dec(out, seg.size() - 8);
  if (complete && (len < 8 || len > seg.size())) {
    put(out, " [bad UDP length ");
    put_dec(out, len);
    put(out, "]");
  }
}

void describe_tcp(std::string& out, Bytes seg) {
  put(out, "TCP ");
  if (seg.size() < 20) {
    put(out, "truncated, ");
    put_bytes(out, seg.size());
    return;
  }
  put_dec(out, load_be16(seg, 0));
  put(out, " > ");
  put_dec(out, load_be16(seg, 2));
  const std::size_t doff = static_cast<std::size_t>(load_u8(seg, 12) >> 4) * 4;
  if (doff < 20 || doff > seg.size()) {
    put(out, " bad header length ");
    put_dec(out, doff);
    return;
  }
  const std::uint8_t flags = load_u8(seg, 13);
  // tcpdump's letters and order; '.' is ACK.
  put(out, " [");
  static constexpr std::pair<std::uint8_t, char> kFlags[] = {{0x01, 'F'}, {0x02, 'S'}, {0x04, 'R'}, {0x08, 'P'},
                                                             {0x20, 'U'}, {0x40, 'E'}, {0x80, 'W'}, {0x10, '.'}};
  for (const auto& [bit, letter] : kFlags)
    if ((flags & bit) != 0) out.push_back(letter);
  if (flags == 0) put(out, "none");
  put(out, "] seq ");
  put_dec(out, load_be32(seg, 4));
  if ((flags & 0x10) != 0) {
    put(out, " ack ");
    put_dec(out, load_be32(seg, 8));
  }
  put(out, " win ");
  put_dec(out, load_be16(seg, 14));
  put(out, " len ");
  put_dec(out, seg.size() - doff);
}

// The start of the datagram an ICMP error quotes (RFC 792: its header and 8 bytes).
void describe_quoted(std::string& out, Bytes inner) {
  if (inner.size() < kIpv4MinHeaderLen || (load_u8(inner, 0) >> 4) != 4) return;
  const std::size_t ihl = std::size_t{load_u8(inner, 0) & 0x0fu} * 4;
  if (ihl < kIpv4MinHeaderLen || ihl > inner.size()) return;
  const std::uint8_t proto = load_u8(inner, 9);
  put(out, " (about ");
  put_ip(out, load_be32(inner, 12));
  put(out, " > ");
  put_ip(out, load_be32(inner, 16));
  put(out, " ");
  put_protocol(out, proto);
  if ((proto == 6 || proto == 17) && inner.size() >= ihl + 4) {
    put(out, " ");
    put_dec(out, load_be16(inner, ihl));
    put(out, " > ");
    put_dec(out, load_be16(inner, ihl + 2));
  }
  put(out, ")");
}

std::string_view unreachable_name(std::uint8_t code) {
  switch (code) {
    case 0: return "net";
    case 1: return "host";
    case 2: return "protocol";
    case 3: return "port";
    case 4: return "need-to-fragment";
    case 5: return "source-route-failed";
    case 9: case 10: case 13: return "administratively prohibited";
    default: return {};
  }
}

void describe_icmp(std::string& out, Bytes msg, bool complete) {
  put(out, "ICMP ");
  if (msg.size() < kIcmpHeaderLen) {
    put(out, "truncated, ");
    put_bytes(out, msg.size());
    return;
  }
  const std::uint8_t type = load_u8(msg, icmp_field::type);
  const std::uint8_t code = load_u8(msg, icmp_field::code);
  auto id_seq = [&] {
    put(out, " id ");
    put_hex(out, load_be16(msg, icmp_field::ident));
    put(out, " seq ");
    put_dec(out, load_be16(msg, icmp_field::sequence));
  };
  bool quotes = false;
  switch (static_cast<IcmpType>(type)) {
    case IcmpType::echo_reply:
    case IcmpType::echo_request:
      put(out, type == 0 ? "echo reply" : "echo request");
      id_seq();
      put(out, " len ");
      put_dec(out, msg.size());
      break;
    case IcmpType::dest_unreachable: {
      put(out, "unreachable ");
      const auto name = unreachable_name(code);
      if (name.empty()) {
        put(out, "code ");
        put_dec(out, code);
      } else {
        put(out, name);
      }
      if (code == 4) {
        put(out, " mtu ");
        put_dec(out, load_be16(msg, 6));
      }
      quotes = true;
      break;
    }
    case IcmpType::source_quench:
      put(out, "source quench");
      quotes = true;
      break;
    case IcmpType::redirect:
      put(out, "redirect to ");
      put_ip(out, load_be32(msg, 4));
      quotes = true;
      break;
    case IcmpType::time_exceeded:
      put(out, code == 0 ? "time exceeded in transit" : code == 1 ? "time exceeded in reassembly" : "time exceeded");
      quotes = true;
      break;
    case IcmpType::parameter_problem:
      put(out, "parameter problem pointer ");
      put_dec(out, load_u8(msg, 4));
      quotes = true;
      break;
    case IcmpType::timestamp_request:
    case IcmpType::timestamp_reply:
      put(out, type == 13 ? "timestamp request" : "timestamp reply");
      id_seq();
      break;
    case IcmpType::router_advertisement: put(out, "router advertisement"); break;
    case IcmpType::router_solicitation: put(out, "router solicitation"); break;
    case IcmpType::info_request: put(out, "information request"); break;
    case IcmpType::info_reply: put(out, "information reply"); break;
    case IcmpType::address_mask_request: put(out, "address mask request"); break;
    case IcmpType::address_mask_reply: put(out, "address mask reply"); break;
    default:
      put(out, "type ");
      put_dec(out, type);
      put(out, " code ");
      put_dec(out, code);
      put(out, " len ");
      put_dec(out, msg.size());
      break;
  }
  if (quotes) describe_quoted(out, msg.subspan(kIcmpHeaderLen));
  if (complete && internet_checksum(msg) != 0) put(out, " [bad ICMP checksum]");
}

// ---- network ------------------------------------------------------------------------------------

void describe_ipv4(std::string& out, Bytes p) {
  if (p.size() < kIpv4MinHeaderLen) {
    put(out, "IPv4 truncated, ");
    put_bytes(out, p.size());
    put(out, " (the header is 20)");
    return;
  }
  const std::uint8_t ver_ihl = load_u8(p, 0);
  if ((ver_ihl >> 4) != 4) {
    put(out, "IPv4 header with version ");
    put_dec(out, ver_ihl >> 4);
    return;
  }
  const std::size_t ihl = std::size_t{ver_ihl & 0x0fu} * 4;
  if (ihl < kIpv4MinHeaderLen) {
    put(out, "IPv4 bad header length ");
    put_dec(out, ihl);
    return;
  }
  put_ip(out, load_be32(p, ipv4_field::src));
  put(out, " > ");
  put_ip(out, load_be32(p, ipv4_field::dst));
  put(out, " ");
  if (ihl > p.size()) {
    put(out, "IPv4 truncated: header length ");
    put_dec(out, ihl);
    put(out, ", ");
    put_bytes(out, p.size());
    return;
  }
  const std::size_t total = load_be16(p, ipv4_field::total_len);
  if (total < ihl) {
    put(out, "IPv4 bad total length ");
    put_dec(out, total);
    return;
  }
  // Link padding beyond total is not ours; a total beyond what arrived is a truncated datagram.
  const bool truncated = total > p.size();
  const Bytes payload = p.subspan(ihl, std::min(total, p.size()) - ihl);
  const bool bad_checksum = internet_checksum(p.first(ihl)) != 0;
  const std::uint16_t flags_frag = load_be16(p, ipv4_field::flags_frag);
  const std::size_t offset = static_cast<std::size_t>(flags_frag & kIpv4FragOffsetMask) * 8;
  const bool more = (flags_frag & kIpv4FlagMoreFragments) != 0;
  const std::uint8_t proto = load_u8(p, 9);
  const std::uint16_t ident = load_be16(p, ipv4_field::ident);

  auto put_fragment = [&] {
    put(out, "fragment id ");
    put_hex_fixed(out, ident, 4);
    put(out, " offset ");
    put_dec(out, offset);
    put(out, " len ");
    put_dec(out, payload.size());
    if (more) put(out, ", more");
  };

  if (offset != 0) {
    // Only the first fragment holds the transport header.
    put_protocol(out, proto);
    put(out, " ");
    put_fragment();
  } else {
    const bool complete = !more && !truncated;
    switch (proto) {
      case 1: describe_icmp(out, payload, complete); break;
      case 6: describe_tcp(out, payload); break;
      case 17: describe_udp(out, payload, complete); break;
      default:
        put_protocol(out, proto);
        put(out, " len ");
        put_dec(out, payload.size());
        break;
    }
    if (more) {
      put(out, " (");
      put_fragment();
      put(out, ")");
    }
  }
  if (truncated) {
    put(out, " [truncated: total length ");
    put_dec(out, total);
    put(out, ", ");
    put_bytes(out, p.size());
    put(out, "]");
  }
  if (bad_checksum) put(out, " [bad IP checksum]");
}

// ---- link ---------------------------------------------------------------------------------------

void describe_arp(std::string& out, Bytes p) {
  put(out, "ARP ");
  if (p.size() < kArpPacketLen) {
    put(out, "truncated, ");
    put_dec(out, p.size());
    put(out, " of 28 bytes");
    return;
  }
  const std::uint16_t htype = load_be16(p, 0);
  const std::uint16_t ptype = load_be16(p, 2);
  const std::uint8_t hlen = load_u8(p, 4);
  const std::uint8_t plen = load_u8(p, 5);
  if ((htype != kArpHardwareEthernet && htype != kArpHardwareIeee802) || hlen != 6) {
    put(out, "hardware type ");
    put_dec(out, htype);
    put(out, " length ");
    put_dec(out, hlen);
    put(out, " (not Ethernet)");
    return;
  }
  if (ptype != static_cast<std::uint16_t>(EtherType::ipv4) || plen != 4) {
    put(out, "protocol type ");
    put_hex_fixed(out, ptype, 4);
    put(out, " length ");
    put_dec(out, plen);
    put(out, " (not IPv4)");
    return;
  }
  // RFC 826 layout with hlen 6, plen 4: sha 8, spa 14, tha 18, tpa 24.
  const std::uint16_t op = load_be16(p, 6);
  const std::uint32_t spa = load_be32(p, 14);
  const std::uint32_t tpa = load_be32(p, 24);
  if (op == static_cast<std::uint16_t>(ArpOp::request)) {
    put(out, "who-has ");
    put_ip(out, tpa);
    put(out, " tell ");
    put_ip(out, spa);
    if (spa == 0) put(out, " (probe)");                // RFC 5227 §2.1.1
    else if (spa == tpa) put(out, " (announcement)");  // RFC 5227 §2.3
  } else if (op == static_cast<std::uint16_t>(ArpOp::reply)) {
    put(out, "reply ");
    put_ip(out, spa);
    put(out, " is-at ");
    put_mac(out, p, 8);
    if (spa == tpa) put(out, " (gratuitous)");
  } else {
    put(out, "op ");
    put_dec(out, op);
    put(out, " ");
    put_ip(out, spa);
    put(out, " > ");
    put_ip(out, tpa);
  }
}

void describe_ethernet(std::string& out, Bytes f) {
  if (f.size() < kEthernetHeaderLen) {
    put(out, "runt frame, ");
    put_bytes(out, f.size());
    put(out, " (an Ethernet header is 14)");
    return;
  }
  put_mac(out, f, 6);
  put(out, " > ");
  put_mac(out, f, 0);
  put(out, " ");
  const std::uint16_t type = load_be16(f, 12);
  const Bytes payload = f.subspan(kEthernetHeaderLen);
  switch (type) {
    case static_cast<std::uint16_t>(EtherType::arp): describe_arp(out, payload); return;
    case static_cast<std::uint16_t>(EtherType::ipv4):
      put(out, "IPv4 ");
      describe_ipv4(out, payload);
      return;
    case static_cast<std::uint16_t>(EtherType::ipv6):
      put(out, "IPv6, ");
      put_bytes(out, payload.size());
      return;
    case static_cast<std::uint16_t>(EtherType::vlan):
    case static_cast<std::uint16_t>(EtherType::qinq):
      put(out, type == static_cast<std::uint16_t>(EtherType::vlan) ? "802.1Q" : "802.1ad");
      if (payload.size() < 4) {
        put(out, " truncated, ");
        put_bytes(out, payload.size());
        return;
      }
      put(out, " vlan ");
      put_dec(out, load_be16(payload, 0) & 0x0fffu);
      put(out, " ethertype ");
      put_hex_fixed(out, load_be16(payload, 2), 4);
      put(out, ", ");
      put_bytes(out, payload.size() - 4);
      return;
    default:
      break;
  }
  if (type <= kMaxLlcLength) {
    put(out, "802.3 length ");
    put_dec(out, type);
    put(out, " (LLC), ");
    put_bytes(out, payload.size());
  } else if (type < kMinEtherType) {
    put(out, "invalid type/length ");
    put_hex_fixed(out, type, 4);
  } else {
    put(out, "ethertype ");
    put_hex_fixed(out, type, 4);
    put(out, ", ");
    put_bytes(out, payload.size());
  }
}

}  // namespace

void append_frame_description(std::string& out, Bytes frame, LinkMode mode) {
  if (frame.empty()) {
    put(out, "empty frame");
    return;
  }
  if (mode == LinkMode::tap) {
    describe_ethernet(out, frame);
    return;
  }
  // TUN without packet information: the version nibble is all there is to go on.
  switch (load_u8(frame, 0) >> 4) {
    case 4: describe_ipv4(out, frame); break;
    case 6:
      put(out, "IPv6, ");
      put_bytes(out, frame.size());
      break;
    default:
      put(out, "not IP (version ");
      put_dec(out, load_u8(frame, 0) >> 4);
      put(out, "), ");
      put_bytes(out, frame.size());
      break;
  }
}

std::string describe_frame(Bytes frame, LinkMode mode) {
  std::string out;
  out.reserve(96);
  append_frame_description(out, frame, mode);
  return out;
}

std::string hex_dump(Bytes data) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve((data.size() + 15) / 16 * 68);
  for (std::size_t line = 0; line < data.size(); line += 16) {
    if (line != 0) out.push_back('\n');
    put_hex_fixed(out, line, 4);
    put(out, ": ");
    const std::size_t n = std::min<std::size_t>(16, data.size() - line);
    for (std::size_t i = 0; i < 16; ++i) {
      if (i % 2 == 0) out.push_back(' ');
      if (i < n) {
        const auto b = load_u8(data, line + i);
        out.push_back(kDigits[b >> 4]);
        out.push_back(kDigits[b & 0xf]);
      } else {
        put(out, "  ");
      }
    }
    put(out, "  ");
    for (std::size_t i = 0; i < n; ++i) {
      const auto b = load_u8(data, line + i);
      out.push_back(b >= 0x20 && b < 0x7f ? static_cast<char>(b) : '.');
    }
  }
  return out;
}

}  // namespace tapstack
