#include "stack/wire/transport.hpp"

#include "stack/wire/ipv4.hpp"

namespace tapstack {
namespace {

std::uint16_t segment_checksum(Bytes seg, Ipv4Addr src, Ipv4Addr dst, IpProtocol protocol) {
  ChecksumAccumulator acc;
  add_pseudo_header(acc, src, dst, protocol, seg.size());
  acc.add(seg);
  return acc.finish();
}

}  // namespace

std::expected<UdpView, TransportError> UdpView::parse(Bytes segment, Ipv4Addr src, Ipv4Addr dst) {
  if (segment.size() < kUdpHeaderLen) return std::unexpected(TransportError::truncated);
  const std::size_t len = load_be16(segment, 4);
  if (len < kUdpHeaderLen || len > segment.size()) return std::unexpected(TransportError::bad_length);
  const Bytes seg = segment.first(len);
  // A zero checksum means the sender computed none (RFC 768).
  if (load_be16(seg, 6) != 0 && segment_checksum(seg, src, dst, IpProtocol::udp) != 0)
    return std::unexpected(TransportError::bad_checksum);
  return UdpView(seg);
}

std::expected<TcpView, TransportError> TcpView::parse(Bytes segment, Ipv4Addr src, Ipv4Addr dst) {
  if (segment.size() < kTcpMinHeaderLen) return std::unexpected(TransportError::truncated);
  const std::size_t hlen = static_cast<std::size_t>(load_u8(segment, 12) >> 4) * 4;
  if (hlen < kTcpMinHeaderLen || hlen > segment.size()) return std::unexpected(TransportError::bad_length);
  if (segment_checksum(segment, src, dst, IpProtocol::tcp) != 0)
    return std::unexpected(TransportError::bad_checksum);
  return TcpView(segment);
}

void TcpRepr::emit(MutableBytes out, Ipv4Addr src, Ipv4Addr dst) const {
  store_be16(out, 0, src_port);
  store_be16(out, 2, dst_port);
  store_be32(out, 4, seq);
  store_be32(out, 8, ack);
  store_u8(out, 12, static_cast<std::uint8_t>((kTcpMinHeaderLen / 4) << 4));
  store_u8(out, 13, flags);
  store_be16(out, 14, window);
  store_be16(out, 16, 0);
  store_be16(out, 18, 0);
  store_be16(out, 16, segment_checksum(out.first(kTcpMinHeaderLen), src, dst, IpProtocol::tcp));
}

}  // namespace tapstack
