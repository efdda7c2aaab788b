#pragma once
// ARP for IPv4 over Ethernet (RFC 826). Only hlen 6 / plen 4 packets exist for us, so the
// variable-length address fields have fixed offsets here.
//
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |        hardware type          |         protocol type         |
//  +---------------+---------------+-------------------------------+
//  |     hlen      |     plen      |            opcode             |
//  +---------------+---------------+-------------------------------+
//  |            sender hardware address (6) ...                    |
//  +                               +-------------------------------+
//  |                               |  sender protocol address (4)  |
//  +-------------------------------+-------------------------------+
//  |  ... sender protocol address  | target hardware address (6)   |
//  +-------------------------------+                               +
//  |                                                               |
//  +---------------------------------------------------------------+
//  |                 target protocol address (4)                   |
//  +---------------------------------------------------------------+
#include "stack/wire/addr.hpp"
#include "stack/wire/bytes.hpp"

#include <boost/endian/buffers.hpp>

#include <expected>

namespace tapstack {

enum class ArpOp : std::uint16_t { request = 1, reply = 2 };

inline constexpr std::uint16_t kArpHardwareEthernet = 1;
// Linux also accepts IEEE 802 (6) on Ethernet devices (RFC 2625 devices; net/ipv4/arp.c).
inline constexpr std::uint16_t kArpHardwareIeee802 = 6;
inline constexpr std::size_t kArpPacketLen = 28;

struct ArpLayout {
  boost::endian::big_uint16_buf_t htype;
  boost::endian::big_uint16_buf_t ptype;
  boost::endian::big_uint8_buf_t hlen;
  boost::endian::big_uint8_buf_t plen;
  boost::endian::big_uint16_buf_t op;
  std::array<std::uint8_t, 6> sha;
  boost::endian::big_uint32_buf_t spa;
  std::array<std::uint8_t, 6> tha;
  boost::endian::big_uint32_buf_t tpa;
};
static_assert(sizeof(ArpLayout) == kArpPacketLen);

enum class ArpError { truncated, bad_hardware, bad_protocol, bad_op };

// A validated Ethernet/IPv4 ARP request or reply.
struct ArpPacket {
  ArpOp op{};
  MacAddr sender_mac;
  Ipv4Addr sender_ip;
  MacAddr target_mac;
  Ipv4Addr target_ip;

  // Checks the length, htype (1, or 6 as Linux allows), ptype IPv4, hlen 6, plen 4 and op.
  static std::expected<ArpPacket, ArpError> parse(Bytes packet);
  // Writes the 28-byte packet at the start of out.
  void emit(MutableBytes out) const;

  friend bool operator==(const ArpPacket&, const ArpPacket&) = default;
};

}  // namespace tapstack
