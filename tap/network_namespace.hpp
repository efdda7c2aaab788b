#pragma once
// A throwaway network namespace for the calling process, as `unshare --net` (root) or
// `unshare -r --net` (rootless) make one: it has no name and no bind mount, so it lives exactly as
// long as the processes in it. Rootless, it sits inside a new user namespace in which this user
// is root, which is what lets an unprivileged user create a TAP and address it there.
#include <optional>
#include <string>

namespace tapstack {

// Moves the calling process into a new, empty network namespace (only loopback, down). rootless:
// first into a new user namespace, with the one-line uid/gid maps `unshare -r` writes (our
// effective ids as 0, setgroups denied). The process must be single-threaded (unshare(2)).
// Throws SetupError (create_network_namespace, or create_user_namespace rootless).
void enter_new_network_namespace(bool rootless);

// A sysctl or security module that will refuse an unprivileged user namespace, read before
// trying (so the refusal can name the setting): what it is, and how to allow it (may be empty).
struct UserNamespaceRefusal {
  std::string reason;  // e.g. "the kernel forbids user namespaces (user.max_user_namespaces=0)"
  std::string fix;     // e.g. "allow them: `sudo sysctl user.max_user_namespaces=15000`"
};
std::optional<UserNamespaceRefusal> user_namespace_refusal();

}  // namespace tapstack
