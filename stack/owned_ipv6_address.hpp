#pragma once
// An IPv6 address the stack owns, with where duplicate address detection has it (RFC 4862 §5.4).
#include "stack/wire/addr.hpp"

#include <string_view>

namespace tapstack {

enum class Ipv6AddressState {
  tentative,  // DAD running: not used as a source, answers nothing, accepts nothing
  preferred,  // DAD passed (or skipped): in use
  duplicate,  // DAD found another owner: never used (Linux's IFA_F_DADFAILED)
};

std::string_view to_string(Ipv6AddressState state);

struct OwnedIpv6Address {
  Ipv6Interface net;
  Ipv6AddressState state = Ipv6AddressState::preferred;
};

}  // namespace tapstack
