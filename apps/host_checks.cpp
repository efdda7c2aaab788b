#include "apps/host_checks.hpp"

#include "tap/errors.hpp"
#include "tap/netlink.hpp"
#include "tap/tun_interfaces.hpp"

#include <spdlog/spdlog.h>

namespace tapstack {

void warn_if_routed_elsewhere(const std::string& ifname, const std::optional<Ipv4Interface>& host, Ipv4Addr stack) {
  if (!host) return;
  try {
    const auto route = lookup_route(stack);
    if (!route || route->oif == 0) return;
    const std::string via = interface_name(route->oif);
    if (via == ifname) return;
    if (route->local) {
      spdlog::warn("{} is an address of this host (on {}): pings to it will be answered by the host, not the stack; "
                   "pick another --ip",
                   stack.to_string(), via);
      return;
    }
    // A less specific route (the default, a VPN's /8) loses to the subnet --host-ip adds.
    if (route->destination.prefix_len < host->prefix_len) return;
    const std::string where = route->destination.network().to_string() + "/" + std::to_string(route->destination.prefix_len);
    const bool tun = find_tun_interface(via).has_value();
    spdlog::warn("{} is already routed via {}{}: pings to {} will go there; {}", where, via,
                 route->linkdown ? " (down)" : route->gateway ? " (gateway " + route->gateway->to_string() + ")" : "",
                 stack.to_string(),
                 tun ? "delete it with `sudo ip link del " + via + "` or pick another subnet"
                     : std::string("pick another subnet, e.g. --ip 192.168.77.2/24 --host-ip 192.168.77.1/24"));
  } catch (const SetupError& e) {
    spdlog::debug("cannot check the routes to {}: {}", stack.to_string(), e.what());
  }
}

void warn_if_mtu_outlives_run(const std::string& ifname, unsigned mtu) {
  try {
    const auto tun = find_tun_interface(ifname);
    if (!tun || !tun->persistent || tun->mtu == mtu) return;
    spdlog::warn("--mtu {} changes {}'s MTU for good: it is persistent (it was {}; `sudo ip link set {} mtu {}` puts it back)",
                 mtu, ifname, tun->mtu, ifname, tun->mtu);
  } catch (const SetupError& e) {
    spdlog::debug("cannot tell whether {} is persistent: {}", ifname, e.what());
  }
}

}  // namespace tapstack
