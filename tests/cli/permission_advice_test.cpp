// Advice that fits the cause of a refusal: the facts (PermissionFacts) decide between a missing
// capability, /dev/net/tun's mode and an existing interface owned by someone else, and the line
// never suggests what cannot help (setcap with the capability in hand, `tap add` for a TAP
// that exists).
#include "tap/errors.hpp"

#include <catch2/catch.hpp>

#include <cerrno>

using namespace tapstack;

namespace {

bool contains(const std::string& s, std::string_view part) { return s.find(part) != std::string::npos; }

PermissionFacts bob() {
  PermissionFacts f;
  f.user = "bob";
  return f;
}

PermissionFacts existing(std::optional<std::uint32_t> owner, std::optional<std::uint32_t> group) {
  PermissionFacts f = bob();
  f.interface_exists = true;
  f.owner = owner;
  f.group = group;
  if (owner) f.owner_name = *owner == 1001 ? "bob" : "alice";
  if (group) f.group_name = "netdev";
  f.is_owner = owner == 1001u;
  return f;
}

std::string attach_line(const PermissionFacts& f, int err = EPERM) {
  const SetupFailure failure{SetupStep::attach_interface, err, "cannot attach to TAP interface tap0", "tap0", {}};
  return setup_failure_line(failure, permission_advice(SetupStep::attach_interface, err, f, "tap0"));
}

}  // namespace

TEST_CASE("permission advice: creating without CAP_NET_ADMIN keeps the three ways to get it") {
  const auto l = attach_line(bob());  // tap0 does not exist: TUNSETIFF would create it
  CHECK(contains(l, "needs CAP_NET_ADMIN"));
  CHECK(contains(l, "setcap"));
  CHECK(contains(l, "tapstack tap add tap0 --user $USER"));
}

TEST_CASE("permission advice: with CAP_NET_ADMIN in effect, never setcap") {
  PermissionFacts f = bob();
  f.net_admin = true;
  for (const SetupStep step : {SetupStep::attach_interface, SetupStep::create_interface, SetupStep::configure_host,
                               SetupStep::delete_interface, SetupStep::set_ownership}) {
    const auto advice = permission_advice(step, EPERM, f, "tap0");
    CHECK(contains(advice, "CAP_NET_ADMIN is in effect"));
    CHECK_FALSE(contains(advice, "setcap"));
  }
  f.interface_exists = true;
  CHECK_FALSE(contains(attach_line(f), "setcap"));
}

TEST_CASE("permission advice: a TAP of another user names the owner, and no tap add for it") {
  const auto l = attach_line(existing(1000, std::nullopt));
  CHECK(contains(l, "tap0 belongs to user alice; bob is not alice: run it as alice, or as root"));
  CHECK(contains(l, "sudo tapstack tap del tap0 && sudo tapstack tap add tap0 --user bob"));  // recreate, not add
  CHECK_FALSE(contains(l, "setcap"));
  CHECK_FALSE(contains(l, "CAP_NET_ADMIN"));
}

TEST_CASE("permission advice: a TAP for a group we are not in says to join it, never tap add") {
  const auto l = attach_line(existing(std::nullopt, 108));
  CHECK(contains(l, "tap0 is for the members of group netdev; bob is not in netdev"));
  CHECK(contains(l, "sudo usermod -aG netdev bob"));
  CHECK(contains(l, "log in again"));
  CHECK_FALSE(contains(l, "tap add"));
  CHECK_FALSE(contains(l, "setcap"));
}

TEST_CASE("permission advice: with owner and group both set, both must match") {
  // Our own TAP, but restricted to a group we are not in: still refused (tun_not_capable).
  const auto l = attach_line(existing(1001, 108));
  CHECK(contains(l, "tap0 belongs to user bob and group netdev: the kernel lets only bob attach, and only while in group netdev"));
  CHECK(contains(l, "bob is not in netdev"));
  CHECK(contains(l, "usermod -aG netdev bob"));
  CHECK_FALSE(contains(l, "tap add"));
  // Someone else's, in our group: the owner is what keeps us out.
  PermissionFacts theirs = existing(1000, 108);
  theirs.in_group = true;
  const auto t = attach_line(theirs);
  CHECK(contains(t, "bob is not alice: run it as alice, or as root"));
  CHECK_FALSE(contains(t, "usermod"));
  CHECK_FALSE(contains(t, "tap add"));  // with a group set, recreating for --user alone would drop it
}

TEST_CASE("permission advice: owner and group that let us in point at a security module") {
  PermissionFacts f = existing(1001, 108);
  f.in_group = true;
  CHECK(contains(attach_line(f), "security module"));
  CHECK(contains(attach_line(existing(std::nullopt, std::nullopt)), "security module"));
  CHECK_FALSE(contains(attach_line(existing(std::nullopt, std::nullopt)), "setcap"));
}

TEST_CASE("permission advice: /dev/net/tun closed to us is about its mode, not the capability") {
  PermissionFacts f = bob();
  f.tun_node_read_write = false;
  f.tun_node_mode = 0600;
  const auto advice = permission_advice(SetupStep::open_tun_device, EACCES, f, "");
  CHECK(contains(advice, "/dev/net/tun is mode 0600 and not open to bob"));
  CHECK(contains(advice, "sudo chmod 0666 /dev/net/tun"));
  // Without the capability, creating needs it too, and then the usual ways to get it apply.
  CHECK(contains(advice, "then it also needs CAP_NET_ADMIN"));
  CHECK(contains(advice, "setcap"));
  // An existing TAP of ours needs nothing more; someone else's says why it will refuse next.
  PermissionFacts ours = existing(1001, std::nullopt);
  ours.tun_node_read_write = false;
  const auto mine = permission_advice(SetupStep::open_tun_device, EACCES, ours, "tap0");
  CHECK(contains(mine, "tap0 itself lets you attach"));
  CHECK_FALSE(contains(mine, "setcap"));
  PermissionFacts theirs = existing(std::nullopt, 108);
  theirs.tun_node_read_write = false;
  CHECK(contains(permission_advice(SetupStep::open_tun_device, EACCES, theirs, "tap0"), "then: tap0 is for the members of group netdev"));
  // tap add: creating needs root, whatever else.
  PermissionFacts create = f;
  create.purpose = SetupStep::create_interface;
  const auto for_add = permission_advice(SetupStep::open_tun_device, EACCES, create, "tap0");
  CHECK(contains(for_add, "then it also needs CAP_NET_ADMIN: run it as root"));
  CHECK_FALSE(contains(for_add, "setcap"));
  CHECK_FALSE(contains(for_add, "tap add"));
  f.net_admin = true;
  CHECK_FALSE(contains(permission_advice(SetupStep::open_tun_device, EACCES, f, ""), "CAP_NET_ADMIN"));
  // Open to us by its mode, and refused anyway.
  CHECK(contains(permission_advice(SetupStep::open_tun_device, EACCES, bob(), ""), "security module"));
}

TEST_CASE("permission advice: other errors keep the table's advice") {
  CHECK(permission_advice(SetupStep::attach_interface, EBUSY, bob(), "tap0").empty());
  CHECK(permission_advice(SetupStep::find_interface, EPERM, bob(), "tap0").empty());
}
