#pragma once
// IPv4 header (RFC 791 §3.1).
//
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |Version|  IHL  |Type of Service|          Total Length         |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |         Identification        |Flags|      Fragment Offset    |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |  Time to Live |    Protocol   |         Header Checksum       |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                       Source Address                          |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                    Destination Address                        |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                    Options                    |    Padding    |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
#include "stack/wire/addr.hpp"
#include "stack/wire/bytes.hpp"
#include "stack/wire/ip_protocol.hpp"

#include <boost/endian/buffers.hpp>

#include <expected>

namespace tapstack {

inline constexpr std::size_t kIpv4MinHeaderLen = 20;
inline constexpr std::size_t kIpv4MaxHeaderLen = 60;
inline constexpr std::size_t kIpv4MaxDatagramLen = 65535;
inline constexpr std::uint8_t kDefaultTtl = 64;  // Linux's net.ipv4.ip_default_ttl

inline constexpr std::uint16_t kIpv4FlagReserved = 0x8000;
inline constexpr std::uint16_t kIpv4FlagDontFragment = 0x4000;
inline constexpr std::uint16_t kIpv4FlagMoreFragments = 0x2000;
inline constexpr std::uint16_t kIpv4FragOffsetMask = 0x1fff;

struct Ipv4Layout {
  boost::endian::big_uint8_buf_t ver_ihl;
  boost::endian::big_uint8_buf_t tos;
  boost::endian::big_uint16_buf_t total_len;
  boost::endian::big_uint16_buf_t ident;
  boost::endian::big_uint16_buf_t flags_frag;
  boost::endian::big_uint8_buf_t ttl;
  boost::endian::big_uint8_buf_t protocol;
  boost::endian::big_uint16_buf_t checksum;
  boost::endian::big_uint32_buf_t src;
  boost::endian::big_uint32_buf_t dst;
};
static_assert(sizeof(Ipv4Layout) == kIpv4MinHeaderLen);

// Byte offsets, for the few fields rewritten in place.
namespace ipv4_field {
inline constexpr std::size_t tos = 1;
inline constexpr std::size_t total_len = 2;
inline constexpr std::size_t ident = 4;
inline constexpr std::size_t flags_frag = 6;
inline constexpr std::size_t ttl = 8;
inline constexpr std::size_t protocol = 9;
inline constexpr std::size_t checksum = 10;
inline constexpr std::size_t src = 12;
inline constexpr std::size_t dst = 16;
}  // namespace ipv4_field

// In the order Linux's ip_rcv_core() checks them.
enum class Ipv4Error { truncated, bad_version, bad_header_len, bad_checksum };

// A datagram whose header has been validated: every accessor is then safe.
class Ipv4View {
 public:
  // packet may carry link-layer padding after the datagram; it is cut off here.
  static std::expected<Ipv4View, Ipv4Error> parse(Bytes packet);

  std::uint8_t header_len() const { return static_cast<std::uint8_t>((hdr_.ver_ihl.value() & 0x0f) * 4); }
  std::uint8_t tos() const { return hdr_.tos.value(); }
  std::uint16_t total_len() const { return hdr_.total_len.value(); }
  std::uint16_t ident() const { return hdr_.ident.value(); }
  std::uint16_t flags_frag() const { return hdr_.flags_frag.value(); }
  bool dont_fragment() const { return (flags_frag() & kIpv4FlagDontFragment) != 0; }
  bool more_fragments() const { return (flags_frag() & kIpv4FlagMoreFragments) != 0; }
  // In bytes (the field counts 8-byte units).
  std::size_t frag_offset() const { return static_cast<std::size_t>(flags_frag() & kIpv4FragOffsetMask) * 8; }
  bool is_fragment() const { return more_fragments() || frag_offset() != 0; }
  std::uint8_t ttl() const { return hdr_.ttl.value(); }
  IpProtocol protocol() const { return IpProtocol{hdr_.protocol.value()}; }
  std::uint16_t checksum() const { return hdr_.checksum.value(); }
  Ipv4Addr src() const { return Ipv4Addr{hdr_.src.value()}; }
  Ipv4Addr dst() const { return Ipv4Addr{hdr_.dst.value()}; }

  Bytes datagram() const { return datagram_; }  // exactly total_len bytes
  Bytes header() const { return datagram_.first(header_len()); }
  Bytes options() const { return datagram_.subspan(kIpv4MinHeaderLen, header_len() - kIpv4MinHeaderLen); }
  Bytes payload() const { return datagram_.subspan(header_len()); }

 private:
  Ipv4View(Bytes datagram, Ipv4Layout hdr) : datagram_(datagram), hdr_(hdr) {}
  Bytes datagram_;
  Ipv4Layout hdr_;
};

// A header to build. Options, if any, are copied verbatim and padded to 4 bytes with EOOL.
struct Ipv4Repr {
  Ipv4Addr src;
  Ipv4Addr dst;
  IpProtocol protocol{};
  std::uint8_t ttl = kDefaultTtl;
  std::uint8_t tos = 0;
  std::uint16_t ident = 0;
  std::uint16_t flags_frag = 0;
  std::size_t payload_len = 0;
  Bytes options{};

  std::size_t header_len() const { return kIpv4MinHeaderLen + ((options.size() + 3) & ~std::size_t{3}); }
  std::size_t total_len() const { return header_len() + payload_len; }
  // Writes header_len() bytes with the checksum filled in; the payload is the caller's.
  void emit(MutableBytes out) const;
};

}  // namespace tapstack
