#pragma once
// The fixed cast of the differential suite: the host under test (the Linux kernel in the oracle's
// namespace, or tapstack in replay) and the peer whose frames the cases send.
#include "stack/wire/addr.hpp"

namespace tapstack::differential {

inline constexpr MacAddr kHostMac{{0x02, 0x00, 0x0a, 0x00, 0x00, 0x02}};
inline constexpr Ipv4Addr kHostIp = Ipv4Addr::from_octets(10, 0, 0, 2);
inline constexpr std::uint8_t kHostPrefix = 24;
inline constexpr MacAddr kPeerMac{{0x02, 0x00, 0x0a, 0x00, 0x00, 0x01}};
inline constexpr Ipv4Addr kPeerIp = Ipv4Addr::from_octets(10, 0, 0, 1);

// The IPv6 cases (v6_*): fd00::2/64 and fe80::aff:fe00:2, the link-local address Linux
// derives from kHostMac (modified EUI-64, RFC 4291 App. A), written out rather than computed
// so that the suite does not share a mistake with the stack; the peer is fd00::1 /
// fe80::aff:fe00:1.
inline constexpr Ipv6Addr kHostIp6{{0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2}};
inline constexpr std::uint8_t kHostPrefix6 = 64;
inline constexpr Ipv6Addr kPeerIp6{{0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}};
inline constexpr Ipv6Addr kHostLinkLocal{{0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0x0a, 0xff, 0xfe, 0, 0, 2}};
inline constexpr Ipv6Addr kPeerLinkLocal{{0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0x0a, 0xff, 0xfe, 0, 0, 1}};

// Every case ends with this frame: unicast to a MAC nobody owns, with an EtherType nobody
// speaks (IEEE 802 local experimental 1). Both hosts drop it; its timestamp closes the
// observation window, so the oracle knows how long to listen and replay's clock reaches the end.
inline constexpr MacAddr kEndMarkerMac{{0x02, 0x00, 0x0a, 0x00, 0x00, 0xfe}};
inline constexpr std::uint16_t kEndMarkerType = 0x88b5;

}  // namespace tapstack::differential
