#pragma once
// UDP (RFC 768) and TCP (RFC 793 §3.1) headers: just enough to validate a segment addressed to
// us and to answer it as a host with no listeners does.
//
// UDP:  0      7 8     15 16    23 24    31        TCP:  source port | destination port
//      +--------+--------+--------+--------+             sequence number
//      |   source port   | destination port|             acknowledgment number
//      +--------+--------+--------+--------+             offset|flags | window
//      |     length      |    checksum     |             checksum     | urgent pointer
//      +--------+--------+--------+--------+             options (offset*4 - 20 bytes)
#include "stack/wire/addr.hpp"
#include "stack/wire/bytes.hpp"
#include "stack/wire/checksum.hpp"
#include "stack/wire/ipv4.hpp"

#include <expected>
#include <utility>

namespace tapstack {

inline constexpr std::size_t kUdpHeaderLen = 8;
inline constexpr std::size_t kTcpMinHeaderLen = 20;

namespace tcp_flag {
inline constexpr std::uint8_t fin = 0x01;
inline constexpr std::uint8_t syn = 0x02;
inline constexpr std::uint8_t rst = 0x04;
inline constexpr std::uint8_t psh = 0x08;
inline constexpr std::uint8_t ack = 0x10;
}  // namespace tcp_flag

// The TCP/UDP pseudo-header (RFC 793 §3.1, RFC 768) added to an accumulator.
inline void add_pseudo_header(ChecksumAccumulator& acc, Ipv4Addr src, Ipv4Addr dst, IpProtocol protocol,
                              std::size_t length) {
  acc.add_be32(src.value);
  acc.add_be32(dst.value);
  acc.add_be16(std::to_underlying(protocol));
  acc.add_be16(static_cast<std::uint16_t>(length));
}

enum class TransportError { truncated, bad_length, bad_checksum };

class UdpView {
 public:
  // segment is the IP payload; the view is cut to the UDP length (Linux trims the same way).
  static std::expected<UdpView, TransportError> parse(Bytes segment, Ipv4Addr src, Ipv4Addr dst);
  std::uint16_t src_port() const { return load_be16(seg_, 0); }
  std::uint16_t dst_port() const { return load_be16(seg_, 2); }
  Bytes segment() const { return seg_; }

 private:
  explicit UdpView(Bytes seg) : seg_(seg) {}
  Bytes seg_;
};

class TcpView {
 public:
  static std::expected<TcpView, TransportError> parse(Bytes segment, Ipv4Addr src, Ipv4Addr dst);
  std::uint16_t src_port() const { return load_be16(seg_, 0); }
  std::uint16_t dst_port() const { return load_be16(seg_, 2); }
  std::uint32_t seq() const { return load_be32(seg_, 4); }
  std::uint32_t ack() const { return load_be32(seg_, 8); }
  std::size_t header_len() const { return static_cast<std::size_t>(load_u8(seg_, 12) >> 4) * 4; }
  std::uint8_t flags() const { return load_u8(seg_, 13); }
  bool has(std::uint8_t flag) const { return (flags() & flag) != 0; }
  std::size_t payload_len() const { return seg_.size() - header_len(); }

 private:
  explicit TcpView(Bytes seg) : seg_(seg) {}
  Bytes seg_;
};

// A bare 20-byte TCP header (no options) with its checksum over the pseudo-header.
struct TcpRepr {
  std::uint16_t src_port = 0;
  std::uint16_t dst_port = 0;
  std::uint32_t seq = 0;
  std::uint32_t ack = 0;
  std::uint8_t flags = 0;
  std::uint16_t window = 0;
  void emit(MutableBytes out, Ipv4Addr src, Ipv4Addr dst) const;
};

}  // namespace tapstack
