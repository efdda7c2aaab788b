#pragma once
// A child process we started and answer for. It cannot outlive us (a parent-death signal), it
// starts with the signal mask we had before blocking signals for ourselves, it is reaped exactly
// once with its status kept here, and it is never signalled once reaped (its pid may belong to
// someone else by then). Destroying one that still runs kills and reaps it, so an error path
// leaves nothing behind.
#include "tap/blocked_signals.hpp"
#include "tap/exit_status.hpp"

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

namespace tapstack {

struct SpawnOptions {
  // Sent to the child when we die (PR_SET_PDEATHSIG); 0 for none.
  int parent_death_signal = SIGKILL;
  // When set, the child gets back the signal mask from before these were blocked, and their
  // default dispositions: a program it runs sees signals as if we had never touched them.
  const BlockedSignals* unblock = nullptr;
};

class ChildProcess {
 public:
  ChildProcess() = default;  // no process
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;  // a running child it held is killed first
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();  // a child still running is killed (SIGKILL) and reaped

  // This very program again, through /proc/self/exe (the file that is running, even if it was
  // rebuilt since), with args as its argv. Throws SetupError (start_process), also when the exec
  // fails: the child reports that through a close-on-exec pipe, so a returned child is running
  // the program.
  static ChildProcess exec_self(const std::vector<std::string>& args, const SpawnOptions& options = {});
  // args[0] found on $PATH (find_program_on_path) and run with args. Throws as exec_self.
  static ChildProcess exec_program(const std::vector<std::string>& args, const SpawnOptions& options = {});
  // A copy of this process that calls body, then exits with what it returned, without running
  // this process's destructors or atexit handlers (stdio is flushed before the fork and after
  // body). An exception escaping body is printed on stderr and exits 1. Meant for a
  // single-threaded process. Throws SetupError (start_process) when fork fails.
  static ChildProcess fork_call(const std::function<int()>& body, const SpawnOptions& options = {});

  pid_t pid() const noexcept { return pid_; }
  bool running() const noexcept { return pid_ > 0 && !status_; }  // started and not reaped yet
  const std::optional<ExitStatus>& status() const noexcept { return status_; }  // once reaped

  // kill(2) while it runs; nothing once it is reaped, or when there is no process.
  void signal(int sig) const noexcept;
  // Reaps it once it has ended, waiting at most timeout (polling, so it works whatever the
  // signal mask); its status, or nullopt while it still runs. A child that something else reaped
  // (waitpid(-1) outside reap_children) counts as gone, with no status.
  std::optional<ExitStatus> wait_for(std::chrono::milliseconds timeout);

 private:
  friend bool reap_children(std::initializer_list<ChildProcess*> tracked);
  explicit ChildProcess(pid_t pid) : pid_(pid) {}
  static ChildProcess spawn_exec(const std::string& path, const std::vector<std::string>& args, const SpawnOptions& options);
  void kill_and_reap() noexcept;

  pid_t pid_ = -1;
  std::optional<ExitStatus> status_;
};

// Reaps every child that has ended, without waiting: a tracked one keeps its status; any other
// (an orphan we adopted as a subreaper, see below) is just collected. False once this process
// has no child left at all, tracked or not.
bool reap_children(std::initializer_list<ChildProcess*> tracked);

// Orphans of our descendants are re-parented to us rather than to init (PR_SET_CHILD_SUBREAPER),
// so that a supervisor sees, and reaps, every process below it. Throws SetupError (start_process).
void become_child_subreaper();

}  // namespace tapstack
