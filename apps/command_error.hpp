#pragma once
#include <stdexcept>
#include <string>

namespace tapstack {

// Exit statuses: 0 done, 1 a run-time failure (the kernel said no, a file is unreadable), 2 a
// usage error (the command line itself is wrong), as grep, diff and iproute2's tools use them.
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

// Thrown by a subcommand for an error a person caused or can fix; main prints
// "tapstack <command>: <message>" on one line and exits with exit_code.
struct CommandError : std::runtime_error {
  explicit CommandError(const std::string& message, int code = kExitFailure)
      : std::runtime_error(message), exit_code(code) {}
  int exit_code;
};

// A command line that cannot work whatever the system allows: "--ip: prefix /0 is out of
// range". Most are caught while parsing (checks:: in apps/stack_options.hpp); this is for the
// few that only a command's own code can see, such as two options that contradict each other.
struct UsageError : CommandError {
  explicit UsageError(const std::string& message) : CommandError(message, kExitUsage) {}
};

}  // namespace tapstack
