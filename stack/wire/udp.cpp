#include "stack/wire/udp.hpp"

#include "stack/wire/pseudo_header.hpp"

namespace tapstack {

std::expected<UdpView, UdpError> UdpView::parse(Bytes segment, Ipv4Addr src, Ipv4Addr dst) {
  if (segment.size() < kUdpHeaderLen) return std::unexpected(UdpError::truncated);
  const auto hdr = load_layout<UdpLayout>(segment);
  const std::size_t len = hdr.length.value();
  if (len < kUdpHeaderLen || len > segment.size()) return std::unexpected(UdpError::bad_length);
  const Bytes seg = segment.first(len);
  if (hdr.checksum.value() != 0 && transport_checksum(seg, src, dst, IpProtocol::udp) != 0)
    return std::unexpected(UdpError::bad_checksum);
  return UdpView(seg, hdr);
}

}  // namespace tapstack
