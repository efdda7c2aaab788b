#pragma once
// TCP header (RFC 793 §3.1; over IPv6 with RFC 8200 §8.1's pseudo-header): enough to validate a segment addressed to us and to answer it as a
// host with no listeners does, with a reset.
//
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |          Source Port          |       Destination Port        |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                        Sequence Number                        |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                    Acknowledgment Number                      |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |  Data |           |U|A|P|R|S|F|                               |
//  | Offset| Reserved  |R|C|S|S|Y|I|            Window             |
//  |       |           |G|K|H|T|N|N|                               |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |           Checksum            |         Urgent Pointer        |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                    Options                    |    Padding    |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                             data                              |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
#include "stack/wire/addr.hpp"
#include "stack/wire/bytes.hpp"

#include <boost/endian/buffers.hpp>

#include <expected>

namespace tapstack {

inline constexpr std::size_t kTcpMinHeaderLen = 20;

// The control bits: the low byte of the data offset/flags word.
namespace tcp_flag {
inline constexpr std::uint8_t fin = 0x01;
inline constexpr std::uint8_t syn = 0x02;
inline constexpr std::uint8_t rst = 0x04;
inline constexpr std::uint8_t psh = 0x08;
inline constexpr std::uint8_t ack = 0x10;
}  // namespace tcp_flag

struct TcpLayout {
  boost::endian::big_uint16_buf_t src_port;
  boost::endian::big_uint16_buf_t dst_port;
  boost::endian::big_uint32_buf_t seq;
  boost::endian::big_uint32_buf_t ack;
  boost::endian::big_uint8_buf_t data_offset;  // high nibble: header length in 32-bit words
  boost::endian::big_uint8_buf_t flags;
  boost::endian::big_uint16_buf_t window;
  boost::endian::big_uint16_buf_t checksum;
  boost::endian::big_uint16_buf_t urgent;
};
static_assert(sizeof(TcpLayout) == kTcpMinHeaderLen);

enum class TcpError { truncated, bad_length, bad_checksum };

// A segment whose header length and checksum have been checked.
class TcpView {
 public:
  static std::expected<TcpView, TcpError> parse(Bytes segment, Ipv4Addr src, Ipv4Addr dst);
  static std::expected<TcpView, TcpError> parse(Bytes segment, const Ipv6Addr& src, const Ipv6Addr& dst);

  std::uint16_t src_port() const { return hdr_.src_port.value(); }
  std::uint16_t dst_port() const { return hdr_.dst_port.value(); }
  std::uint32_t seq() const { return hdr_.seq.value(); }
  std::uint32_t ack() const { return hdr_.ack.value(); }
  std::size_t header_len() const { return static_cast<std::size_t>(hdr_.data_offset.value() >> 4) * 4; }
  std::uint8_t flags() const { return hdr_.flags.value(); }
  bool has(std::uint8_t flag) const { return (flags() & flag) != 0; }
  std::uint16_t window() const { return hdr_.window.value(); }
  std::uint16_t checksum() const { return hdr_.checksum.value(); }
  std::size_t payload_len() const { return seg_.size() - header_len(); }

 private:
  TcpView(Bytes seg, TcpLayout hdr) : seg_(seg), hdr_(hdr) {}
  Bytes seg_;
  TcpLayout hdr_;
};

// A 20-byte header without options, to build.
struct TcpRepr {
  std::uint16_t src_port = 0;
  std::uint16_t dst_port = 0;
  std::uint32_t seq = 0;
  std::uint32_t ack = 0;
  std::uint8_t flags = 0;
  std::uint16_t window = 0;

  // Writes the header at the start of segment, whose checksum (over the pseudo-header for src
  // and dst) covers all of segment: the header and whatever payload is already behind it.
  void emit(MutableBytes segment, Ipv4Addr src, Ipv4Addr dst) const;
  void emit(MutableBytes segment, const Ipv6Addr& src, const Ipv6Addr& dst) const;
};

}  // namespace tapstack
