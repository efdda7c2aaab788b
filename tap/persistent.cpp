#include "tap/persistent.hpp"

#include "tap/errors.hpp"
#include "tap/tun_device.hpp"

#include <net/if.h>

#include <cerrno>

namespace tapstack {

std::string create_persistent_interface(std::string_view name, LinkMode mode, InterfaceOwner owner) {
  // Until TUNSETPERSIST the interface is transient, so a failure below leaves nothing behind.
  TunDevice dev = TunDevice::open(name, mode, SetupStep::create_interface);
  if (owner.user) dev.set_owner(*owner.user);
  if (owner.group) dev.set_group(*owner.group);
  dev.set_persistent(true);
  return dev.name();
}

LinkMode delete_persistent_interface(std::string_view name) {
  const std::string n(name);
  if (auto problem = interface_name_problem(name))
    throw SetupError(SetupFailure{SetupStep::check_name, EINVAL, "cannot delete interface " + n, n, *problem});
  // Without this check TUNSETIFF would happily create the interface we were asked to delete.
  if (::if_nametoindex(n.c_str()) == 0)
    throw SetupError(SetupFailure{SetupStep::delete_interface, ENODEV, "cannot delete interface " + n, n, {}});
  // TUNSETIFF refuses (EINVAL) to attach with the wrong type, so try TAP, then TUN.
  for (const LinkMode mode : {LinkMode::tap, LinkMode::tun}) {
    try {
      TunDevice dev = TunDevice::open(name, mode, SetupStep::delete_interface);
      dev.set_persistent(false);  // the interface goes when dev closes
      return mode;
    } catch (const SetupError& e) {
      if (e.error() != EINVAL || mode == LinkMode::tun) throw;
    }
  }
  return LinkMode::tap;  // not reached: the loop returns or throws
}

}  // namespace tapstack
