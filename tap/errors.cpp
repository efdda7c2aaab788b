#include "tap/errors.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace tapstack {
namespace {

std::string replace_name(std::string_view text, std::string_view ifname) {
  std::string out(text);
  if (ifname.empty()) return out;
  for (std::size_t at = out.find("NAME"); at != std::string::npos; at = out.find("NAME", at + ifname.size()))
    out.replace(at, 4, ifname);
  return out;
}

std::string errno_text(int err) {
  if (err == 0) return "failed";
  // strerror's words, lower-cased first letter so they read as part of the sentence.
  std::string s = std::strerror(err);
  if (!s.empty() && s[0] >= 'A' && s[0] <= 'Z' && (s.size() < 2 || !(s[1] >= 'A' && s[1] <= 'Z')))
    s[0] = static_cast<char>(s[0] - 'A' + 'a');
  return s;
}

// Advice for errors that mean the same at every step.
ErrnoAdvice common(int err) {
  switch (err) {
    case EMFILE:
    case ENFILE:
      return {"too many open files", "close other programs or raise the limit (`ulimit -n`)"};
    case ENOMEM:
    case ENOBUFS:
      return {"the kernel is out of memory", "free some memory and try again"};
    default:
      return {errno_text(err), {}};
  }
}

// Creating or deleting interfaces needs the capability outright: owning a TAP only lets you
// attach to it.
constexpr std::string_view kRootAdvice =
    "needs CAP_NET_ADMIN: run it as root (`sudo tapstack ...`)";

// A user namespace is only made to run without privileges; the way around any refusal is root.
constexpr std::string_view kRootInsteadAdvice = "run `sudo tapstack demo` instead";

}  // namespace

ErrnoAdvice explain_setup_errno(SetupStep step, int err, std::string_view ifname) {
  auto ex = [&](std::string_view words, std::string_view advice) {
    return ErrnoAdvice{replace_name(words, ifname), replace_name(advice, ifname)};
  };
  switch (step) {
    case SetupStep::open_tun_device:
      switch (err) {
        case ENOENT:
          return ex("/dev/net/tun does not exist",
                    "load the TUN/TAP driver with `sudo modprobe tun` (in a container, pass the device in, "
                    "e.g. `docker run --device /dev/net/tun`)");
        case ENODEV:
        case ENXIO:
          return ex("the TUN/TAP driver is not loaded", "load it with `sudo modprobe tun`");
        case EACCES:
          // Both are needed: access to the device node, and the capability (or an owned TAP).
          return ex("permission denied on /dev/net/tun",
                    std::string(kCapNetAdminAdvice) +
                        "; a normal user also needs /dev/net/tun read-write (Debian ships it 0666: "
                        "`sudo chmod 0666 /dev/net/tun`)");
        case EPERM:
          return ex("not allowed to open /dev/net/tun",
                    "a container or security policy forbids the device: run as root on the host, or allow "
                    "/dev/net/tun in the container's device list");
        default:
          break;
      }
      break;
    case SetupStep::check_name:
      // The reason (the failure's detail) already says what to change.
      return ex("invalid interface name", {});
    case SetupStep::attach_interface:
      switch (err) {
        case EPERM:
        case EACCES:
          return ex("operation not permitted", kCapNetAdminAdvice);
        case EBUSY:
          return ex("the interface is in use by another process",
                    "stop the process that holds NAME, or choose another name with --tap");
        case EINVAL:
          return ex("NAME exists but is not a TUN/TAP interface of the requested kind",
                    "check it with `ip -d link show NAME`: use --mode tun for a TUN device, --mode tap for a "
                    "TAP device, or choose another name with --tap");
        default:
          break;
      }
      break;
    case SetupStep::create_interface:
      switch (err) {
        case EPERM:
        case EACCES:
          return ex("operation not permitted", kRootAdvice);
        case EBUSY:
        case EEXIST:
          return ex("an interface called NAME already exists",
                    "attach to it with `tapstack run --tap NAME`, remove it with `tapstack tap del NAME`, or "
                    "choose another name");
        case EINVAL:
          return ex("the kernel rejected the name", "use 1 to 15 characters without '/', ':' or spaces, e.g. tap0");
        default:
          break;
      }
      break;
    case SetupStep::delete_interface:
      switch (err) {
        case ENODEV:
        case ENXIO:
          return ex("no interface called NAME", "list the interfaces with `ip link`");
        case EPERM:
        case EACCES:
          return ex("operation not permitted", kRootAdvice);
        case EBUSY:
          return ex("the interface is in use by another process", "stop the process that holds NAME first");
        case EINVAL:
          return ex("NAME is not a TUN/TAP interface", "remove other kinds of interface with `sudo ip link del NAME`");
        default:
          break;
      }
      break;
    case SetupStep::set_ownership:
      switch (err) {
        case EPERM:
        case EACCES:
          return ex("operation not permitted", kRootAdvice);
        case EINVAL:
          return ex("the kernel rejected the owner or group", "give an existing user and group");
        default:
          break;
      }
      break;
    case SetupStep::find_interface:
      switch (err) {
        case ENODEV:
        case ENXIO:
          return ex("no interface called NAME", "list the interfaces with `ip link`");
        default:
          break;
      }
      break;
    case SetupStep::find_account:
      switch (err) {
        case ENOENT:
          return ex("no such user or group on this system",
                    "give a name listed by `getent passwd` / `getent group`, or a numeric id");
        default:
          break;
      }
      break;
    case SetupStep::open_netlink:
      switch (err) {
        case EPROTONOSUPPORT:
        case EAFNOSUPPORT:
          return ex("this kernel has no rtnetlink", "configure the interface with `ip` instead and leave out --host-ip");
        default:
          break;
      }
      break;
    case SetupStep::configure_host:
      switch (err) {
        case EPERM:
        case EACCES:
          return ex("operation not permitted",
                    "configuring the host side needs CAP_NET_ADMIN: run as root, or `sudo setcap cap_net_admin=eip "
                    "build/apps/tapstack`, or configure NAME once yourself (`sudo ip addr add ADDR/PREFIX dev NAME "
                    "&& sudo ip link set NAME up`) and leave out --host-ip and --mtu");
        case EEXIST:
          return ex("address already assigned", "remove it with `sudo ip addr del ADDR/PREFIX dev NAME` or leave out --host-ip");
        case ENODEV:
          return ex("no interface called NAME (did it just go away?)", "list the interfaces with `ip link`");
        case EINVAL:
        case ERANGE:
          return ex("the kernel rejected the value", "check --host-ip and --mtu (the kernel takes 68 to 65521 on a TAP, to 65535 on a TUN)");
        case EADDRNOTAVAIL:
          return ex("address not available", "check --host-ip");
        case EOPNOTSUPP:
          return ex("not supported by this interface", {});
        case EAGAIN:
        case ETIMEDOUT:
          return ex("no answer from the kernel", "try again; if it persists, configure the interface with `ip`");
        default:
          break;
      }
      break;
    case SetupStep::read_host:
      switch (err) {
        case EAGAIN:
        case ETIMEDOUT:
          return ex("no answer from the kernel", "try again; `ip -d link` shows the same");
        default:
          break;
      }
      break;
    case SetupStep::event_loop:
      break;
    case SetupStep::create_network_namespace:
      switch (err) {
        case EPERM:
        case EACCES:
          return ex("operation not permitted",
                    "needs CAP_SYS_ADMIN: run as root; in a container, allow it, e.g. `docker run --cap-add SYS_ADMIN "
                    "--cap-add NET_ADMIN`");
        case ENOSPC:
          return ex("too many network namespaces (user.max_net_namespaces reached)",
                    "raise the limit: `sudo sysctl user.max_net_namespaces=15000`");
        case EINVAL:
          return ex("this kernel has no network namespaces (CONFIG_NET_NS)", {});
        default:
          break;
      }
      break;
    case SetupStep::create_user_namespace:
      // Rootless is the only reason to make one, so the way out is always the same.
      switch (err) {
        case EPERM:
        case EACCES:
          return ex("not permitted: unprivileged user namespaces are disabled or restricted here (a sysctl, AppArmor "
                    "or a container's seccomp policy)",
                    kRootInsteadAdvice);
        case ENOSPC:
          return ex("too many user namespaces (user.max_user_namespaces reached)",
                    std::string(kRootInsteadAdvice) + ", or raise the limit: `sudo sysctl user.max_user_namespaces=15000`");
        case EINVAL:
          return ex("this kernel has no user namespaces (CONFIG_USER_NS)", kRootInsteadAdvice);
        default:
          return ex(common(err).words, kRootInsteadAdvice);
      }
    case SetupStep::start_process:
      switch (err) {
        case ENOENT:
          return ex("no such program", "install it, or check $PATH");
        case EACCES:
          return ex("permission denied (not an executable file, or a directory on its path is not searchable)", {});
        case ENOEXEC:
          return ex("not a program this system can run", {});
        case EAGAIN:
          return ex("too many processes", "wait for some to finish, or raise the limit (`ulimit -u`)");
        default:
          break;
      }
      break;
    case SetupStep::drop_privileges:
      switch (err) {
        case EPERM:
        case EACCES:
          return ex("operation not permitted",
                    "switching to another user needs CAP_SETUID and CAP_SETGID: run tapstack as root (`sudo "
                    "tapstack run --user nobody ...`), or leave out --user (without those capabilities it already "
                    "runs as you)");
        case EINVAL:
          return ex("the kernel rejected the id", "give an existing user and group");
        case EAGAIN:
          return ex("the user has too many processes (RLIMIT_NPROC)", "choose a user that runs fewer processes, e.g. a dedicated one");
        default:
          break;
      }
      break;
    case SetupStep::install_seccomp:
      switch (err) {
        case EINVAL:
        case ENOSYS:
        case EOPNOTSUPP:
          return ex("this kernel has no seccomp filters (CONFIG_SECCOMP_FILTER)", "run with --no-seccomp");
        case EACCES:
        case EPERM:
          return ex("operation not permitted", "a container or security policy forbids seccomp filters: run with --no-seccomp");
        default:
          break;
      }
      break;
  }
  return common(err);
}

std::string setup_failure_line(const SetupFailure& f, std::string_view advice) {
  std::string line = f.action;
  if (f.step == SetupStep::check_name) return line + ": " + f.detail;  // our reason, not an errno
  const auto ex = explain_setup_errno(f.step, f.error, f.ifname);
  line += ": " + ex.words;
  if (!f.detail.empty()) line += " (kernel: " + f.detail + ")";
  if (!advice.empty()) line += "; " + std::string(advice);
  else if (!ex.advice.empty()) line += "; " + ex.advice;
  return line;
}

namespace {

// Why tun_not_capable() keeps us out of the existing interface name, and what to do about it;
// empty when its owner and group let us in.
std::string attach_blocker(const PermissionFacts& f, const std::string& name) {
  const bool owner_blocks = f.owner && !f.is_owner;
  const bool group_blocks = f.group && !f.in_group;
  if (!owner_blocks && !group_blocks) return {};
  const std::string owner = f.owner_name.empty() && f.owner ? std::to_string(*f.owner) : f.owner_name;
  const std::string group = f.group_name.empty() && f.group ? std::to_string(*f.group) : f.group_name;
  const std::string you = f.user.empty() ? "you" : f.user;
  std::string why;
  if (f.owner && f.group)
    why = name + " belongs to user " + owner + " and group " + group + ": the kernel lets only " + owner +
          " attach, and only while in group " + group;
  else if (f.owner)
    why = name + " belongs to user " + owner;
  else
    why = name + " is for the members of group " + group;
  std::string fix;
  if (owner_blocks) fix = "run it as " + owner + (f.owner == 0u ? "" : ", or as root");
  if (group_blocks)
    fix += std::string(fix.empty() ? "" : "; ") + "join group " + group + " (`sudo usermod -aG " + group + " " + you +
           "`, then log in again), or run as root";
  // Recreating it with --user alone would drop a group someone chose: only offered without one.
  if (owner_blocks && !f.group)
    fix += ", or have root make it yours: `sudo tapstack tap del " + name + " && sudo tapstack tap add " + name +
           " --user " + you + "`";
  return why + "; " + you + (owner_blocks ? " is not " + owner : " is not in " + group) + ": " + fix;
}

}  // namespace

std::string permission_advice(SetupStep step, int err, const PermissionFacts& f, std::string_view ifname) {
  if (err != EPERM && err != EACCES) return {};
  const std::string name = ifname.empty() ? "the interface" : std::string(ifname);
  // With the capability in hand, a refusal is not about the capability: never suggest setcap.
  const std::string capability_does_not_count =
      "CAP_NET_ADMIN is in effect, but does not count here: this network namespace belongs to another user "
      "namespace, or a security module (SELinux, AppArmor) or a container's seccomp policy refused; run it as "
      "root in the namespace's owner, or check `journalctl -k`";
  switch (step) {
    case SetupStep::open_tun_device: {
      if (err != EACCES) return {};
      if (f.tun_node_read_write)
        return "the mode of /dev/net/tun allows it, so a security module (SELinux, AppArmor) or a container's "
               "device policy refused: run as root on the host, or allow /dev/net/tun";
      char mode[8];
      std::snprintf(mode, sizeof mode, "%04o", f.tun_node_mode & 07777u);
      std::string advice = std::string("/dev/net/tun is mode ") + mode + " and not open to " +
                           (f.user.empty() ? std::string("you") : f.user) +
                           ": run as root, or have root make it 0666 as Debian ships it (`sudo chmod 0666 /dev/net/tun`)";
      // What the next step will ask for, once the device opens.
      if (f.net_admin) return advice;
      if (f.purpose != SetupStep::attach_interface) return advice + "; then it also " + std::string(kRootAdvice);
      if (f.interface_exists) {
        const std::string blocker = attach_blocker(f, name);
        return advice + (blocker.empty() ? "; " + name + " itself lets you attach" : "; then: " + blocker);
      }
      return advice + "; then it also " + replace_name(kCapNetAdminAdvice, ifname);
    }
    case SetupStep::attach_interface:
      if (f.interface_exists) {
        if (f.net_admin) return capability_does_not_count;
        if (std::string blocker = attach_blocker(f, name); !blocker.empty()) return blocker;
        // Owner and group let us in, so tun_not_capable() did not refuse: something else did.
        return name + " has no owner or group that keeps " + (f.user.empty() ? "you" : f.user) +
               " out, so a security module (SELinux, AppArmor) refused: check `journalctl -k`, or run as root";
      }
      if (f.net_admin) return capability_does_not_count;
      return {};  // creating without the capability: the table's advice (root, setcap, tap add)
    case SetupStep::create_interface:
    case SetupStep::delete_interface:
    case SetupStep::set_ownership:
    case SetupStep::configure_host:
      return f.net_admin ? capability_does_not_count : std::string();
    default:
      return {};
  }
}

}  // namespace tapstack
