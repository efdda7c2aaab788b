// `tapstack run`: the stack behind a real TUN/TAP interface, in one thread. An epoll loop waits on
// three descriptors: the interface (frames), a timerfd armed at stack.next_deadline() (ARP
// retries and expiry), and a signalfd (SIGINT/SIGTERM stop cleanly, SIGUSR1 reports). Set-up
// errors throw with advice; the frame path only counts.
#include "apps/command_error.hpp"
#include "apps/commands.hpp"
#include "apps/frame_trace.hpp"
#include "apps/host_checks.hpp"
#include "apps/logging.hpp"
#include "apps/pcap_file.hpp"
#include "apps/pcap_tee.hpp"
#include "apps/report.hpp"
#include "apps/stack_options.hpp"
#include "stack/wire/ethernet.hpp"
#include "stack/wire/ipv4.hpp"
#include "stack/stack.hpp"
#include "tap/clock.hpp"
#include "tap/device_sink.hpp"
#include "tap/epoll.hpp"
#include "tap/errors.hpp"
#include "tap/netlink.hpp"
#include "tap/signal_fd.hpp"
#include "tap/timer_fd.hpp"
#include "tap/tun_device.hpp"

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tapstack {
namespace {

struct RunOptions {
  StackOptions stack;
  std::string tap;
  std::string host_ip;
  std::string pcap;
  int verbose = 0;
  bool quiet = false;
  bool no_announce = false;
};

// Room for the largest frame a TUN/TAP can hand us (a 65535-byte datagram, an Ethernet header
// and a VLAN tag), so the kernel never cuts one short.
constexpr std::size_t kFrameBufferLen = kIpv4MaxDatagramLen + kEthernetHeaderLen + 4;
// Frames handled per wake-up before timers and signals get a look; epoll is level-triggered,
// so what is left is read on the next turn.
constexpr int kReadBudget = 256;
constexpr Duration kPcapFlushInterval = 1s;

enum Token : std::uint64_t { kDevice, kTimer, kSignal };

class ConflictLogger final : public StackEvents {
 public:
  void address_conflict(Ipv4Addr ours, MacAddr other, Instant) override {
    spdlog::warn("ARP: {} claims our address {}: another host is configured with it", other.to_string(),
                 ours.to_string());
  }
};

struct ReadStats {
  std::uint64_t frames = 0;
  std::uint64_t bytes = 0;
};

void print_link(std::FILE* out, const std::string& name, const ReadStats& in, const DeviceWriteStats& w) {
  std::fprintf(out, "link %s: %" PRIu64 " frames read (%" PRIu64 " bytes), %" PRIu64 " written, %" PRIu64
                    " dropped (would block), %" PRIu64 " write errors\n",
               name.c_str(), in.frames, in.bytes, w.written, w.dropped_would_block, w.failed);
}

std::optional<Ipv4Interface> parse_host_ip(const std::string& text, const StackConfig& config) {
  if (text.empty()) return std::nullopt;
  const Ipv4Interface host = parse_host_interface("--host-ip", text, "10.0.0.1/24");
  const Ipv4Addr a = host.addr;
  if (a == config.ip.addr)
    throw CommandError("--host-ip and --ip are both " + a.to_string() +
                       ": the host side and the stack need different addresses, e.g. --host-ip 10.0.0.1/24 --ip 10.0.0.2/24");
  if (!config.ip.contains(a))
    spdlog::warn("--host-ip {} is outside the stack's subnet {}/{}: the stack only answers hosts on its subnet",
                 a.to_string(), config.ip.network().to_string(), config.ip.prefix_len);
  return host;
}

// The first address of the stack's subnet that is not the stack's own: what the host side
// would usually take.
Ipv4Interface suggested_host_address(Ipv4Interface ours) {
  const std::uint32_t first = ours.network().value + (ours.prefix_len >= 31 ? 0u : 1u);
  return {Ipv4Addr{first == ours.addr.value ? first + 1 : first}, ours.prefix_len};
}

void run(const RunOptions& opts, bool mtu_given) {
  configure_logging(opts.verbose, opts.quiet);
  StackConfig config = opts.stack.to_config();
  // The loop's clock is CLOCK_MONOTONIC; ICMP timestamps need the time of day.
  config.wall_clock_offset = wall_clock_offset();
  const auto host = parse_host_ip(opts.host_ip, config);
  if (config.mode == LinkMode::tun && !opts.stack.mac.empty()) spdlog::warn("--mac is ignored in TUN mode: there is no Ethernet");

  // The interface first: if it cannot be had, no capture file is left behind; if the capture
  // cannot be written, the interface closes again (a transient one disappears with it).
  TunDevice dev = TunDevice::open(opts.tap, config.mode);
  std::optional<PcapWriter> pcap;
  if (!opts.pcap.empty()) {
    auto w = PcapWriter::create(opts.pcap, config.mode == LinkMode::tap ? CaptureLinkType::ethernet : CaptureLinkType::raw_ip);
    if (!w) throw CommandError(w.error());
    pcap.emplace(std::move(*w));
  }
  warn_if_routed_elsewhere(dev.name(), host, config.ip.addr);
  if (host || mtu_given) {
    Rtnetlink nl = Rtnetlink::open();
    // MTU before up, as `ip link set` would: the host never sends a frame at the wrong size.
    if (mtu_given) {
      warn_if_mtu_outlives_run(dev.name(), config.mtu);
      LinkChange mtu;
      mtu.mtu = config.mtu;
      nl.change_link(dev.name(), mtu);
    }
    if (host) {
      nl.add_address(dev.name(), *host);
      LinkChange up;
      up.up = true;
      nl.change_link(dev.name(), up);
    }
  }

  const std::string mode = std::string(link_mode_name(config.mode));
  spdlog::info("running on {} ({}): {}IP {}, MTU {}{}", dev.name(), mode,
               config.mode == LinkMode::tap ? "MAC " + config.mac.to_string() + ", " : std::string(),
               config.ip.to_string(), config.mtu,
               host ? ", host side " + host->to_string() + " (up)" : std::string());
  if (!host && interface_lacks_ipv4_address(dev.name()))
    spdlog::info("no --host-ip, and {} has no IPv4 address: give it one, e.g. `sudo ip addr add {} dev {} && sudo ip link set {} up`",
                 dev.name(), suggested_host_address(config.ip).to_string(), dev.name(), dev.name());

  SignalFd signals{SIGINT, SIGTERM, SIGUSR1};
  TimerFd timer;
  Epoll epoll;
  epoll.add(dev.fd(), kDevice);
  epoll.add(timer.fd(), kTimer);
  epoll.add(signals.fd(), kSignal);

  // Outbound: stack → trace (-v) → pcap tee (--pcap) → the interface.
  DeviceSink device_sink(dev);
  FrameSink* out = &device_sink;
  std::optional<PcapTee> tee;
  if (pcap) out = &tee.emplace(*out, *pcap, wall_clock_offset());
  // The trace layer joins the chain only with -v: without it a frame pays nothing for logging,
  // not even a call into spdlog to learn that the level is off.
  const bool tracing = opts.verbose > 0;
  std::optional<TraceSink> trace;
  if (tracing) out = &trace.emplace(*out, config.mode);
  ConflictLogger events;
  Stack stack(config, *out, &events);
  if (config.mode == LinkMode::tap && !opts.no_announce) stack.announce(monotonic_now());

  std::vector<std::byte> buffer(kFrameBufferLen);  // the one receive buffer, reused for every frame
  ReadStats in;
  int read_error = 0;
  int stop_signal = 0;
  Instant last_flush = monotonic_now();

  auto report = [&] {
    print_counters(stdout, stack.counters());
    print_link(stdout, dev.name(), in, device_sink.stats());
    print_neighbours(stdout, stack.neighbours().entries(), monotonic_now());
    std::fflush(stdout);
  };

  while (stop_signal == 0 && read_error == 0) {
    timer.arm(stack.next_deadline());
    std::optional<std::chrono::milliseconds> timeout;
    if (pcap) timeout = std::chrono::duration_cast<std::chrono::milliseconds>(kPcapFlushInterval);
    const auto ready = epoll.wait(timeout);

    // Timers first: whatever fell due while we slept happened before the frames now waiting.
    Instant now = monotonic_now();
    if (const auto due = stack.next_deadline(); due && *due <= now) stack.on_timer(now);

    for (const ReadyEvent& ev : ready) {
      switch (ev.token) {
        case kDevice:
          for (int i = 0; i < kReadBudget; ++i) {
            const IoResult r = dev.read(buffer);
            if (r.status == IoStatus::would_block) break;
            if (r.status == IoStatus::failed) {
              read_error = r.error;
              break;
            }
            const Bytes frame(buffer.data(), r.size);
            now = monotonic_now();
            ++in.frames;
            in.bytes += r.size;
            if (tracing) trace_frame(Direction::in, frame, config.mode);
            if (tee) tee->record(frame, now);
            stack.on_frame(frame, now);
          }
          break;
        case kTimer:
          timer.acknowledge();
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
    if (pcap && monotonic_now() - last_flush >= kPcapFlushInterval) {
      pcap->flush();
      last_flush = monotonic_now();
    }
  }

  if (stop_signal != 0)
    spdlog::info("stopping on {}", stop_signal == SIGINT ? "SIGINT" : stop_signal == SIGTERM ? "SIGTERM" : "a signal");
  std::optional<std::string> pcap_error;
  if (pcap) {
    if (auto closed = pcap->close(); !closed) pcap_error = closed.error();
    else spdlog::info("capture written to {}", opts.pcap);
  }
  report();
  if (read_error != 0)
    throw CommandError("reading from " + dev.name() + " failed: " + std::strerror(read_error) +
                       (read_error == EBADFD || read_error == EIO ? " (was the interface deleted?)" : ""));
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
  cmd->add_option("--host-ip", opts->host_ip,
                  "Give the host side this address, e.g. 10.0.0.1/24, and bring the interface up (needs CAP_NET_ADMIN)")
      ->type_name("IP/PREFIX")
      ->check(checks::host_address());
  cmd->add_option("--pcap", opts->pcap, "Record every frame in and out to this pcap file")
      ->type_name("FILE")
      ->check(checks::not_empty("file name"));
  auto* verbose = cmd->add_flag("-v,--verbose", opts->verbose, "One decoded line per frame; -vv adds a hex dump");
  cmd->add_flag("-q,--quiet", opts->quiet, "Warnings and errors only")->excludes(verbose);
  cmd->add_flag("--no-announce", opts->no_announce, "Skip the gratuitous ARP announcement at start");
  cmd->footer(
      "While it runs, SIGUSR1 (`kill -USR1 PID`) prints the counters, the link statistics and the ARP cache.\n"
      "\n"
      "Example:\n"
      "  sudo tapstack run --ip 10.0.0.2/24 --host-ip 10.0.0.1/24   then, in another terminal: ping 10.0.0.2");
  cmd->callback([opts, cmd] {
    try {
      run(*opts, cmd->get_option("--mtu")->count() > 0);
    } catch (const SetupError& e) {
      throw CommandError(e.what());
    }
  });
}

}  // namespace tapstack
