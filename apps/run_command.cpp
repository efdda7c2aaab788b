// `tapstack run`: the stack behind a real TUN/TAP interface, in one thread. An epoll loop waits on
// four descriptors: the interface (frames), a timerfd armed at the earlier of the stack's and
// the link chain's next deadlines (ARP retries and expiry; the capture's flush; --stats-interval),
// a signalfd (SIGINT/SIGTERM stop cleanly, SIGUSR1 reports) and the control socket `tapstack
// status` asks (tap/control_socket.hpp). Frames go through the chain LinkChain builds
// around the interface (apps/link_chain.hpp). Set-up errors throw with advice; the frame path
// only counts.
#include "apps/command_error.hpp"
#include "apps/commands.hpp"
#include "apps/link_chain.hpp"
#include "apps/host_checks.hpp"
#include "apps/host_side.hpp"
#include "apps/logging.hpp"
#include "apps/privilege_options.hpp"
#include "apps/report.hpp"
#include "apps/stack_options.hpp"
#include "apps/status_report.hpp"
#include "describe/addr_format.hpp"
#include "stack/stack.hpp"
#include "stack/wire/ethernet.hpp"
#include "tap/clock.hpp"
#include "tap/control_socket.hpp"
#include "tap/epoll.hpp"
#include "tap/errors.hpp"
#include "tap/link_stats.hpp"
#include "tap/netlink.hpp"
#include "tap/signal_fd.hpp"
#include "tap/timer_fd.hpp"
#include "tap/tun_device.hpp"
#include "tap/tun_link.hpp"
#include "tap/uring_link.hpp"

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <string>

namespace tapstack {
namespace {

struct RunOptions {
  StackOptions stack;
  LinkOptions link;
  std::string tap;
  std::vector<std::string> host_ip;  // --host-ip, repeatable: an IPv4 and any IPv6
  bool quiet = false;
  bool no_announce = false;
  bool json = false;           // --json: the exit and SIGUSR1 reports as JSON
  std::uint32_t stats_interval = 0;  // --stats-interval SECONDS: a one-line summary that often
  std::uint32_t txqueuelen = kFloodTxQueueLen;  // --txqueuelen N: set when we create the TAP, or when given
  PrivilegeOptions privileges;  // --user, --group, --no-seccomp
  // --io: readwrite stays the default: uring pays a quarter of a system call per reply under a
  // flood, but its CPU per reply, rate and round trip are readwrite's within this machine's noise.
  std::string io = "readwrite";
  std::uint32_t busy_poll_us = 0;  // --busy-poll USEC: spin that long for the next frame before sleeping
};

// Frames handled per wake-up before timers and signals get a look; epoll is level-triggered,
// so what is left is read on the next turn.
constexpr int kReadBudget = 256;

enum Token : std::uint64_t { kDevice, kTimer, kSignal, kControl };

class ConflictLogger final : public StackEvents {
 public:
  using StackEvents::address_conflict;
  void address_conflict(Ipv4Addr ours, MacAddr other, Instant) override {
    spdlog::warn("ARP: {} claims our address {}: another host is configured with it", other, ours);
  }
  void address_conflict(Ipv6Addr ours, MacAddr other, Instant) override {
    spdlog::warn("NDP: {} claims our address {}: another host is configured with it (during DAD, the address is "
                 "not used)",
                 other, ours.to_string());
  }
};

void print_link(std::FILE* out, const std::string& name, const TunLinkStats& s) {
  std::fprintf(out, "link %s: %" PRIu64 " frames read (%" PRIu64 " bytes), %" PRIu64 " written, %" PRIu64
                    " dropped (would block), %" PRIu64 " write errors\n",
               name.c_str(), s.frames_read, s.bytes_read, s.written, s.dropped_would_block, s.write_errors);
}

HostAddresses parse_host_ips(const std::vector<std::string>& words, const StackConfig& config) {
  const auto parsed = parse_host_addresses(words, false);
  if (!parsed) throw UsageError("--host-ip: " + parsed.error());
  HostAddresses host = *parsed;
  if (host.ipv4) {
    const Ipv4Addr a = host.ipv4->addr;
    if (a == config.ip.addr)
      throw UsageError("--host-ip and --ip are both " + a.to_string() +
                       ": the host side and the stack need different addresses, e.g. --host-ip 10.0.0.1/24 --ip 10.0.0.2/24");
    if (!config.ip.contains(a))
      spdlog::warn("--host-ip {} is outside the stack's subnet {}/{}: the stack only answers hosts on its subnet", a,
                   config.ip.network(), config.ip.prefix_len);
  }
  for (const Ipv6Interface& h : host.ipv6) {
    bool on_link = false;
    for (const Ipv6Interface& ours : config.ipv6.addresses) {
      if (ours.addr == h.addr)
        throw UsageError("--host-ip and --ip are both " + h.addr.to_string() +
                         ": the host side and the stack need different addresses, e.g. --host-ip fd00::1/64 --ip fd00::2/64");
      on_link = on_link || ours.contains(h.addr);
    }
    if (config.mode == LinkMode::tap && link_local_from_mac(config.mac) == h.addr)
      throw UsageError("--host-ip " + h.addr.to_string() + " is the stack's own link-local address (from its MAC)");
    if (!on_link && !config.ipv6.addresses.empty())
      spdlog::warn("--host-ip {} is outside the stack's IPv6 prefixes: the stack only answers it by link-local address",
                   h.to_string());
  }
  return host;
}

// "fd00::2/64, fe80::aff:fe00:2 (link-local)": the IPv6 addresses the stack owns, for the start line.
std::string ipv6_summary(const StackConfig& config) {
  std::string out;
  for (const Ipv6Interface& a : config.ipv6.addresses) out += (out.empty() ? "" : ", ") + a.to_string();
  if (config.mode == LinkMode::tap && config.ipv6.link_local)
    out += (out.empty() ? "" : ", ") + link_local_from_mac(config.mac).to_string() + " (link-local)";
  return out;
}

std::string host_summary(const HostAddresses& host) {
  std::string out;
  if (host.ipv4) out = fmt::format("{}", *host.ipv4);
  for (const Ipv6Interface& a : host.ipv6) out += (out.empty() ? "" : ", ") + a.to_string();
  return out;
}

// The first address of the stack's subnet that is not the stack's own: what the host side
// would usually take.
Ipv4Interface suggested_host_address(Ipv4Interface ours) {
  const std::uint32_t first = ours.network().value + (ours.prefix_len >= 31 ? 0u : 1u);
  return {Ipv4Addr{first == ours.addr.value ? first + 1 : first}, ours.prefix_len};
}

void run(const RunOptions& opts, bool mtu_given, bool txqueuelen_given) {
  configure_logging(opts.link.verbose, opts.quiet);
  StackConfig config = opts.stack.to_config();
  // The loop's clock is CLOCK_MONOTONIC; ICMP timestamps and capture records need the time of day.
  config.wall_clock_offset = wall_clock_offset();
  const HostAddresses host_ips = parse_host_ips(opts.host_ip, config);
  const std::optional<Ipv4Interface> host = host_ips.ipv4;
  if (config.mode == LinkMode::tun && !opts.stack.mac.empty()) spdlog::warn("--mac is ignored in TUN mode: there is no Ethernet");

  // The interface first: if it cannot be had, no capture file is left behind; if the capture
  // cannot be written, the interface closes again (a transient one disappears with it).
  TunDevice dev = TunDevice::open(opts.tap, config.mode);
  TunLink device(dev);
  std::optional<UringLink> uring;
  if (opts.io == "uring") uring.emplace(dev, config.mtu + kEthernetHeaderLen + kVlanTagLen, kDevice);
  LinkChain chain(uring ? static_cast<Link&>(*uring) : device, opts.link, config.mode, config.wall_clock_offset,
                  config.mtu);
  const auto io_stats = [&]() -> const TunLinkStats& { return uring ? uring->stats() : device.stats(); };
  const auto read_error = [&] { return uring ? uring->read_error() : device.read_error(); };
  Link& link = chain.top();
  warn_if_routed_elsewhere(dev.name(), host, config.ip.addr);
  if (mtu_given) warn_if_mtu_outlives_run(dev.name(), config.mtu);
  HostSide host_side;
  host_side.address = host;
  host_side.addresses6 = host_ips.ipv6;
  if (mtu_given) host_side.mtu = config.mtu;
  // The queue is ours to size on an interface we made; on one that was there, only when asked.
  if (dev.created() || txqueuelen_given) host_side.txqueuelen = opts.txqueuelen;
  configure_host_side(dev.name(), host_side);

  const std::string mode = std::string(link_mode_name(config.mode));
  const std::string ipv6 = ipv6_summary(config);
  const std::string host_text = host_summary(host_ips);
  spdlog::info("running on {} ({}): {}IP {}{}, MTU {}{}", dev.name(), mode,
               config.mode == LinkMode::tap ? fmt::format("MAC {}, ", config.mac) : std::string(), config.ip,
               ipv6.empty() ? std::string() : ", IPv6 " + ipv6, config.mtu,
               host_text.empty() ? std::string() : fmt::format(", host side {} (up)", host_text));
  if (!host && host_ips.ipv6.empty() && interface_lacks_ipv4_address(dev.name()))
    spdlog::info("no --host-ip, and {} has no IPv4 address: give it one, e.g. `sudo ip addr add {} dev {} && sudo ip link set {} up`",
                 dev.name(), suggested_host_address(config.ip), dev.name(), dev.name());

  SignalFd signals{SIGINT, SIGTERM, SIGUSR1};
  TimerFd timer;
  Epoll epoll;
  // `tapstack status` asks here; bound before the privilege drop (socket and bind are not on the
  // allow-list), answered in the loop without blocking it.
  ControlListener control = ControlListener::open(dev.name());
  if (uring) {
    uring->watch(timer.fd(), kTimer);
    uring->watch(signals.fd(), kSignal);
    uring->watch(control.fd(), kControl);
    uring->seal();
  } else {
    epoll.add(dev.fd(), kDevice);
    epoll.add(timer.fd(), kTimer);
    epoll.add(signals.fd(), kSignal);
    epoll.add(control.fd(), kControl);
  }

  // Opened before the privilege drop (socket is not on the allow-list); best effort, since the
  // kernel's drops are a diagnosis, not something the stack needs.
  std::optional<KernelLinkStatsReader> kernel_stats;
  try {
    kernel_stats = KernelLinkStatsReader::open(interface_index(dev.name()));
  } catch (const SetupError& e) {
    spdlog::warn("the kernel's statistics of {} will not be reported: {}", dev.name(), e.what());
  }

  ConflictLogger events;
  Stack stack(config, link, &events);
  if (config.mode == LinkMode::tap && !opts.no_announce) stack.announce(monotonic_now());

  int stop_signal = 0;

  // Set-up is over: --user, no capabilities, no_new_privs, the seccomp allow-list.
  spdlog::info("{}", drop_privileges(opts.privileges));

  auto report = [&] {
    if (opts.json) {
      std::printf("%s\n", status_json(stack, dev.name(), io_stats(), monotonic_now()).dump().c_str());
      std::fflush(stdout);
      return;
    }
    print_counters(stdout, stack.counters());
    print_link(stdout, dev.name(), io_stats());
    if (kernel_stats) print_kernel_link(stdout, dev.name(), kernel_stats->read());
    if (chain.impairment()) print_impairment(stdout, *chain.impairment());
    print_ipv6_addresses(stdout, stack.ipv6_addresses());
    print_neighbours(stdout, stack.neighbours().entries(), monotonic_now());
    if (!stack.ipv6_addresses().empty()) print_neighbours(stdout, stack.neighbours6().entries(), monotonic_now());
    print_path_mtus(stdout, stack.path_mtus().entries(), monotonic_now());
    std::fflush(stdout);
  };

  const auto stats_every = std::chrono::duration_cast<Duration>(std::chrono::seconds(opts.stats_interval));
  std::optional<Instant> next_stats;
  if (opts.stats_interval > 0) next_stats = monotonic_now() + stats_every;

  while (stop_signal == 0 && read_error() == 0) {
    const std::optional<Instant> deadline = earliest(earliest(stack.next_deadline(), link.next_deadline()), next_stats);
    timer.arm(deadline);
    // --busy-poll: spin for the next frame, never past a deadline, before sleeping.
    std::optional<Instant> spin_until;
    if (opts.busy_poll_us > 0)
      spin_until = earliest(monotonic_now() + std::chrono::microseconds(opts.busy_poll_us), deadline);
    std::span<const ReadyEvent> ready;
    bool spun_frame = false;
    if (uring) {
      ready = uring->wait(spin_until);
    } else if (spin_until && device.spin_for_frame(*spin_until)) {
      spun_frame = true;
      ready = epoll.wait(std::chrono::milliseconds(0));  // signals and timers still get a look
    } else {
      ready = epoll.wait(std::nullopt);
    }

    // Timers first: whatever fell due while we slept happened before the frames now waiting.
    const Instant now = monotonic_now();
    if (next_stats && *next_stats <= now) {
      std::printf("%s\n", status_line(stack, dev.name()).c_str());
      std::fflush(stdout);
      while (*next_stats <= now) *next_stats += stats_every;
    }
    // A link whose timer fired may have frames to hand over (a decorator releasing held ones).
    bool receive = spun_frame;
    if (const auto due = link.next_deadline(); due && *due <= now) {
      link.on_timer(now);
      receive = true;
    }
    if (const auto due = stack.next_deadline(); due && *due <= now) stack.on_timer(now);

    for (const ReadyEvent& ev : ready) {
      switch (ev.token) {
        case kDevice:
          receive = true;
          break;
        case kTimer:
          timer.acknowledge();
          break;
        case kControl:
          control.serve([&] { return status_json(stack, dev.name(), io_stats(), monotonic_now()).dump() + "\n"; });
          break;
        case kSignal:
          while (const auto sig = signals.read()) {
            if (*sig == SIGUSR1) {
              report();
            } else {
              stop_signal = *sig;
            }
          }
          break;
        default:
          break;
      }
    }
    if (receive) {
      for (int i = 0; i < kReadBudget; ++i) {
        const auto frame = link.receive();
        if (!frame) break;
        chain.deliver(stack, frame->data, frame->at);
      }
    }
  }

  if (stop_signal != 0)
    spdlog::info("stopping on {}", stop_signal == SIGINT ? "SIGINT" : stop_signal == SIGTERM ? "SIGTERM" : "a signal");
  std::optional<std::string> pcap_error;
  if (chain.recording()) {
    if (auto closed = chain.close(); !closed) pcap_error = closed.error();
    else spdlog::info("capture written to {}", opts.link.pcap);
  }
  report();
  if (const int err = read_error(); err != 0)
    throw CommandError("reading from " + dev.name() + " failed: " + std::strerror(err) +
                       (err == EBADFD || err == EIO ? " (was the interface deleted?)" : ""));
  if (pcap_error) throw CommandError(*pcap_error);
}

}  // namespace

void add_run_command(CLI::App& app) {
  auto opts = std::make_shared<RunOptions>();
  CLI::App* cmd = app.add_subcommand("run", "Run the stack behind a TAP (or TUN) interface until SIGINT/SIGTERM");
  cmd->add_option("--tap", opts->tap, "Interface to create or attach to (default: the kernel picks tap0, tun0, ...)")
      ->type_name("NAME")
      ->check(checks::interface_name());
  opts->stack.add_to(*cmd);
  // A function option, as --ip: two IPv4 addresses are refused while the command line is read.
  cmd->add_option_function<std::vector<std::string>>(
         "--host-ip",
         [opts](const std::vector<std::string>& words) {
           if (const auto all = parse_host_addresses(words, false); !all) throw CLI::ValidationError("--host-ip", all.error());
           opts->host_ip = words;
         },
         "Give the host side this address and bring the interface up (needs CAP_NET_ADMIN); repeatable: "
                  "one IPv4 and any IPv6 (added without the host's DAD wait), e.g. --host-ip 10.0.0.1/24 --host-ip fd00::1/64")
      ->type_name("IP/PREFIX")
      ->check(checks::any_host_address());
  cmd->add_option("--pcap", opts->link.pcap, "Record every frame in and out to this pcap file")
      ->type_name("FILE")
      ->check(checks::not_empty("file name"));
  auto* verbose = cmd->add_flag("-v,--verbose", opts->link.verbose, "One decoded line per frame; -vv adds a hex dump");
  add_explain_flag(*cmd, opts->link.explain);
  cmd->add_flag("-q,--quiet", opts->quiet, "Warnings and errors only")->excludes(verbose);
  cmd->add_flag("--no-announce", opts->no_announce,
                "Skip the gratuitous ARP announcement and IPv6 duplicate address detection at start");
  cmd->add_option("--stats-interval", opts->stats_interval, "Print a one-line summary every SECONDS seconds")
      ->type_name("SECONDS")
      ->check(checks::number(1, 86400));
  cmd->add_option("--txqueuelen", opts->txqueuelen,
                  "Frames the host may queue for the stack before the kernel drops them (needs CAP_NET_ADMIN); "
                  "set on a TAP this run creates, or on an existing one when given")
      ->type_name("N")
      ->check(checks::number(1, 1'000'000))
      ->capture_default_str();
  add_impairment_options(*cmd, opts->link);
  cmd->add_flag("--json", opts->json, "Print the report on exit and on SIGUSR1 as JSON (one line)");
  add_privilege_options(*cmd, opts->privileges);
  cmd->add_option("--io", opts->io,
                  "How frames reach the TAP: readwrite (epoll, read(2), write(2)) or uring (the replies' writes and "
                  "a chain of reads in one io_uring_enter: the fewest system calls, several frames per call under a flood)")
      ->type_name("MODE")
      ->check(checks::one_of({"uring", "readwrite"}))
      ->capture_default_str();
  cmd->add_option("--busy-poll", opts->busy_poll_us,
                  "Spin up to USEC microseconds for the next frame before sleeping: lowest latency, one CPU busy "
                  "while frames come")
      ->type_name("USEC")
      ->check(checks::number(1, 1'000'000));
  cmd->footer(
      "While it runs, SIGUSR1 (`kill -USR1 PID`) prints the counters, the link statistics and the ARP cache (as JSON\n"
      "with --json); `tapstack status --tap NAME [--json]` asks for the same over the control socket @tapstack/NAME.\n"
      "\n"
      "Examples:\n"
      "  sudo tapstack run --ip 10.0.0.2/24 --host-ip 10.0.0.1/24   then, in another terminal: ping 10.0.0.2\n"
      "  sudo tapstack run --ip 10.0.0.2/24 --ip fd00::2/64 --host-ip 10.0.0.1/24 --host-ip fd00::1/64 --tap tap0\n"
      "                                                             then: ping -6 fd00::2, ping -6 fe80::aff:fe00:2%tap0");
  cmd->callback([opts, cmd] {
    try {
      run(*opts, cmd->get_option("--mtu")->count() > 0, cmd->get_option("--txqueuelen")->count() > 0);
    } catch (const SetupError& e) {
      throw CommandError(e.what());
    }
  });
}

}  // namespace tapstack
