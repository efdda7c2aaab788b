#pragma once
// Asking the kernel whether an interface is ready for traffic: up, and holding the address we
// expect. What `ip -4 addr show dev NAME` would tell a person, asked from a program that waits
// for another process (tapstack run --host-ip) to configure the interface.
#include "stack/wire/addr.hpp"
#include "tap/unique_fd.hpp"

#include <string_view>

namespace tapstack {

class InterfaceProbe {
 public:
  // An AF_INET datagram socket to ask through (SIOCGIF* ioctls). Throws SetupError (find_interface).
  static InterfaceProbe open();

  // True when ifname exists, is up (IFF_UP) and its IPv4 address is addr; false otherwise,
  // including when there is no such interface (yet).
  bool up_with_address(std::string_view ifname, Ipv4Addr addr) const noexcept;

 private:
  explicit InterfaceProbe(UniqueFd sock) : sock_(std::move(sock)) {}
  UniqueFd sock_;
};

}  // namespace tapstack
