// libFuzzer target: UdpView::parse and TcpView::parse with the pseudo-header, and TcpRepr::emit
// → TcpView::parse.
//
// Input: source address (4 bytes), destination address (4 bytes), then a segment (an IPv4
// payload) read both as UDP and as TCP.
// Checks:
//  - UDP: accepted exactly when 8 <= length field <= the segment and the checksum is 0 (none,
//    RFC 768) or verifies over the pseudo-header and `length` bytes; the view is those bytes,
//    in place; with the checksum recomputed every well-sized datagram parses;
//  - TCP: accepted exactly when 20 <= data offset * 4 <= the segment and the checksum verifies;
//    header_len + payload_len is the segment; with the checksum recomputed every well-sized
//    segment parses;
//  - TcpRepr: the segment's first 20 bytes as a repr (ports, seq, ack, flags, window) emit a
//    header that parses back to the same fields, with no options and no payload.
#include "fuzz_check.hpp"
#include "stack/wire/checksum.hpp"
#include "stack/wire/ipv4.hpp"
#include "stack/wire/pseudo_header.hpp"
#include "stack/wire/tcp.hpp"
#include "stack/wire/udp.hpp"

#include <array>
#include <vector>

namespace {

using namespace tapstack;
using tapstack::fuzz::u;

[[noreturn]] void fail(Bytes data, const char* what) { fuzz::failf("transport_fuzz", data, "%s", what); }

std::uint16_t checksum_over(Bytes seg, Ipv4Addr src, Ipv4Addr dst, std::uint8_t protocol) {
  ChecksumAccumulator acc;
  add_pseudo_header(acc, src, dst, IpProtocol{protocol}, seg.size());
  acc.add(seg);
  return acc.finish();
}

constexpr auto kUdp = static_cast<std::uint8_t>(17);
constexpr auto kTcp = static_cast<std::uint8_t>(6);

void check_udp(Bytes seg, Ipv4Addr src, Ipv4Addr dst) {
  const auto udp = UdpView::parse(seg, src, dst);
  bool valid = seg.size() >= kUdpHeaderLen;
  std::size_t len = 0;
  if (valid) {
    len = load_be16(seg, 4);
    valid = len >= kUdpHeaderLen && len <= seg.size() &&
            (load_be16(seg, 6) == 0 || checksum_over(seg.first(len), src, dst, kUdp) == 0);
  }
  if (udp.has_value() != valid) fail(seg, valid ? "UDP: a valid datagram was rejected" : "UDP: an invalid datagram was accepted");
  if (!udp) return;
  if (udp->segment().data() != seg.data() || udp->segment().size() != len) fail(seg, "UDP: segment() is not the first `length` bytes");
  if (udp->src_port() != load_be16(seg, 0) || udp->dst_port() != load_be16(seg, 2)) fail(seg, "UDP: ports misread");
}

void check_tcp(Bytes seg, Ipv4Addr src, Ipv4Addr dst) {
  const auto tcp = TcpView::parse(seg, src, dst);
  bool valid = seg.size() >= kTcpMinHeaderLen;
  std::size_t hlen = 0;
  if (valid) {
    hlen = static_cast<std::size_t>(load_u8(seg, 12) >> 4) * 4;
    valid = hlen >= kTcpMinHeaderLen && hlen <= seg.size() && checksum_over(seg, src, dst, kTcp) == 0;
  }
  if (tcp.has_value() != valid) fail(seg, valid ? "TCP: a valid segment was rejected" : "TCP: an invalid segment was accepted");
  if (!tcp) return;
  if (tcp->header_len() != hlen || tcp->header_len() + tcp->payload_len() != seg.size())
    fail(seg, "TCP: header_len + payload_len is not the segment");
  if (tcp->src_port() != load_be16(seg, 0) || tcp->dst_port() != load_be16(seg, 2) || tcp->seq() != load_be32(seg, 4) ||
      tcp->ack() != load_be32(seg, 8) || u(tcp->flags()) != load_u8(seg, 13))
    fail(seg, "TCP: a field is not the bytes at its offset");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::ByteReader in(data, size);
  const Ipv4Addr src{in.be32()};
  const Ipv4Addr dst{in.be32()};
  const std::vector<std::byte> seg = fuzz::exact_copy(in.rest());
  check_udp(seg, src, dst);
  check_tcp(seg, src, dst);

  // The same bytes with their checksum made right, so the accessors run on every input.
  if (seg.size() >= kUdpHeaderLen) {
    const std::size_t len = load_be16(seg, 4);
    if (len >= kUdpHeaderLen && len <= seg.size()) {
      std::vector<std::byte> fixed = seg;
      store_be16(fixed, 6, 0);
      const std::uint16_t sum = checksum_over(Bytes(fixed).first(len), src, dst, kUdp);
      store_be16(fixed, 6, sum == 0 ? 0xffff : sum);
      if (!UdpView::parse(fixed, src, dst)) fail(fixed, "UDP: a datagram with its checksum recomputed does not parse");
      check_udp(fixed, src, dst);
    }
  }
  if (seg.size() >= kTcpMinHeaderLen) {
    const std::size_t hlen = static_cast<std::size_t>(load_u8(seg, 12) >> 4) * 4;
    if (hlen >= kTcpMinHeaderLen && hlen <= seg.size()) {
      std::vector<std::byte> fixed = seg;
      store_be16(fixed, 16, 0);
      store_be16(fixed, 16, checksum_over(fixed, src, dst, kTcp));
      if (!TcpView::parse(fixed, src, dst)) fail(fixed, "TCP: a segment with its checksum recomputed does not parse");
      check_tcp(fixed, src, dst);
    }
  }

  // TcpRepr round trip, from the segment's first 20 bytes (zeros past the end).
  fuzz::ByteReader r(in.rest());
  TcpRepr repr;
  repr.src_port = r.be16();
  repr.dst_port = r.be16();
  repr.seq = r.be32();
  repr.ack = r.be32();
  r.u8();  // data offset: emit writes 5
  repr.flags = static_cast<decltype(repr.flags)>(r.u8());
  repr.window = r.be16();
  std::array<std::byte, kTcpMinHeaderLen> out{};
  repr.emit(out, src, dst);
  const auto back = TcpView::parse(out, src, dst);
  if (!back) fail(out, "TcpRepr: parse(emit(repr)) failed");
  if (back->src_port() != repr.src_port || back->dst_port() != repr.dst_port || back->seq() != repr.seq ||
      back->ack() != repr.ack || u(back->flags()) != u(repr.flags) || load_be16(out, 14) != repr.window ||
      back->header_len() != kTcpMinHeaderLen || back->payload_len() != 0 || load_be16(out, 18) != 0)
    fail(out, "TcpRepr: parse(emit(repr)) != repr");
  return 0;
}
