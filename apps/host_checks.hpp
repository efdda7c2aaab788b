#pragma once
// What `tapstack run` says about the host before it starts, when the host would not behave as
// the command line suggests. Each asks the kernel (tap/netlink.hpp) and only warns: a question
// the kernel does not answer is no reason to stop.
#include "stack/wire/addr.hpp"

#include <optional>
#include <string>

namespace tapstack {

// With --host-ip, when traffic to stack (the stack's address) would leave through another
// interface than ifname, by a route at least as specific as the host side's subnet:
// "10.0.0.0/24 is already routed via tap0 (down): pings to 10.0.0.2 will go there; ...".
void warn_if_routed_elsewhere(const std::string& ifname, const std::optional<Ipv4Interface>& host, Ipv4Addr stack);

// When ifname is persistent and mtu differs from its MTU: the change outlives this run.
void warn_if_mtu_outlives_run(const std::string& ifname, unsigned mtu);

}  // namespace tapstack
