#include "apps/host_side.hpp"

#include "tap/netlink.hpp"

namespace tapstack {

void configure_host_side(const std::string& ifname, const std::optional<Ipv4Interface>& host,
                         std::optional<std::uint16_t> mtu) {
  if (!host && !mtu) return;
  Rtnetlink nl = Rtnetlink::open();
  // MTU before up, as `ip link set` would: the host never sends a frame at the wrong size.
  if (mtu) {
    LinkChange change;
    change.mtu = *mtu;
    nl.change_link(ifname, change);
  }
  if (host) {
    nl.add_address(ifname, *host);
    LinkChange up;
    up.up = true;
    nl.change_link(ifname, up);
  }
}

}  // namespace tapstack
