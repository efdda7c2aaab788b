#pragma once
// UDP header (RFC 768; over IPv6, RFC 8200 §8.1): enough to validate a datagram addressed to us, which a host with no
// listeners answers with port unreachable.
//
//   0      7 8     15 16    23 24    31
//  +--------+--------+--------+--------+
//  |     Source      |   Destination   |
//  |      Port       |      Port       |
//  +--------+--------+--------+--------+
//  |                 |                 |
//  |     Length      |    Checksum     |
//  +--------+--------+--------+--------+
//  |
//  |          data octets ...
//  +---------------- ...
#include "stack/wire/addr.hpp"
#include "stack/wire/bytes.hpp"

#include <boost/endian/buffers.hpp>

#include <expected>

namespace tapstack {

inline constexpr std::size_t kUdpHeaderLen = 8;

struct UdpLayout {
  boost::endian::big_uint16_buf_t src_port;
  boost::endian::big_uint16_buf_t dst_port;
  boost::endian::big_uint16_buf_t length;    // header and data
  boost::endian::big_uint16_buf_t checksum;  // 0: the sender computed none
};
static_assert(sizeof(UdpLayout) == kUdpHeaderLen);

// zero_checksum: IPv6 makes the checksum mandatory (RFC 8200 §8.1), and a receiver discards a
// datagram whose checksum is 0 (Linux's udp6_csum_init()).
enum class UdpError { truncated, bad_length, bad_checksum, zero_checksum };

// A datagram whose length and checksum have been checked.
class UdpView {
 public:
  // segment is the IP payload; the view is cut to the UDP length (Linux trims the same way).
  static std::expected<UdpView, UdpError> parse(Bytes segment, Ipv4Addr src, Ipv4Addr dst);
  static std::expected<UdpView, UdpError> parse(Bytes segment, const Ipv6Addr& src, const Ipv6Addr& dst);

  std::uint16_t src_port() const { return hdr_.src_port.value(); }
  std::uint16_t dst_port() const { return hdr_.dst_port.value(); }
  std::uint16_t checksum() const { return hdr_.checksum.value(); }
  Bytes segment() const { return seg_; }  // exactly the UDP length: header and data
  Bytes payload() const { return seg_.subspan(kUdpHeaderLen); }

 public:
  struct Parts {  // what parse() checked, before the view is made of it
    Bytes seg;
    UdpLayout hdr;
  };

 private:
  UdpView(Bytes seg, UdpLayout hdr) : seg_(seg), hdr_(hdr) {}
  Bytes seg_;
  UdpLayout hdr_;
};

}  // namespace tapstack
