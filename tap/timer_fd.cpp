#include "tap/timer_fd.hpp"

#include "tap/errors.hpp"

#include <sys/timerfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

namespace tapstack {

TimerFd::TimerFd() : fd_(::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC)) {
  if (!fd_) throw SetupError(SetupFailure{SetupStep::event_loop, errno, "cannot create a timerfd", {}, {}});
}

void TimerFd::arm(std::optional<Instant> when) noexcept {
  if (when == armed_) return;
  itimerspec spec{};
  if (when) {
    // An it_value of zero would disarm: the earliest real deadline is 1 ns.
    const std::int64_t ns = std::max<std::int64_t>(to_ns(*when), 1);
    spec.it_value.tv_sec = static_cast<time_t>(ns / 1'000'000'000);
    spec.it_value.tv_nsec = static_cast<long>(ns % 1'000'000'000);
  }
  // Cannot fail with a valid descriptor and a normalised time.
  ::timerfd_settime(fd_.get(), TFD_TIMER_ABSTIME, &spec, nullptr);
  armed_ = when;
}

void TimerFd::acknowledge() noexcept {
  std::uint64_t expirations = 0;
  // EAGAIN when it has not fired: harmless, the epoll wake-up was for something else.
  [[maybe_unused]] const ssize_t n = ::read(fd_.get(), &expirations, sizeof expirations);
  // A one-shot timer that fired is no longer armed, whatever deadline it had.
  if (n == static_cast<ssize_t>(sizeof expirations)) armed_.reset();
}

}  // namespace tapstack
