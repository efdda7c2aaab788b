#include "apps/host_side.hpp"

#include "tap/netlink.hpp"

namespace tapstack {

void configure_host_side(const std::string& ifname, const HostSide& wanted) {
  if (!wanted.address && wanted.addresses6.empty() && !wanted.mtu && !wanted.txqueuelen) return;
  Rtnetlink nl = Rtnetlink::open();
  if (wanted.txqueuelen) {
    LinkChange queue;
    queue.txqueuelen = *wanted.txqueuelen;
    nl.change_link(ifname, queue);
  }
  // MTU before up, as `ip link set` would: the host never sends a frame at the wrong size.
  if (wanted.mtu) {
    LinkChange change;
    change.mtu = *wanted.mtu;
    nl.change_link(ifname, change);
  }
  if (wanted.address) nl.add_address(ifname, *wanted.address);
  if (wanted.address || !wanted.addresses6.empty()) {
    LinkChange up;
    up.up = true;
    nl.change_link(ifname, up);
  }
  // After up: IPv6 forgets a down interface's addresses when it goes down (keep_addr_on_down=0),
  // and an address added to an up one is usable at once with IFA_F_NODAD.
  for (const Ipv6Interface& a : wanted.addresses6) nl.add_address(ifname, a);
}

}  // namespace tapstack
