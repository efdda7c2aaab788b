// `tapstack demo`: the whole show in a throwaway network namespace, with nothing to set up.
//
//   demo (stays in the caller's namespaces; a child subreaper, so it reaps everything below it)
//    └─ namespace child: unshare(CLONE_NEWNET) as root, or CLONE_NEWUSER|CLONE_NEWNET rootless
//        ├─ tapstack run --tap tap0 --ip 10.0.0.2/24 --host-ip 10.0.0.1/24   (/proc/self/exe)
//        └─ ping -c N 10.0.0.2, once tap0 is up with 10.0.0.1                (the system's ping)
//
// The stack is the real `run` command, exec'd, not a copy of its loop. The namespace has no name
// and no bind mount: it lives exactly as long as the processes in it, so once they are reaped it
// is gone, however the demo ended (a parent-death signal covers the demo itself being killed).
// Every wait is bounded: ping by its -w deadline, everything else by the timeouts below.
#include "apps/command_error.hpp"
#include "apps/commands.hpp"

#include <CLI/CLI.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

namespace tapstack {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr const char* kIfName = "tap0";
constexpr const char* kStackIp = "10.0.0.2";
constexpr const char* kHostIp = "10.0.0.1";
constexpr auto kInterfaceTimeout = 15s;  // run's start-up, generous for a loaded machine or ASan
constexpr auto kShutdownTimeout = 10s;   // run's clean exit after SIGTERM, then SIGKILL
constexpr int kExitInterrupted = 130;    // the shell's convention for death by SIGINT

struct DemoOptions {
  unsigned count = 5;
  int verbosity = 0;
};

// The signals the demo waits for synchronously (sigtimedwait); children get the old mask back.
sigset_t waited_signals() {
  sigset_t set;
  sigemptyset(&set);
  for (int s : {SIGCHLD, SIGINT, SIGTERM, SIGHUP}) sigaddset(&set, s);
  return set;
}

// The next waited-for signal, or 0 when timeout passes first.
int wait_signal(const sigset_t& set, std::chrono::milliseconds timeout) {
  const auto ms = timeout.count() < 0 ? 0 : timeout.count();
  const timespec ts{static_cast<time_t>(ms / 1000), static_cast<long>((ms % 1000) * 1'000'000)};
  const int sig = sigtimedwait(&set, nullptr, &ts);
  return sig < 0 ? 0 : sig;
}

std::string errno_words(int err) { return std::strerror(err); }

std::optional<std::string> read_first_line(const char* path) {
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line)) return std::nullopt;
  return line;
}

bool on_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/bin:/bin";
  for (std::size_t start = 0; start <= dirs.size();) {
    const std::size_t end = std::min(dirs.find(':', start), dirs.size());
    const std::string dir = end > start ? dirs.substr(start, end - start) : ".";
    if (access((dir + "/" + program).c_str(), X_OK) == 0) return true;
    start = end + 1;
  }
  return false;
}

// CAP_NET_ADMIN and CAP_SYS_ADMIN in the effective set (capability(7) bits 12 and 21): enough for
// a plain network namespace with a TAP in it. Read from /proc rather than libcap, one line.
bool privileged() {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);) {
    if (!line.starts_with("CapEff:")) continue;
    const unsigned long long caps = std::strtoull(line.c_str() + 7, nullptr, 16);
    return (caps >> 12 & 1) != 0 && (caps >> 21 & 1) != 0;
  }
  return geteuid() == 0;
}

// Everything that can be known before forking, each refusal one line that says what to do.
void check_can_run(bool as_root) {
  if (!on_path("ping")) throw CommandError("the system's ping is not installed (Debian: `sudo apt-get install iputils-ping`)");
  struct stat st {};
  if (stat("/dev/net/tun", &st) != 0)
    throw CommandError("/dev/net/tun is missing: load the TUN/TAP driver with `sudo modprobe tun`");
  if (as_root) return;

  const char* sudo = "; run `sudo tapstack demo` instead";
  if (read_first_line("/proc/sys/kernel/unprivileged_userns_clone") == "0")
    throw CommandError(std::string("the kernel forbids unprivileged user namespaces (kernel.unprivileged_userns_clone=0)") + sudo +
                       ", or allow them: `sudo sysctl kernel.unprivileged_userns_clone=1`");
  if (read_first_line("/proc/sys/user/max_user_namespaces") == "0")
    throw CommandError(std::string("the kernel forbids user namespaces (user.max_user_namespaces=0)") + sudo +
                       ", or allow them: `sudo sysctl user.max_user_namespaces=15000`");
  if (read_first_line("/proc/sys/kernel/apparmor_restrict_unprivileged_userns") == "1")
    throw CommandError(std::string("AppArmor restricts unprivileged user namespaces "
                                   "(kernel.apparmor_restrict_unprivileged_userns=1)") + sudo);
  if (access("/dev/net/tun", R_OK | W_OK) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", st.st_mode & 07777u);
    throw CommandError(std::string("/dev/net/tun is mode ") + mode +
                       ", not open to you: the rootless demo needs it world-accessible (0666, Debian's default)" + sudo);
  }
}

// In the namespace child: one line on stderr, then out without running the parent's destructors.
[[noreturn]] void child_fail(const std::string& message, int code = 1) {
  std::fprintf(stderr, "tapstack demo: %s\n", message.c_str());
  _exit(code);
}

bool write_file(const char* path, const std::string& text) {
  const int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  close(fd);
  return ok;
}

// unshare(2) into a fresh network namespace; rootless, inside a new user namespace where this
// user is root (one-line uid/gid maps, as `unshare -r` writes them).
void enter_namespaces(bool as_root) {
  const uid_t uid = geteuid();
  const gid_t gid = getegid();
  if (as_root) {
    if (unshare(CLONE_NEWNET) != 0)
      child_fail("cannot create a network namespace: " + errno_words(errno) +
                 " (needs CAP_SYS_ADMIN; in a container, allow it, e.g. `docker run --cap-add SYS_ADMIN --cap-add NET_ADMIN`)");
    return;
  }
  if (unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0) {
    const int err = errno;
    child_fail("cannot create a user namespace: " + errno_words(err) +
               (err == ENOSPC ? " (user.max_user_namespaces reached)" : " (unprivileged user namespaces are disabled here)") +
               "; run `sudo tapstack demo` instead");
  }
  if (!write_file("/proc/self/setgroups", "deny") || !write_file("/proc/self/uid_map", "0 " + std::to_string(uid) + " 1\n") ||
      !write_file("/proc/self/gid_map", "0 " + std::to_string(gid) + " 1\n"))
    child_fail("cannot map your user into the new user namespace: " + errno_words(errno) + "; run `sudo tapstack demo` instead");
}

// After fork, before exec: the parent's signal handling undone, and a signal if the parent dies.
void prepare_exec(const sigset_t& original_mask, pid_t parent, int death_signal) {
  for (int s : {SIGINT, SIGTERM, SIGHUP}) ::signal(s, SIG_DFL);
  sigprocmask(SIG_SETMASK, &original_mask, nullptr);
  prctl(PR_SET_PDEATHSIG, death_signal);
  if (getppid() != parent) _exit(1);  // the parent died before prctl took effect
}

pid_t spawn(const std::vector<std::string>& args, const sigset_t& original_mask, int death_signal, bool search_path) {
  std::fflush(nullptr);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) child_fail("fork: " + errno_words(errno));
  if (pid > 0) return pid;
  prepare_exec(original_mask, parent, death_signal);
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  // /proc/self/exe is this very program, even if the file was rebuilt since it started.
  if (search_path)
    execvp(argv[0], argv.data());
  else
    execv("/proc/self/exe", argv.data());
  std::fprintf(stderr, "tapstack demo: cannot run %s: %s\n", args[0].c_str(), std::strerror(errno));
  _exit(127);
}

// True once the interface exists, is up and holds the host address: what --host-ip promises.
bool host_side_ready(int sock) {
  ifreq ifr{};
  std::memcpy(ifr.ifr_name, kIfName, std::strlen(kIfName) + 1);
  if (ioctl(sock, SIOCGIFFLAGS, &ifr) != 0 || (ifr.ifr_flags & IFF_UP) == 0) return false;
  if (ioctl(sock, SIOCGIFADDR, &ifr) != 0) return false;
  sockaddr_in sin{};
  std::memcpy(&sin, &ifr.ifr_addr, sizeof sin);
  in_addr want{};
  inet_pton(AF_INET, kHostIp, &want);
  return sin.sin_addr.s_addr == want.s_addr;
}

std::string describe_status(int status) {
  if (WIFEXITED(status)) return "exit status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return std::string("signal ") + strsignal(WTERMSIG(status));
  return "status " + std::to_string(status);
}

// A child of the namespace process, tracked until reaped.
struct Child {
  pid_t pid = -1;
  std::optional<int> status;
  bool running() const { return pid > 0 && !status; }
  void signal(int sig) const {
    if (running()) kill(pid, sig);
  }
};

// Collects the exit status of every child that has finished.
void reap(Child& a, Child& b) {
  int status = 0;
  for (pid_t pid; (pid = waitpid(-1, &status, WNOHANG)) > 0;) {
    if (pid == a.pid) a.status = status;
    if (pid == b.pid) b.status = status;
  }
}

// The namespace process: start the stack, wait for its interface, ping it, show the result, stop.
[[noreturn]] void run_in_namespace(const DemoOptions& opt, bool as_root, const sigset_t& original_mask) {
  enter_namespaces(as_root);
  const sigset_t waited = waited_signals();
  bool interrupted = false;
  Child stack;
  Child ping;
  auto on_signal = [&](int sig) {
    reap(stack, ping);  // on every wake-up, so a coalesced SIGCHLD is never missed
    if (sig != 0 && sig != SIGCHLD && !interrupted) {
      // Ctrl-C reaches the whole process group; a SIGTERM to the demo reaches only us: pass it on.
      interrupted = true;
      ping.signal(SIGTERM);
      stack.signal(SIGTERM);
    }
  };

  std::printf("demo: a new %snetwork namespace; tapstack on %s as %s/24, the host side %s/24\n",
              as_root ? "" : "user + ", kIfName, kStackIp, kHostIp);
  std::vector<std::string> run_args{"tapstack", "run", "--tap", kIfName, "--ip", std::string(kStackIp) + "/24",
                                    "--host-ip", std::string(kHostIp) + "/24"};
  if (opt.verbosity > 0) run_args.push_back(opt.verbosity > 1 ? "-vv" : "-v");
  stack.pid = spawn(run_args, original_mask, SIGTERM, false);

  const int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (sock < 0) child_fail("socket: " + errno_words(errno));
  const auto give_up = Clock::now() + kInterfaceTimeout;
  while (!interrupted && stack.running() && !host_side_ready(sock) && Clock::now() < give_up) on_signal(wait_signal(waited, 50ms));
  const bool ready = !interrupted && stack.running() && host_side_ready(sock);
  close(sock);

  if (ready) {
    const std::string count = std::to_string(opt.count);
    const std::string deadline = std::to_string(opt.count + 10);  // ping's own bound, in seconds
    std::printf("demo: $ ping -c %s -w %s %s\n", count.c_str(), deadline.c_str(), kStackIp);
    ping.pid = spawn({"ping", "-c", count, "-w", deadline, kStackIp}, original_mask, SIGTERM, true);
    // Bounded twice over: ping's -w, then ours a little later in case ping ignores it.
    const auto ping_kill_at = Clock::now() + std::chrono::seconds(opt.count + 15);
    while (ping.running()) {
      on_signal(wait_signal(waited, 200ms));
      if (!stack.running()) ping.signal(SIGTERM);  // nothing left to answer it
      if (Clock::now() > ping_kill_at) ping.signal(SIGKILL);
    }
  } else if (!interrupted) {
    if (stack.running()) {
      std::fprintf(stderr, "tapstack demo: %s did not come up with %s within %llds\n", kIfName, kHostIp,
                   static_cast<long long>(kInterfaceTimeout.count()));
    } else {
      std::fprintf(stderr, "tapstack demo: tapstack run stopped before %s came up (%s)\n", kIfName,
                   describe_status(*stack.status).c_str());
    }
  }

  // The stack's own view: on SIGTERM, run stops cleanly and prints its counters and ARP cache.
  if (stack.running() && !interrupted) {
    std::printf("demo: stopping tapstack; its counters and ARP cache:\n");
    std::fflush(stdout);
  }
  stack.signal(SIGTERM);
  const auto kill_at = Clock::now() + kShutdownTimeout;
  while (stack.running() && Clock::now() < kill_at) on_signal(wait_signal(waited, 200ms));
  if (stack.running()) {
    std::fprintf(stderr, "tapstack demo: tapstack run ignored SIGTERM for %llds; killing it\n",
                 static_cast<long long>(kShutdownTimeout.count()));
    stack.signal(SIGKILL);
    while (stack.running()) on_signal(wait_signal(waited, 200ms));
  }

  std::fflush(nullptr);
  if (interrupted) _exit(kExitInterrupted);
  const bool ping_ok = ping.status && WIFEXITED(*ping.status) && WEXITSTATUS(*ping.status) == 0;
  const bool stack_ok = WIFEXITED(*stack.status) && WEXITSTATUS(*stack.status) == 0;
  if (ready && !ping_ok) std::fprintf(stderr, "tapstack demo: ping did not get all %u replies\n", opt.count);
  if (ready && !stack_ok) std::fprintf(stderr, "tapstack demo: tapstack run ended with %s\n", describe_status(*stack.status).c_str());
  _exit(ready && ping_ok && stack_ok ? 0 : 1);
}

int run_demo(const DemoOptions& opt) {
  const bool as_root = privileged();
  check_can_run(as_root);

  // Orphans of the namespace child are re-parented to us, so that we reap every one of them.
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  const sigset_t waited = waited_signals();
  sigset_t original_mask;
  sigprocmask(SIG_BLOCK, &waited, &original_mask);

  std::fflush(nullptr);
  const pid_t self = getpid();
  const pid_t child = fork();
  if (child < 0) throw CommandError("fork: " + errno_words(errno));
  if (child == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != self) _exit(1);
    run_in_namespace(opt, as_root, original_mask);
  }

  std::optional<int> child_status;
  bool interrupted = false;
  std::optional<Clock::time_point> kill_at;
  // Until no child is left: the namespace child and anything orphaned below it.
  for (;;) {
    const int sig = wait_signal(waited, 500ms);
    if (sig == SIGINT || sig == SIGTERM || sig == SIGHUP) {
      if (!interrupted && !child_status) kill(child, SIGTERM);
      interrupted = true;
      if (!kill_at) kill_at = Clock::now() + kShutdownTimeout + 5s;
    }
    int status = 0;
    pid_t pid = 0;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
      if (pid == child) child_status = status;
    if (pid < 0 && errno == ECHILD) break;
    if (kill_at && Clock::now() > *kill_at && !child_status) {
      kill(child, SIGKILL);  // its children get their parent-death signal
      kill_at = Clock::now() + kShutdownTimeout;
    }
  }
  sigprocmask(SIG_SETMASK, &original_mask, nullptr);

  if (interrupted) {
    std::printf("demo: interrupted; every process reaped, the namespace is gone\n");
    return kExitInterrupted;
  }
  if (child_status && WIFEXITED(*child_status)) {
    const int code = WEXITSTATUS(*child_status);
    if (code == 0) std::printf("demo: done; every process reaped, the namespace is gone\n");
    return code;
  }
  std::fprintf(stderr, "tapstack demo: the namespace process ended with %s\n",
               child_status ? describe_status(*child_status).c_str() : "an unknown status");
  return 1;
}

}  // namespace

void add_demo_command(CLI::App& app) {
  auto opt = std::make_shared<DemoOptions>();
  auto* cmd = app.add_subcommand(
      "demo",
      "The whole show in a throwaway network namespace: tapstack on 10.0.0.2, the system's ping against it, "
      "the ARP cache and counters, then clean-up (as root, or rootless in a user namespace)");
  cmd->add_option("--count", opt->count, "Echo requests to send")->check(CLI::Range(1, 100))->capture_default_str();
  cmd->add_flag("-v,--verbose", opt->verbosity, "Show the stack's frame-by-frame log (-vv adds hex dumps)");
  cmd->callback([opt] {
    const int code = run_demo(*opt);
    // A quiet exit with that status: every reason has been printed already.
    if (code != 0) throw CLI::RuntimeError(code);
  });
}

}  // namespace tapstack
