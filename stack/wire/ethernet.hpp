#pragma once
// Ethernet II framing (IEEE 802.3 §3.2.6 with a type field), as carried by a TAP device: no
// preamble, no FCS.
//
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                  destination MAC (6 octets)                   |
//  +                               +-------------------------------+
//  |                               |                               |
//  +-------------------------------+                               +
//  |                     source MAC (6 octets)                     |
//  +-------------------------------+-------------------------------+
//  |      EtherType / length       |  payload (46..1500 octets) ...
//  +-------------------------------+
#include "stack/wire/addr.hpp"
#include "stack/wire/bytes.hpp"

#include <boost/endian/buffers.hpp>

#include <expected>
#include <utility>

namespace tapstack {

// Values of the type/length field we recognise; any other value survives a round trip.
enum class EtherType : std::uint16_t {
  ipv4 = 0x0800,
  arp = 0x0806,
  vlan = 0x8100,  // IEEE 802.1Q
  qinq = 0x88a8,  // IEEE 802.1ad
  ipv6 = 0x86dd,
};

// Values up to 1500 are an 802.3 length (LLC follows); 1536 and above are EtherTypes.
inline constexpr std::uint16_t kMaxLlcLength = 1500;
inline constexpr std::uint16_t kMinEtherType = 0x0600;
constexpr bool is_llc_length(EtherType type) { return std::to_underlying(type) <= kMaxLlcLength; }

inline constexpr std::size_t kEthernetHeaderLen = 14;
// An 802.1Q/802.1ad tag after the addresses: TCI (priority 3, DEI 1, VLAN ID 12), then the type.
inline constexpr std::size_t kVlanTagLen = 4;
inline constexpr std::uint16_t kVlanIdMask = 0x0fff;
// The 64-byte minimum frame less the 4-byte FCS the TAP device never shows us.
inline constexpr std::size_t kEthernetMinFrameLen = 60;

struct EthernetLayout {
  std::array<std::uint8_t, 6> dst;
  std::array<std::uint8_t, 6> src;
  boost::endian::big_uint16_buf_t type;
};
static_assert(sizeof(EthernetLayout) == kEthernetHeaderLen);

enum class EthernetError { truncated };

class EthernetView {
 public:
  static std::expected<EthernetView, EthernetError> parse(Bytes frame);

  MacAddr dst() const { return MacAddr{hdr_.dst}; }
  MacAddr src() const { return MacAddr{hdr_.src}; }
  EtherType type() const { return EtherType{hdr_.type.value()}; }
  // Everything after the header, padding included: the next layer knows its own length.
  Bytes payload() const { return frame_.subspan(kEthernetHeaderLen); }

 private:
  EthernetView(Bytes frame, EthernetLayout hdr) : frame_(frame), hdr_(hdr) {}
  Bytes frame_;
  EthernetLayout hdr_;
};

struct EthernetRepr {
  MacAddr dst;
  MacAddr src;
  EtherType type{};

  // Writes the 14-byte header at the start of out (which must hold at least that).
  void emit(MutableBytes out) const;
  friend bool operator==(const EthernetRepr&, const EthernetRepr&) = default;
};

}  // namespace tapstack
