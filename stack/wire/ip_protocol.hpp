#pragma once
// The protocol numbers of the IPv4 Protocol and the IPv6 Next Header fields: one registry for
// both (IANA "Assigned Internet Protocol Numbers", RFC 8200 §4 for the extension headers).
#include <cstdint>

namespace tapstack {

// The protocols we recognise; any other value survives a round trip.
enum class IpProtocol : std::uint8_t {
  hop_by_hop = 0,  // IPv6 Hop-by-Hop Options (RFC 8200 §4.3); in IPv4 the field's 0 is HOPOPT too
  icmp = 1,
  igmp = 2,
  tcp = 6,
  udp = 17,
  routing = 43,    // IPv6 Routing header (RFC 8200 §4.4)
  fragment = 44,   // IPv6 Fragment header (RFC 8200 §4.5)
  icmpv6 = 58,     // RFC 4443
  no_next = 59,    // IPv6 No Next Header (RFC 8200 §4.7)
  dst_options = 60,  // IPv6 Destination Options (RFC 8200 §4.6)
};

}  // namespace tapstack
