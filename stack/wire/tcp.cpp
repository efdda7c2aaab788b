#include "stack/wire/tcp.hpp"

#include "stack/wire/pseudo_header.hpp"

namespace tapstack {
namespace {

template <class Addr>
std::expected<TcpLayout, TcpError> check(Bytes segment, const Addr& src, const Addr& dst) {
  if (segment.size() < kTcpMinHeaderLen) return std::unexpected(TcpError::truncated);
  const auto hdr = load_layout<TcpLayout>(segment);
  const std::size_t hlen = static_cast<std::size_t>(hdr.data_offset.value() >> 4) * 4;
  if (hlen < kTcpMinHeaderLen || hlen > segment.size()) return std::unexpected(TcpError::bad_length);
  if (transport_checksum(segment, src, dst, IpProtocol::tcp) != 0) return std::unexpected(TcpError::bad_checksum);
  return hdr;
}

template <class Addr>
void emit_header(const TcpRepr& r, MutableBytes segment, const Addr& src, const Addr& dst) {
  TcpLayout l;
  l.src_port = r.src_port;
  l.dst_port = r.dst_port;
  l.seq = r.seq;
  l.ack = r.ack;
  l.data_offset = static_cast<std::uint8_t>((kTcpMinHeaderLen / 4) << 4);
  l.flags = r.flags;
  l.window = r.window;
  l.checksum = 0;
  l.urgent = 0;
  store_layout(segment, l);
  l.checksum = transport_checksum(segment, src, dst, IpProtocol::tcp);
  store_layout(segment, l);
}

}  // namespace

std::expected<TcpView, TcpError> TcpView::parse(Bytes segment, Ipv4Addr src, Ipv4Addr dst) {
  const auto hdr = check(segment, src, dst);
  if (!hdr) return std::unexpected(hdr.error());
  return TcpView(segment, *hdr);
}

std::expected<TcpView, TcpError> TcpView::parse(Bytes segment, const Ipv6Addr& src, const Ipv6Addr& dst) {
  const auto hdr = check(segment, src, dst);
  if (!hdr) return std::unexpected(hdr.error());
  return TcpView(segment, *hdr);
}

void TcpRepr::emit(MutableBytes segment, Ipv4Addr src, Ipv4Addr dst) const { emit_header(*this, segment, src, dst); }

void TcpRepr::emit(MutableBytes segment, const Ipv6Addr& src, const Ipv6Addr& dst) const {
  emit_header(*this, segment, src, dst);
}

}  // namespace tapstack
