#pragma once
#include <stdexcept>
#include <string>

namespace tapstack {

// Thrown by a subcommand for an error a person caused or can fix; main prints
// "tapstack <command>: <message>" on one line and exits with exit_code.
struct CommandError : std::runtime_error {
  explicit CommandError(const std::string& message, int code = 1) : std::runtime_error(message), exit_code(code) {}
  int exit_code;
};

}  // namespace tapstack
