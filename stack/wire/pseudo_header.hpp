#pragma once
// The pseudo-header that TCP, UDP and ICMPv6 checksums cover in front of the segment (RFC 793
// §3.1, RFC 768; RFC 8200 §8.1 for IPv6, whose ICMPv6 has one too: RFC 4443 §2.3), so a segment
// delivered to the wrong address or protocol fails its checksum. It is summed, never sent.
//
// IPv4:
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                       Source Address                          |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                    Destination Address                        |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |     zero      |   Protocol    |     TCP or UDP length         |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// IPv6 (RFC 8200 §8.1): Source Address (128 bits), Destination Address (128 bits), the
// upper-layer packet length (32 bits), three zero octets and the upper-layer Next Header.
#include "stack/wire/addr.hpp"
#include "stack/wire/bytes.hpp"
#include "stack/wire/checksum.hpp"
#include "stack/wire/ip_protocol.hpp"

#include <utility>

namespace tapstack {

inline void add_pseudo_header(ChecksumAccumulator& acc, Ipv4Addr src, Ipv4Addr dst, IpProtocol protocol,
                              std::size_t length) {
  acc.add_be32(src.value);
  acc.add_be32(dst.value);
  acc.add_be16(std::to_underlying(protocol));
  acc.add_be16(static_cast<std::uint16_t>(length));
}

// The destination is the final one: with a Routing header, the last address in it (RFC 8200
// §8.1); we never send one and refuse those with segments left, so it is the header's.
inline void add_pseudo_header(ChecksumAccumulator& acc, const Ipv6Addr& src, const Ipv6Addr& dst, IpProtocol protocol,
                              std::size_t length) {
  acc.add(std::as_bytes(std::span(src.octets)));
  acc.add(std::as_bytes(std::span(dst.octets)));
  acc.add_be32(static_cast<std::uint32_t>(length));
  acc.add_be16(std::to_underlying(protocol));
}

// The checksum of segment behind its pseudo-header: 0 when the segment's checksum field is
// right, the value to store when that field holds 0.
inline std::uint16_t transport_checksum(Bytes segment, Ipv4Addr src, Ipv4Addr dst, IpProtocol protocol) {
  ChecksumAccumulator acc;
  add_pseudo_header(acc, src, dst, protocol, segment.size());
  acc.add(segment);
  return acc.finish();
}

inline std::uint16_t transport_checksum(Bytes segment, const Ipv6Addr& src, const Ipv6Addr& dst, IpProtocol protocol) {
  ChecksumAccumulator acc;
  add_pseudo_header(acc, src, dst, protocol, segment.size());
  acc.add(segment);
  return acc.finish();
}

}  // namespace tapstack
