#include "tap/network_namespace.hpp"

#include "tap/errors.hpp"
#include "tap/unique_fd.hpp"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>

namespace tapstack {
namespace {

// One write(2), as the kernel wants for these files (a map must arrive whole). 0, or the errno.
int write_file(const char* path, const std::string& text) {
  const UniqueFd fd(::open(path, O_WRONLY | O_CLOEXEC));
  if (!fd) return errno;
  const ssize_t n = ::write(fd.get(), text.data(), text.size());
  if (n < 0) return errno;
  return n == static_cast<ssize_t>(text.size()) ? 0 : EIO;
}

std::optional<std::string> read_first_line(const char* path) {
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line)) return std::nullopt;
  return line;
}

}  // namespace

void enter_new_network_namespace(bool rootless) {
  if (!rootless) {
    if (::unshare(CLONE_NEWNET) != 0)
      throw SetupError(SetupFailure{SetupStep::create_network_namespace, errno, "cannot create a network namespace", {}, {}});
    return;
  }
  // Our ids as seen from outside: inside, before the maps are written, they read as 65534.
  const uid_t uid = ::geteuid();
  const gid_t gid = ::getegid();
  if (::unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0)
    throw SetupError(SetupFailure{SetupStep::create_user_namespace, errno, "cannot create a user namespace", {}, {}});
  // setgroups must be denied before an unprivileged process may write gid_map (user_namespaces(7)).
  int err = write_file("/proc/self/setgroups", "deny");
  if (err == 0) err = write_file("/proc/self/uid_map", "0 " + std::to_string(uid) + " 1\n");
  if (err == 0) err = write_file("/proc/self/gid_map", "0 " + std::to_string(gid) + " 1\n");
  if (err != 0)
    throw SetupError(
        SetupFailure{SetupStep::create_user_namespace, err, "cannot map your user into the new user namespace", {}, {}});
}

std::optional<UserNamespaceRefusal> user_namespace_refusal() {
  // Debian's and Ubuntu's switch for unprivileged user namespaces (absent on other kernels).
  if (read_first_line("/proc/sys/kernel/unprivileged_userns_clone") == "0")
    return UserNamespaceRefusal{"the kernel forbids unprivileged user namespaces (kernel.unprivileged_userns_clone=0)",
                                "allow them: `sudo sysctl kernel.unprivileged_userns_clone=1`"};
  if (read_first_line("/proc/sys/user/max_user_namespaces") == "0")
    return UserNamespaceRefusal{"the kernel forbids user namespaces (user.max_user_namespaces=0)",
                                "allow them: `sudo sysctl user.max_user_namespaces=15000`"};
  // Ubuntu 23.10 and later: only programs with an AppArmor profile that allows it may.
  if (read_first_line("/proc/sys/kernel/apparmor_restrict_unprivileged_userns") == "1")
    return UserNamespaceRefusal{
        "AppArmor restricts unprivileged user namespaces (kernel.apparmor_restrict_unprivileged_userns=1)", {}};
  return std::nullopt;
}

}  // namespace tapstack
