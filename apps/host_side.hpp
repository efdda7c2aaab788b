#pragma once
// The host's side of the interface, configured as `run` and `tunnel` are asked to: --mtu, then
// --host-ip's address and up, through rtnetlink (tap/netlink.hpp), as `ip link set mtu`,
// `ip addr add` and `ip link set up` would. Throws SetupError with the kernel's reason.
#include "stack/wire/addr.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace tapstack {

void configure_host_side(const std::string& ifname, const std::optional<Ipv4Interface>& host,
                         std::optional<std::uint16_t> mtu);

}  // namespace tapstack
