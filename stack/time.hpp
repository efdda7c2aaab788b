#pragma once
// Time as the core sees it: a point handed in by the caller. There is deliberately no now():
// the TAP loop passes CLOCK_MONOTONIC, replay passes capture timestamps, tests pass what they like.
#include <chrono>
#include <cstdint>

namespace tapstack {

struct StackClock {
  using duration = std::chrono::nanoseconds;
  using rep = duration::rep;
  using period = duration::period;
  using time_point = std::chrono::time_point<StackClock>;
  static constexpr bool is_steady = true;
};

using Instant = StackClock::time_point;
using Duration = StackClock::duration;

using std::chrono_literals::operator""ms;
using std::chrono_literals::operator""s;

constexpr Instant instant_from_ns(std::int64_t ns) { return Instant{Duration{ns}}; }
constexpr std::int64_t to_ns(Instant t) { return t.time_since_epoch().count(); }

}  // namespace tapstack
