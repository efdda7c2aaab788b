#pragma once
// Set-up errors: the kernel's errno, put into words for the step that failed, with one line of
// advice a person can act on. Only set-up throws; the frame path returns a status instead.
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace tapstack {

// What was being done when the kernel said no. The same errno means different things at
// different steps (EBUSY on attach: someone else holds it; on create: the name is taken).
enum class SetupStep {
  open_tun_device,   // open("/dev/net/tun")
  check_name,        // our own validation of an interface name, before any syscall
  attach_interface,  // TUNSETIFF, creating a transient interface or attaching to a persistent one
  create_interface,  // TUNSETIFF with IFF_TUN_EXCL, for `tap add`
  delete_interface,  // attach, then TUNSETPERSIST 0, for `tap del`
  set_ownership,     // TUNSETOWNER, TUNSETGROUP, TUNSETPERSIST
  find_interface,    // name → ifindex
  find_account,      // user or group name → id
  open_netlink,      // the rtnetlink socket
  configure_host,    // RTM_NEWADDR, RTM_NEWLINK
  read_host,         // RTM_GETLINK, RTM_GETADDR, RTM_GETROUTE: asking, not changing
  event_loop,        // epoll, timerfd, signalfd, blocked signals
  create_network_namespace,  // unshare(CLONE_NEWNET) with privileges
  create_user_namespace,     // unshare(CLONE_NEWUSER | CLONE_NEWNET) and the uid/gid maps, rootless
  start_process,             // fork, exec, prctl: a child process
  drop_privileges,   // after set-up: setgroups/setresgid/setresuid, capabilities, no_new_privs
  install_seccomp,   // after set-up: the seccomp allow-list (tap/seccomp_filter.hpp)
};

struct SetupFailure {
  SetupStep step = SetupStep::attach_interface;
  int error = 0;           // errno; 0 when the failure is ours (a bad name)
  std::string action;      // what we tried, e.g. "attach to TAP interface tap0"
  std::string ifname;      // put into the advice; may be empty
  std::string detail;      // the kernel's extended-ack text, or our reason for check_name
};

struct ErrnoAdvice {
  std::string words;   // the errno in words for this step
  std::string advice;  // what to do about it; empty when there is nothing better than the words
};

// Pure: the words and advice for errno err at step (ifname replaces NAME in commands shown).
ErrnoAdvice explain_setup_errno(SetupStep step, int err, std::string_view ifname = {});

// The one line shown to a person: "<action>: <words>[ (kernel: <detail>)][; <advice>]". advice,
// when given, replaces the table's advice (explain_setup_errno) with one that fits the facts.
std::string setup_failure_line(const SetupFailure& failure, std::string_view advice = {});

// What decides a permission failure on the TUN/TAP path, looked at after the kernel said no
// (tap/permissions.hpp gathers them), so that the advice fits the cause: a missing capability,
// the mode of /dev/net/tun, or an existing interface owned by someone else. tun_not_capable() in
// drivers/net/tun.c lets a process attach without CAP_NET_ADMIN unless the interface has an
// owner that is not its effective uid, or a group it is not in: with both set, both must match.
struct PermissionFacts {
  bool net_admin = false;            // CAP_NET_ADMIN in the effective set
  bool tun_node_read_write = true;   // /dev/net/tun may be opened read-write by us
  unsigned tun_node_mode = 0666;     // its permission bits
  std::string user;                  // our effective user, by name
  bool interface_exists = false;     // a TUN/TAP called ifname exists: attaching, not creating
  std::optional<std::uint32_t> owner;  // its owner (TUNSETOWNER), if one is set
  std::string owner_name;
  std::optional<std::uint32_t> group;  // its group (TUNSETGROUP), if one is set
  std::string group_name;
  bool is_owner = false;   // owner is our effective uid
  bool in_group = false;   // group is our effective group or a supplementary one
  // What the failing step was for: opening /dev/net/tun to attach (attach_interface) or to create
  // (create_interface, delete_interface), which decides what the next step will ask for.
  SetupStep purpose = SetupStep::attach_interface;
};

// Pure: the advice for EPERM or EACCES at step, from facts; empty when the table's advice
// (explain_setup_errno) is as good as it gets.
std::string permission_advice(SetupStep step, int err, const PermissionFacts& facts, std::string_view ifname);

class SetupError : public std::runtime_error {
 public:
  explicit SetupError(SetupFailure failure, std::string_view advice = {})
      : std::runtime_error(setup_failure_line(failure, advice)), failure_(std::move(failure)) {}
  const SetupFailure& failure() const noexcept { return failure_; }
  int error() const noexcept { return failure_.error; }
  SetupStep step() const noexcept { return failure_.step; }

 private:
  SetupFailure failure_;
};

// The advice shared by every permission failure on the TUN/TAP path, also used by callers that
// detect a missing capability themselves.
inline constexpr std::string_view kCapNetAdminAdvice =
    "needs CAP_NET_ADMIN: run as root, or `sudo setcap cap_net_admin=eip build/apps/tapstack`, or use a "
    "persistent TAP owned by you (`sudo tapstack tap add NAME --user $USER`)";

}  // namespace tapstack
