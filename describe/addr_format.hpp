#pragma once
// fmt formatters for the wire's addresses, so a log line or a description says
// fmt::format("{} is-at {}", ip, mac) instead of building strings by hand. They live here, not in
// stack/wire/, because the wire codecs depend on nothing but Boost.
//
//   MacAddr        "02:00:0a:00:00:01"
//   Ipv4Addr       "10.0.0.1"
//   Ipv4Interface  "10.0.0.1/24"
//
// Each accepts the string format spec, so "{:>17}" pads a MAC into a table column.
#include "stack/wire/addr.hpp"

#include <fmt/format.h>

#include <string_view>

namespace tapstack::detail {

// Formats into a fixed buffer, then hands the text to fmt's string formatter for width and
// alignment.
struct AddrFormatter : fmt::formatter<std::string_view> {
  template <class FormatContext>
  auto write(std::string_view text, FormatContext& ctx) const {
    return fmt::formatter<std::string_view>::format(text, ctx);
  }
};

}  // namespace tapstack::detail

template <>
struct fmt::formatter<tapstack::MacAddr> : tapstack::detail::AddrFormatter {
  template <class FormatContext>
  auto format(const tapstack::MacAddr& mac, FormatContext& ctx) const {
    fmt::basic_memory_buffer<char, 17> text;
    const auto& o = mac.octets;
    fmt::format_to(std::back_inserter(text), "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}", o[0], o[1], o[2], o[3], o[4], o[5]);
    return write({text.data(), text.size()}, ctx);
  }
};

template <>
struct fmt::formatter<tapstack::Ipv4Addr> : tapstack::detail::AddrFormatter {
  template <class FormatContext>
  auto format(const tapstack::Ipv4Addr& ip, FormatContext& ctx) const {
    fmt::basic_memory_buffer<char, 15> text;
    fmt::format_to(std::back_inserter(text), "{}.{}.{}.{}", ip.octet(0), ip.octet(1), ip.octet(2), ip.octet(3));
    return write({text.data(), text.size()}, ctx);
  }
};

template <>
struct fmt::formatter<tapstack::Ipv4Interface> : tapstack::detail::AddrFormatter {
  template <class FormatContext>
  auto format(const tapstack::Ipv4Interface& iface, FormatContext& ctx) const {
    fmt::basic_memory_buffer<char, 18> text;
    fmt::format_to(std::back_inserter(text), "{}/{}", iface.addr, iface.prefix_len);
    return write({text.data(), text.size()}, ctx);
  }
};
