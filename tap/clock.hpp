#pragma once
// The clocks the driver hands to the sans-IO core. The core never reads a clock itself.
#include "stack/time.hpp"

namespace tapstack {

// CLOCK_MONOTONIC as an Instant: the clock of the stack's timers and of TimerFd.
Instant monotonic_now() noexcept;

// CLOCK_REALTIME minus CLOCK_MONOTONIC, now: add it to a monotonic Instant for a wall-clock
// timestamp (pcap records carry Unix time; the stack's timers must not jump with NTP).
Duration wall_clock_offset() noexcept;

}  // namespace tapstack
