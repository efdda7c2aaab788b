#pragma once
// The earliest instant any of the stack's timers may fall due, kept up to date as timers are
// set, so that Stack::next_deadline() — asked by the loop around every frame — is a load and a
// compare instead of a walk over every timer source.
//
// It errs early, never late. Each timer source reports every deadline it sets, through its one
// place that sets deadlines (the neighbour table's set_deadline, the fragment queues' list
// insertion, the path-MTU table's learn, DAD's due time), and a report can only pull the watch
// earlier. Only a full recomputation from the sources (at the end of Stack::on_timer) moves it
// later. So a timer that was cancelled or pushed back leaves the watch early: the loop wakes,
// on_timer finds nothing due (every source's on_timer is a no-op then) and recomputes — one
// spurious wake-up, nothing on the wire. A late watch would be a lost timer, and the only way to
// get one is a deadline set without a report, which tests/stack_timer_watch_test.cpp looks for.
#include "stack/time.hpp"

#include <optional>

namespace tapstack {

class TimerWatch {
 public:
  // A source set a timer for at (a new one, or one it moved).
  void timer_set(Instant at) {
    if (at < earliest_) earliest_ = at;
  }
  // The earliest deadline, freshly computed from every source.
  void recomputed(std::optional<Instant> earliest) { earliest_ = earliest.value_or(kNever); }
  // No later than the earliest deadline of any source; nullopt when no timer is set.
  std::optional<Instant> earliest() const {
    if (earliest_ == kNever) return std::nullopt;
    return earliest_;
  }

 private:
  static constexpr Instant kNever = Instant::max();
  Instant earliest_ = kNever;
};

// What a timer source holds: reports to the stack's watch, or to nobody when the source is used
// on its own (its unit tests, the fuzz targets).
class TimerReporter {
 public:
  explicit TimerReporter(TimerWatch* watch = nullptr) : watch_(watch) {}
  void timer_set(Instant at) const {
    if (watch_ != nullptr) watch_->timer_set(at);
  }

 private:
  TimerWatch* watch_;
};

}  // namespace tapstack
