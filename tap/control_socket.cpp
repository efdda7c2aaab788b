#include "tap/control_socket.hpp"

#include "tap/errors.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstddef>
#include <cstring>

namespace tapstack {
namespace {

// The address of an abstract name: sun_path starts with a NUL, and the length counts only the
// name's bytes (no terminating NUL: abstract names are byte strings).
socklen_t abstract_address(sockaddr_un& addr, const std::string& name) {
  addr = {};
  addr.sun_family = AF_UNIX;
  const std::size_t len = std::min(name.size(), sizeof addr.sun_path - 1);
  std::memcpy(addr.sun_path + 1, name.data(), len);
  return static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + len);
}

}  // namespace

std::string control_socket_name(std::string_view ifname) { return "tapstack/" + std::string(ifname); }

ControlListener ControlListener::open(std::string_view ifname) {
  const std::string name = control_socket_name(ifname);
  auto fail = [&](const std::string& action) -> ControlListener {
    throw SetupError(SetupFailure{SetupStep::event_loop, errno, action, std::string(ifname), {}});
  };
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) return fail("create the control socket");
  sockaddr_un addr;
  const socklen_t len = abstract_address(addr, name);
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&addr), len) != 0)
    return fail("bind the control socket @" + name + (errno == EADDRINUSE ? " (is another instance running on it?)" : ""));
  if (::listen(fd.get(), 8) != 0) return fail("listen on the control socket @" + name);
  // A status client that disconnects before its reply must not kill the instance.
  ::signal(SIGPIPE, SIG_IGN);
  return ControlListener(std::move(fd), ::getuid());
}

UniqueFd ControlListener::accept_one() {
  // EAGAIN: none waiting; any other error (ECONNABORTED, EMFILE) is one connection lost, not
  // the loop's problem: stop for this turn.
  return UniqueFd(::accept4(fd_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
}

bool ControlListener::allowed(int conn) const {
  ucred cred{};
  socklen_t len = sizeof cred;
  if (::getsockopt(conn, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) return false;
  return cred.uid == 0 || cred.uid == owner_;
}

void ControlListener::answer(int conn, std::string_view text) {
  // One write on the non-blocking connection (write, already allowed, rather than send: the
  // filter then need not allow sendto, which could name an address). A client that went away
  // is EPIPE, not a signal: open() ignores SIGPIPE.
  (void)::write(conn, text.data(), text.size());
}

std::expected<std::string, std::string> ask_control_socket(std::string_view ifname) {
  const std::string name = control_socket_name(ifname);
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return std::unexpected(std::string("socket: ") + std::strerror(errno));
  sockaddr_un addr;
  const socklen_t len = abstract_address(addr, name);
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), len) != 0) {
    if (errno == ECONNREFUSED || errno == ENOENT)
      return std::unexpected("no tapstack run instance on " + std::string(ifname) + " (nothing listens on @" + name + ")");
    return std::unexpected("connecting to @" + name + ": " + std::strerror(errno));
  }
  // A reply is bounded; so is the wait for it.
  timeval tv{5, 0};
  ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string reply;
  char buf[4096];
  while (reply.size() < (1u << 20)) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      return std::unexpected("reading from @" + name + ": " + std::strerror(errno));
    }
    reply.append(buf, static_cast<std::size_t>(n));
  }
  return reply;
}

}  // namespace tapstack
