#include "tap/signal_fd.hpp"

#include "tap/errors.hpp"

#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>

namespace tapstack {

SignalFd::SignalFd(std::initializer_list<int> signals) {
  sigset_t set;
  sigemptyset(&set);
  for (const int s : signals) sigaddset(&set, s);
  // Blocked first, so a signal arriving before the descriptor exists waits for it instead of
  // killing the process.
  if (::sigprocmask(SIG_BLOCK, &set, &previous_) < 0)
    throw SetupError(SetupFailure{SetupStep::event_loop, errno, "cannot block signals", {}, {}});
  fd_.reset(::signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC));
  if (!fd_) {
    const int err = errno;
    ::sigprocmask(SIG_SETMASK, &previous_, nullptr);
    throw SetupError(SetupFailure{SetupStep::event_loop, err, "cannot create a signalfd", {}, {}});
  }
}

SignalFd::~SignalFd() {
  fd_.reset();
  ::sigprocmask(SIG_SETMASK, &previous_, nullptr);
}

std::optional<int> SignalFd::read() noexcept {
  signalfd_siginfo info{};
  for (;;) {
    const ssize_t n = ::read(fd_.get(), &info, sizeof info);
    if (n == static_cast<ssize_t>(sizeof info)) return static_cast<int>(info.ssi_signo);
    if (n < 0 && errno == EINTR) continue;
    return std::nullopt;
  }
}

}  // namespace tapstack
