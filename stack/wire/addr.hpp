#pragma once
// Link and network addresses as value types: comparable, hashable, printable, parseable.
#include <array>
#include <compare>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace tapstack {

struct MacAddr {
  std::array<std::uint8_t, 6> octets{};

  static constexpr MacAddr broadcast() { return {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}}; }
  static constexpr MacAddr zero() { return {}; }

  constexpr bool is_broadcast() const { return *this == broadcast(); }
  // The I/G bit: set for group (multicast and broadcast) addresses, IEEE 802-2014 §8.2.
  constexpr bool is_group() const { return (octets[0] & 0x01) != 0; }
  constexpr bool is_multicast() const { return is_group() && !is_broadcast(); }
  constexpr bool is_zero() const { return *this == zero(); }

  // "aa:bb:cc:dd:ee:ff" (also accepts '-' separators); nullopt on anything else.
  static std::optional<MacAddr> parse(std::string_view text);
  std::string to_string() const;

  friend constexpr auto operator<=>(const MacAddr&, const MacAddr&) = default;
};

struct Ipv4Addr {
  std::uint32_t value = 0;  // host byte order: 10.0.0.1 is 0x0a000001

  static constexpr Ipv4Addr from_octets(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
    return {(std::uint32_t{a} << 24) | (std::uint32_t{b} << 16) | (std::uint32_t{c} << 8) | d};
  }
  static constexpr Ipv4Addr any() { return {0}; }
  static constexpr Ipv4Addr limited_broadcast() { return {0xffffffff}; }

  constexpr std::uint8_t octet(int i) const { return static_cast<std::uint8_t>(value >> (24 - 8 * i)); }
  constexpr bool is_unspecified() const { return value == 0; }
  constexpr bool is_limited_broadcast() const { return value == 0xffffffff; }
  constexpr bool is_multicast() const { return (value >> 28) == 0xe; }   // 224.0.0.0/4
  constexpr bool is_loopback() const { return (value >> 24) == 127; }    // 127.0.0.0/8
  constexpr bool is_zeronet() const { return (value >> 24) == 0; }       // 0.0.0.0/8
  // Class E, 240.0.0.0/4 (which includes 255.255.255.255).
  constexpr bool is_reserved() const { return (value >> 28) == 0xf; }

  // Dotted quad, strictly four decimal octets; nullopt on anything else.
  static std::optional<Ipv4Addr> parse(std::string_view text);
  std::string to_string() const;

  friend constexpr auto operator<=>(const Ipv4Addr&, const Ipv4Addr&) = default;
};

// An interface address: our IP and the prefix that defines the attached subnet.
struct Ipv4Interface {
  Ipv4Addr addr;
  std::uint8_t prefix_len = 24;

  constexpr std::uint32_t netmask() const {
    return prefix_len == 0 ? 0 : ~std::uint32_t{0} << (32 - prefix_len);
  }
  constexpr Ipv4Addr network() const { return {addr.value & netmask()}; }
  // The directed broadcast of the subnet; a /31 and /32 have none (RFC 3021).
  constexpr std::optional<Ipv4Addr> subnet_broadcast() const {
    if (prefix_len >= 31) return std::nullopt;
    return Ipv4Addr{addr.value | ~netmask()};
  }
  // Asked of the source and the destination of every datagram: no optional built to compare.
  constexpr bool is_broadcast(Ipv4Addr a) const {
    return a.is_limited_broadcast() || (prefix_len < 31 && a.value == (addr.value | ~netmask()));
  }
  constexpr bool contains(Ipv4Addr a) const { return (a.value & netmask()) == network().value; }

  // "A.B.C.D/N" or "A.B.C.D" (then default_prefix); nullopt on anything else.
  static std::optional<Ipv4Interface> parse(std::string_view text, std::uint8_t default_prefix = 24);
  std::string to_string() const;

  friend constexpr auto operator<=>(const Ipv4Interface&, const Ipv4Interface&) = default;
};

}  // namespace tapstack

template <>
struct std::hash<tapstack::Ipv4Addr> {
  std::size_t operator()(tapstack::Ipv4Addr a) const noexcept { return std::hash<std::uint32_t>{}(a.value); }
};
