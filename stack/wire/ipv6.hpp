#pragma once
// IPv6 header (RFC 8200 §3) and the extension headers a host walks (RFC 8200 §4).
//
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |Version| Traffic Class |           Flow Label                  |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |         Payload Length        |  Next Header  |   Hop Limit   |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                                                               |
//  +                         Source Address (128 bits)             +
//  |                                                               |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                                                               |
//  +                      Destination Address (128 bits)           +
//  |                                                               |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Every extension header but the Fragment header starts the same way, in 8-octet units
// (RFC 8200 §4.3, §4.4, §4.6):
//
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |  Next Header  |  Hdr Ext Len  |  (options, or Routing Type and Segments Left ...)
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
#include "stack/wire/addr.hpp"
#include "stack/wire/bytes.hpp"
#include "stack/wire/ip_protocol.hpp"

#include <boost/endian/buffers.hpp>

#include <array>
#include <expected>
#include <optional>

namespace tapstack {

inline constexpr std::size_t kIpv6HeaderLen = 40;
inline constexpr std::size_t kIpv6MaxPayloadLen = 65535;
// RFC 8200 §5: every link carries 1280 octets; an ICMPv6 error fits in it (RFC 4443 §2.4 c).
inline constexpr std::size_t kIpv6MinMtu = 1280;
inline constexpr std::uint8_t kDefaultHopLimit = 64;  // Linux's net.ipv6.conf.*.hop_limit

struct Ipv6Layout {
  boost::endian::big_uint32_buf_t ver_class_flow;  // version 4 bits, traffic class 8, flow label 20
  boost::endian::big_uint16_buf_t payload_len;     // everything after this header
  boost::endian::big_uint8_buf_t next_header;
  boost::endian::big_uint8_buf_t hop_limit;
  std::array<std::uint8_t, 16> src;
  std::array<std::uint8_t, 16> dst;
};
static_assert(sizeof(Ipv6Layout) == kIpv6HeaderLen);

// Byte offsets, for the fields an ICMPv6 error points at or a check reads in place.
namespace ipv6_field {
inline constexpr std::size_t payload_len = 4;
inline constexpr std::size_t next_header = 6;
inline constexpr std::size_t hop_limit = 7;
inline constexpr std::size_t src = 8;
inline constexpr std::size_t dst = 24;
}  // namespace ipv6_field

// In the order Linux's ip6_rcv_core() checks them.
enum class Ipv6Error { truncated, bad_version };

// A datagram whose fixed header has been validated: every accessor is then safe.
class Ipv6View {
 public:
  // packet may carry link-layer padding after the datagram; it is cut off here (Linux's
  // pskb_trim_rcsum to the payload length). A payload length of 0 is taken as it says: we do
  // not accept jumbograms (RFC 2675), which need a link with an MTU over 65 575.
  static std::expected<Ipv6View, Ipv6Error> parse(Bytes packet);

  std::uint8_t traffic_class() const { return static_cast<std::uint8_t>(hdr_.ver_class_flow.value() >> 20); }
  std::uint32_t flow_label() const { return hdr_.ver_class_flow.value() & 0xfffff; }
  std::uint16_t payload_len() const { return hdr_.payload_len.value(); }
  IpProtocol next_header() const { return IpProtocol{hdr_.next_header.value()}; }
  std::uint8_t hop_limit() const { return hdr_.hop_limit.value(); }
  Ipv6Addr src() const { return Ipv6Addr{hdr_.src}; }
  Ipv6Addr dst() const { return Ipv6Addr{hdr_.dst}; }

  Bytes datagram() const { return datagram_; }  // exactly 40 + payload_len bytes
  Bytes header() const { return datagram_.first(kIpv6HeaderLen); }
  Bytes payload() const { return datagram_.subspan(kIpv6HeaderLen); }

 private:
  Ipv6View(Bytes datagram, Ipv6Layout hdr) : datagram_(datagram), hdr_(hdr) {}
  Bytes datagram_;
  Ipv6Layout hdr_;
};

// A fixed header to build; the extension headers and payload behind it are the caller's.
struct Ipv6Repr {
  Ipv6Addr src;
  Ipv6Addr dst;
  IpProtocol next_header{};
  std::uint8_t hop_limit = kDefaultHopLimit;
  std::uint8_t traffic_class = 0;
  std::uint32_t flow_label = 0;
  std::size_t payload_len = 0;

  // Writes kIpv6HeaderLen bytes (IPv6 has no header checksum).
  void emit(MutableBytes out) const;
  friend bool operator==(const Ipv6Repr&, const Ipv6Repr&) = default;
};

// ---- Options of the Hop-by-Hop and Destination Options headers (RFC 8200 §4.2) -----------

namespace ipv6_option {
inline constexpr std::uint8_t pad1 = 0x00;
inline constexpr std::uint8_t padn = 0x01;
inline constexpr std::uint8_t router_alert = 0x05;  // RFC 2711: hop-by-hop, 2 bytes of value
inline constexpr std::uint8_t jumbo = 0xc2;         // RFC 2675: hop-by-hop, 4 bytes of value
inline constexpr std::uint8_t home_address = 0xc9;  // RFC 6275 §6.3: destination options
}  // namespace ipv6_option

// What a node does with an option it does not recognise: the option type's two high-order
// bits (RFC 8200 §4.2).
enum class Ipv6OptionAction : std::uint8_t {
  skip = 0,                                      // 00
  discard = 1,                                   // 01
  discard_and_report = 2,                        // 10: parameter problem code 2, even to multicast
  discard_and_report_unless_multicast = 3,       // 11: the same, unless the destination is multicast
};
constexpr Ipv6OptionAction unrecognised_option_action(std::uint8_t option_type) {
  return Ipv6OptionAction{static_cast<std::uint8_t>(option_type >> 6)};
}

// Linux's max_hbh_opts_cnt and max_dst_opts_cnt: more options than this (padding aside) in one
// header and the datagram is dropped (ip6_parse_tlv()).
inline constexpr unsigned kIpv6MaxOptionsPerHeader = 8;
// Linux's ip6_parse_tlv(): more than 7 consecutive bytes of padding cannot be alignment
// (RFC 4942 §2.1.9.5), so they are taken as a covert channel and the datagram dropped.
inline constexpr unsigned kIpv6MaxPadding = 7;

// ---- The Routing header (RFC 8200 §4.4) --------------------------------------------------

namespace ipv6_routing_field {
inline constexpr std::size_t type = 2;
inline constexpr std::size_t segments_left = 3;
}  // namespace ipv6_routing_field

namespace ipv6_routing_type {
inline constexpr std::uint8_t source_route = 0;  // deprecated by RFC 5095
inline constexpr std::uint8_t mobile_ipv6 = 2;   // RFC 6275 §6.4
inline constexpr std::uint8_t rpl = 3;           // RFC 6554
inline constexpr std::uint8_t segment = 4;       // RFC 8754
}  // namespace ipv6_routing_type

// ---- ICMPv6 parameter problem codes (RFC 4443 §3.4): here because the walk decides them ---

enum class Ipv6ParamProblemCode : std::uint8_t {
  header_field = 0,         // erroneous header field encountered
  unknown_next_header = 1,  // unrecognised Next Header type encountered
  unknown_option = 2,       // unrecognised IPv6 option encountered
};

// ---- The walk over the extension header chain --------------------------------------------

// The most extension headers walked before the upper-layer header. RFC 8200 §4.1 has each
// header occur at most once, Destination Options twice: 7 kinds a legitimate datagram can stack
// (Hop-by-Hop, 2 x Destination, Routing, Fragment, AH, ESP). Twice that is never met by a real
// datagram, and keeps a crafted chain of 8-byte headers (up to 8 191 of them in 65 535 bytes)
// from costing more per frame than the options in it. Linux walks without a bound; a datagram
// past this one is dropped and counted (docs/conformance.md).
inline constexpr unsigned kIpv6MaxExtensionHeaders = 16;

enum class Ipv6ChainFate {
  upper_layer,        // protocol at offset: ICMPv6, UDP, TCP or a protocol we do not know
  fragment,           // a Fragment header at offset: for the reassembler
  no_next_header,     // Next Header 59: nothing follows (RFC 8200 §4.7), dropped in silence
  truncated,          // an extension header runs past the payload (Linux: INHDRERRORS)
  bad_options,        // malformed options, too many, or too much padding: dropped in silence
  option_discarded,   // an unrecognised option said discard (action 01, or 11 to multicast)
  routing_discarded,  // a Routing header Linux drops in silence (to multicast, types 2, 3, 4)
  parameter_problem,  // discard and answer a parameter problem: code and pointer say what
  too_long,           // more than kIpv6MaxExtensionHeaders
  more,               // stopped where the rules asked (hop_by_hop_only): continue_from() goes on
};

struct Ipv6Chain {
  Ipv6ChainFate fate{};
  // The header that ended the walk (upper_layer: the protocol to deliver to), where it starts
  // in the datagram, and where the Next Header field that named it sits (what a parameter
  // problem for an unknown next header points at).
  IpProtocol protocol{};
  std::size_t offset = 0;
  std::size_t next_header_at = ipv6_field::next_header;
  // parameter_problem: what to send. The pointer counts from the start of the IPv6 header.
  Ipv6ParamProblemCode code{};
  std::uint32_t pointer = 0;
  unsigned headers = 0;  // extension headers walked
};

// Where a walk starts: the first header after the fixed one, or (after reassembly, or to go on
// past a Fragment header) the header behind one already walked.
struct Ipv6ChainStart {
  IpProtocol protocol{};
  std::size_t offset = kIpv6HeaderLen;
  std::size_t next_header_at = ipv6_field::next_header;
  unsigned headers = 0;
};

inline Ipv6ChainStart chain_start(const Ipv6View& ip) { return {ip.next_header(), kIpv6HeaderLen, ipv6_field::next_header, 0}; }

// Walks the extension headers as Linux's ip6_rcv_core() (Hop-by-Hop), ip6_protocol_deliver_rcu()
// and net/ipv6/exthdrs.c do, stopping at the first header that is not Hop-by-Hop (first only),
// Destination Options or Routing: the upper-layer header, a Fragment header, or an end.
// link_host is false when the frame came to a link-layer group address (Linux's pkt_type other
// than PACKET_HOST), which a Routing header refuses.
struct Ipv6WalkRules {
  bool link_host = true;
  // Linux parses the Hop-by-Hop header in ip6_rcv_core(), before it looks at the destination,
  // and the rest only once the datagram is known to be ours: a walk that stops behind it (or
  // at the start when there is none) lets the caller keep that order.
  bool hop_by_hop_only = false;
};
Ipv6Chain walk_extension_headers(const Ipv6View& ip, Ipv6ChainStart start, Ipv6WalkRules rules = {});
// Where to go on from a walk that stopped at a header (after the Hop-by-Hop header, say).
inline Ipv6ChainStart continue_from(const Ipv6Chain& c) { return {c.protocol, c.offset, c.next_header_at, c.headers}; }

// Where the upper-layer header starts, skipping the extension headers without judging them, as
// Linux's ipv6_skip_exthdr() does (Hop-by-Hop, Routing, Destination Options and AH by their
// lengths, a Fragment header by 8 bytes, stopping at one with a non-zero offset): what the
// ICMPv6 error rules and the printer need of a datagram that may be malformed. The walk is
// bounded by the data (every header takes 8 bytes or more). nullopt when a header's first
// bytes are past the data or the chain ends in No Next Header.
struct Ipv6UpperLayer {
  IpProtocol protocol{};          // the first header that is not skipped (a Fragment header
                                  // with a non-zero offset, or the upper layer)
  std::size_t offset = 0;         // where it starts; may be at or past the datagram's end
  // The last Fragment header passed: its whole offset-and-flags word, M included (Linux's
  // frag_off, non-zero for a first fragment too: is_ineligible() tells "no fragment" from "a
  // fragment" by it), and the offset in it, in 8-byte units.
  std::uint16_t fragment_word = 0;
  std::uint16_t fragment_offset() const { return static_cast<std::uint16_t>(fragment_word >> 3); }
};
std::optional<Ipv6UpperLayer> find_upper_layer(Bytes datagram);

}  // namespace tapstack
