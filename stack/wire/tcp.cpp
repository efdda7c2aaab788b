#include "stack/wire/tcp.hpp"

#include "stack/wire/pseudo_header.hpp"

namespace tapstack {

std::expected<TcpView, TcpError> TcpView::parse(Bytes segment, Ipv4Addr src, Ipv4Addr dst) {
  if (segment.size() < kTcpMinHeaderLen) return std::unexpected(TcpError::truncated);
  const auto hdr = load_layout<TcpLayout>(segment);
  const std::size_t hlen = static_cast<std::size_t>(hdr.data_offset.value() >> 4) * 4;
  if (hlen < kTcpMinHeaderLen || hlen > segment.size()) return std::unexpected(TcpError::bad_length);
  if (transport_checksum(segment, src, dst, IpProtocol::tcp) != 0) return std::unexpected(TcpError::bad_checksum);
  return TcpView(segment, hdr);
}

void TcpRepr::emit(MutableBytes segment, Ipv4Addr src, Ipv4Addr dst) const {
  TcpLayout l;
  l.src_port = src_port;
  l.dst_port = dst_port;
  l.seq = seq;
  l.ack = ack;
  l.data_offset = static_cast<std::uint8_t>((kTcpMinHeaderLen / 4) << 4);
  l.flags = flags;
  l.window = window;
  l.checksum = 0;
  l.urgent = 0;
  store_layout(segment, l);
  l.checksum = transport_checksum(segment, src, dst, IpProtocol::tcp);
  store_layout(segment, l);
}

}  // namespace tapstack
