#include "stack/wire/ethernet.hpp"

namespace tapstack {

std::expected<EthernetView, EthernetError> EthernetView::parse(Bytes frame) {
  if (frame.size() < kEthernetHeaderLen) return std::unexpected(EthernetError::truncated);
  return EthernetView(frame, load_layout<EthernetLayout>(frame));
}

void EthernetRepr::emit(MutableBytes out) const {
  EthernetLayout l;
  l.dst = dst.octets;
  l.src = src.octets;
  l.type = std::to_underlying(type);
  store_layout(out, l);
}

}  // namespace tapstack
