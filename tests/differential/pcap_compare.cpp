// pcap_compare: compares the kernel's answers with tapstack's, frame by frame.
//
//   pcap_compare [--name NAME] [--allow-eth-padding] KERNEL.pcap TAPSTACK.pcap
//
// Prints `PASS NAME`, or one `DIFF NAME: ...` line per difference (frame i, the field, both
// values) followed by an indented listing of both captures. Exit status: 0 same, 1 different,
// 2 a capture could not be read.
//
// What "the same" means:
//  - the same number of frames, in the same order; timestamps are ignored;
//  - the same bytes and length, except
//    * the IPv4 identification (each host picks its own) and the IPv4 header checksum, which
//      is verified on both sides instead of compared; likewise the identification of an IPv6
//      Fragment header, when both frames have one in the same place;
//    * "time of day" values the host writes itself, which depend on when the kernel was
//      recorded: the receive and transmit times of an ICMP timestamp reply and the times in an
//      IP timestamp option. They match when both are plausible ms-since-midnight values
//      (< 86 400 000) — a slot one host filled and the other did not still differs. When one
//      is masked, the ICMP checksum is verified rather than compared;
//  - kernel background (background.hpp: MLD reports, router solicitations, EtherTypes other
//    than ARP, IPv4 and IPv6; the oracle already leaves these out of recordings) is dropped
//    from the kernel side only, and its count reported. tapstack sending such a frame is a
//    difference.
// --allow-eth-padding accepts a tapstack frame padded with zeros to the 60-byte Ethernet
// minimum where the kernel's (TAP frames are never padded) is shorter. Off by default.
#include "link/pcap_file.hpp"
#include "stack/wire/addr.hpp"
#include "tests/differential/background.hpp"

#include <algorithm>
#include <cstdio>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace tapstack::differential {
namespace {

using Frame = std::vector<std::uint8_t>;
constexpr std::size_t kEth = 14;
constexpr std::uint32_t kMsPerDay = 86'400'000;

std::uint16_t be16(const Frame& f, std::size_t at) { return static_cast<std::uint16_t>((f[at] << 8) | f[at + 1]); }
std::uint32_t be32(const Frame& f, std::size_t at) {
  return (std::uint32_t{f[at]} << 24) | (std::uint32_t{f[at + 1]} << 16) | (std::uint32_t{f[at + 2]} << 8) | f[at + 3];
}

std::optional<std::vector<Frame>> read_frames(const std::string& path, std::string& error) {
  auto reader = PcapReader::open(path);
  if (!reader) {
    error = reader.error();
    return std::nullopt;
  }
  if (reader->link_type() != CaptureLinkType::ethernet) {
    error = path + ": link type " + reader->link_type_name() + ", expected EN10MB";
    return std::nullopt;
  }
  std::vector<Frame> frames;
  for (int i = 0; i < 1'000'000; ++i) {
    auto next = reader->next();
    if (!next) {
      error = path + ": " + next.error();
      return std::nullopt;
    }
    if (!next->has_value()) return frames;
    Frame f((*next)->data.size());
    for (std::size_t j = 0; j < f.size(); ++j) f[j] = std::to_integer<std::uint8_t>((*next)->data[j]);
    frames.push_back(std::move(f));
  }
  error = path + ": too many frames";
  return std::nullopt;
}

std::uint16_t ether_type(const Frame& f) { return f.size() >= kEth ? be16(f, 12) : 0; }
bool is_background(const Frame& f) { return is_kernel_background(std::as_bytes(std::span(f))); }

// --- IPv6 structure ---------------------------------------------------------------------------

constexpr std::size_t kIpv6Header = 40;

struct Ip6 {
  std::size_t end = 0;          // the payload length's end, clipped to the frame
  std::size_t upper = 0;        // where the upper-layer header begins
  std::uint8_t next = 0;        // its protocol number
  std::size_t fragment = 0;     // the Fragment header's position, 0 without one
  std::size_t frag_offset = 0;  // in bytes
  bool more_fragments = false;
};

// Walks the extension headers a reply can carry (hop-by-hop, routing, destination options,
// fragment), at most 8 of them.
std::optional<Ip6> parse_ip6(const Frame& f) {
  if (ether_type(f) != 0x86dd || f.size() < kEth + kIpv6Header || (f[kEth] >> 4) != 6) return std::nullopt;
  Ip6 ip;
  ip.end = std::min<std::size_t>(kEth + kIpv6Header + be16(f, kEth + 4), f.size());
  ip.next = f[kEth + 6];
  ip.upper = kEth + kIpv6Header;
  for (int guard = 0; guard < 8; ++guard) {
    if (ip.next == 44) {
      if (ip.upper + 8 > ip.end) return ip;
      ip.fragment = ip.upper;
      ip.frag_offset = be16(f, ip.upper + 2) & 0xfff8;
      ip.more_fragments = (f[ip.upper + 3] & 1) != 0;
      ip.next = f[ip.upper];
      ip.upper += 8;
      if (ip.frag_offset != 0) return ip;
    } else if (ip.next == 0 || ip.next == 43 || ip.next == 60) {
      if (ip.upper + 2 > ip.end) return ip;
      ip.next = f[ip.upper];
      ip.upper += (static_cast<std::size_t>(f[ip.upper + 1]) + 1) * 8;
    } else {
      return ip;
    }
  }
  return ip;
}

// --- IPv4 structure ---------------------------------------------------------------------------

struct Ip {
  std::size_t ihl = 0;    // bytes
  std::size_t total = 0;  // total length, clipped to the frame
  std::uint8_t protocol = 0;
  std::size_t frag_offset = 0;
  bool more_fragments = false;
  std::size_t l4() const { return kEth + ihl; }
};

std::optional<Ip> parse_ip(const Frame& f) {
  if (ether_type(f) != 0x0800 || f.size() < kEth + 20) return std::nullopt;
  Ip ip;
  ip.ihl = static_cast<std::size_t>(f[kEth] & 0x0f) * 4;
  if ((f[kEth] >> 4) != 4 || ip.ihl < 20 || f.size() < kEth + ip.ihl) return std::nullopt;
  ip.total = std::min<std::size_t>(be16(f, kEth + 2), f.size() - kEth);
  if (ip.total < ip.ihl) return std::nullopt;
  ip.protocol = f[kEth + 9];
  ip.frag_offset = static_cast<std::size_t>(be16(f, kEth + 6) & 0x1fff) * 8;
  ip.more_fragments = (be16(f, kEth + 6) & 0x2000) != 0;
  return ip;
}

std::uint16_t fold_sum(const Frame& f, std::size_t begin, std::size_t end) {
  std::uint32_t sum = 0;
  for (std::size_t i = begin; i < end; i += 2) sum += (std::uint32_t{f[i]} << 8) | (i + 1 < end ? f[i + 1] : 0);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum);
}

// --- naming a byte --------------------------------------------------------------------------

enum class Kind { mac, ipv4, ipv6, number, hex };

struct Field {
  std::string name;
  std::size_t begin, end;
  Kind kind;
};

struct Slot {
  std::size_t begin, end;
  const char* name;
  Kind kind;
};

std::optional<Field> from_table(const Slot* table, std::size_t n, std::size_t base, std::size_t off, const std::string& prefix) {
  for (std::size_t i = 0; i < n; ++i)
    if (off >= base + table[i].begin && off < base + table[i].end)
      return Field{prefix + table[i].name, base + table[i].begin, base + table[i].end, table[i].kind};
  return std::nullopt;
}

constexpr Slot kArp[] = {{0, 2, "htype", Kind::number}, {2, 4, "ptype", Kind::number}, {4, 5, "hlen", Kind::number},
                         {5, 6, "plen", Kind::number},  {6, 8, "op", Kind::number},    {8, 14, "sender_mac", Kind::mac},
                         {14, 18, "sender_ip", Kind::ipv4}, {18, 24, "target_mac", Kind::mac}, {24, 28, "target_ip", Kind::ipv4}};
constexpr Slot kIpv4[] = {{0, 1, "version_ihl", Kind::number}, {1, 2, "tos", Kind::number},   {2, 4, "total_len", Kind::number},
                          {4, 6, "ident", Kind::number},       {6, 8, "flags_frag", Kind::number}, {8, 9, "ttl", Kind::number},
                          {9, 10, "protocol", Kind::number},   {10, 12, "checksum", Kind::number}, {12, 16, "src", Kind::ipv4},
                          {16, 20, "dst", Kind::ipv4}};
constexpr Slot kIpv6[] = {{0, 4, "version_class_flow", Kind::hex}, {4, 6, "payload_len", Kind::number},
                          {6, 7, "next_header", Kind::number},      {7, 8, "hop_limit", Kind::number},
                          {8, 24, "src", Kind::ipv6},               {24, 40, "dst", Kind::ipv6}};
constexpr Slot kFragmentHeader[] = {{0, 1, "next_header", Kind::number}, {1, 2, "reserved", Kind::number},
                                    {2, 4, "offset_flags", Kind::number}, {4, 8, "ident", Kind::number}};
constexpr Slot kIcmp[] = {{0, 1, "type", Kind::number}, {1, 2, "code", Kind::number}, {2, 4, "checksum", Kind::number}};
constexpr Slot kIcmpEcho[] = {{4, 6, "ident", Kind::number}, {6, 8, "sequence", Kind::number}};
constexpr Slot kIcmpTimestamp[] = {{4, 6, "ident", Kind::number},        {6, 8, "sequence", Kind::number},
                                   {8, 12, "originate", Kind::number},   {12, 16, "receive", Kind::number},
                                   {16, 20, "transmit", Kind::number}};
constexpr Slot kTcp[] = {{0, 2, "sport", Kind::number},  {2, 4, "dport", Kind::number},     {4, 8, "seq", Kind::number},
                         {8, 12, "ack", Kind::number},   {12, 13, "data_offset", Kind::number}, {13, 14, "flags", Kind::number},
                         {14, 16, "window", Kind::number}, {16, 18, "checksum", Kind::number}, {18, 20, "urgent", Kind::number}};
constexpr Slot kUdp[] = {{0, 2, "sport", Kind::number}, {2, 4, "dport", Kind::number}, {4, 6, "length", Kind::number},
                         {6, 8, "checksum", Kind::number}};

template <std::size_t N>
std::optional<Field> from_table(const Slot (&table)[N], std::size_t base, std::size_t off, const std::string& prefix) {
  return from_table(table, N, base, off, prefix);
}

// An 8-byte window of a long field, named with its offset inside that field.
Field window(const std::string& name, std::size_t field_begin, std::size_t field_end, std::size_t off) {
  const std::size_t end = std::min(off + 8, field_end);
  return {name + "[+" + std::to_string(off - field_begin) + "]", off, end, Kind::hex};
}

std::string option_name(std::uint8_t type) {
  switch (type) {
    case 0: return "eol";
    case 1: return "nop";
    case 7: return "record_route";
    case 68: return "timestamp";
    case 131: return "lsrr";
    case 137: return "ssrr";
    case 148: return "router_alert";
    default: return "type_" + std::to_string(type);
  }
}

Field ipv4_option_field(const Frame& f, std::size_t begin, std::size_t end, std::size_t off, const std::string& prefix) {
  std::size_t p = begin;
  for (int guard = 0; p < end && guard < 40; ++guard) {
    const std::uint8_t type = f[p];
    std::size_t len = 1;
    if (type == 0) len = end - p;
    else if (type != 1) len = p + 1 < end ? std::max<std::size_t>(f[p + 1], 2) : end - p;
    const std::size_t stop = std::min(p + len, end);
    if (off < stop) {
      if (stop - p <= 8) return {prefix + "options." + option_name(type), p, stop, Kind::hex};
      return window(prefix + "options." + option_name(type), p, stop, off);
    }
    p = stop;
  }
  return window(prefix + "options", begin, end, off);
}

// Names the IPv4 header field at off (a header starting at `at`, length ihl).
Field ipv4_header_field(const Frame& f, std::size_t at, std::size_t ihl, std::size_t off, const std::string& prefix) {
  if (auto fld = from_table(kIpv4, at, off, prefix)) return *fld;
  return ipv4_option_field(f, at + 20, std::min(at + ihl, f.size()), off, prefix);
}

bool is_icmp_error(std::uint8_t type) { return type == 3 || type == 4 || type == 5 || type == 11 || type == 12; }

bool is_icmp6_error(std::uint8_t type) { return type < 128; }

Field ipv6_field_at(const Frame& f, const Ip6& ip, std::size_t off) {
  if (off < kEth + kIpv6Header)
    if (auto fld = from_table(kIpv6, kEth, off, "ipv6.")) return *fld;
  if (off >= ip.end) return window("eth.padding", ip.end, f.size(), off);
  if (ip.fragment != 0 && off >= ip.fragment && off < ip.fragment + 8)
    if (auto fld = from_table(kFragmentHeader, ip.fragment, off, "ipv6.fragment.")) return *fld;
  if (off < ip.upper) return window("ipv6.extension_headers", kEth + kIpv6Header, ip.upper, off);
  if (ip.frag_offset != 0) return window("ipv6.fragment_data", ip.upper, ip.end, off);
  const std::size_t l4 = ip.upper;
  if (ip.next == 58 && l4 < ip.end) {
    const std::uint8_t icmp_type = f[l4];
    if (auto fld = from_table(kIcmp, l4, off, "icmp6.")) return *fld;
    if (icmp_type == 128 || icmp_type == 129)
      if (auto fld = from_table(kIcmpEcho, l4, off, "icmp6.")) return *fld;
    if (off < l4 + 8) return {"icmp6.rest_of_header", l4 + 4, l4 + 8, Kind::number};
    if (icmp_type == 135 || icmp_type == 136) {
      if (off < l4 + 24) return {"icmp6.target", l4 + 8, l4 + 24, Kind::ipv6};
      return window("icmp6.options", l4 + 24, ip.end, off);
    }
    if (is_icmp6_error(icmp_type)) {
      const std::size_t q = l4 + 8;
      if (off < q + kIpv6Header)
        if (auto fld = from_table(kIpv6, q, off, "icmp6.quote.ipv6.")) return *fld;
      return window("icmp6.quote.payload", q + kIpv6Header, ip.end, off);
    }
    return window("icmp6.data", l4 + 8, ip.end, off);
  }
  if (ip.next == 6) {
    if (auto fld = from_table(kTcp, l4, off, "tcp.")) return *fld;
    return window("tcp.options_and_data", l4 + 20, ip.end, off);
  }
  if (ip.next == 17) {
    if (auto fld = from_table(kUdp, l4, off, "udp.")) return *fld;
    return window("udp.data", l4 + 8, ip.end, off);
  }
  return window("ipv6.payload", l4, ip.end, off);
}

Field field_at(const Frame& f, std::size_t off) {
  if (off >= f.size()) return {"length", off, off, Kind::hex};
  if (off < 6) return {"eth.dst", 0, 6, Kind::mac};
  if (off < 12) return {"eth.src", 6, 12, Kind::mac};
  if (off < 14) return {"eth.type", 12, 14, Kind::number};
  if (const auto ip6 = parse_ip6(f)) return ipv6_field_at(f, *ip6, off);
  const std::uint16_t type = ether_type(f);
  if (type == 0x0806 && off < kEth + 28)
    if (auto fld = from_table(kArp, kEth, off, "arp.")) return *fld;
  const auto ip = parse_ip(f);
  if (!ip) {
    if (type == 0x0806) return window("eth.padding", kEth + 28, f.size(), off);
    return window("eth.payload", kEth, f.size(), off);
  }
  if (off < kEth + ip->ihl) return ipv4_header_field(f, kEth, ip->ihl, off, "ipv4.");
  const std::size_t end = kEth + ip->total;
  if (off >= end) return window("eth.padding", end, f.size(), off);
  const std::size_t l4 = ip->l4();
  if (ip->frag_offset != 0) return window("ipv4.fragment_data", l4, end, off);
  if (ip->protocol == 1) {
    const std::uint8_t icmp_type = f[l4];
    if (auto fld = from_table(kIcmp, l4, off, "icmp.")) return *fld;
    if (icmp_type == 0 || icmp_type == 8)
      if (auto fld = from_table(kIcmpEcho, l4, off, "icmp.")) return *fld;
    if (icmp_type == 13 || icmp_type == 14)
      if (auto fld = from_table(kIcmpTimestamp, l4, off, "icmp.")) return *fld;
    if (off < l4 + 8) return {"icmp.rest_of_header", l4 + 4, l4 + 8, Kind::number};
    if (is_icmp_error(icmp_type) && end >= l4 + 8 + 20) {
      const std::size_t q = l4 + 8;
      const std::size_t qihl = static_cast<std::size_t>(f[q] & 0x0f) * 4;
      if (off < q + std::max<std::size_t>(qihl, 20)) return ipv4_header_field(f, q, std::max<std::size_t>(qihl, 20), off, "icmp.quote.ipv4.");
      return window("icmp.quote.payload", q + qihl, end, off);
    }
    return window("icmp.data", l4 + 8, end, off);
  }
  if (ip->protocol == 6) {
    if (auto fld = from_table(kTcp, l4, off, "tcp.")) return *fld;
    return window("tcp.options_and_data", l4 + 20, end, off);
  }
  if (ip->protocol == 17) {
    if (auto fld = from_table(kUdp, l4, off, "udp.")) return *fld;
    return window("udp.data", l4 + 8, end, off);
  }
  return window("ipv4.payload", l4, end, off);
}

std::string hex(std::uint64_t v) {
  char b[24];
  std::snprintf(b, sizeof b, "0x%llx", static_cast<unsigned long long>(v));
  return b;
}

std::string value_of(const Frame& f, const Field& fld) {
  if (fld.end > f.size() || fld.begin >= fld.end) return "<absent>";
  const std::size_t n = fld.end - fld.begin;
  std::string s;
  char b[8];
  switch (fld.kind) {
    case Kind::mac:
      for (std::size_t i = 0; i < n; ++i) {
        std::snprintf(b, sizeof b, "%s%02x", i ? ":" : "", f[fld.begin + i]);
        s += b;
      }
      return s;
    case Kind::ipv4:
      for (std::size_t i = 0; i < n; ++i) s += (i ? "." : "") + std::to_string(f[fld.begin + i]);
      return s;
    case Kind::ipv6: {
      Ipv6Addr a;
      std::copy_n(f.begin() + static_cast<std::ptrdiff_t>(fld.begin), std::min(n, a.octets.size()), a.octets.begin());
      return a.to_string();
    }
    case Kind::number: {
      std::uint64_t v = 0;
      for (std::size_t i = 0; i < n; ++i) v = (v << 8) | f[fld.begin + i];
      return std::to_string(v) + "(" + hex(v) + ")";
    }
    case Kind::hex:
      for (std::size_t i = 0; i < n; ++i) {
        std::snprintf(b, sizeof b, "%02x", f[fld.begin + i]);
        s += b;
      }
      return s;
  }
  return s;
}

// --- one-line summaries for the listing ------------------------------------------------------

std::string mac_text(const Frame& f, std::size_t at) { return value_of(f, {"", at, at + 6, Kind::mac}); }
std::string ip_text(const Frame& f, std::size_t at) { return value_of(f, {"", at, at + 4, Kind::ipv4}); }

std::string summary(const Frame& f) {
  char b[256];
  if (f.size() < kEth) return "runt of " + std::to_string(f.size()) + " bytes";
  const std::string l2 = mac_text(f, 6) + " > " + mac_text(f, 0);
  const std::uint16_t type = ether_type(f);
  if (type == 0x0806 && f.size() >= kEth + 28) {
    const std::uint16_t op = be16(f, kEth + 6);
    if (op == 1)
      std::snprintf(b, sizeof b, "ARP request who-has %s tell %s", ip_text(f, kEth + 24).c_str(), ip_text(f, kEth + 14).c_str());
    else if (op == 2)
      std::snprintf(b, sizeof b, "ARP reply %s is-at %s (to %s)", ip_text(f, kEth + 14).c_str(), mac_text(f, kEth + 8).c_str(),
                    ip_text(f, kEth + 24).c_str());
    else
      std::snprintf(b, sizeof b, "ARP op %u", op);
    return l2 + ", " + b + ", " + std::to_string(f.size()) + " bytes";
  }
  if (const auto ip6 = parse_ip6(f)) {
    std::string s = l2 + ", IPv6 " + value_of(f, {"", kEth + 8, kEth + 24, Kind::ipv6}) + " > " +
                    value_of(f, {"", kEth + 24, kEth + 40, Kind::ipv6});
    std::snprintf(b, sizeof b, " hlim %u", f[kEth + 7]);
    s += b;
    if (ip6->fragment != 0) {
      std::snprintf(b, sizeof b, " frag off %zu%s", ip6->frag_offset, ip6->more_fragments ? " M" : "");
      s += b;
    }
    if (ip6->frag_offset == 0 && ip6->next == 58 && ip6->upper + 2 <= ip6->end) {
      std::snprintf(b, sizeof b, ", ICMPv6 type %u code %u", f[ip6->upper], f[ip6->upper + 1]);
      s += b;
    } else if (ip6->frag_offset == 0 && ip6->next == 6 && ip6->upper + 20 <= ip6->end) {
      const std::size_t l4 = ip6->upper;
      std::snprintf(b, sizeof b, ", TCP %u > %u flags 0x%02x seq %u ack %u", be16(f, l4), be16(f, l4 + 2), f[l4 + 13],
                    be32(f, l4 + 4), be32(f, l4 + 8));
      s += b;
    } else {
      s += ", next header " + std::to_string(ip6->next);
    }
    return s + ", " + std::to_string(f.size()) + " bytes";
  }
  const auto ip = parse_ip(f);
  if (!ip) {
    std::snprintf(b, sizeof b, "EtherType 0x%04x", type);
    return l2 + ", " + b + ", " + std::to_string(f.size()) + " bytes";
  }
  std::string s = l2 + ", IPv4 " + ip_text(f, kEth + 12) + " > " + ip_text(f, kEth + 16);
  std::snprintf(b, sizeof b, " tos 0x%02x ttl %u", f[kEth + 1], f[kEth + 8]);
  s += b;
  if (ip->ihl > 20) s += " opts " + std::to_string(ip->ihl - 20);
  if (ip->frag_offset != 0 || ip->more_fragments) {
    std::snprintf(b, sizeof b, " frag off %zu%s", ip->frag_offset, ip->more_fragments ? " MF" : "");
    s += b;
  }
  const std::size_t l4 = ip->l4();
  const std::size_t end = kEth + ip->total;
  if (ip->frag_offset == 0 && ip->protocol == 1 && end >= l4 + 4) {
    std::snprintf(b, sizeof b, ", ICMP type %u code %u", f[l4], f[l4 + 1]);
    s += b;
  } else if (ip->frag_offset == 0 && ip->protocol == 6 && end >= l4 + 20) {
    std::string flags;
    const char* names = "FSRPAU";
    for (int i = 0; i < 6; ++i)
      if (f[l4 + 13] & (1 << i)) flags += names[i];
    std::snprintf(b, sizeof b, ", TCP %u > %u [%s] seq %u ack %u", be16(f, l4), be16(f, l4 + 2), flags.c_str(), be32(f, l4 + 4),
                  be32(f, l4 + 8));
    s += b;
  } else if (ip->frag_offset == 0 && ip->protocol == 17 && end >= l4 + 8) {
    std::snprintf(b, sizeof b, ", UDP %u > %u", be16(f, l4), be16(f, l4 + 2));
    s += b;
  } else {
    s += ", proto " + std::to_string(ip->protocol);
  }
  return s + ", " + std::to_string(f.size()) + " bytes";
}

// --- comparing one frame ----------------------------------------------------------------------

struct Comparison {
  std::vector<bool> ignore;         // per byte of the longer frame
  std::vector<std::string> extra;   // differences found by verification instead of comparison
};

bool plausible_time(std::uint32_t v) { return v < kMsPerDay; }

// Masks a 4-byte time value when both sides hold a plausible, differing time.
bool tolerate_time(const Frame& k, const Frame& t, std::size_t at, Comparison& c) {
  if (at + 4 > k.size() || at + 4 > t.size()) return false;
  const std::uint32_t kv = be32(k, at), tv = be32(t, at);
  if (kv == tv || !plausible_time(kv) || !plausible_time(tv) || kv == 0 || tv == 0) return false;
  for (std::size_t i = at; i < at + 4; ++i) c.ignore[i] = true;
  return true;
}

void mask_timestamp_option(const Frame& k, const Frame& t, std::size_t begin, std::size_t end, Comparison& c) {
  std::size_t p = begin;
  for (int guard = 0; p + 1 < end && guard < 40; ++guard) {
    const std::uint8_t type = k[p];
    if (type == 0) return;
    if (type == 1) {
      ++p;
      continue;
    }
    const std::size_t len = k[p + 1];
    if (len < 2 || p + len > end) return;
    if (type == 68 && len >= 4) {
      const bool with_addr = (k[p + 3] & 0x0f) != 0;
      const std::size_t step = with_addr ? 8 : 4;
      for (std::size_t w = p + 4 + (with_addr ? 4 : 0); w + 4 <= p + len; w += step) tolerate_time(k, t, w, c);
    }
    p += len;
  }
}

void verify_ip_checksum(const Frame& f, const Ip& ip, std::string& out) {
  if (fold_sum(f, kEth, kEth + ip.ihl) != 0) out = hex(be16(f, kEth + 10)) + " (invalid)";
}

Comparison prepare(const Frame& k, const Frame& t) {
  Comparison c;
  c.ignore.assign(std::max(k.size(), t.size()), false);
  // Each host picks its own IPv6 fragment identification, as it does IPv4's; the upper-layer
  // checksum does not cover it, so nothing else needs masking.
  if (const auto k6 = parse_ip6(k), t6 = parse_ip6(t); k6 && t6 && k6->fragment != 0 && k6->fragment == t6->fragment)
    for (std::size_t i = k6->fragment + 4; i < k6->fragment + 8; ++i) c.ignore[i] = true;
  const auto ki = parse_ip(k), ti = parse_ip(t);
  if (!ki || !ti) return c;
  for (std::size_t i : {kEth + 4, kEth + 5, kEth + 10, kEth + 11}) c.ignore[i] = true;
  std::string kbad, tbad;
  verify_ip_checksum(k, *ki, kbad);
  verify_ip_checksum(t, *ti, tbad);
  if (!tbad.empty() || !kbad.empty())
    c.extra.push_back("field ipv4.checksum kernel=" + (kbad.empty() ? "valid" : kbad) + " tapstack=" + (tbad.empty() ? "valid" : tbad));
  if (ki->ihl == ti->ihl && ki->ihl > 20) mask_timestamp_option(k, t, kEth + 20, kEth + ki->ihl, c);
  // An ICMP error quotes its offender's header as the host holds it, with the times the host
  // wrote into a timestamp option on receipt; those are masked like the error's own.
  if (ki->protocol == 1 && ki->frag_offset == 0 && ki->ihl == ti->ihl && ki->total >= ki->ihl + 8 + 20 &&
      (k[ki->l4()] == 3 || k[ki->l4()] == 11 || k[ki->l4()] == 12)) {
    const std::size_t q = ki->l4() + 8;
    const std::size_t qihl = static_cast<std::size_t>(k[q] & 0x0f) * 4;
    const std::size_t end = std::min<std::size_t>(q + qihl, kEth + ki->total);
    const auto masked_before = std::count(c.ignore.begin(), c.ignore.end(), true);
    if (qihl > 20 && (t.size() >= end) && (t[q] & 0x0f) == (k[q] & 0x0f)) mask_timestamp_option(k, t, q + 20, end, c);
    if (std::count(c.ignore.begin(), c.ignore.end(), true) != masked_before) {
      const std::size_t l4 = ki->l4();
      c.ignore[l4 + 2] = c.ignore[l4 + 3] = true;
      if (ti->total >= ti->ihl && !ti->more_fragments && fold_sum(t, ti->l4(), kEth + ti->total) != 0)
        c.extra.push_back("field icmp.checksum kernel=valid tapstack=" + hex(be16(t, l4 + 2)) + " (invalid)");
    }
  }
  // ICMP timestamp reply: receive and transmit times.
  if (ki->protocol == 1 && ki->frag_offset == 0 && !ki->more_fragments && ki->ihl == ti->ihl && ki->total >= ki->ihl + 20 &&
      k[ki->l4()] == 14) {
    const std::size_t l4 = ki->l4();
    const bool a = tolerate_time(k, t, l4 + 12, c);
    const bool b = tolerate_time(k, t, l4 + 16, c);
    if (a || b) {
      c.ignore[l4 + 2] = c.ignore[l4 + 3] = true;
      if (ti->total >= ti->ihl && fold_sum(t, ti->l4(), kEth + ti->total) != 0)
        c.extra.push_back("field icmp.checksum kernel=valid tapstack=" + hex(be16(t, l4 + 2)) + " (invalid)");
    }
  }
  return c;
}

bool zero_padding_only(const Frame& k, const Frame& t) {
  if (t.size() <= k.size() || k.size() >= 60 || t.size() != 60) return false;
  return std::all_of(t.begin() + static_cast<std::ptrdiff_t>(k.size()), t.end(), [](std::uint8_t v) { return v == 0; });
}

std::vector<std::string> compare_frame(const Frame& k, const Frame& t, bool allow_padding) {
  Comparison c = prepare(k, t);
  std::vector<std::string> diffs = c.extra;
  const std::size_t common = std::min(k.size(), t.size());
  for (std::size_t i = 0; i < common && diffs.size() < 4; ++i) {
    if (c.ignore[i] || k[i] == t[i]) continue;
    const Field fld = field_at(k, i);
    diffs.push_back("field " + fld.name + " kernel=" + value_of(k, fld) + " tapstack=" + value_of(t, fld));
    i = std::max(i, fld.end == 0 ? i : fld.end - 1);
  }
  if (k.size() != t.size() && !(allow_padding && zero_padding_only(k, t))) {
    std::string what = "field length kernel=" + std::to_string(k.size()) + " tapstack=" + std::to_string(t.size());
    if (t.size() > k.size()) {
      const Field extra = field_at(t, k.size());
      what += " (tapstack's extra bytes begin in " + extra.name + ")";
    } else {
      what += " (tapstack lacks " + field_at(k, t.size()).name + ")";
    }
    diffs.push_back(what);
  }
  return diffs;
}

// --- the whole capture ------------------------------------------------------------------------

int run(const std::string& name, const std::string& kernel_path, const std::string& tapstack_path, bool allow_padding) {
  std::string err;
  auto kernel_all = read_frames(kernel_path, err);
  if (!kernel_all) {
    std::printf("ERROR %s: %s\n", name.c_str(), err.c_str());
    return 2;
  }
  auto tapstack = read_frames(tapstack_path, err);
  if (!tapstack) {
    std::printf("ERROR %s: %s\n", name.c_str(), err.c_str());
    return 2;
  }
  std::vector<Frame> kernel;
  std::size_t background = 0;
  for (auto& f : *kernel_all) {
    if (is_background(f)) ++background;
    else kernel.push_back(std::move(f));
  }

  std::vector<std::string> lines;
  const std::size_t common = std::min(kernel.size(), tapstack->size());
  for (std::size_t i = 0; i < common; ++i)
    for (const std::string& d : compare_frame(kernel[i], (*tapstack)[i], allow_padding))
      lines.push_back("frame " + std::to_string(i) + " " + d);
  if (kernel.size() != tapstack->size())
    lines.push_back("frame count kernel=" + std::to_string(kernel.size()) + " tapstack=" + std::to_string(tapstack->size()));

  const std::string note = background ? " (" + std::to_string(background) + " kernel background frames ignored)" : "";
  if (lines.empty()) {
    std::printf("PASS %s%s\n", name.c_str(), note.c_str());
    return 0;
  }
  for (std::size_t i = 0; i < lines.size() && i < 6; ++i) std::printf("DIFF %s: %s\n", name.c_str(), lines[i].c_str());
  if (lines.size() > 6) std::printf("DIFF %s: ... %zu more differences\n", name.c_str(), lines.size() - 6);
  auto list = [](const char* who, const std::vector<Frame>& frames) {
    if (frames.empty()) std::printf("    %-8s (no frames)\n", who);
    for (std::size_t i = 0; i < frames.size(); ++i) {
      if (i == 8) {
        std::printf("    %-8s ... %zu more\n", who, frames.size() - 8);
        break;
      }
      std::printf("    %-8s #%zu %s\n", who, i, summary(frames[i]).c_str());
    }
  };
  list("kernel", kernel);
  list("tapstack", *tapstack);
  if (!note.empty()) std::printf("   %s\n", note.c_str());
  return 1;
}

}  // namespace
}  // namespace tapstack::differential

int main(int argc, char** argv) {
  std::string name;
  bool allow_padding = false;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--name" && i + 1 < argc) name = argv[++i];
    else if (a == "--allow-eth-padding") allow_padding = true;
    else files.push_back(a);
  }
  if (files.size() != 2) {
    std::fprintf(stderr, "usage: pcap_compare [--name NAME] [--allow-eth-padding] KERNEL.pcap TAPSTACK.pcap\n");
    return 2;
  }
  if (name.empty()) name = files[0];
  return tapstack::differential::run(name, files[0], files[1], allow_padding);
}
