#pragma once
// Signals as a descriptor (signalfd(2)): the loop reads SIGINT like any other input instead of
// running code in a handler. The signals are blocked for the process while this object lives,
// which also means child processes started meanwhile inherit them blocked.
#include "tap/unique_fd.hpp"

#include <signal.h>

#include <initializer_list>
#include <optional>

namespace tapstack {

class SignalFd {
 public:
  // Blocks signals and routes them to fd(). Throws SetupError (event_loop).
  explicit SignalFd(std::initializer_list<int> signals);
  ~SignalFd();  // restores the previous signal mask
  SignalFd(const SignalFd&) = delete;
  SignalFd& operator=(const SignalFd&) = delete;

  int fd() const { return fd_.get(); }
  // The next pending signal, or nullopt when none is.
  std::optional<int> read() noexcept;

 private:
  sigset_t previous_{};
  UniqueFd fd_;
};

}  // namespace tapstack
