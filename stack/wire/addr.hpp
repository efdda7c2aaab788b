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

struct Ipv6Addr {
  std::array<std::uint8_t, 16> octets{};  // network byte order, as on the wire

  static constexpr Ipv6Addr unspecified() { return {}; }
  // ff02::1, every node on the link (RFC 4291 §2.7.1).
  static constexpr Ipv6Addr all_nodes() { return {{0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}}; }
  static constexpr Ipv6Addr all_routers() { return {{0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2}}; }

  constexpr bool is_unspecified() const { return *this == unspecified(); }
  constexpr bool is_loopback() const { return *this == Ipv6Addr{{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}}; }
  constexpr bool is_multicast() const { return octets[0] == 0xff; }                              // ff00::/8
  constexpr bool is_link_local() const { return octets[0] == 0xfe && (octets[1] & 0xc0) == 0x80; }  // fe80::/10
  constexpr bool is_v4_mapped() const {                                                              // ::ffff:0:0/96
    for (int i = 0; i < 10; ++i)
      if (octets[i] != 0) return false;
    return octets[10] == 0xff && octets[11] == 0xff;
  }
  // A multicast address's scope (RFC 4291 §2.7): 1 interface-local, 2 link-local, 5 site, 0xe global.
  constexpr std::uint8_t multicast_scope() const { return octets[1] & 0x0f; }
  // ff02::1:ffXX:XXXX, the group a neighbour solicitation for this address goes to (RFC 4291 §2.7.1).
  constexpr Ipv6Addr solicited_node() const {
    return {{0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, octets[13], octets[14], octets[15]}};
  }
  constexpr bool is_solicited_node() const {
    const Ipv6Addr probe = solicited_node();
    for (int i = 0; i < 13; ++i)
      if (octets[i] != probe.octets[i]) return false;
    return true;
  }

  // RFC 4291 §2.2 text: hex groups, one "::", an embedded dotted quad at the end; nullopt on
  // anything else (no zone index: "%eth0" is the caller's business).
  static std::optional<Ipv6Addr> parse(std::string_view text);
  // RFC 5952 §4: lower case, no leading zeros, the longest run of two or more zero groups as "::".
  std::string to_string() const;

  friend constexpr auto operator<=>(const Ipv6Addr&, const Ipv6Addr&) = default;
};

// The Ethernet group an IPv6 multicast goes to: 33:33 and the address's last four octets
// (RFC 2464 §7).
constexpr MacAddr multicast_mac_for(const Ipv6Addr& group) {
  return {{0x33, 0x33, group.octets[12], group.octets[13], group.octets[14], group.octets[15]}};
}

// fe80::/64 with the modified EUI-64 interface identifier of mac (RFC 4291 App. A, RFC 4862
// §5.3): 02:00:00:00:00:02 → fe80::ff:fe00:2.
constexpr Ipv6Addr link_local_from_mac(const MacAddr& mac) {
  const auto& m = mac.octets;
  return {{0xfe, 0x80, 0, 0, 0, 0, 0, 0, static_cast<std::uint8_t>(m[0] ^ 0x02), m[1], m[2], 0xff, 0xfe, m[3], m[4], m[5]}};
}

// An IPv6 interface address: the address and its on-link prefix.
struct Ipv6Interface {
  Ipv6Addr addr;
  std::uint8_t prefix_len = 64;

  constexpr bool contains(const Ipv6Addr& a) const {
    unsigned bits = prefix_len;
    for (std::size_t i = 0; i < 16 && bits > 0; ++i, bits = bits >= 8 ? bits - 8 : 0) {
      const auto mask = static_cast<std::uint8_t>(bits >= 8 ? 0xff : 0xff << (8 - bits));
      if ((a.octets[i] & mask) != (addr.octets[i] & mask)) return false;
    }
    return true;
  }

  // "ADDR/N" or "ADDR" (then default_prefix); nullopt on anything else.
  static std::optional<Ipv6Interface> parse(std::string_view text, std::uint8_t default_prefix = 64);
  std::string to_string() const;

  friend constexpr auto operator<=>(const Ipv6Interface&, const Ipv6Interface&) = default;
};

}  // namespace tapstack

template <>
struct std::hash<tapstack::Ipv6Addr> {
  std::size_t operator()(const tapstack::Ipv6Addr& a) const noexcept {
    std::size_t h = 0xcbf29ce484222325ull;  // FNV-1a: enough for a test's unordered_map
    for (auto o : a.octets) h = (h ^ o) * 0x100000001b3ull;
    return h;
  }
};

template <>
struct std::hash<tapstack::Ipv4Addr> {
  std::size_t operator()(tapstack::Ipv4Addr a) const noexcept { return std::hash<std::uint32_t>{}(a.value); }
};
