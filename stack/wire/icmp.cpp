#include "stack/wire/icmp.hpp"

#include "stack/wire/checksum.hpp"

#include <utility>

namespace tapstack {

std::expected<IcmpView, IcmpError> IcmpView::parse(Bytes message) {
  if (message.size() < kIcmpHeaderLen) return std::unexpected(IcmpError::truncated);
  if (internet_checksum(message) != 0) return std::unexpected(IcmpError::bad_checksum);
  return IcmpView(message);
}

void IcmpRepr::emit(MutableBytes out) const {
  IcmpLayout l;
  l.type = std::to_underlying(type);
  l.code = code;
  l.checksum = 0;
  l.rest = rest;
  store_layout(out, l);
}

}  // namespace tapstack
