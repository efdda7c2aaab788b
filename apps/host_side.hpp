#pragma once
// The host's side of the interface, configured as `run` and `tunnel` are asked to: the queue
// length and --mtu, then --host-ip's address and up, through rtnetlink (tap/netlink.hpp), as
// `ip link set txqueuelen/mtu`, `ip addr add` (`nodad` for IPv6) and `ip link set up` would. Throws SetupError with
// the kernel's reason.
#include "stack/wire/addr.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tapstack {

struct HostSide {
  std::optional<Ipv4Interface> address;  // --host-ip: added, then the link is brought up
  std::vector<Ipv6Interface> addresses6;  // likewise, without the host's DAD (IFA_F_NODAD)
  std::optional<std::uint16_t> mtu;
  std::optional<std::uint32_t> txqueuelen;
};

void configure_host_side(const std::string& ifname, const HostSide& wanted);

}  // namespace tapstack
