#pragma once
// Signals taken synchronously: blocked for the process while this object lives, and collected
// one at a time by wait(), with a bound, instead of running code in a handler. A supervisor that
// only sleeps until a child ends or Ctrl-C arrives needs no descriptor and no event loop for that
// (SignalFd is the same idea for a loop that waits on descriptors anyway). Child processes
// started meanwhile inherit the signals blocked; SpawnOptions::unblock gives them the old mask.
//
// The signal constants (SIGINT, SIGTERM, ...) come with this header.
#include <signal.h>

#include <chrono>
#include <initializer_list>
#include <optional>

namespace tapstack {

class BlockedSignals {
 public:
  // Blocks signals. Throws SetupError (event_loop).
  explicit BlockedSignals(std::initializer_list<int> signals);
  ~BlockedSignals();  // restores the mask from before; a signal still pending is delivered then
  BlockedSignals(const BlockedSignals&) = delete;
  BlockedSignals& operator=(const BlockedSignals&) = delete;

  // Takes the next of these signals (sigtimedwait(2)): the first pending one at once, or the
  // first to arrive within timeout; nullopt when none does (a timeout <= 0 only polls). Also
  // nullopt, early, when another signal interrupts the wait: callers loop on their own clock.
  std::optional<int> wait(std::chrono::milliseconds timeout) const noexcept;

  // The signals blocked here, and the mask from before they were (what a child gets back).
  const sigset_t& signals() const noexcept { return set_; }
  const sigset_t& previous_mask() const noexcept { return previous_; }

 private:
  sigset_t set_{};
  sigset_t previous_{};
};

}  // namespace tapstack
