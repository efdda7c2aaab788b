#include "stack/wire/ipv6_fragment.hpp"

namespace tapstack {

std::expected<Ipv6FragmentView, Ipv6FragmentError> Ipv6FragmentView::parse(Bytes header) {
  if (header.size() < kIpv6FragmentHeaderLen) return std::unexpected(Ipv6FragmentError::truncated);
  return Ipv6FragmentView{load_layout<Ipv6FragmentLayout>(header)};
}

void Ipv6FragmentRepr::emit(MutableBytes out) const {
  Ipv6FragmentLayout l{};
  l.next_header = static_cast<std::uint8_t>(next_header);
  l.reserved = 0;
  l.offset_flags = static_cast<std::uint16_t>((offset & kIpv6FragOffsetMask) | (more_fragments ? kIpv6FlagMoreFragments : 0));
  l.ident = ident;
  store_layout(out, l);
}

}  // namespace tapstack
