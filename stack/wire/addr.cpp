#include "stack/wire/addr.hpp"

#include <charconv>
#include <cstdio>

namespace tapstack {
namespace {

std::optional<unsigned> parse_decimal(std::string_view text, unsigned max) {
  if (text.empty() || text.size() > 3) return std::nullopt;
  unsigned v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size() || v > max) return std::nullopt;
  return v;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<MacAddr> MacAddr::parse(std::string_view text) {
  if (text.size() != 17) return std::nullopt;
  MacAddr mac;
  for (std::size_t i = 0; i < 6; ++i) {
    const std::size_t at = i * 3;
    if (i > 0 && text[at - 1] != ':' && text[at - 1] != '-') return std::nullopt;
    const int hi = hex_digit(text[at]);
    const int lo = hex_digit(text[at + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    mac.octets[i] = static_cast<std::uint8_t>(hi * 16 + lo);
  }
  return mac;
}

std::string MacAddr::to_string() const {
  char buf[18];
  std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", octets[0], octets[1], octets[2],
                octets[3], octets[4], octets[5]);
  return buf;
}

std::optional<Ipv4Addr> Ipv4Addr::parse(std::string_view text) {
  std::uint32_t value = 0;
  for (int i = 0; i < 4; ++i) {
    const auto dot = text.find('.');
    const bool last = i == 3;
    if (last != (dot == std::string_view::npos)) return std::nullopt;
    const auto part = last ? text : text.substr(0, dot);
    const auto octet = parse_decimal(part, 255);
    if (!octet) return std::nullopt;
    value = (value << 8) | *octet;
    if (!last) text.remove_prefix(dot + 1);
  }
  return Ipv4Addr{value};
}

std::string Ipv4Addr::to_string() const {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", octet(0), octet(1), octet(2), octet(3));
  return buf;
}

std::optional<Ipv4Interface> Ipv4Interface::parse(std::string_view text, std::uint8_t default_prefix) {
  const auto slash = text.find('/');
  const auto addr = Ipv4Addr::parse(text.substr(0, slash));
  if (!addr) return std::nullopt;
  if (slash == std::string_view::npos) return Ipv4Interface{*addr, default_prefix};
  const auto prefix = parse_decimal(text.substr(slash + 1), 32);
  if (!prefix) return std::nullopt;
  return Ipv4Interface{*addr, static_cast<std::uint8_t>(*prefix)};
}

std::string Ipv4Interface::to_string() const { return addr.to_string() + "/" + std::to_string(prefix_len); }

std::optional<Ipv6Addr> Ipv6Addr::parse(std::string_view text) {
  // Groups before "::" fill from the front, groups after it from the back; a trailing dotted
  // quad counts as two groups.
  std::array<std::uint16_t, 8> head{}, tail{};
  std::size_t n_head = 0, n_tail = 0;
  bool compressed = false;
  if (text.starts_with("::")) {
    compressed = true;
    text.remove_prefix(2);
  } else if (text.starts_with(":")) {
    return std::nullopt;
  }
  while (!text.empty()) {
    auto& groups = compressed ? tail : head;
    auto& n = compressed ? n_tail : n_head;
    const auto colon = text.find(':');
    const auto part = text.substr(0, colon);
    if (part.find('.') != std::string_view::npos) {
      if (colon != std::string_view::npos || n > 6 || n_head + n_tail > 6) return std::nullopt;
      const auto v4 = Ipv4Addr::parse(part);
      if (!v4) return std::nullopt;
      groups[n++] = static_cast<std::uint16_t>(v4->value >> 16);
      groups[n++] = static_cast<std::uint16_t>(v4->value);
      text = {};
      break;
    }
    if (part.empty() || part.size() > 4 || n_head + n_tail >= 8) return std::nullopt;
    unsigned v = 0;
    for (char c : part) {
      const int d = hex_digit(c);
      if (d < 0) return std::nullopt;
      v = v * 16 + static_cast<unsigned>(d);
    }
    groups[n++] = static_cast<std::uint16_t>(v);
    if (colon == std::string_view::npos) {
      text = {};
      break;
    }
    text.remove_prefix(colon + 1);
    if (text.starts_with(":")) {
      if (compressed) return std::nullopt;  // a second "::"
      compressed = true;
      text.remove_prefix(1);
    } else if (text.empty()) {
      return std::nullopt;  // a trailing single ':'
    }
  }
  const std::size_t total = n_head + n_tail;
  if (compressed ? total > 7 : total != 8) return std::nullopt;
  std::array<std::uint16_t, 8> groups{};
  for (std::size_t i = 0; i < n_head; ++i) groups[i] = head[i];
  for (std::size_t i = 0; i < n_tail; ++i) groups[8 - n_tail + i] = tail[i];
  Ipv6Addr a;
  for (std::size_t i = 0; i < 8; ++i) {
    a.octets[2 * i] = static_cast<std::uint8_t>(groups[i] >> 8);
    a.octets[2 * i + 1] = static_cast<std::uint8_t>(groups[i]);
  }
  return a;
}

std::string Ipv6Addr::to_string() const {
  std::array<unsigned, 8> groups{};
  for (std::size_t i = 0; i < 8; ++i) groups[i] = (unsigned{octets[2 * i]} << 8) | octets[2 * i + 1];
  // The first longest run of at least two zero groups becomes "::" (RFC 5952 §4.2).
  std::size_t best_at = 8, best_len = 1;
  for (std::size_t i = 0; i < 8;) {
    std::size_t j = i;
    while (j < 8 && groups[j] == 0) ++j;
    if (j - i > best_len) {
      best_at = i;
      best_len = j - i;
    }
    i = j == i ? i + 1 : j;
  }
  std::string out;
  char buf[8];
  for (std::size_t i = 0; i < 8;) {
    if (i == best_at) {
      out += "::";
      i += best_len;
      continue;
    }
    if (!out.empty() && !out.ends_with(':')) out += ':';
    std::snprintf(buf, sizeof buf, "%x", groups[i]);
    out += buf;
    ++i;
  }
  return out;
}

std::optional<Ipv6Interface> Ipv6Interface::parse(std::string_view text, std::uint8_t default_prefix) {
  const auto slash = text.find('/');
  const auto addr = Ipv6Addr::parse(text.substr(0, slash));
  if (!addr) return std::nullopt;
  if (slash == std::string_view::npos) return Ipv6Interface{*addr, default_prefix};
  const auto prefix = parse_decimal(text.substr(slash + 1), 128);
  if (!prefix) return std::nullopt;
  return Ipv6Interface{*addr, static_cast<std::uint8_t>(*prefix)};
}

std::string Ipv6Interface::to_string() const { return addr.to_string() + "/" + std::to_string(prefix_len); }

}  // namespace tapstack
