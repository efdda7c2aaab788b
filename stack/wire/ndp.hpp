#pragma once
// Neighbour discovery message bodies (RFC 4861 §4): what follows the ICMPv6 type, code and
// checksum (stack/wire/icmpv6.hpp owns those four bytes) in a router solicitation (133), router
// advertisement (134), neighbour solicitation (135) and neighbour advertisement (136), with the
// source and target link-layer address options (§4.6.1) for Ethernet. Every parse takes the
// body, checks its fixed part and walks the options as Linux's ndisc_parse_options() does.
//
// Neighbour solicitation body (§4.3)      Neighbour advertisement body (§4.4)
//  +-------------------------------+       +-+-+-+-------------------------+
//  |           reserved            |       |R|S|O|        reserved         |
//  +-------------------------------+       +-+-+-+-------------------------+
//  |     target address (16)       |       |     target address (16)       |
//  +-------------------------------+       +-------------------------------+
//  |   options (source LL) ...     |       |   options (target LL) ...     |
//
// Link-layer address option for Ethernet (§4.6.1): type 1 (source) or 2 (target), length 1
// (in units of 8 octets), the 6-byte MAC.
#include "stack/wire/addr.hpp"
#include "stack/wire/bytes.hpp"

#include <cstddef>
#include <cstdint>
#include <expected>
#include <optional>

namespace tapstack {

// The ICMPv6 type, code and checksum in front of every body: a message is this plus body_len().
inline constexpr std::size_t kNdpIcmpHeaderLen = 4;
inline constexpr std::size_t kNdpSolicitationBodyLen = 20;   // reserved, target
inline constexpr std::size_t kNdpAdvertisementBodyLen = 20;  // flags, reserved, target
inline constexpr std::size_t kNdpRouterSolicitationBodyLen = 4;
inline constexpr std::size_t kNdpRouterAdvertisementBodyLen = 12;
inline constexpr std::size_t kNdpRedirectBodyLen = 36;  // reserved, target, destination
inline constexpr std::size_t kNdpLinkLayerOptionLen = 8;

enum class NdpOptionType : std::uint8_t {
  source_link_layer = 1,
  target_link_layer = 2,
  prefix_information = 3,
  redirected_header = 4,
  mtu = 5,
};

enum class NdpError {
  truncated,          // shorter than the message's fixed part
  bad_option,         // an option of length 0 or running past the message (RFC 4861 §4.6)
  bad_link_layer,     // a link-layer address option whose length is not Ethernet's (8 bytes)
};

// The options a host reads (RFC 4861 §4.6): unknown ones are skipped (§4.6: "MUST silently
// ignore"), and a repeated link-layer option keeps the first, as Linux does.
struct NdpOptions {
  std::optional<MacAddr> source_mac;
  std::optional<MacAddr> target_mac;

  static std::expected<NdpOptions, NdpError> parse(Bytes options);
};

struct NeighbourSolicitation {
  Ipv6Addr target;
  std::optional<MacAddr> source_mac;  // absent in DAD probes (from ::)

  static std::expected<NeighbourSolicitation, NdpError> parse(Bytes body);
  std::size_t body_len() const { return kNdpSolicitationBodyLen + (source_mac ? kNdpLinkLayerOptionLen : 0); }
  // Writes body_len() bytes at the start of out.
  void emit(MutableBytes out) const;

  friend bool operator==(const NeighbourSolicitation&, const NeighbourSolicitation&) = default;
};

struct NeighbourAdvertisement {
  bool router = false;     // R: the sender is a router
  bool solicited = false;  // S: an answer to a solicitation (proves reachability)
  bool override = false;   // O: replace a cached link-layer address
  Ipv6Addr target;
  std::optional<MacAddr> target_mac;

  static std::expected<NeighbourAdvertisement, NdpError> parse(Bytes body);
  std::size_t body_len() const { return kNdpAdvertisementBodyLen + (target_mac ? kNdpLinkLayerOptionLen : 0); }
  void emit(MutableBytes out) const;

  friend bool operator==(const NeighbourAdvertisement&, const NeighbourAdvertisement&) = default;
};

struct RouterSolicitation {
  std::optional<MacAddr> source_mac;

  static std::expected<RouterSolicitation, NdpError> parse(Bytes body);
};

struct RouterAdvertisement {
  std::uint8_t cur_hop_limit = 0;
  bool managed = false;  // M
  bool other = false;    // O
  std::uint16_t router_lifetime = 0;  // seconds
  std::uint32_t reachable_time = 0;   // milliseconds
  std::uint32_t retrans_timer = 0;    // milliseconds
  std::optional<MacAddr> source_mac;

  static std::expected<RouterAdvertisement, NdpError> parse(Bytes body);
};

// A redirect's fixed part is only checked (§8.1): a host without routers ignores it.
std::expected<void, NdpError> check_redirect(Bytes body);

}  // namespace tapstack
