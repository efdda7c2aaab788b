#include "tap/tun_device.hpp"

#include "tap/errors.hpp"
#include "tap/permissions.hpp"

#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>

namespace tapstack {

std::optional<std::string> interface_name_problem(std::string_view name) {
  const std::string shown = "'" + std::string(name) + "'";
  if (name.empty()) return "the interface name is empty";
  if (name.size() >= IFNAMSIZ)
    return "interface name " + shown + " is too long: at most " + std::to_string(IFNAMSIZ - 1) + " characters";
  if (name == "." || name == "..") return "interface name " + shown + " is not allowed";
  for (const char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '/' || c == ':' || c == '\0' || std::isspace(u) != 0 || std::iscntrl(u) != 0)
      return "interface name " + shown + " contains '/', ':', a space or a control character";
  }
  if (const auto pct = name.find('%'); pct != std::string_view::npos) {
    // The kernel numbers "tap%d" itself; any other use of '%' it rejects.
    if (name.substr(pct, 2) != "%d" || name.find('%', pct + 1) != std::string_view::npos)
      return "interface name " + shown + " may contain '%' only as a single \"%d\" (the kernel numbers it)";
  }
  return std::nullopt;
}

std::string_view link_mode_name(LinkMode mode) { return mode == LinkMode::tap ? "tap" : "tun"; }

namespace {

std::string upper_mode(LinkMode mode) { return mode == LinkMode::tap ? "TAP" : "TUN"; }

// A refusal (EPERM, EACCES) gets advice that fits its cause (tap/permissions.hpp); purpose is
// what the step was for (opening /dev/net/tun to attach, or to create).
[[noreturn]] void fail(SetupStep step, int err, std::string action, std::string_view ifname,
                       std::optional<SetupStep> purpose = std::nullopt) {
  const std::string advice = advice_for_refusal(step, err, ifname, purpose.value_or(step));
  throw SetupError(SetupFailure{step, err, std::move(action), std::string(ifname), {}}, advice);
}

}  // namespace

TunDevice TunDevice::open(std::string_view name, LinkMode mode, SetupStep step) {
  const bool exclusive = step == SetupStep::create_interface;
  const std::string action = name.empty() ? "create a " + upper_mode(mode) + " interface"
                             : exclusive  ? "create " + upper_mode(mode) + " interface " + std::string(name)
                             : step == SetupStep::delete_interface
                                 ? "delete interface " + std::string(name)
                                 : "attach to " + upper_mode(mode) + " interface " + std::string(name);
  if (!name.empty()) {
    if (auto problem = interface_name_problem(name))
      throw SetupError(SetupFailure{SetupStep::check_name, EINVAL, "cannot " + action, std::string(name), *problem});
  }

  UniqueFd fd(::open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK));
  if (!fd) fail(SetupStep::open_tun_device, errno, "cannot " + action, name, step);

  // Racy only against another process creating the same name in this instant, which costs no
  // more than a queue length set on an interface someone else just made.
  const bool existed = !name.empty() && ::if_nametoindex(std::string(name).c_str()) != 0;
  ifreq ifr{};
  // Without the packet-information header a TUN still carries IPv6: the driver tells the family
  // of what we write by its version nibble (tun_get_user), and hands us both.
  unsigned flags = (mode == LinkMode::tap ? IFF_TAP : IFF_TUN) | IFF_NO_PI;
  // IFF_TUN_EXCL makes TUNSETIFF fail on an existing name instead of attaching to it.
  if (exclusive) flags |= IFF_TUN_EXCL;
  ifr.ifr_flags = static_cast<short>(static_cast<unsigned short>(flags));
  std::memcpy(ifr.ifr_name, name.data(), name.size());  // checked shorter than IFNAMSIZ above
  if (::ioctl(fd.get(), TUNSETIFF, &ifr) < 0) fail(step, errno, "cannot " + action, name);

  std::string actual(ifr.ifr_name, ::strnlen(ifr.ifr_name, IFNAMSIZ));
  return TunDevice(std::move(fd), std::move(actual), mode, !existed);
}

IoResult TunDevice::read(MutableBytes buffer) noexcept {
  for (;;) {
    const ssize_t n = ::read(fd_.get(), buffer.data(), buffer.size());
    if (n >= 0) return {IoStatus::ok, static_cast<std::size_t>(n), 0};
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return {IoStatus::would_block, 0, 0};
    return {IoStatus::failed, 0, errno};
  }
}

IoResult TunDevice::write(Bytes frame) noexcept {
  for (;;) {
    const ssize_t n = ::write(fd_.get(), frame.data(), frame.size());
    if (n >= 0) {
      // The driver takes a frame whole or not at all; a short count would mean a corrupt frame.
      if (static_cast<std::size_t>(n) != frame.size()) return {IoStatus::failed, static_cast<std::size_t>(n), EIO};
      return {IoStatus::ok, frame.size(), 0};
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return {IoStatus::would_block, 0, 0};
    return {IoStatus::failed, 0, errno};
  }
}

void TunDevice::set_persistent(bool persistent) {
  if (::ioctl(fd_.get(), TUNSETPERSIST, persistent ? 1UL : 0UL) < 0)
    fail(SetupStep::set_ownership, errno,
         std::string("cannot make ") + name_ + (persistent ? " persistent" : " transient"), name_);
}

void TunDevice::set_owner(uid_t uid) {
  if (::ioctl(fd_.get(), TUNSETOWNER, static_cast<unsigned long>(uid)) < 0)
    fail(SetupStep::set_ownership, errno, "cannot give " + name_ + " to uid " + std::to_string(uid), name_);
}

void TunDevice::set_group(gid_t gid) {
  if (::ioctl(fd_.get(), TUNSETGROUP, static_cast<unsigned long>(gid)) < 0)
    fail(SetupStep::set_ownership, errno, "cannot give " + name_ + " to gid " + std::to_string(gid), name_);
}

}  // namespace tapstack
