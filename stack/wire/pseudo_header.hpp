#pragma once
// The pseudo-header that TCP and UDP checksums cover in front of the segment (RFC 793 §3.1,
// RFC 768), so a segment delivered to the wrong address or protocol fails its checksum. It is
// summed, never sent.
//
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                       Source Address                          |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                    Destination Address                        |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |     zero      |   Protocol    |     TCP or UDP length         |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
#include "stack/wire/addr.hpp"
#include "stack/wire/bytes.hpp"
#include "stack/wire/checksum.hpp"
#include "stack/wire/ipv4.hpp"

#include <utility>

namespace tapstack {

inline void add_pseudo_header(ChecksumAccumulator& acc, Ipv4Addr src, Ipv4Addr dst, IpProtocol protocol,
                              std::size_t length) {
  acc.add_be32(src.value);
  acc.add_be32(dst.value);
  acc.add_be16(std::to_underlying(protocol));
  acc.add_be16(static_cast<std::uint16_t>(length));
}

// The checksum of segment behind its pseudo-header: 0 when the segment's checksum field is
// right, the value to store when that field holds 0.
inline std::uint16_t transport_checksum(Bytes segment, Ipv4Addr src, Ipv4Addr dst, IpProtocol protocol) {
  ChecksumAccumulator acc;
  add_pseudo_header(acc, src, dst, protocol, segment.size());
  acc.add(segment);
  return acc.finish();
}

}  // namespace tapstack
