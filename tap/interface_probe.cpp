#include "tap/interface_probe.hpp"

#include "tap/errors.hpp"

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace tapstack {

InterfaceProbe InterfaceProbe::open() {
  UniqueFd sock(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!sock)
    throw SetupError(SetupFailure{SetupStep::find_interface, errno, "cannot open a socket to look at interfaces", {}, {}});
  return InterfaceProbe(std::move(sock));
}

bool InterfaceProbe::up_with_address(std::string_view ifname, Ipv4Addr addr) const noexcept {
  ifreq ifr{};
  if (ifname.empty() || ifname.size() >= sizeof ifr.ifr_name) return false;
  std::memcpy(ifr.ifr_name, ifname.data(), ifname.size());
  if (::ioctl(sock_.get(), SIOCGIFFLAGS, &ifr) != 0 || (ifr.ifr_flags & IFF_UP) == 0) return false;
  // SIOCGIFADDR gives the primary IPv4 address: the first one assigned.
  if (::ioctl(sock_.get(), SIOCGIFADDR, &ifr) != 0) return false;
  sockaddr_in sin{};
  std::memcpy(&sin, &ifr.ifr_addr, sizeof sin);
  return ntohl(sin.sin_addr.s_addr) == addr.value;
}

}  // namespace tapstack
