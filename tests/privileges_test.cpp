// tap/privileges and tap/seccomp_filter: the allow-list's contents, account resolution, the error
// lines, and — in forked children, so the test runner keeps its own privileges — that the filter
// bites: a forbidden call kills the process with SIGSYS, an allowed one does not.
#include "tap/errors.hpp"
#include "tap/privileges.hpp"
#include "tap/seccomp_filter.hpp"

#include <catch2/catch.hpp>

#include <pwd.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <set>
#include <string>

using namespace tapstack;

namespace {

bool contains(const std::string& s, std::string_view part) { return s.find(part) != std::string::npos; }

bool allowed(std::string_view name) {
  for (const AllowedSyscall& s : seccomp_allow_list())
    if (s.name == name) return true;
  return false;
}

// Allowed only for the sanitizer runtime, in a build with sanitizers (seccomp_filter.cpp).
bool allowed_for_sanitizers_only(std::string_view name) {
  for (const AllowedSyscall& s : seccomp_allow_list())
    if (s.name == name) return seccomp_sanitizer_build() && s.why.starts_with("asan: ");
  return false;
}

// Runs body in a child and returns its wait status. body returns the child's exit code; the
// child leaves through _exit, never through the test runner's code.
template <class F>
int in_child(F&& body) {
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) ::_exit(body());
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  return status;
}

bool killed_by_sigsys(int status) { return WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS; }
bool exited(int status, int code) { return WIFEXITED(status) && WEXITSTATUS(status) == code; }

int filtered(int (*after)()) {
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) return 90;
  try {
    install_seccomp_filter();
  } catch (...) {
    return 91;
  }
  return after();
}

}  // namespace

TEST_CASE("seccomp allow-list: every entry is a real system call, listed once, with a reason") {
  std::set<std::string_view> seen;
  for (const AllowedSyscall& s : seccomp_allow_list()) {
    INFO(s.name);
    CHECK(seccomp_syscall_resolve_name(std::string(s.name).c_str()) != __NR_SCMP_ERROR);
    CHECK(seen.insert(s.name).second);
    CHECK(s.why.size() > 3);
  }
  for (const char* needed : {"read", "write", "epoll_wait", "timerfd_settime", "close", "exit_group", "brk", "mmap"})
    CHECK(allowed(needed));
}

TEST_CASE("seccomp allow-list: nothing that opens, connects, executes, forks or changes identity") {
  // (A build with sanitizers lets their runtime open, clone and ptrace for the leak check at exit.)
  for (const char* forbidden : {"socket", "connect", "bind", "open", "openat", "openat2", "creat", "execve", "execveat",
                                "mprotect", "ioctl", "setuid", "setresuid", "setgroups", "capset", "prctl", "seccomp",
                                "kill", "unlink", "unlinkat", "rename", "chmod", "mount", "bpf", "io_uring_setup",
                                "epoll_ctl", "sendto", "recvfrom", "fork", "vfork", "clone", "clone3", "ptrace"}) {
    INFO(forbidden);
    if (allowed_for_sanitizers_only(forbidden)) continue;
    CHECK_FALSE(allowed(forbidden));
  }
}

TEST_CASE("seccomp filter: a forbidden call kills the process with SIGSYS") {
  const int status = in_child([] { return filtered([] { return ::socket(AF_INET, SOCK_DGRAM, 0) >= 0 ? 0 : 1; }); });
  INFO("wait status " << status);
  CHECK(killed_by_sigsys(status));
}

TEST_CASE("seccomp filter: opening a file kills, even one that exists") {
  const int status = in_child([] { return filtered([] { return ::open("/etc/passwd", O_RDONLY) >= 0 ? 0 : 1; }); });
  INFO("wait status " << status);
  CHECK(killed_by_sigsys(status));
}

TEST_CASE("seccomp filter: mmap of executable memory kills, plain memory does not") {
  const int plain = in_child([] {
    return filtered([] {
      void* p = ::mmap(nullptr, 65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      return p == MAP_FAILED ? 1 : 0;
    });
  });
  CHECK(exited(plain, 0));
  const int exec = in_child([] {
    return filtered([] {
      void* p = ::mmap(nullptr, 65536, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      return p == MAP_FAILED ? 1 : 0;
    });
  });
  CHECK(killed_by_sigsys(exec));
}

int pipe_fds[2] = {-1, -1};

TEST_CASE("seccomp filter: the loop's own calls pass: read, write, clocks, memory, close, exit") {
  const int status = in_child([] {
    if (::pipe(pipe_fds) < 0) return 80;  // before the filter, as set-up opens its descriptors
    return filtered([] {
      const char out = 'x';
      char in = 0;
      if (::write(pipe_fds[1], &out, 1) != 1 || ::read(pipe_fds[0], &in, 1) != 1 || in != 'x') return 81;
      timespec ts{};
      if (::syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts) < 0) return 82;  // the call, not the vDSO
      void* big = std::malloc(4 << 20);  // mmap and munmap
      if (big == nullptr) return 83;
      std::memset(big, 1, 4 << 20);
      std::free(big);
      for (int i = 0; i < 1000; ++i) std::free(std::malloc(1000));  // brk
      ::close(pipe_fds[0]);
      ::close(pipe_fds[1]);
      return 0;
    });
  });
  INFO("wait status " << status);
  CHECK(exited(status, 0));
}

TEST_CASE("seccomp filter: abort() still dies of SIGABRT, not SIGSYS (a failed assertion reads as one)") {
  const int status = in_child([] {
    std::signal(SIGABRT, SIG_DFL);  // Catch2's handler off, before the filter (rt_sigaction is not on it)
    return filtered([]() -> int { std::abort(); });
  });
  INFO("wait status " << status);
  CHECK((WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT));
}

TEST_CASE("accounts: --user nobody resolves to its uid and, by default, its primary group") {
  const passwd* pw = ::getpwnam("nobody");
  if (pw == nullptr) {
    WARN("no user nobody on this system");
    return;
  }
  PrivilegeOptions opts;
  opts.user = "nobody";
  const auto target = resolve_target_account(opts);
  REQUIRE(target);
  CHECK(target->uid == pw->pw_uid);
  CHECK(target->gid == pw->pw_gid);
  CHECK(contains(target->description, "nobody (uid " + std::to_string(pw->pw_uid) + ")"));

  opts.group = "0";
  CHECK(resolve_target_account(opts)->gid == 0);
}

TEST_CASE("accounts: no --user means no switch; an unknown name or --group alone is a find_account error") {
  CHECK_FALSE(resolve_target_account(PrivilegeOptions{}));
  PrivilegeOptions unknown;
  unknown.user = "no-such-user-tapstack";
  try {
    resolve_target_account(unknown);
    FAIL("an unknown user resolved");
  } catch (const SetupError& e) {
    CHECK(e.step() == SetupStep::find_account);
    CHECK(contains(e.what(), "no-such-user-tapstack"));
  }
  PrivilegeOptions group_alone;
  group_alone.group = "nogroup";
  CHECK_THROWS_AS(resolve_target_account(group_alone), SetupError);
}

TEST_CASE("privileges: not permitted to switch says which capabilities and what to do, on one line") {
  const auto l = setup_failure_line(
      SetupFailure{SetupStep::drop_privileges, EPERM, "cannot switch to user nobody (uid 65534)", {}, {}});
  CHECK(contains(l, "cannot switch to user nobody (uid 65534): operation not permitted"));
  CHECK(contains(l, "CAP_SETUID and CAP_SETGID"));
  CHECK(contains(l, "sudo"));
  CHECK(contains(l, "leave out --user"));
  CHECK_FALSE(contains(l, "\n"));
  const auto s = setup_failure_line(SetupFailure{SetupStep::install_seccomp, EINVAL, "cannot install the seccomp filter", {}, {}});
  CHECK(contains(s, "--no-seccomp"));
}

TEST_CASE("privileges: as root, drop_privileges leaves nobody without capabilities, under the filter") {
  if (::geteuid() != 0 || ::getpwnam("nobody") == nullptr) {
    WARN("needs root and a user nobody");
    return;
  }
  const int status = in_child([] {
    PrivilegeOptions opts;
    opts.user = "nobody";
    try {
      drop_privileges(opts);
    } catch (...) {
      return 70;
    }
    uid_t r, e, s;
    ::getresuid(&r, &e, &s);  // getresuid is not on the list: this call itself must kill
    return 71;
  });
  INFO("wait status " << status);
  CHECK(killed_by_sigsys(status));

  const int no_filter = in_child([] {
    PrivilegeOptions opts;
    opts.user = "nobody";
    opts.seccomp = false;
    try {
      drop_privileges(opts);
    } catch (...) {
      return 70;
    }
    const passwd* pw = ::getpwnam("nobody");
    if (::getuid() != pw->pw_uid || ::geteuid() != pw->pw_uid) return 72;
    if (::setuid(0) == 0) return 73;
    if (::prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1) return 74;
    if (has_effective_capability(0) || has_effective_capability(12)) return 75;
    return 0;
  });
  INFO("wait status " << no_filter);
  CHECK(exited(no_filter, 0));
}
