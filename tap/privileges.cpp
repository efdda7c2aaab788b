#include "tap/privileges.hpp"

#include "tap/accounts.hpp"
#include "tap/errors.hpp"
#include "tap/seccomp_filter.hpp"

#include <grp.h>
#include <linux/capability.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

namespace tapstack {
namespace {

[[noreturn]] void fail(int err, std::string action) {
  throw SetupError(SetupFailure{SetupStep::drop_privileges, err, std::move(action), {}, {}});
}

struct CapSets {
  std::uint64_t effective = 0;
  std::uint64_t permitted = 0;
  std::uint64_t inheritable = 0;
  bool none() const { return effective == 0 && permitted == 0 && inheritable == 0; }
};

// capget(2)/capset(2) directly: glibc has no wrapper, and libcap would be a dependency for two calls.
CapSets get_capabilities() {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3]{};
  if (::syscall(SYS_capget, &header, data) < 0) fail(errno, "cannot read this process's capabilities");
  auto wide = [](std::uint32_t lo, std::uint32_t hi) { return std::uint64_t{hi} << 32 | lo; };
  return {wide(data[0].effective, data[1].effective), wide(data[0].permitted, data[1].permitted),
          wide(data[0].inheritable, data[1].inheritable)};
}

void clear_capabilities() {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3]{};
  if (::syscall(SYS_capset, &header, data) < 0) fail(errno, "cannot clear this process's capabilities");
}

bool has(const CapSets& caps, int cap) { return ((caps.effective >> cap) & 1) != 0; }

// Empties the bounding set, the ceiling of what an execve could ever grant. Needs CAP_SETPCAP:
// without it (a setcap'd binary given only what it needs) the set stays, which no_new_privs makes
// moot. Returns whether it is empty now.
bool empty_bounding_set() {
  bool emptied = true;
  for (int cap = 0; cap < 64; ++cap) {
    const int in_set = ::prctl(PR_CAPBSET_READ, cap, 0, 0, 0);
    if (in_set < 0) break;  // EINVAL: past the kernel's last capability
    if (in_set == 0) continue;
    if (::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
      if (errno != EPERM) fail(errno, "cannot drop capability " + std::to_string(cap) + " from the bounding set");
      emptied = false;
    }
  }
  return emptied;
}

struct Ids {
  uid_t ruid, euid, suid;
  gid_t rgid, egid, sgid;
};

Ids current_ids() {
  Ids ids{};
  ::getresuid(&ids.ruid, &ids.euid, &ids.suid);
  ::getresgid(&ids.rgid, &ids.egid, &ids.sgid);
  return ids;
}

bool only_in_group(gid_t gid) {
  const int n = ::getgroups(0, nullptr);
  if (n <= 0) return true;
  std::vector<gid_t> groups(static_cast<std::size_t>(n));
  const int got = ::getgroups(n, groups.data());
  for (int i = 0; i < got; ++i)
    if (groups[static_cast<std::size_t>(i)] != gid) return false;
  return true;
}

bool is_already(const TargetAccount& account) {
  const Ids ids = current_ids();
  return ids.ruid == account.uid && ids.euid == account.uid && ids.suid == account.uid && ids.rgid == account.gid &&
         ids.egid == account.gid && ids.sgid == account.gid && only_in_group(account.gid);
}

std::string describe_user(uid_t uid) {
  try {
    return lookup_user_account(std::to_string(uid)).name + " (uid " + std::to_string(uid) + ")";
  } catch (const SetupError&) {
    return "uid " + std::to_string(uid);
  }
}

std::string describe(uid_t uid, gid_t gid) {
  return describe_user(uid) + ", group " + group_name(gid) + " (gid " + std::to_string(gid) + ")";
}

// The test hook (privileges.hpp): socket(2) is on no allow-list, so under the filter the kernel
// kills the process inside this handler, while the loop is waiting in epoll_wait.
extern "C" void call_forbidden_syscall(int) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  if (fd >= 0) {
    ::close(fd);
    constexpr std::string_view msg = "test hook: socket(2) was allowed: no seccomp filter is installed\n";
    [[maybe_unused]] const auto n = ::write(STDERR_FILENO, msg.data(), msg.size());
  }
}

bool arm_test_hook() {
  const char* v = std::getenv("TAPSTACK_TEST_SECCOMP_VIOLATION");
  if (v == nullptr || std::string_view(v) != "1") return false;
  struct sigaction sa {};
  sa.sa_handler = call_forbidden_syscall;
  sigemptyset(&sa.sa_mask);
  if (::sigaction(SIGUSR2, &sa, nullptr) < 0) fail(errno, "cannot install the seccomp test hook");
  return true;
}

}  // namespace

bool has_effective_capability(int cap) { return has(get_capabilities(), cap); }

std::optional<TargetAccount> resolve_target_account(const PrivilegeOptions& opts) {
  if (opts.user.empty()) {
    if (!opts.group.empty())
      throw SetupError(SetupFailure{SetupStep::find_account, EINVAL, "--group " + opts.group + " needs --user", {},
                                    {}});
    return std::nullopt;
  }
  const UserAccount user = lookup_user_account(opts.user);
  TargetAccount target;
  target.uid = user.uid;
  target.gid = opts.group.empty() ? user.primary_group : lookup_group(opts.group);
  target.description = user.name + " (uid " + std::to_string(target.uid) + "), group " + group_name(target.gid) +
                       " (gid " + std::to_string(target.gid) + ")";
  return target;
}

void check_may_become(const TargetAccount& account) {
  const CapSets caps = get_capabilities();
  if (has(caps, CAP_SETUID) && has(caps, CAP_SETGID)) return;
  if (is_already(account)) return;
  fail(EPERM, "cannot switch to user " + account.description);
}

std::string drop_privileges(const PrivilegeOptions& opts) {
  const auto target = resolve_target_account(opts);
  if (target) check_may_become(*target);

  // 1. The account. Supplementary groups first, while CAP_SETGID is still ours; gid before uid.
  if (target && (has_effective_capability(CAP_SETGID) || !only_in_group(target->gid))) {
    if (::setgroups(1, &target->gid) < 0)
      fail(errno, "cannot set the supplementary groups to just gid " + std::to_string(target->gid));
  }
  // 2. Capabilities: the bounding set and the ambient set before the switch (emptying the
  // bounding set needs CAP_SETPCAP, which setresuid to a non-root user takes away).
  const bool bounding_emptied = empty_bounding_set();
  if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
    fail(errno, "cannot clear the ambient capabilities");
  if (target) {
    if (::setresgid(target->gid, target->gid, target->gid) < 0)
      fail(errno, "cannot switch to group " + std::to_string(target->gid));
    if (::setresuid(target->uid, target->uid, target->uid) < 0)
      fail(errno, "cannot switch to user " + target->description);
  }
  // A switch to a non-root user cleared permitted and effective already; a root user, or no
  // --user, keeps them until this.
  clear_capabilities();
  // 3. No way back: execve of a setuid binary or one with file capabilities grants nothing.
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) fail(errno, "cannot set no_new_privs");

  // Checked, not assumed.
  if (!get_capabilities().none()) fail(EPERM, "capabilities remain after dropping them");
  if (target) {
    const Ids ids = current_ids();
    if (ids.ruid != target->uid || ids.euid != target->uid || ids.suid != target->uid || ids.rgid != target->gid ||
        ids.egid != target->gid || ids.sgid != target->gid)
      fail(EPERM, "the switch to " + target->description + " did not take");
    if (target->uid != 0 && ::setuid(0) == 0) fail(EPERM, "could become root again after switching to " + target->description);
  }
  if (::prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1) fail(EPERM, "no_new_privs did not take");

  // What the loop's libc would otherwise set up lazily with calls the filter forbids: the time
  // zone for log and dump timestamps (localtime_r opens /etc/localtime on first use).
  ::tzset();
  const bool hook = arm_test_hook();
  const Ids ids = current_ids();
  const std::string who = describe(ids.euid, ids.egid);  // reads the user database: not after the filter

  // 4. The allow-list, last: everything above needed calls that are not on it.
  if (opts.seccomp) install_seccomp_filter(opts.seccomp_profile);

  std::string summary = "privileges dropped: running as " + who + "; no capabilities" +
                        (bounding_emptied ? "" : " (bounding set kept: emptying it needs CAP_SETPCAP)") +
                        "; no_new_privs; " +
                        (opts.seccomp ? "seccomp allow-list of " + std::to_string(seccomp_allow_list().size() +
                                                           (opts.seccomp_profile == SeccompProfile::tcp_tunnel
                                                                ? seccomp_tcp_tunnel_additions().size()
                                                                : 0)) +
                                            " system calls, any other kills the process" +
                                            (seccomp_sanitizer_build() ? " (sanitizer build: the runtime's included)" : "")
                                      : std::string("no seccomp filter (--no-seccomp)"));
  if (hook) summary += "; TEST HOOK ARMED (TAPSTACK_TEST_SECCOMP_VIOLATION=1): SIGUSR2 makes this process call socket(2)";
  return summary;
}

}  // namespace tapstack
