#include "stack/wire/udp.hpp"

#include "stack/wire/pseudo_header.hpp"

namespace tapstack {
namespace {

// The checks both families share; the checksum (with its family's pseudo-header) is theirs.
template <class Addr>
std::expected<UdpView::Parts, UdpError> split(Bytes segment, const Addr& src, const Addr& dst, bool zero_allowed) {
  if (segment.size() < kUdpHeaderLen) return std::unexpected(UdpError::truncated);
  const auto hdr = load_layout<UdpLayout>(segment);
  const std::size_t len = hdr.length.value();
  if (len < kUdpHeaderLen || len > segment.size()) return std::unexpected(UdpError::bad_length);
  const Bytes seg = segment.first(len);
  if (hdr.checksum.value() == 0) {
    if (!zero_allowed) return std::unexpected(UdpError::zero_checksum);
  } else if (transport_checksum(seg, src, dst, IpProtocol::udp) != 0) {
    return std::unexpected(UdpError::bad_checksum);
  }
  return UdpView::Parts{seg, hdr};
}

}  // namespace

std::expected<UdpView, UdpError> UdpView::parse(Bytes segment, Ipv4Addr src, Ipv4Addr dst) {
  // RFC 768: over IPv4 a checksum of 0 means the sender computed none.
  const auto parts = split(segment, src, dst, true);
  if (!parts) return std::unexpected(parts.error());
  return UdpView(parts->seg, parts->hdr);
}

std::expected<UdpView, UdpError> UdpView::parse(Bytes segment, const Ipv6Addr& src, const Ipv6Addr& dst) {
  const auto parts = split(segment, src, dst, false);
  if (!parts) return std::unexpected(parts.error());
  return UdpView(parts->seg, parts->hdr);
}

}  // namespace tapstack
