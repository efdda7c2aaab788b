#include "tap/clock.hpp"

#include <time.h>

namespace tapstack {
namespace {

std::int64_t read_ns(clockid_t clock) noexcept {
  timespec ts{};
  ::clock_gettime(clock, &ts);  // cannot fail for these two clocks
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

}  // namespace

Instant monotonic_now() noexcept { return instant_from_ns(read_ns(CLOCK_MONOTONIC)); }

Duration wall_clock_offset() noexcept {
  const std::int64_t mono = read_ns(CLOCK_MONOTONIC);
  return Duration{read_ns(CLOCK_REALTIME) - mono};
}

}  // namespace tapstack
