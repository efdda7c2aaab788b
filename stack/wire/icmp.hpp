#pragma once
// ICMP for IPv4 (RFC 792).
//
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |     Type      |     Code      |          Checksum             |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |   rest of header: echo = Identifier | Sequence Number ...     |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |     Data ...
//  +-+-+-+-+-
#include "stack/wire/bytes.hpp"

#include <boost/endian/buffers.hpp>

#include <expected>
#include <utility>

namespace tapstack {

// Any other value survives a round trip.
enum class IcmpType : std::uint8_t {
  echo_reply = 0,
  dest_unreachable = 3,
  source_quench = 4,
  redirect = 5,
  echo_request = 8,
  router_advertisement = 9,
  router_solicitation = 10,
  time_exceeded = 11,
  parameter_problem = 12,
  timestamp_request = 13,
  timestamp_reply = 14,
  info_request = 15,
  info_reply = 16,
  address_mask_request = 17,
  address_mask_reply = 18,
};

inline constexpr std::uint8_t kIcmpMaxKnownType = 18;  // Linux's NR_ICMP_TYPES

// A type Linux knows (0..NR_ICMP_TYPES): of any other it cannot tell whether it is an error.
constexpr bool is_known(IcmpType type) { return std::to_underlying(type) <= kIcmpMaxKnownType; }

// RFC 1122 §3.2.2: the types that report errors, about which no error is ever sent.
constexpr bool is_icmp_error(IcmpType type) {
  switch (type) {
    case IcmpType::dest_unreachable:
    case IcmpType::source_quench:
    case IcmpType::redirect:
    case IcmpType::time_exceeded:
    case IcmpType::parameter_problem:
      return true;
    default:
      return false;
  }
}

// RFC 1812 §4.3.2.3: an error quotes as much of the offending datagram as fits in 576 bytes.
inline constexpr std::size_t kIcmpErrorMaxDatagram = 576;

// Codes of destination unreachable (RFC 792, RFC 1812 §5.2.7.1).
enum class UnreachableCode : std::uint8_t { net = 0, host = 1, protocol = 2, port = 3, frag_needed = 4 };
// Codes of time exceeded (RFC 792).
enum class TimeExceededCode : std::uint8_t { ttl = 0, reassembly = 1 };

inline constexpr std::size_t kIcmpHeaderLen = 8;

struct IcmpLayout {
  boost::endian::big_uint8_buf_t type;
  boost::endian::big_uint8_buf_t code;
  boost::endian::big_uint16_buf_t checksum;
  boost::endian::big_uint32_buf_t rest;  // identifier and sequence, pointer, gateway, or unused
};
static_assert(sizeof(IcmpLayout) == kIcmpHeaderLen);

namespace icmp_field {
inline constexpr std::size_t type = 0;
inline constexpr std::size_t code = 1;
inline constexpr std::size_t checksum = 2;
inline constexpr std::size_t ident = 4;
inline constexpr std::size_t sequence = 6;
}  // namespace icmp_field

enum class IcmpError { truncated, bad_checksum };

// A validated ICMP message (length and checksum checked over the whole message).
class IcmpView {
 public:
  static std::expected<IcmpView, IcmpError> parse(Bytes message);

  IcmpType type() const { return IcmpType{load_u8(msg_, icmp_field::type)}; }
  std::uint8_t code() const { return load_u8(msg_, icmp_field::code); }
  std::uint16_t checksum() const { return load_be16(msg_, icmp_field::checksum); }
  // Echo and timestamp messages: identifier and sequence number.
  std::uint16_t ident() const { return load_be16(msg_, icmp_field::ident); }
  std::uint16_t sequence() const { return load_be16(msg_, icmp_field::sequence); }
  // The second word whatever the type means by it (IcmpLayout::rest).
  std::uint32_t rest() const { return load_be32(msg_, icmp_field::ident); }
  Bytes message() const { return msg_; }
  Bytes data() const { return msg_.subspan(kIcmpHeaderLen); }

 private:
  explicit IcmpView(Bytes msg) : msg_(msg) {}
  Bytes msg_;
};

// The 8-byte header of a message to build. The checksum covers the data behind it, so it is
// written as 0 here and filled in once the message is whole.
struct IcmpRepr {
  IcmpType type{};
  std::uint8_t code = 0;
  std::uint32_t rest = 0;  // the second word: identifier and sequence, pointer, or unused

  void emit(MutableBytes out) const;
};

}  // namespace tapstack
