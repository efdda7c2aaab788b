#include "tests/differential/fuzzer/mutant.hpp"

#include "stack/wire/checksum.hpp"

#include <algorithm>
#include <cstdio>
#include <set>

namespace tapstack::differential::fuzz {
namespace {

constexpr std::size_t kEth = 14;

std::uint16_t be16(const Frame& f, std::size_t at) { return static_cast<std::uint16_t>((f[at] << 8) | f[at + 1]); }
void put_be16(Frame& f, std::size_t at, std::uint16_t v) {
  f[at] = static_cast<std::uint8_t>(v >> 8);
  f[at + 1] = static_cast<std::uint8_t>(v);
}
Bytes view(const Frame& f, std::size_t begin, std::size_t end) {
  return std::as_bytes(std::span(f)).subspan(begin, end - begin);
}

struct IpLayout {
  std::size_t ihl;
  std::size_t end;  // of the datagram in the frame: total length, clipped to the frame
  std::uint8_t protocol;
  bool fragment;  // offset != 0 or MF
};

// The IPv4 header's layout when it is whole; nothing when the frame is not IPv4 or too short.
bool ip_layout(const Frame& f, IpLayout& out) {
  if (f.size() < kEth + 20 || be16(f, 12) != 0x0800 || (f[kEth] >> 4) != 4) return false;
  out.ihl = static_cast<std::size_t>(f[kEth] & 0x0f) * 4;
  if (out.ihl < 20 || kEth + out.ihl > f.size()) return false;
  out.end = std::min<std::size_t>(kEth + be16(f, kEth + 2), f.size());
  if (out.end < kEth + out.ihl) return false;
  out.protocol = f[kEth + 9];
  out.fragment = (be16(f, kEth + 6) & 0x3fff) != 0;
  return true;
}

struct Named {
  std::size_t begin, end;
  const char* name;
};

const char* from(const Named* table, std::size_t n, std::size_t rel) {
  for (std::size_t i = 0; i < n; ++i)
    if (rel >= table[i].begin && rel < table[i].end) return table[i].name;
  return nullptr;
}

constexpr Named kArp[] = {{0, 2, "htype"}, {2, 4, "ptype"},       {4, 5, "hlen"},       {5, 6, "plen"},      {6, 8, "op"},
                          {8, 14, "sender_mac"}, {14, 18, "sender_ip"}, {18, 24, "target_mac"}, {24, 28, "target_ip"}};
constexpr Named kIpv4[] = {{0, 1, "version_ihl"}, {1, 2, "tos"},      {2, 4, "total_len"}, {4, 6, "ident"},
                           {6, 8, "flags_frag"},  {8, 9, "ttl"},      {9, 10, "protocol"}, {10, 12, "checksum"},
                           {12, 16, "src"},       {16, 20, "dst"}};
constexpr Named kIcmp[] = {{0, 1, "type"}, {1, 2, "code"}, {2, 4, "checksum"}, {4, 8, "rest_of_header"}};
constexpr Named kUdp[] = {{0, 2, "sport"}, {2, 4, "dport"}, {4, 6, "length"}, {6, 8, "checksum"}};
constexpr Named kTcp[] = {{0, 2, "sport"}, {2, 4, "dport"},        {4, 8, "seq"},       {8, 12, "ack"},    {12, 13, "data_offset"},
                          {13, 14, "flags"}, {14, 16, "window"}, {16, 18, "checksum"}, {18, 20, "urgent"}};

template <std::size_t N>
std::string field_in(const Named (&table)[N], std::size_t rel, const std::string& prefix, const std::string& rest) {
  if (const char* n = from(table, N, rel)) return prefix + n;
  return prefix + rest;
}

std::uint16_t transport_sum(const Frame& f, const IpLayout& ip, std::size_t l4) {
  ChecksumAccumulator acc;
  acc.add(view(f, kEth + 12, kEth + 20));  // source and destination
  acc.add_be16(ip.protocol);
  acc.add_be16(static_cast<std::uint16_t>(ip.end - l4));
  acc.add(view(f, l4, ip.end));
  return acc.finish();
}

}  // namespace

std::string field_name(const Frame& f, std::size_t off) {
  if (off >= f.size()) return "length";
  if (off < 6) return "eth.dst";
  if (off < 12) return "eth.src";
  if (off < kEth) return "eth.type";
  const std::uint16_t type = be16(f, 12);
  if (type == 0x0806) return off < kEth + 28 ? field_in(kArp, off - kEth, "arp.", "") : "eth.padding";
  IpLayout ip{};
  if (!ip_layout(f, ip)) return type == 0x0800 ? "ipv4.header" : "eth.payload";
  if (off < kEth + 20) return field_in(kIpv4, off - kEth, "ipv4.", "");
  if (off < kEth + ip.ihl) return "ipv4.options";
  if (off >= ip.end) return "eth.padding";
  const std::size_t rel = off - kEth - ip.ihl;
  if (ip.fragment && (be16(f, kEth + 6) & 0x1fff) != 0) return "ipv4.fragment_data";
  switch (ip.protocol) {
    case 1: return field_in(kIcmp, rel, "icmp.", "data");
    case 17: return field_in(kUdp, rel, "udp.", "data");
    case 6: return field_in(kTcp, rel, "tcp.", "options_and_data");
    default: return "ipv4.payload";
  }
}

void refresh_checksums(Frame& f, bool fix_ip, bool fix_l4) {
  IpLayout ip{};
  if (!ip_layout(f, ip)) return;
  if (fix_ip) {
    put_be16(f, kEth + 10, 0);
    put_be16(f, kEth + 10, internet_checksum(view(f, kEth, kEth + ip.ihl)));
  }
  if (!fix_l4 || ip.fragment) return;
  const std::size_t l4 = kEth + ip.ihl;
  if (ip.protocol == 1 && ip.end >= l4 + 4) {
    put_be16(f, l4 + 2, 0);
    put_be16(f, l4 + 2, internet_checksum(view(f, l4, ip.end)));
  } else if (ip.protocol == 17 && ip.end >= l4 + 8) {
    if (be16(f, l4 + 6) == 0) return;  // "no checksum" stays so
    put_be16(f, l4 + 6, 0);
    const std::uint16_t c = transport_sum(f, ip, l4);
    put_be16(f, l4 + 6, c == 0 ? 0xffff : c);
  } else if (ip.protocol == 6 && ip.end >= l4 + 20) {
    put_be16(f, l4 + 16, 0);
    put_be16(f, l4 + 16, transport_sum(f, ip, l4));
  }
}

Frame MutantFrame::materialise() const {
  Frame f = base;
  switch (reshape) {
    case Reshape::none: break;
    case Reshape::insert_options: {
      IpLayout ip{};
      if (!ip_layout(f, ip) || ip.ihl + extra.size() > 60 || extra.size() % 4 != 0) break;
      f.insert(f.begin() + static_cast<std::ptrdiff_t>(kEth + ip.ihl), extra.begin(), extra.end());
      f[kEth] = static_cast<std::uint8_t>(0x40 | ((ip.ihl + extra.size()) / 4));
      put_be16(f, kEth + 2, static_cast<std::uint16_t>(be16(f, kEth + 2) + extra.size()));
      break;
    }
    case Reshape::truncate: f.resize(std::min(length, f.size())); break;
    case Reshape::append: f.insert(f.end(), extra.begin(), extra.end()); break;
  }
  // A checksum the fuzzer wrote itself is not then "fixed" back.
  bool ip_sum_edited = false, l4_sum_edited = false;
  for (const ByteEdit& e : edits) {
    if (e.offset >= f.size()) continue;
    f[e.offset] = e.value;
    const std::string name = field_name(f, e.offset);
    if (name == "ipv4.checksum") ip_sum_edited = true;
    if (name.ends_with(".checksum") && name != "ipv4.checksum") l4_sum_edited = true;
  }
  refresh_checksums(f, fix_ip_checksum && !ip_sum_edited, fix_l4_checksum && !l4_sum_edited);
  return f;
}

std::size_t MutantFrame::changes() const {
  return edits.size() + (reshape != Reshape::none) + !fix_ip_checksum + !fix_l4_checksum + (gap_ms != base_gap_ms);
}

std::vector<std::string> MutantFrame::changed_fields() const {
  std::set<std::string> names;
  switch (reshape) {
    case Reshape::none: break;
    case Reshape::insert_options: names.insert("ipv4.options+" + std::to_string(extra.size())); break;
    case Reshape::truncate: names.insert("truncated"); break;
    case Reshape::append: names.insert("trailing_bytes"); break;
  }
  const Frame f = materialise();
  for (const ByteEdit& e : edits) names.insert(field_name(f, e.offset));
  if (!fix_ip_checksum) names.insert("ipv4.checksum");
  if (!fix_l4_checksum) names.insert("l4.checksum");
  if (gap_ms != base_gap_ms) names.insert("timing");
  return {names.begin(), names.end()};
}

std::string MutantFrame::describe_changes() const {
  std::string s;
  char b[64];
  switch (reshape) {
    case Reshape::none: break;
    case Reshape::insert_options:
      s += " +options[";
      for (std::uint8_t v : extra) {
        std::snprintf(b, sizeof b, "%02x", v);
        s += b;
      }
      s += "]";
      break;
    case Reshape::truncate: s += " cut to " + std::to_string(length) + " bytes"; break;
    case Reshape::append: s += " +" + std::to_string(extra.size()) + " trailing bytes"; break;
  }
  const Frame f = materialise();
  for (const ByteEdit& e : edits) {
    std::snprintf(b, sizeof b, "@%zu=0x%02x", e.offset, e.value);
    s += " " + field_name(f, e.offset) + b;
  }
  if (!fix_ip_checksum) s += " ip-checksum-left-stale";
  if (!fix_l4_checksum) s += " l4-checksum-left-stale";
  if (gap_ms != base_gap_ms) s += " after " + std::to_string(gap_ms) + " ms";
  return s.empty() ? s : s.substr(1);
}

std::size_t Mutant::changes() const {
  std::size_t n = sequence_changes.size();
  for (const MutantFrame& f : frames) n += f.changes();
  return n;
}

std::vector<std::string> Mutant::changed_fields() const {
  std::set<std::string> names;
  for (const MutantFrame& f : frames)
    for (std::string& n : f.changed_fields()) names.insert(std::move(n));
  for (const std::string& s : sequence_changes) names.insert(s.substr(0, s.find(' ')));
  return {names.begin(), names.end()};
}

std::int64_t Mutant::duration_ms() const {
  std::int64_t t = 0;
  for (std::size_t i = 1; i < frames.size(); ++i) t += frames[i].gap_ms;
  return t + window_ms;
}

}  // namespace tapstack::differential::fuzz
