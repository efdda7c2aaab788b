#pragma once
// The IPv6 Fragment header (RFC 8200 §4.5): what a source puts between the unfragmentable part
// (the IPv6 header and the extension headers every node on the path must see) and each piece of
// the fragmentable part.
//
//   0               8               16                          29  31
//  +---------------+---------------+-----------------------------+---+-+
//  |  Next Header  |   Reserved    |      Fragment Offset        |Res|M|
//  +---------------+---------------+-----------------------------+---+-+
//  |                         Identification                            |
//  +-------------------------------------------------------------------+
//
// The offset counts 8-octet units of the fragmentable part; M says more fragments follow. The
// two reserved fields are ignored on receipt (RFC 8200 §4.5) and sent as zero.
#include "stack/wire/bytes.hpp"
#include "stack/wire/ip_protocol.hpp"

#include <boost/endian/buffers.hpp>

#include <cstddef>
#include <cstdint>
#include <expected>

namespace tapstack {

inline constexpr std::size_t kIpv6FragmentHeaderLen = 8;
inline constexpr std::uint16_t kIpv6FragOffsetMask = 0xfff8;  // the offset in bytes, already ×8
inline constexpr std::uint16_t kIpv6FlagMoreFragments = 0x0001;

struct Ipv6FragmentLayout {
  boost::endian::big_uint8_buf_t next_header;
  boost::endian::big_uint8_buf_t reserved;
  boost::endian::big_uint16_buf_t offset_flags;  // offset << 3 | Res (2 bits) | M
  boost::endian::big_uint32_buf_t ident;
};
static_assert(sizeof(Ipv6FragmentLayout) == kIpv6FragmentHeaderLen);

// Where each field sits, for ICMPv6 parameter problem pointers and in-place rewrites.
namespace ipv6_fragment_field {
inline constexpr std::size_t next_header = 0;
inline constexpr std::size_t offset_flags = 2;
inline constexpr std::size_t ident = 4;
}  // namespace ipv6_fragment_field

enum class Ipv6FragmentError { truncated };

// A Fragment header; every value it can hold is valid, so parse only checks the length.
class Ipv6FragmentView {
 public:
  // header: the bytes from the Fragment header on (the rest is the fragment's data).
  static std::expected<Ipv6FragmentView, Ipv6FragmentError> parse(Bytes header);

  IpProtocol next_header() const { return IpProtocol{hdr_.next_header.value()}; }
  std::size_t offset() const { return hdr_.offset_flags.value() & kIpv6FragOffsetMask; }  // in bytes
  bool more_fragments() const { return (hdr_.offset_flags.value() & kIpv6FlagMoreFragments) != 0; }
  std::uint32_t ident() const { return hdr_.ident.value(); }
  // Offset 0 and M clear: a whole datagram in one piece (RFC 6946), not part of any other.
  bool is_atomic() const { return offset() == 0 && !more_fragments(); }

 private:
  explicit Ipv6FragmentView(Ipv6FragmentLayout hdr) : hdr_(hdr) {}
  Ipv6FragmentLayout hdr_;
};

struct Ipv6FragmentRepr {
  IpProtocol next_header{};
  std::size_t offset = 0;  // bytes, a multiple of 8, at most 65528
  bool more_fragments = false;
  std::uint32_t ident = 0;

  // Writes the 8 bytes; out must hold them.
  void emit(MutableBytes out) const;
  friend bool operator==(const Ipv6FragmentRepr&, const Ipv6FragmentRepr&) = default;
};

}  // namespace tapstack
