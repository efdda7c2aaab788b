#include "tap/seccomp_filter.hpp"

#include "tap/errors.hpp"

#include <linux/futex.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <memory>
#include <string>
#include <utility>

#if defined(__SANITIZE_ADDRESS__)
#define TAPSTACK_SECCOMP_SANITIZERS 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TAPSTACK_SECCOMP_SANITIZERS 1
#endif
#endif

namespace tapstack {
namespace {

using namespace std::string_view_literals;

// Derived by tracing the loop (`strace -f` of run with --pcap under ping, ping -f, SIGUSR1,
// SIGTERM, and of the interface being deleted; of dump under ping and SIGINT): every call made
// after the last epoll_ctl is here, plus the few marked "never seen" that glibc may make on a
// path the traces did not take. Nothing here opens, creates or executes anything.
constexpr std::array kAllowList{
    // The loop itself.
    AllowedSyscall{"read"sv, "frames from the TAP, the timerfd's expiry count, signalfd records"sv},
    AllowedSyscall{"write"sv, "frames to the TAP, the pcap file (stdio), log lines and reports (stdout, stderr), "
                                   "the one reply to a control-socket connection (non-blocking; not sendto: no "
                                   "address can be named)"sv},
    AllowedSyscall{"writev"sv, "never seen: glibc's fatal-error messages (e.g. malloc's) go to stderr with it"sv},
    AllowedSyscall{"epoll_wait"sv, "the loop's wait (glibc's epoll_wait)"sv},
    AllowedSyscall{"epoll_pwait"sv, "never seen: the same wait, as other libcs and future glibc make it"sv},
    AllowedSyscall{"io_uring_enter"sv, "run --io uring: the replies' writes and the next read submitted, and the wait; "
                                        "inert without a ring, and none can be made (io_uring_setup is not here)"sv},
    AllowedSyscall{"timerfd_settime"sv, "re-arming the timer at the stack's next deadline"sv},
    AllowedSyscall{"clock_gettime"sv, "never seen: the clocks are read in the vDSO, unless the clocksource has none"sv},
    AllowedSyscall{"gettimeofday"sv, "never seen: the same, for the wall clock of log lines"sv},
    AllowedSyscall{"restart_syscall"sv, "never seen: the kernel's restart of a wait interrupted by a stop signal"sv},
    // The control socket (tap/control_socket.hpp), bound before the drop: `tapstack status`.
    AllowedSyscall{"accept4"sv, "taking a `tapstack status` connection off the control socket (non-blocking)"sv},
    AllowedSyscall{"getsockopt"sv, "SO_PEERCRED of that connection: only root or the instance's user may ask"sv},
    // Memory: the neighbour cache, reassembly buffers and held frames grow under traffic.
    AllowedSyscall{"brk"sv, "malloc growing and trimming the heap"sv},
    AllowedSyscall{"mmap"sv, "malloc's large blocks and stdio buffers; only without PROT_EXEC"sv},
    AllowedSyscall{"munmap"sv, "freeing them"sv},
    AllowedSyscall{"mremap"sv, "never seen: realloc of a large block"sv},
    AllowedSyscall{"madvise"sv, "never seen: free() returning memory of a large heap"sv},
    // Output streams and exit.
    AllowedSyscall{"newfstatat"sv, "stdio sizing a stream's buffer on its first write (stdout at the first report)"sv},
    AllowedSyscall{"fstat"sv, "never seen: the same, in glibc versions before 2.33"sv},
    AllowedSyscall{"lseek"sv, "never seen: stdio syncing a stream's offset when it is closed"sv},
    AllowedSyscall{"close"sv, "a control-socket connection once answered; at exit: the pcap file, the TAP (a transient one disappears), epoll, timerfd, signalfd"sv},
    AllowedSyscall{"rt_sigprocmask"sv, "at exit: SignalFd restoring the signal mask"sv},
    AllowedSyscall{"rt_sigreturn"sv, "return from a signal handler (the test hook's; none otherwise)"sv},
    AllowedSyscall{"futex"sv, "an error at exit: the first exception thrown completes a pthread_once in the "
                            "unwinder, which wakes waiters (there are none); only wait and wake operations"sv},
    AllowedSyscall{"exit_group"sv, "exit"sv},
    AllowedSyscall{"exit"sv, "exit of a thread"sv},
    // abort() (a failed assertion, std::terminate) still dies of SIGABRT, with its message.
    AllowedSyscall{"getpid"sv, "abort(): raise() names this process"sv},
    AllowedSyscall{"gettid"sv, "abort(): raise() names this thread"sv},
    AllowedSyscall{"tgkill"sv, "abort(): raise(SIGABRT); only SIGABRT, only to this process"sv},
#ifdef TAPSTACK_SECCOMP_SANITIZERS
    // AddressSanitizer's runtime, in a build with sanitizers only (the asan presets), never in a
    // release build: LeakSanitizer's check at exit stops the process with a tracer task to scan
    // its stacks and registers. Found by running the live tests with the default action set to
    // SCMP_ACT_LOG and reading the kernel's audit records (type=1326) until none came.
    AllowedSyscall{"clone"sv, "asan: LeakSanitizer's tracer task (CLONE_VM, no new program)"sv},
    AllowedSyscall{"ptrace"sv, "asan: the tracer stopping this process to read its registers"sv},
    AllowedSyscall{"wait4"sv, "asan: waiting for the tracer, and the tracer for the stopped threads"sv},
    AllowedSyscall{"prctl"sv, "asan: PR_SET_DUMPABLE around the check (--user made us undumpable), PR_SET_PDEATHSIG"sv},
    AllowedSyscall{"getppid"sv, "asan: the tracer checking that its parent lives"sv},
    AllowedSyscall{"open"sv, "asan: /proc/self/task and /proc/self/maps (the runtime opens with open, not openat)"sv},
    AllowedSyscall{"getdents"sv, "asan: listing /proc/self/task"sv},
    AllowedSyscall{"mprotect"sv, "asan: the guard page of the tracer's stack"sv},
    AllowedSyscall{"rt_sigaction"sv, "asan: the tracer's handlers for fatal signals"sv},
    AllowedSyscall{"sigaltstack"sv, "asan: the runtime's alternate signal stack"sv},
    AllowedSyscall{"sched_yield"sv, "asan: the runtime's spin locks"sv},
    AllowedSyscall{"pipe2"sv, "asan: checking that memory is readable by writing it to a pipe"sv},
#endif
};

// `tunnel --transport tcp`: a peer that goes away is reconnected (or accepted anew) inside the
// loop, and each new connection joins the epoll set. Traced as above, with the peer restarted
// and a bad length injected.
constexpr std::array kTcpTunnelAdditions{
    AllowedSyscall{"socket"sv, "tcp tunnel: a new connection to the peer; only AF_INET stream sockets"sv},
    AllowedSyscall{"setsockopt"sv, "tcp tunnel: SO_REUSEADDR, SO_LINGER (reset, never TIME_WAIT) and TCP_NODELAY on it"sv},
    AllowedSyscall{"bind"sv, "tcp tunnel: to --local, as at start"sv},
    AllowedSyscall{"connect"sv, "tcp tunnel: to --remote (non-blocking), and asking how it went"sv},
    AllowedSyscall{"epoll_ctl"sv, "tcp tunnel: the new connection into the loop's epoll set, and output interest while a "
                                  "frame is half sent"sv},
    AllowedSyscall{"sendmsg"sv, "tcp tunnel: a length and its frame in one call, with MSG_NOSIGNAL (no SIGPIPE when "
                                "the peer has gone)"sv},
};

// Everything not on the list kills the process (every thread), not just the calling thread.
constexpr std::uint32_t kDefaultAction = SCMP_ACT_KILL_PROCESS;

struct CtxDeleter {
  void operator()(scmp_filter_ctx ctx) const noexcept { seccomp_release(ctx); }
};
using Ctx = std::unique_ptr<void, CtxDeleter>;

[[noreturn]] void fail(int rc, const std::string& action) {
  // libseccomp returns -errno.
  throw SetupError(SetupFailure{SetupStep::install_seccomp, rc < 0 ? -rc : EINVAL, action, {}, {}});
}

void allow(scmp_filter_ctx ctx, std::string_view name) {
  const std::string n(name);
  const int nr = seccomp_syscall_resolve_name(n.c_str());
  if (nr == __NR_SCMP_ERROR) fail(-EINVAL, "cannot build the seccomp filter: unknown system call " + n);
  int rc = 0;
  if (name == "mmap") {
    // No new executable memory: mmap only when prot has no PROT_EXEC (and there is no mprotect).
    rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1, SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
  } else if (name == "futex") {
    // The plain wait and wake of locks and once-flags; not requeue, PI or the other operations.
    for (const int op : {FUTEX_WAIT, FUTEX_WAKE, FUTEX_WAIT_BITSET, FUTEX_WAKE_BITSET}) {
      rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1, SCMP_A1(SCMP_CMP_MASKED_EQ, static_cast<std::uint32_t>(FUTEX_CMD_MASK), static_cast<scmp_datum_t>(op)));
      if (rc < 0) break;
    }
  } else if (name == "socket") {
    rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 2, SCMP_A0(SCMP_CMP_EQ, AF_INET),
                          SCMP_A1(SCMP_CMP_MASKED_EQ, ~static_cast<scmp_datum_t>(SOCK_NONBLOCK | SOCK_CLOEXEC), SOCK_STREAM));
  } else if (name == "setsockopt") {
    const std::array<std::pair<int, int>, 3> options{
        {{SOL_SOCKET, SO_REUSEADDR}, {SOL_SOCKET, SO_LINGER}, {IPPROTO_TCP, TCP_NODELAY}}};
    for (const auto& [level, option] : options) {
      rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 2, SCMP_A1(SCMP_CMP_EQ, static_cast<scmp_datum_t>(level)),
                            SCMP_A2(SCMP_CMP_EQ, static_cast<scmp_datum_t>(option)));
      if (rc < 0) break;
    }
  } else if (name == "tgkill") {
    rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 2, SCMP_A0(SCMP_CMP_EQ, static_cast<scmp_datum_t>(::getpid())),
                          SCMP_A2(SCMP_CMP_EQ, SIGABRT));
  } else {
    rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
  }
  if (rc < 0) fail(rc, "cannot build the seccomp filter: rule for " + n);
}

}  // namespace

std::span<const AllowedSyscall> seccomp_allow_list() { return kAllowList; }

std::span<const AllowedSyscall> seccomp_tcp_tunnel_additions() { return kTcpTunnelAdditions; }

bool seccomp_sanitizer_build() noexcept {
#ifdef TAPSTACK_SECCOMP_SANITIZERS
  return true;
#else
  return false;
#endif
}

void install_seccomp_filter(SeccompProfile profile) {
  Ctx ctx(seccomp_init(kDefaultAction));
  if (!ctx) fail(-ENOMEM, "cannot build the seccomp filter");
  // A system call of another ABI (i386's int 0x80, x32) is a violation too.
  if (const int rc = seccomp_attr_set(ctx.get(), SCMP_FLTATR_ACT_BADARCH, kDefaultAction); rc < 0)
    fail(rc, "cannot build the seccomp filter");
  // Every thread, should a library ever start one.
  if (const int rc = seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_TSYNC, 1); rc < 0)
    fail(rc, "cannot build the seccomp filter");
  for (const AllowedSyscall& s : kAllowList) allow(ctx.get(), s.name);
  if (profile == SeccompProfile::tcp_tunnel)
    for (const AllowedSyscall& s : kTcpTunnelAdditions) allow(ctx.get(), s.name);
  if (const int rc = seccomp_load(ctx.get()); rc < 0) fail(rc, "cannot install the seccomp filter");
}

}  // namespace tapstack
