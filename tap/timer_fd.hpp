#pragma once
// A CLOCK_MONOTONIC timer as a descriptor, so the stack's next deadline wakes the epoll loop.
#include "stack/time.hpp"
#include "tap/unique_fd.hpp"

#include <optional>

namespace tapstack {

class TimerFd {
 public:
  TimerFd();  // throws SetupError (event_loop)

  int fd() const { return fd_.get(); }
  // Fires once at when (a monotonic_now() Instant); a time already past fires at once.
  // nullopt disarms. Re-arming to the same deadline is free.
  void arm(std::optional<Instant> when) noexcept;
  // Consumes the expiry so the descriptor stops being readable.
  void acknowledge() noexcept;

 private:
  UniqueFd fd_;
  std::optional<Instant> armed_;
};

}  // namespace tapstack
