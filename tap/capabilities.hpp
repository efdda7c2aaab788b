#pragma once
// Whether this process holds a capability (capabilities(7)), read from /proc/self/status rather
// than through libcap: one line, and the effective set is what the kernel checks. Being root is
// neither necessary (setcap, a user namespace) nor sufficient (a container that dropped them).
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string_view>

namespace tapstack {

// Bit numbers from <linux/capability.h>.
enum class Capability : unsigned {
  net_admin = 12,  // CAP_NET_ADMIN: create a TAP, configure interfaces
  sys_admin = 21,  // CAP_SYS_ADMIN: create a network namespace
};

// The effective set (the "CapEff:" line, hexadecimal) from the text of /proc/PID/status;
// nullopt when there is no such line or it is not a number.
std::optional<std::uint64_t> parse_effective_capabilities(std::string_view status_text);

// True when every one of caps is in mask.
bool has_capabilities(std::uint64_t mask, std::initializer_list<Capability> caps) noexcept;

// True when this process has every one of caps in its effective set. Without /proc to read,
// guesses from the effective uid (0: all of them).
bool has_effective_capabilities(std::initializer_list<Capability> caps);

}  // namespace tapstack
