#include "tap/permissions.hpp"

#include "tap/accounts.hpp"
#include "tap/capabilities.hpp"
#include "tap/tun_interfaces.hpp"
#include "tap/tun_node.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <vector>

namespace tapstack {
namespace {

// in_egroup_p() in the kernel: the effective group or a supplementary one.
bool in_group(gid_t gid) {
  if (::getegid() == gid) return true;
  const int n = ::getgroups(0, nullptr);
  if (n <= 0) return false;
  std::vector<gid_t> groups(static_cast<std::size_t>(n));
  const int got = ::getgroups(n, groups.data());
  if (got < 0) return false;
  groups.resize(static_cast<std::size_t>(got));
  return std::find(groups.begin(), groups.end(), gid) != groups.end();
}

}  // namespace

PermissionFacts gather_permission_facts(std::string_view ifname) noexcept {
  PermissionFacts f;
  try {
    f.net_admin = has_effective_capabilities({Capability::net_admin});
    const TunNodeStatus node = tun_node_status();
    if (node.exists) {
      f.tun_node_read_write = node.read_write;
      f.tun_node_mode = node.mode;
    }
    const uid_t euid = ::geteuid();
    f.user = user_name(euid);
    if (!ifname.empty()) {
      if (const auto link = find_tun_interface(ifname)) {
        f.interface_exists = true;
        f.owner = link->owner;
        f.group = link->group;
        if (link->owner) {
          f.owner_name = user_name(*link->owner);
          f.is_owner = *link->owner == euid;
        }
        if (link->group) {
          f.group_name = group_name(*link->group);
          f.in_group = in_group(*link->group);
        }
      }
    }
  } catch (...) {
    // Whatever we could not learn stays at its default.
  }
  return f;
}

std::string advice_for_refusal(SetupStep step, int err, std::string_view ifname, SetupStep purpose) {
  if (err != EPERM && err != EACCES) return {};
  PermissionFacts facts = gather_permission_facts(ifname);
  facts.purpose = purpose;
  return permission_advice(step, err, facts, ifname);
}

}  // namespace tapstack
