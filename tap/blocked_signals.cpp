#include "tap/blocked_signals.hpp"

#include "tap/errors.hpp"

#include <cerrno>
#include <ctime>

namespace tapstack {

BlockedSignals::BlockedSignals(std::initializer_list<int> signals) {
  ::sigemptyset(&set_);
  for (const int s : signals) {
    if (::sigaddset(&set_, s) != 0)
      throw SetupError(SetupFailure{SetupStep::event_loop, errno, "cannot block signal " + std::to_string(s), {}, {}});
  }
  if (::sigprocmask(SIG_BLOCK, &set_, &previous_) != 0)
    throw SetupError(SetupFailure{SetupStep::event_loop, errno, "cannot block signals", {}, {}});
}

BlockedSignals::~BlockedSignals() { ::sigprocmask(SIG_SETMASK, &previous_, nullptr); }

std::optional<int> BlockedSignals::wait(std::chrono::milliseconds timeout) const noexcept {
  const auto ms = timeout.count() < 0 ? 0 : timeout.count();
  const timespec ts{static_cast<std::time_t>(ms / 1000), static_cast<long>((ms % 1000) * 1'000'000)};
  const int sig = ::sigtimedwait(&set_, nullptr, &ts);
  if (sig <= 0) return std::nullopt;  // EAGAIN: timed out; EINTR: another signal came first
  return sig;
}

}  // namespace tapstack
