#include "stack/wire/icmp.hpp"

#include "stack/wire/checksum.hpp"

namespace tapstack {

std::expected<IcmpView, IcmpError> IcmpView::parse(Bytes message) {
  if (message.size() < kIcmpHeaderLen) return std::unexpected(IcmpError::truncated);
  if (internet_checksum(message) != 0) return std::unexpected(IcmpError::bad_checksum);
  return IcmpView(message);
}

}  // namespace tapstack
