#include "tap/child_process.hpp"

#include "tap/errors.hpp"
#include "tap/program_path.hpp"
#include "tap/unique_fd.hpp"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <exception>
#include <string_view>
#include <thread>
#include <utility>

namespace tapstack {
namespace {

[[noreturn]] void fail(int err, std::string action) {
  throw SetupError(SetupFailure{SetupStep::start_process, err, std::move(action), {}, {}});
}

// errno, read before anything else can change it (the order of a call's arguments is unspecified).
[[noreturn]] void fail_errno(std::string_view action) {
  const int err = errno;
  fail(err, std::string(action));
}

// In the child, straight after fork: async-signal-safe calls only.
void prepare_child(const SpawnOptions& options, pid_t parent) noexcept {
  if (options.unblock != nullptr) {
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    ::sigemptyset(&dfl.sa_mask);
    for (int s = 1; s < NSIG; ++s)
      if (::sigismember(&options.unblock->signals(), s) == 1) ::sigaction(s, &dfl, nullptr);
    ::sigprocmask(SIG_SETMASK, &options.unblock->previous_mask(), nullptr);
  }
  if (options.parent_death_signal != 0) {
    ::prctl(PR_SET_PDEATHSIG, options.parent_death_signal);
    if (::getppid() != parent) ::_exit(1);  // the parent died before prctl took effect
  }
}

}  // namespace

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)), status_(std::exchange(other.status_, std::nullopt)) {}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    kill_and_reap();
    pid_ = std::exchange(other.pid_, -1);
    status_ = std::exchange(other.status_, std::nullopt);
  }
  return *this;
}

ChildProcess::~ChildProcess() { kill_and_reap(); }

void ChildProcess::kill_and_reap() noexcept {
  if (!running()) return;
  ::kill(pid_, SIGKILL);
  int ws = 0;
  pid_t r = 0;
  do r = ::waitpid(pid_, &ws, 0);
  while (r < 0 && errno == EINTR);
  if (r == pid_) status_ = ExitStatus::from_wait_status(ws);
}

void ChildProcess::signal(int sig) const noexcept {
  if (running()) ::kill(pid_, sig);
}

std::optional<ExitStatus> ChildProcess::wait_for(std::chrono::milliseconds timeout) {
  using namespace std::chrono_literals;
  if (!running()) return status_;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::chrono::milliseconds pause = 1ms;
  for (;;) {
    int ws = 0;
    const pid_t r = ::waitpid(pid_, &ws, WNOHANG);
    if (r == pid_) {
      status_ = ExitStatus::from_wait_status(ws);
      return status_;
    }
    if (r < 0 && errno != EINTR) {
      pid_ = -1;  // ECHILD: reaped behind our back, so its pid is no longer ours to signal
      return std::nullopt;
    }
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(pause, deadline - now));
    pause = std::min(pause * 2, std::chrono::milliseconds(50));
  }
}

ChildProcess ChildProcess::exec_self(const std::vector<std::string>& args, const SpawnOptions& options) {
  return spawn_exec("/proc/self/exe", args, options);
}

ChildProcess ChildProcess::exec_program(const std::vector<std::string>& args, const SpawnOptions& options) {
  if (args.empty()) fail(EINVAL, "cannot run a program without a name");
  const auto path = find_program_on_path(args[0]);
  if (!path) fail(ENOENT, "cannot run " + args[0]);
  return spawn_exec(*path, args, options);
}

ChildProcess ChildProcess::fork_call(const std::function<int()>& body, const SpawnOptions& options) {
  std::fflush(nullptr);  // or what is buffered now would be written twice
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) fail_errno("cannot start a child process");
  if (pid == 0) {
    prepare_child(options, parent);
    int code = 1;
    try {
      code = body();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "%s\n", e.what());
    } catch (...) {
      std::fprintf(stderr, "a child process failed\n");
    }
    std::fflush(nullptr);
    ::_exit(code & 0xff);
  }
  return ChildProcess(pid);
}

ChildProcess ChildProcess::spawn_exec(const std::string& path, const std::vector<std::string>& args, const SpawnOptions& options) {
  if (args.empty()) fail(EINVAL, "cannot run " + path + " without a name");
  const std::string action = "cannot run " + args[0];
  // Built before the fork: the child only makes async-signal-safe calls.
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  // The exec's errno comes back through this pipe; a successful exec closes it, and the
  // parent's read returns 0.
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) fail_errno(action);
  UniqueFd read_end(fds[0]);
  UniqueFd write_end(fds[1]);

  std::fflush(nullptr);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) fail_errno(action);
  if (pid == 0) {
    prepare_child(options, parent);
    ::execv(path.c_str(), argv.data());
    const int err = errno;
    if (::write(write_end.get(), &err, sizeof err) < 0) {
      // Nothing better to do: the parent then sees exit status 127.
    }
    ::_exit(127);
  }
  write_end.reset();
  ChildProcess child(pid);
  int err = 0;
  ssize_t n = 0;
  do n = ::read(read_end.get(), &err, sizeof err);
  while (n < 0 && errno == EINTR);
  if (n == static_cast<ssize_t>(sizeof err)) fail(err, action);  // child is reaped on the way out
  return child;
}

bool reap_children(std::initializer_list<ChildProcess*> tracked) {
  for (;;) {
    int ws = 0;
    const pid_t pid = ::waitpid(-1, &ws, WNOHANG);
    if (pid > 0) {
      for (ChildProcess* c : tracked)
        if (c != nullptr && c->running() && c->pid_ == pid) c->status_ = ExitStatus::from_wait_status(ws);
      continue;
    }
    if (pid == 0) return true;  // some still run
    if (errno == EINTR) continue;
    return errno != ECHILD;
  }
}

void become_child_subreaper() {
  if (::prctl(PR_SET_CHILD_SUBREAPER, 1) != 0)
    throw SetupError(SetupFailure{SetupStep::start_process, errno, "cannot become a child subreaper", {}, {}});
}

}  // namespace tapstack
