#pragma once
// Readiness of a few descriptors, level-triggered: a descriptor left readable (a read budget
// ran out) is reported again on the next wait, so nothing is lost by stopping early.
#include "tap/unique_fd.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>

namespace tapstack {

struct ReadyEvent {
  std::uint64_t token = 0;  // what add() was given for the descriptor
  bool hangup_or_error = false;
};

// What a descriptor is watched for. Output readiness is for a socket that has something to
// finish sending (a TCP connect in progress, a frame the send buffer took only part of).
enum class Interest { input, input_output };

class Epoll {
 public:
  Epoll();  // throws SetupError (event_loop)

  // Watches fd for input (and output); token comes back in ReadyEvent. Throws SetupError. A
  // descriptor leaves the set when it is closed.
  void add(int fd, std::uint64_t token, Interest interest = Interest::input);
  // Changes what fd, already added, is watched for. Throws SetupError.
  void modify(int fd, std::uint64_t token, Interest interest);
  // Waits for input, at most timeout (nullopt: indefinitely). Empty when interrupted or timed
  // out. The span is valid until the next call. Throws SetupError only on a broken descriptor.
  std::span<const ReadyEvent> wait(std::optional<std::chrono::milliseconds> timeout);

 private:
  UniqueFd fd_;
  std::array<ReadyEvent, 8> ready_{};
};

}  // namespace tapstack
