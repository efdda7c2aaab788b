#include "tap/exit_status.hpp"

#include <sys/wait.h>

#include <cstring>

namespace tapstack {

ExitStatus ExitStatus::from_wait_status(int wait_status) noexcept {
  ExitStatus s;
  if (WIFEXITED(wait_status)) s.code = WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) s.signal = WTERMSIG(wait_status);
  return s;
}

int ExitStatus::shell_code() const noexcept {
  if (code) return *code;
  if (signal) return 128 + *signal;
  return 1;  // neither: not a status of a process that ended
}

std::string ExitStatus::describe() const {
  if (code) return "exit status " + std::to_string(*code);
  if (signal) return std::string("signal ") + ::strsignal(*signal);
  return "an unknown status";
}

}  // namespace tapstack
