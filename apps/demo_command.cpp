// `tapstack demo`: the whole show in a throwaway network namespace, with nothing to set up.
//
//   demo (stays in the caller's namespaces; a child subreaper, so it reaps everything below it)
//    └─ namespace child: unshare(CLONE_NEWNET) as root, or CLONE_NEWUSER|CLONE_NEWNET rootless
//        ├─ tapstack run --tap tap0 --ip 10.0.0.2/24 --ip fd00::2/64          (/proc/self/exe)
//        │      --host-ip 10.0.0.1/24 --host-ip fd00::1/64 --no-dad
//        └─ ping -c N 10.0.0.2, then ping -6 -c N fd00::2, once tap0 is up   (the system's ping)
//
// The stack is the real `run` command, exec'd, not a copy of its loop. The namespace has no name
// and no bind mount: it lives exactly as long as the processes in it, so once they are reaped it
// is gone, however the demo ended (a parent-death signal covers the demo itself being killed).
// Every wait is bounded: ping by its -w deadline, everything else by the timeouts below.
// Processes, signals and the namespace are tap/ types (child_process, blocked_signals,
// network_namespace, interface_probe): this file makes no syscall itself.
#include "apps/command_error.hpp"
#include "apps/commands.hpp"
#include "apps/stack_options.hpp"
#include "stack/wire/addr.hpp"
#include "tap/blocked_signals.hpp"
#include "tap/capabilities.hpp"
#include "tap/child_process.hpp"
#include "tap/errors.hpp"
#include "tap/interface_probe.hpp"
#include "tap/network_namespace.hpp"
#include "tap/program_path.hpp"
#include "tap/tun_node.hpp"

#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
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
constexpr const char* kStackIp6 = "fd00::2";
constexpr const char* kHostIp6 = "fd00::1";
constexpr Ipv4Addr kHostAddr = Ipv4Addr::from_octets(10, 0, 0, 1);  // kHostIp
constexpr auto kInterfaceTimeout = 15s;  // run's start-up, generous for a loaded machine or ASan
constexpr auto kShutdownTimeout = 10s;   // run's clean exit after SIGTERM, then SIGKILL
constexpr int kExitInterrupted = 130;    // the shell's convention for death by SIGINT

struct DemoOptions {
  unsigned count = 5;
  int verbosity = 0;
};

// Everything that can be known before forking, each refusal one line that says what to do.
void check_can_run(bool as_root) {
  if (!find_program_on_path("ping"))
    throw CommandError("the system's ping is not installed (Debian: `sudo apt-get install iputils-ping`)");
  const TunNodeStatus tun = tun_node_status();
  if (!tun.exists) throw CommandError("/dev/net/tun is missing: load the TUN/TAP driver with `sudo modprobe tun`");
  if (as_root) return;

  const std::string sudo = "; run `sudo tapstack demo` instead";
  if (const auto refusal = user_namespace_refusal())
    throw CommandError(refusal->reason + sudo + (refusal->fix.empty() ? "" : ", or " + refusal->fix));
  if (!tun.read_write) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", tun.mode);
    throw CommandError(std::string("/dev/net/tun is mode ") + mode +
                       ", not open to you: the rootless demo needs it world-accessible (0666, Debian's default)" + sudo);
  }
}

// In the namespace process: one line on stderr, and the exit code that goes with it.
int child_fail(const std::string& message) {
  std::fprintf(stderr, "tapstack demo: %s\n", message.c_str());
  return 1;
}

// The namespace process: start the stack, wait for its interface, ping it, show the result, stop.
// Returns its exit code. Its signals stay blocked as the demo's are, and are taken from waited.
int run_in_namespace(const DemoOptions& opt, bool as_root, const BlockedSignals& waited) {
  std::optional<InterfaceProbe> probe;
  try {
    enter_new_network_namespace(!as_root);
    probe.emplace(InterfaceProbe::open());
  } catch (const SetupError& e) {
    return child_fail(e.what());
  }
  // The children get the signal mask from before the demo blocked any, and SIGTERM if we die.
  const SpawnOptions child_options{.parent_death_signal = SIGTERM, .unblock = &waited};
  bool interrupted = false;
  ChildProcess stack;
  ChildProcess ping;
  auto on_signal = [&](std::optional<int> sig) {
    reap_children({&stack, &ping});  // on every wake-up, so a coalesced SIGCHLD is never missed
    if (sig && *sig != SIGCHLD && !interrupted) {
      // Ctrl-C reaches the whole process group; a SIGTERM to the demo reaches only us: pass it on.
      interrupted = true;
      ping.signal(SIGTERM);
      stack.signal(SIGTERM);
    }
  };

  std::printf("demo: a new %snetwork namespace; tapstack on %s as %s/24 and %s/64, the host side %s/24 and %s/64\n",
              as_root ? "" : "user + ", kIfName, kStackIp, kStackIp6, kHostIp, kHostIp6);
  // --no-dad: the demo pings at once, and nothing else on this link could hold fd00::2.
  std::vector<std::string> run_args{"tapstack",  "run", "--tap", kIfName, "--ip", std::string(kStackIp) + "/24",
                                    "--ip",      std::string(kStackIp6) + "/64", "--host-ip",
                                    std::string(kHostIp) + "/24", "--host-ip", std::string(kHostIp6) + "/64",
                                    "--no-dad"};
  if (opt.verbosity > 0) run_args.push_back(opt.verbosity > 1 ? "-vv" : "-v");
  try {
    stack = ChildProcess::exec_self(run_args, child_options);
  } catch (const SetupError& e) {
    return child_fail(e.what());
  }

  auto host_side_ready = [&] { return probe->up_with_address(kIfName, kHostAddr); };
  const auto give_up = Clock::now() + kInterfaceTimeout;
  while (!interrupted && stack.running() && !host_side_ready() && Clock::now() < give_up) on_signal(waited.wait(50ms));
  const bool ready = !interrupted && stack.running() && host_side_ready();

  // One ping to the end; true when it got every reply.
  auto ping_once = [&](const char* family, const char* address) {
    const std::string count = std::to_string(opt.count);
    const std::string deadline = std::to_string(opt.count + 10);  // ping's own bound, in seconds
    std::vector<std::string> args{"ping"};
    if (family != nullptr) args.emplace_back(family);
    args.insert(args.end(), {"-c", count, "-w", deadline, address});
    std::string shown = "demo: $";
    for (const auto& a : args) shown += " " + a;
    std::printf("%s\n", shown.c_str());
    std::fflush(stdout);
    ping = ChildProcess{};
    try {
      ping = ChildProcess::exec_program(args, child_options);
    } catch (const SetupError& e) {
      child_fail(e.what());  // then stop the stack as usual
      return false;
    }
    // Bounded twice over: ping's -w, then ours a little later in case ping ignores it.
    const auto ping_kill_at = Clock::now() + std::chrono::seconds(opt.count + 15);
    while (ping.running()) {
      on_signal(waited.wait(200ms));
      if (!stack.running()) ping.signal(SIGTERM);  // nothing left to answer it
      if (Clock::now() > ping_kill_at) ping.signal(SIGKILL);
    }
    return ping.status() && ping.status()->succeeded();
  };

  bool ping_ok = false;
  if (ready) {
    ping_ok = ping_once(nullptr, kStackIp);
    if (!interrupted && stack.running()) {
      const bool ping6_ok = ping_once("-6", kStackIp6);
      if (!ping6_ok && !interrupted) std::fprintf(stderr, "tapstack demo: ping -6 did not get all %u replies\n", opt.count);
      ping_ok = ping_ok && ping6_ok;
    }
  } else if (!interrupted) {
    if (stack.running()) {
      std::fprintf(stderr, "tapstack demo: %s did not come up with %s within %llds\n", kIfName, kHostIp,
                   static_cast<long long>(kInterfaceTimeout.count()));
    } else {
      std::fprintf(stderr, "tapstack demo: tapstack run stopped before %s came up (%s)\n", kIfName,
                   stack.status()->describe().c_str());
    }
  }

  // The stack's own view: on SIGTERM, run stops cleanly and prints its counters and neighbour caches.
  if (stack.running() && !interrupted) {
    std::printf("demo: stopping tapstack; its counters and neighbour caches:\n");
    std::fflush(stdout);
  }
  stack.signal(SIGTERM);
  const auto kill_at = Clock::now() + kShutdownTimeout;
  while (stack.running() && Clock::now() < kill_at) on_signal(waited.wait(200ms));
  if (stack.running()) {
    std::fprintf(stderr, "tapstack demo: tapstack run ignored SIGTERM for %llds; killing it\n",
                 static_cast<long long>(kShutdownTimeout.count()));
    stack.signal(SIGKILL);
    while (stack.running()) on_signal(waited.wait(200ms));
  }

  if (interrupted) return kExitInterrupted;
  const bool stack_ok = stack.status()->succeeded();
  if (ready && !ping_ok) std::fprintf(stderr, "tapstack demo: ping did not get all %u replies\n", opt.count);
  if (ready && !stack_ok) std::fprintf(stderr, "tapstack demo: tapstack run ended with %s\n", stack.status()->describe().c_str());
  return ready && ping_ok && stack_ok ? 0 : 1;
}

struct Supervised {
  bool interrupted = false;
  std::optional<ExitStatus> status;  // the namespace process's
};

// The demo itself: start the namespace process and wait, passing Ctrl-C on, until no process
// below us is left. Its signals are blocked only while this runs.
Supervised supervise(const DemoOptions& opt, bool as_root) {
  // Orphans of the namespace process are re-parented to us, so that we reap every one of them.
  become_child_subreaper();
  const BlockedSignals waited{SIGCHLD, SIGINT, SIGTERM, SIGHUP};
  ChildProcess child = ChildProcess::fork_call([&] { return run_in_namespace(opt, as_root, waited); },
                                               {.parent_death_signal = SIGKILL});
  Supervised result;
  std::optional<Clock::time_point> kill_at;
  // Until no child is left: the namespace process and anything orphaned below it.
  for (;;) {
    const auto sig = waited.wait(500ms);
    if (sig == SIGINT || sig == SIGTERM || sig == SIGHUP) {
      if (!result.interrupted) child.signal(SIGTERM);
      result.interrupted = true;
      if (!kill_at) kill_at = Clock::now() + kShutdownTimeout + 5s;
    }
    const bool any_left = reap_children({&child});
    if (!any_left) break;
    if (kill_at && Clock::now() > *kill_at && child.running()) {
      child.signal(SIGKILL);  // its children get their parent-death signal
      kill_at = Clock::now() + kShutdownTimeout;
    }
  }
  result.status = child.status();
  return result;
}

int run_demo(const DemoOptions& opt) {
  // Enough for a plain network namespace with a TAP in it; without them, the rootless way.
  const bool as_root = has_effective_capabilities({Capability::net_admin, Capability::sys_admin});
  check_can_run(as_root);

  Supervised result;
  try {
    result = supervise(opt, as_root);
  } catch (const SetupError& e) {
    throw CommandError(e.what());
  }

  if (result.interrupted) {
    std::printf("demo: interrupted; every process reaped, the namespace is gone\n");
    return kExitInterrupted;
  }
  if (result.status && result.status->code) {
    const int code = *result.status->code;
    if (code == 0) std::printf("demo: done; every process reaped, the namespace is gone\n");
    return code;
  }
  std::fprintf(stderr, "tapstack demo: the namespace process ended with %s\n",
               result.status ? result.status->describe().c_str() : "an unknown status");
  return 1;
}

}  // namespace

void add_demo_command(CLI::App& app) {
  auto opt = std::make_shared<DemoOptions>();
  auto* cmd = app.add_subcommand(
      "demo",
      "The whole show in a throwaway network namespace: tapstack on 10.0.0.2 and fd00::2, the system's ping and "
      "ping -6 against it, "
      "the ARP cache and counters, then clean-up (as root, or rootless in a user namespace)");
  cmd->add_option("--count", opt->count, "Echo requests to send, 1 to 100")
      ->type_name("N")
      ->check(checks::number(1, 100))
      ->capture_default_str();
  cmd->add_flag("-v,--verbose", opt->verbosity, "Show the stack's frame-by-frame log (-vv adds hex dumps)");
  cmd->footer(
      "Example:\n"
      "  sudo tapstack demo --count 3 -v   three pings, and every frame the stack sees and sends");
  cmd->callback([opt] {
    const int code = run_demo(*opt);
    // A quiet exit with that status: every reason has been printed already.
    if (code != 0) throw CLI::RuntimeError(code);
  });
}

}  // namespace tapstack
