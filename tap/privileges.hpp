#pragma once
// Giving up privileges once set-up is over (docs/security.md). `run` and `dump` need root or
// CAP_NET_ADMIN to create the TAP and configure the host side; the loop that then reads untrusted
// frames needs none of it. After set-up, drop_privileges() takes away, in this order:
//   1. the account (--user/--group): setgroups to just that group, setresgid, setresuid;
//   2. every capability: bounding set, ambient, inheritable, permitted and effective;
//   3. the right to gain any back (PR_SET_NO_NEW_PRIVS: no setuid bit or file capability counts);
//   4. most system calls: the seccomp allow-list (tap/seccomp_filter.hpp), unless --no-seccomp.
// The descriptors opened during set-up (the TAP, the pcap file, epoll, timerfd, signalfd,
// stdout, stderr) stay open across all of it: they are what the loop works with. Nothing at exit
// needs a privilege: a transient TAP disappears when its descriptor closes, and run leaves an
// interface it attached to (a persistent one) as it found it but for --host-ip's address.
#include "tap/seccomp_filter.hpp"

#include <sys/types.h>

#include <optional>
#include <string>

namespace tapstack {

struct PrivilegeOptions {
  std::string user;     // --user: the account to become after set-up; empty: stay who we are
  std::string group;    // --group: its group; empty: the user's primary group
  bool seccomp = true;  // --no-seccomp clears it (for debugging with strace or gdb)
  SeccompProfile seccomp_profile = SeccompProfile::frame_loop;  // the command's loop, not an option
};

struct TargetAccount {
  uid_t uid = 0;
  gid_t gid = 0;
  std::string description;  // "nobody (uid 65534), group nogroup (gid 65534)"
};

// The account --user/--group name, or nullopt without --user. Names or numbers; --group
// defaults to the user's primary group. Throws SetupError (find_account) when a name is unknown
// (a numeric user id must exist too, for its primary group, unless --group is given).
std::optional<TargetAccount> resolve_target_account(const PrivilegeOptions& opts);

// Throws SetupError (drop_privileges, EPERM) when this process could not become account: it
// lacks CAP_SETUID or CAP_SETGID and is not that account already. Meant for before set-up, so a
// run that could not switch fails before it creates anything.
void check_may_become(const TargetAccount& account);

// The one call after set-up: steps 1-4 above. Returns one line saying what is left, for the
// caller's log (tap/ does not choose where a command's messages go: dump's stdout is its data).
// Throws SetupError (drop_privileges or install_seccomp); a failure part way is never ignored.
//
// Test hook: with TAPSTACK_TEST_SECCOMP_VIOLATION=1 in the environment, SIGUSR2 makes the process
// call socket(2), which the filter forbids; the loop must then die of SIGSYS (tests/live/
// seccomp_violation.sh). The handler is installed only then, and it can only make the process
// kill itself.
std::string drop_privileges(const PrivilegeOptions& opts);

// Whether this process holds capability cap (capability(7) number) in its effective set.
bool has_effective_capability(int cap);

}  // namespace tapstack
