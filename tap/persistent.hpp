#pragma once
// Persistent interfaces, as `tunctl` and `ip tuntap add/del` make them: they outlive the process
// that created them, and an owner may attach to one without CAP_NET_ADMIN.
#include "stack/config.hpp"

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>

namespace tapstack {

// Who may attach without CAP_NET_ADMIN (tun_not_capable() in drivers/net/tun.c): with neither
// set, anyone who can open /dev/net/tun; with both, only that user while a member of that group.
struct InterfaceOwner {
  std::optional<uid_t> user;
  std::optional<gid_t> group;
};

// Creates name (fails if it exists), gives it owner, makes it persistent; returns the name the
// kernel gave it (differs only for a "%d" pattern). Nothing is left behind on failure. Throws
// SetupError.
std::string create_persistent_interface(std::string_view name, LinkMode mode, InterfaceOwner owner);

// Removes the persistent TUN or TAP interface called name; returns which kind it was. Throws
// SetupError when there is none, it is busy, or it is not a TUN/TAP interface.
LinkMode delete_persistent_interface(std::string_view name);

}  // namespace tapstack
