#include "stack/wire/ipv4.hpp"

#include "stack/wire/checksum.hpp"

#include <algorithm>
#include <utility>

namespace tapstack {

std::expected<Ipv4View, Ipv4Error> Ipv4View::parse(Bytes packet) {
  if (packet.size() < kIpv4MinHeaderLen) return std::unexpected(Ipv4Error::truncated);
  const auto hdr = load_layout<Ipv4Layout>(packet);
  if ((hdr.ver_ihl.value() >> 4) != 4) return std::unexpected(Ipv4Error::bad_version);
  const std::size_t ihl = std::size_t{hdr.ver_ihl.value() & 0x0fu} * 4;
  if (ihl < kIpv4MinHeaderLen) return std::unexpected(Ipv4Error::bad_header_len);
  if (packet.size() < ihl) return std::unexpected(Ipv4Error::truncated);
  if (internet_checksum(packet.first(ihl)) != 0) return std::unexpected(Ipv4Error::bad_checksum);
  const std::size_t total = hdr.total_len.value();
  if (packet.size() < total) return std::unexpected(Ipv4Error::truncated);
  if (total < ihl) return std::unexpected(Ipv4Error::bad_header_len);
  return Ipv4View(packet.first(total), hdr);
}

void Ipv4Repr::emit(MutableBytes out) const {
  const std::size_t hlen = header_len();
  Ipv4Layout l;
  l.ver_ihl = static_cast<std::uint8_t>(0x40 | (hlen / 4));
  l.tos = tos;
  l.total_len = static_cast<std::uint16_t>(total_len());
  l.ident = ident;
  l.flags_frag = flags_frag;
  l.ttl = ttl;
  l.protocol = std::to_underlying(protocol);
  l.checksum = 0;
  l.src = src.value;
  l.dst = dst.value;
  store_layout(out, l);
  copy_bytes(out.subspan(kIpv4MinHeaderLen), options);
  std::fill(out.begin() + static_cast<std::ptrdiff_t>(kIpv4MinHeaderLen + options.size()),
            out.begin() + static_cast<std::ptrdiff_t>(hlen), std::byte{0});
  store_be16(out, ipv4_field::checksum, internet_checksum(out.first(hlen)));
}

}  // namespace tapstack
