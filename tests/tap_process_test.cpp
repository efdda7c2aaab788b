// Child processes and blocked signals, without privileges: /bin/true, /bin/false and sleep.
#include "tap/blocked_signals.hpp"
#include "tap/child_process.hpp"
#include "tap/errors.hpp"
#include "tap/exit_status.hpp"

#include <catch2/catch.hpp>

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <stdexcept>
#include <string>

using namespace tapstack;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

bool contains(const std::string& s, std::string_view part) { return s.find(part) != std::string::npos; }

bool blocked_now(int sig) {
  sigset_t now;
  ::sigprocmask(SIG_SETMASK, nullptr, &now);
  return ::sigismember(&now, sig) == 1;
}

}  // namespace

TEST_CASE("tap process: /bin/true succeeds, /bin/false exits 1, both in words") {
  auto t = ChildProcess::exec_program({"true"});
  const auto ts = t.wait_for(10s);
  REQUIRE(ts);
  CHECK(ts->succeeded());
  CHECK(ts->code == 0);
  CHECK_FALSE(ts->signal);
  CHECK(ts->describe() == "exit status 0");
  CHECK_FALSE(t.running());

  auto f = ChildProcess::exec_program({"false"});
  const auto fs = f.wait_for(10s);
  REQUIRE(fs);
  CHECK_FALSE(fs->succeeded());
  CHECK(fs->code == 1);
  CHECK(fs->shell_code() == 1);
  CHECK(fs->describe() == "exit status 1");
}

TEST_CASE("tap process: a child killed by a signal says which, and a shell's 128+N") {
  auto c = ChildProcess::exec_program({"sleep", "30"});
  CHECK(c.running());
  // Bounded: nothing yet after 100 ms, and the wait took about that long.
  const auto t0 = Clock::now();
  CHECK_FALSE(c.wait_for(100ms));
  CHECK(Clock::now() - t0 >= 95ms);
  CHECK(c.running());
  c.signal(SIGTERM);
  const auto s = c.wait_for(10s);
  REQUIRE(s);
  CHECK(s->signal == SIGTERM);
  CHECK_FALSE(s->code);
  CHECK_FALSE(s->succeeded());
  CHECK(s->shell_code() == 128 + SIGTERM);
  CHECK(s->describe() == "signal Terminated");
  c.signal(SIGKILL);  // reaped: nothing is sent, its pid may be someone else's now
  CHECK(c.status() == s);
}

TEST_CASE("tap process: the wait status is unpacked once, the raw encoding never leaves tap/") {
  CHECK(ExitStatus::from_wait_status(0) == ExitStatus{0, std::nullopt});
  CHECK(ExitStatus::from_wait_status(3 << 8) == ExitStatus{3, std::nullopt});
  CHECK(ExitStatus::from_wait_status(SIGKILL) == ExitStatus{std::nullopt, SIGKILL});
  CHECK(ExitStatus{}.describe() == "an unknown status");
}

TEST_CASE("tap process: a program that is not there, or not a program, fails in the parent with its errno") {
  try {
    ChildProcess::exec_program({"tapstack-test-no-such-program"});
    FAIL("no exception");
  } catch (const SetupError& e) {
    CHECK(e.step() == SetupStep::start_process);
    CHECK(e.error() == ENOENT);
    CHECK(contains(e.what(), "cannot run tapstack-test-no-such-program: no such program"));
  }
  // A path is not searched, and the exec's own errno comes back through the pipe (even root may
  // not execute a file without any x bit).
  try {
    ChildProcess::exec_program({"/etc/passwd"});
    FAIL("no exception");
  } catch (const SetupError& e) {
    CHECK(e.error() == EACCES);
    CHECK(contains(e.what(), "cannot run /etc/passwd: permission denied"));
  }
}

TEST_CASE("tap process: exec_self runs this very program with the arguments given") {
  // Catch2 lists the tests matching a name that none has: none, and exits 0.
  auto c = ChildProcess::exec_self({"tap_tests", "--list-test-names-only", "no test is called this"});
  const auto s = c.wait_for(30s);
  REQUIRE(s);
  CHECK(s->succeeded());
}

TEST_CASE("tap process: fork_call exits with the body's value; an exception exits 1") {
  auto seven = ChildProcess::fork_call([] { return 7; });
  auto thrown = ChildProcess::fork_call([]() -> int { throw std::runtime_error("tap process test: thrown in the child"); });
  const auto s7 = seven.wait_for(10s);
  const auto st = thrown.wait_for(10s);
  REQUIRE(s7);
  REQUIRE(st);
  CHECK(s7->code == 7);
  CHECK(st->code == 1);
}

TEST_CASE("tap process: destroying a running child kills and reaps it") {
  pid_t pid = -1;
  {
    auto c = ChildProcess::exec_program({"sleep", "30"});
    pid = c.pid();
    REQUIRE(pid > 0);
  }
  errno = 0;
  CHECK(::kill(pid, 0) == -1);
  CHECK(errno == ESRCH);
}

TEST_CASE("tap process: reap_children records a tracked child, and says when none is left") {
  auto c = ChildProcess::exec_program({"true"});
  const auto give_up = Clock::now() + 10s;
  while (c.running() && Clock::now() < give_up) {
    reap_children({&c});
    if (c.running()) ::usleep(5000);
  }
  REQUIRE(c.status());
  CHECK(c.status()->succeeded());
  CHECK_FALSE(reap_children({&c}));
}

TEST_CASE("tap signals: a bounded wait with nothing pending times out after about that long") {
  const BlockedSignals blocked{SIGUSR1};
  const auto t0 = Clock::now();
  CHECK_FALSE(blocked.wait(100ms));
  const auto waited = Clock::now() - t0;
  CHECK(waited >= 95ms);
  CHECK(waited < 5s);
  CHECK_FALSE(blocked.wait(-5ms));  // only polls
}

TEST_CASE("tap signals: a blocked signal waits, pending, to be taken") {
  REQUIRE_FALSE(blocked_now(SIGUSR1));
  {
    const BlockedSignals blocked{SIGUSR1, SIGUSR2};
    CHECK(blocked_now(SIGUSR1));
    ::raise(SIGUSR1);  // blocked: pending, not delivered
    CHECK(blocked.wait(0ms) == SIGUSR1);
    CHECK_FALSE(blocked.wait(0ms));
  }
  CHECK_FALSE(blocked_now(SIGUSR1));  // the mask from before
}

TEST_CASE("tap signals: a child gets the mask from before, or inherits ours") {
  REQUIRE_FALSE(blocked_now(SIGUSR2));
  const BlockedSignals blocked{SIGUSR2};
  auto probe = [] { return blocked_now(SIGUSR2) ? 1 : 0; };
  auto unblocked = ChildProcess::fork_call(probe, {.parent_death_signal = SIGKILL, .unblock = &blocked});
  auto inherited = ChildProcess::fork_call(probe);
  const auto u = unblocked.wait_for(10s);
  const auto i = inherited.wait_for(10s);
  REQUIRE(u);
  REQUIRE(i);
  CHECK(u->code == 0);
  CHECK(i->code == 1);
}
