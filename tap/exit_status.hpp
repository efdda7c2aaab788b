#pragma once
// How a child process ended, put into terms a caller can act on. waitpid(2) packs "exited with
// code N" and "killed by signal N" into one int behind macros; this unpacks it once, so no caller
// needs <sys/wait.h>, and says it the way a shell would ($? is 128+N for signal N).
#include <optional>
#include <string>

namespace tapstack {

struct ExitStatus {
  std::optional<int> code;    // its exit code (0-255), when it exited
  std::optional<int> signal;  // the signal that ended it, when one did

  // From the status waitpid(2) reported.
  static ExitStatus from_wait_status(int wait_status) noexcept;

  bool succeeded() const noexcept { return code == 0; }
  // What a shell's $? would say: the code, or 128 + the signal number.
  int shell_code() const noexcept;
  // "exit status 1", "signal Terminated".
  std::string describe() const;

  friend bool operator==(const ExitStatus&, const ExitStatus&) = default;
};

}  // namespace tapstack
