#pragma once
// ICMPv6 (RFC 4443): the common header, echo, and the error messages. The bodies of the
// Neighbor Discovery messages (RFC 4861, types 133-137) are stack/wire/ndp.hpp's.
//
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |     Type      |     Code      |          Checksum             |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |  echo: Identifier | Sequence; errors: MTU, Pointer or unused   |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |     Data ... (an error: as much of the offending datagram as fits in 1280 bytes)
//  +-+-+-+-+-
//
// The checksum covers the message behind the IPv6 pseudo-header (RFC 4443 §2.3,
// stack/wire/pseudo_header.hpp), so it depends on the addresses too.
#include "stack/wire/addr.hpp"
#include "stack/wire/bytes.hpp"

#include <boost/endian/buffers.hpp>

#include <expected>
#include <utility>

namespace tapstack {

// Any other value survives a round trip.
enum class Icmpv6Type : std::uint8_t {
  dest_unreachable = 1,
  packet_too_big = 2,
  time_exceeded = 3,
  parameter_problem = 4,
  echo_request = 128,
  echo_reply = 129,
  mld_query = 130,              // RFC 2710
  mld_report = 131,
  mld_done = 132,
  router_solicitation = 133,    // RFC 4861 §4.1
  router_advertisement = 134,
  neighbour_solicitation = 135,
  neighbour_advertisement = 136,
  redirect = 137,
  mld2_report = 143,            // RFC 3810
};

// RFC 4443 §2.1: types 0-127 are errors, 128-255 informational.
constexpr bool is_icmpv6_error(Icmpv6Type type) { return std::to_underlying(type) < 128; }
// The Neighbor Discovery messages (RFC 4861 §4), which the neighbour layer handles.
constexpr bool is_ndp(Icmpv6Type type) {
  return std::to_underlying(type) >= std::to_underlying(Icmpv6Type::router_solicitation) &&
         std::to_underlying(type) <= std::to_underlying(Icmpv6Type::redirect);
}

// Codes of destination unreachable (RFC 4443 §3.1).
enum class Icmpv6UnreachableCode : std::uint8_t {
  no_route = 0,
  admin_prohibited = 1,
  beyond_scope = 2,
  address = 3,
  port = 4,
};
// Codes of time exceeded (RFC 4443 §3.3).
enum class Icmpv6TimeExceededCode : std::uint8_t { hop_limit = 0, reassembly = 1 };
// Parameter problem's codes are Ipv6ParamProblemCode (stack/wire/ipv6.hpp): the walk decides them.

inline constexpr std::size_t kIcmpv6HeaderLen = 8;
// RFC 4443 §2.4 (c): an error carries as much of the offending datagram as fits without the
// error exceeding the minimum IPv6 MTU, 1280 bytes, its own IPv6 header included.
inline constexpr std::size_t kIcmpv6ErrorMaxLen = 1280;

struct Icmpv6Layout {
  boost::endian::big_uint8_buf_t type;
  boost::endian::big_uint8_buf_t code;
  boost::endian::big_uint16_buf_t checksum;
  boost::endian::big_uint32_buf_t rest;  // identifier and sequence, MTU, pointer, or unused
};
static_assert(sizeof(Icmpv6Layout) == kIcmpv6HeaderLen);

namespace icmpv6_field {
inline constexpr std::size_t type = 0;
inline constexpr std::size_t code = 1;
inline constexpr std::size_t checksum = 2;
inline constexpr std::size_t ident = 4;
inline constexpr std::size_t sequence = 6;
}  // namespace icmpv6_field

enum class Icmpv6Error { truncated, bad_checksum };

// A validated ICMPv6 message: length, and the checksum over the pseudo-header and the message.
class Icmpv6View {
 public:
  // src and dst are the enclosing IPv6 header's (the final destination).
  static std::expected<Icmpv6View, Icmpv6Error> parse(Bytes message, const Ipv6Addr& src, const Ipv6Addr& dst);

  Icmpv6Type type() const { return Icmpv6Type{load_u8(msg_, icmpv6_field::type)}; }
  std::uint8_t code() const { return load_u8(msg_, icmpv6_field::code); }
  std::uint16_t checksum() const { return load_be16(msg_, icmpv6_field::checksum); }
  // Echo messages: identifier and sequence number.
  std::uint16_t ident() const { return load_be16(msg_, icmpv6_field::ident); }
  std::uint16_t sequence() const { return load_be16(msg_, icmpv6_field::sequence); }
  // The second word, whatever the type means by it: the MTU of packet too big, the pointer of
  // parameter problem.
  std::uint32_t rest() const { return load_be32(msg_, icmpv6_field::ident); }
  Bytes message() const { return msg_; }
  Bytes data() const { return msg_.subspan(kIcmpv6HeaderLen); }

 private:
  explicit Icmpv6View(Bytes msg) : msg_(msg) {}
  Bytes msg_;
};

// The 8-byte header of a message to build, written with checksum 0: the checksum covers the
// data behind it and the addresses, so fill_icmpv6_checksum() puts it in once the message is whole.
struct Icmpv6Repr {
  Icmpv6Type type{};
  std::uint8_t code = 0;
  std::uint32_t rest = 0;

  void emit(MutableBytes out) const;
  friend bool operator==(const Icmpv6Repr&, const Icmpv6Repr&) = default;
};

// Computes and stores the checksum of the whole message (header and data) from src to dst.
void fill_icmpv6_checksum(MutableBytes message, const Ipv6Addr& src, const Ipv6Addr& dst);

}  // namespace tapstack
