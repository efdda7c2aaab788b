#include "stack/wire/icmpv6.hpp"

#include "stack/wire/pseudo_header.hpp"

namespace tapstack {

std::expected<Icmpv6View, Icmpv6Error> Icmpv6View::parse(Bytes message, const Ipv6Addr& src, const Ipv6Addr& dst) {
  if (message.size() < kIcmpv6HeaderLen) return std::unexpected(Icmpv6Error::truncated);
  if (transport_checksum(message, src, dst, IpProtocol::icmpv6) != 0) return std::unexpected(Icmpv6Error::bad_checksum);
  return Icmpv6View(message);
}

void Icmpv6Repr::emit(MutableBytes out) const {
  Icmpv6Layout l;
  l.type = std::to_underlying(type);
  l.code = code;
  l.checksum = 0;
  l.rest = rest;
  store_layout(out, l);
}

void fill_icmpv6_checksum(MutableBytes message, const Ipv6Addr& src, const Ipv6Addr& dst) {
  store_be16(message, icmpv6_field::checksum, 0);
  store_be16(message, icmpv6_field::checksum, transport_checksum(message, src, dst, IpProtocol::icmpv6));
}

}  // namespace tapstack
