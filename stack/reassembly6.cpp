#include "stack/reassembly6.hpp"

#include "stack/wire/ipv6.hpp"
#include "stack/wire/ipv6_fragment.hpp"

#include <algorithm>

namespace tapstack {
namespace {

constexpr std::size_t kHeaderLen = kIpv6HeaderLen;
constexpr std::size_t kPayloadLenAt = ipv6_field::payload_len;
constexpr std::size_t kNextHeaderAt = ipv6_field::next_header;
constexpr std::size_t kSrcAt = ipv6_field::src;
constexpr std::size_t kDstAt = ipv6_field::dst;

// The Next Header values ipv6_skip_exthdr() walks (ipv6_ext_hdr()) and ipv6frag_thdr_truncated()
// sizes, as the bytes they are on the wire.
constexpr std::uint8_t byte(IpProtocol p) { return static_cast<std::uint8_t>(p); }
constexpr std::uint8_t kHopByHop = byte(IpProtocol::hop_by_hop), kRouting = byte(IpProtocol::routing),
                       kFragment = byte(IpProtocol::fragment), kAuth = 51, kNoNext = byte(IpProtocol::no_next),
                       kDestOptions = byte(IpProtocol::dst_options);
constexpr std::uint8_t kTcp = byte(IpProtocol::tcp), kUdp = byte(IpProtocol::udp), kIcmpv6 = byte(IpProtocol::icmpv6);

constexpr FragmentLimits kIpv6Limits{Reassembler6::kMaxUnfragmentable + kIpv6FragmentHeaderLen, kIpv6MaxPayloadLen, 0};

// ipv6frag_thdr_truncated(): whether a first fragment lacks the start of its upper-layer header
// (RFC 7112). Linux walks the chain with ipv6_skip_exthdr() from the end of the IPv6 header (since
// 2023's "Discard first fragment not including all headers" fix; it started at the Fragment header
// before), gives up silently when an extension header's first bytes are missing or a Fragment
// header with a non-zero offset is met, and needs 20 bytes of TCP, 8 of UDP or ICMPv6, 1 of
// anything else.
bool upper_layer_header_missing(Bytes packet) {
  const Bytes b = packet;
  std::uint8_t next = load_u8(packet, kNextHeaderAt);
  std::size_t at = kHeaderLen;
  for (;;) {
    if (next == kNoNext) return false;
    const bool extension = next == kHopByHop || next == kRouting || next == kFragment ||
                           next == kAuth || next == kDestOptions;
    if (!extension) break;
    if (at + 2 > b.size()) return false;
    std::size_t len = 0;
    if (next == kFragment) {
      if (at + 4 > b.size()) return false;
      if ((load_be16(b, at + ipv6_fragment_field::offset_flags) & kIpv6FragOffsetMask) != 0) return false;
      len = kIpv6FragmentHeaderLen;
    } else if (next == kAuth) {
      len = (std::size_t{load_u8(b, at + 1)} + 2) * 4;
    } else {
      len = (std::size_t{load_u8(b, at + 1)} + 1) * 8;
    }
    next = load_u8(b, at);
    at += len;
  }
  const std::size_t need = next == kTcp ? 20 : next == kUdp || next == kIcmpv6 ? 8 : 1;
  return at + need > b.size();
}

// The byte of the first fragment's unfragmentable part that names the Fragment header, which
// Linux remembers as fq->nhoffset: found again by walking the extension headers input accepted.
std::optional<std::size_t> fragment_named_at(Bytes unfragmentable) {
  std::size_t named_at = kNextHeaderAt;
  std::size_t at = kHeaderLen;
  while (load_u8(unfragmentable, named_at) != kFragment) {
    const std::uint8_t next = load_u8(unfragmentable, named_at);
    if (at + 2 > unfragmentable.size()) return std::nullopt;
    const std::size_t len = next == kAuth ? (std::size_t{load_u8(unfragmentable, at + 1)} + 2) * 4
                                          : (std::size_t{load_u8(unfragmentable, at + 1)} + 1) * 8;
    named_at = at;
    at += len;
  }
  if (at != unfragmentable.size()) return std::nullopt;
  return named_at;
}

}  // namespace

Reassembler6::Reassembler6(const ReassemblyConfig& config, TimerWatch* watch)
    : queues_(config.max_bytes, config.ipv6_timeout, kIpv6Limits, watch) {}

Reassembly6Result Reassembler6::on_fragment(const Ipv6Fragment& fragment, Instant now) {
  Reassembly6Result r;
  const Bytes packet = fragment.packet;
  const std::size_t at = fragment.fragment_header_at;
  const auto refuse = [&](Ipv6FragmentRefusal why, std::uint8_t code, std::size_t pointer) {
    r.status = ReassemblyStatus::inconsistent;
    r.problem = Ipv6ParamProblem{why, code, static_cast<std::uint32_t>(pointer)};
    return r;
  };
  if (packet.size() < kHeaderLen || at < kHeaderLen || at > packet.size()) {  // the caller's walk is wrong
    r.status = ReassemblyStatus::inconsistent;
    return r;
  }
  // ipv6_frag_rcv(): a Fragment header cut short is a bad header field, pointed at.
  const auto header = Ipv6FragmentView::parse(packet.subspan(at));
  if (!header) return refuse(Ipv6FragmentRefusal::truncated, 0, at);
  if (header->is_atomic()) {
    r.status = ReassemblyStatus::not_a_fragment;
    return r;
  }
  if (upper_layer_header_missing(packet)) return refuse(Ipv6FragmentRefusal::incomplete_chain, 3, 0);

  // ip6_frag_queue(): where the data lies, checked before any queue is touched.
  const Bytes data = packet.subspan(at + kIpv6FragmentHeaderLen);
  const std::size_t offset = header->offset();
  const std::size_t end = offset + data.size();
  if (end > kIpv6MaxPayloadLen) return refuse(Ipv6FragmentRefusal::beyond_max, 0, at + ipv6_fragment_field::offset_flags);
  if (header->more_fragments() && (end & 7) != 0) return refuse(Ipv6FragmentRefusal::bad_length, 0, kPayloadLenAt);
  if (at > kMaxUnfragmentable) {
    r.status = ReassemblyStatus::inconsistent;
    return r;
  }

  FragmentKey key;
  std::copy_n(packet.begin() + kSrcAt, 16, reinterpret_cast<std::byte*>(key.src.data()));
  std::copy_n(packet.begin() + kDstAt, 16, reinterpret_cast<std::byte*>(key.dst.data()));
  key.ident = header->ident();
  FragmentPiece piece;
  piece.header = packet.first(at + kIpv6FragmentHeaderLen);
  piece.data = data;
  piece.offset = offset;
  piece.more = header->more_fragments();
  piece.ecn = (load_u8(packet, 1) >> 4) & 3u;  // the low bits of the traffic class
  const FragmentQueues::Outcome o = queues_.insert(key, piece, now);
  r.status = o.status;
  r.evicted = o.evicted;
  if (o.status != ReassemblyStatus::complete) return r;

  // ip6_frag_reasm(): the unfragmentable part moves up over the Fragment header, whose Next
  // Header takes its place in the chain.
  const MutableBytes held = o.datagram;
  const std::size_t unfragmentable = o.header_len - kIpv6FragmentHeaderLen;
  const std::size_t payload_len = unfragmentable - kHeaderLen + (held.size() - o.header_len);
  if (payload_len > kIpv6MaxPayloadLen) {
    r.status = ReassemblyStatus::oversize;
    return r;
  }
  const auto named_at = fragment_named_at(held.first(unfragmentable));
  if (!named_at) {  // input walked this chain to the Fragment header, so this is our bug
    r.status = ReassemblyStatus::inconsistent;
    return r;
  }
  const std::uint8_t next = load_u8(held, unfragmentable + ipv6_fragment_field::next_header);
  if (next == kFragment) {  // fragments of a fragment: see the header
    r.status = ReassemblyStatus::inconsistent;
    return r;
  }
  store_u8(held, *named_at, next);
  copy_bytes(held.subspan(kIpv6FragmentHeaderLen, unfragmentable), held.first(unfragmentable));
  const MutableBytes datagram = held.subspan(kIpv6FragmentHeaderLen);
  store_be16(datagram, kPayloadLenAt, static_cast<std::uint16_t>(payload_len));
  store_u8(datagram, 1, static_cast<std::uint8_t>(load_u8(datagram, 1) | (o.ecn << 4)));
  r.datagram = datagram;
  r.unfragmentable_len = unfragmentable;
  r.next_header_at = *named_at;
  return r;
}

std::optional<ExpiredDatagram6> Reassembler6::pop_expired(Instant now) {
  auto e = queues_.pop_expired(now);
  if (!e) return std::nullopt;
  ExpiredDatagram6 d;
  std::copy_n(e->key.src.begin(), 16, d.src.octets.begin());
  std::copy_n(e->key.dst.begin(), 16, d.dst.octets.begin());
  d.ident = e->key.ident;
  d.first_fragment = e->first_fragment;
  return d;
}

}  // namespace tapstack
