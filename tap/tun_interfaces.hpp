#pragma once
// The TUN/TAP interfaces of this network namespace, for `tapstack tap list`: what rtnetlink says
// about each (tap/netlink.hpp: mode, owner, group, persistence, carrier), and which processes
// have one open, as far as /proc lets us see.
//
// Whether something is attached comes from the carrier: the tun driver turns it on when a
// process attaches and off when the last one lets go, and anyone may read it. The processes come
// from /proc/PID/fdinfo/FD, where the driver writes "iff:\tNAME" for a TUN/TAP descriptor
// (tun_chr_show_fdinfo): only our own processes without privileges, all of them as root, and only
// those in our network namespace, since a name means nothing in another one.
#include "tap/netlink.hpp"

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tapstack {

struct AttachedProcess {
  int pid = 0;
  std::string command;  // /proc/PID/comm
};

struct TunInterface {
  TunLinkInfo link;
  std::vector<AttachedProcess> processes;  // those we can see; may be empty while attached
};

// The interface name in the text of /proc/PID/fdinfo/FD for a TUN/TAP descriptor ("iff:\ttap0");
// nullopt for any other file, and for a TUN/TAP descriptor not attached to an interface yet.
std::optional<std::string> parse_tun_fdinfo(std::string_view fdinfo_text);

// IF_OPER_* (RFC 2863 operational state) as `ip -br link` names it: "UP", "DOWN", "UNKNOWN"...
std::string operstate_name(std::uint8_t operstate);

// Every TUN/TAP interface, sorted by name, with the processes holding each. Throws SetupError
// (open_netlink, read_host).
std::vector<TunInterface> list_tun_interfaces();

// The one called name, or nullopt when there is none (or it is not a TUN/TAP interface).
// Throws SetupError (open_netlink, read_host).
std::optional<TunLinkInfo> find_tun_interface(std::string_view name);

}  // namespace tapstack
