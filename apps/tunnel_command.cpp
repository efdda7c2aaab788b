// `tapstack tunnel`: a TAP (or TUN) joined to a peer over the network, the classic tutorial tunnel
// (simpletun, tun2udp): every frame the host sends into the interface goes to the peer, over UDP
// (one frame per datagram) or TCP (a 2-byte length before each frame, tap/tcp_transport.hpp),
// and every frame from the peer goes to the host. No stack here: the kernels on both ends talk
// to each other through it. The peer is a Link (tap/tunnel_transport.hpp), wrapped in the same
// chain as run's device, so --loss, --delay and the rest act on the frames crossing the network
// ("out": sent to the peer, "in": received from it).
//
// One thread, one epoll loop, like run's: the interface, the peer's socket(s), a timerfd at the
// chain's next deadline (delayed frames, the TCP reconnect) and a signalfd (SIGINT/SIGTERM stop
// with exit 0, SIGUSR1 prints the counters). Frames are checked against the MTU both ways and
// counted when they cannot be frames of this link; nothing is allocated per frame.
#include "apps/command_error.hpp"
#include "apps/commands.hpp"
#include "apps/host_side.hpp"
#include "apps/link_chain.hpp"
#include "apps/logging.hpp"
#include "apps/privilege_options.hpp"
#include "apps/stack_options.hpp"
#include "stack/wire/ethernet.hpp"
#include "stack/wire/ipv4.hpp"
#include "tap/clock.hpp"
#include "tap/epoll.hpp"
#include "tap/errors.hpp"
#include "tap/signal_fd.hpp"
#include "tap/tcp_transport.hpp"
#include "tap/timer_fd.hpp"
#include "tap/tun_device.hpp"
#include "tap/tun_link.hpp"
#include "tap/udp_transport.hpp"

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <string>

namespace tapstack {
namespace {

struct TunnelOptions {
  std::string mode = "tap";
  std::string tap;
  std::string host_ip;
  unsigned mtu = 1500;
  std::string transport;
  std::string local;
  std::string remote;
  bool listen = false;
  bool mtu_given = false;
  LinkOptions link;
  bool quiet = false;
  PrivilegeOptions privileges;
};

// Frames moved per wake-up and direction before the other descriptors get a look.
constexpr int kReadBudget = 256;

enum Token : std::uint64_t { kDevice, kPeer, kTimer, kSignal };

// Frames from the host that cannot be frames of this link: the peer would drop them anyway.
struct HostDrops {
  std::uint64_t too_short = 0;
  std::uint64_t too_long = 0;
};

FrameLimits limits_for(LinkMode mode, unsigned mtu) {
  if (mode == LinkMode::tap) return {kEthernetHeaderLen, mtu + kEthernetHeaderLen + kVlanTagLen};
  return {kIpv4MinHeaderLen, mtu};
}

void print_row(std::FILE* out, const char* name, std::uint64_t value, const std::string& description) {
  if (value == 0) return;
  std::fprintf(out, "  %-28s %10" PRIu64 "  %s\n", name, value, description.c_str());
}

// One block, as run's report: what crossed the tunnel each way and what was dropped, and why.
void print_report(std::FILE* out, const std::string& ifname, const TunnelTransport& peer, const TunLinkStats& host,
                  const HostDrops& drops, const LinkChain& chain) {
  const TransportStats& p = peer.stats();
  std::fprintf(out, "tunnel %s over %.*s:\n", ifname.c_str(), static_cast<int>(peer.name().size()), peer.name().data());
  print_row(out, "host_frames_in", host.frames_read, "frames the host sent into " + ifname);
  print_row(out, "host_too_short", drops.too_short, "of them shorter than a frame's header: dropped");
  print_row(out, "host_too_long", drops.too_long, "of them longer than the MTU allows: dropped");
  print_row(out, "peer_frames_out", p.frames_out, "frames sent to the peer");
  print_row(out, "peer_no_connection", p.no_peer, "frames for the peer while not connected: dropped");
  print_row(out, "peer_busy", p.busy, "frames for the peer while its socket was full: dropped");
  print_row(out, "peer_unreachable", p.unreachable, "times the peer's host said its port was closed (ICMP)");
  print_row(out, "peer_send_errors", p.send_errors, "frames the peer's socket refused otherwise: dropped");
  print_row(out, "peer_frames_in", p.frames_in, "frames received from the peer");
  print_row(out, "peer_too_short", p.too_short, "from the peer, shorter than a frame's header: dropped");
  print_row(out, "peer_too_long", p.too_long, "from the peer, longer than the MTU allows: dropped");
  print_row(out, "peer_bad_length", p.bad_length, "TCP lengths that cannot be a frame: connection reset");
  print_row(out, "tcp_connections", p.connections, "TCP connections made or accepted");
  print_row(out, "tcp_disconnects", p.disconnects, "TCP connections lost or reset");
  print_row(out, "tcp_refused", p.refused, "TCP connections from another address than --remote: closed");
  print_row(out, "host_frames_out", host.written, "frames written to " + ifname);
  print_row(out, "host_write_dropped", host.dropped_would_block + host.write_errors,
            "frames " + ifname + " did not take (queue full, or down)");
  if (const Impairment* impairment = chain.impairment()) print_impairment(out, *impairment);
  std::fflush(out);
}

Endpoint endpoint_of(const std::string& option, const std::string& text) {
  const auto e = parse_endpoint(text);
  if (!e) throw UsageError(option + ": " + e.error());
  return *e;
}

void tunnel(TunnelOptions opts) {
  configure_logging(opts.link.verbose, opts.quiet);
  const LinkMode mode = parse_link_mode(opts.mode);
  const bool tcp = opts.transport == "tcp";
  if (opts.listen && !tcp) throw UsageError("--listen: only a TCP tunnel listens; UDP needs none (--transport tcp)");
  const Endpoint local = endpoint_of("--local", opts.local);
  const Endpoint remote = endpoint_of("--remote", opts.remote);
  std::optional<Ipv4Interface> host;
  if (!opts.host_ip.empty()) host = parse_host_interface("--host-ip", opts.host_ip, "10.9.0.1/24");
  const FrameLimits limits = limits_for(mode, opts.mtu);

  // The peer's socket before the interface: a port taken is the likeliest mistake, and then no
  // interface has flickered into existence.
  Epoll epoll;
  std::optional<UdpTransport> udp;
  std::optional<TcpTransport> tcp_peer;
  TunnelTransport* peer = nullptr;
  try {
    if (tcp) {
      peer = &tcp_peer.emplace(opts.listen ? TcpTransport::Role::listen : TcpTransport::Role::connect, local, remote,
                               limits, epoll, kPeer);
    } else {
      peer = &udp.emplace(local, remote, limits);
      epoll.add(udp->fd(), kPeer);
    }
  } catch (const TransportError& e) {
    throw CommandError(e.what());
  }

  TunDevice dev = TunDevice::open(opts.tap, mode);
  TunLink device(dev);
  HostSide host_side;
  host_side.address = host;
  if (opts.mtu_given) host_side.mtu = static_cast<std::uint16_t>(opts.mtu);
  configure_host_side(dev.name(), host_side);
  LinkChain chain(*peer, opts.link, mode, wall_clock_offset(), static_cast<std::uint16_t>(opts.mtu));
  Link& network = chain.top();

  spdlog::info("tunnel {} ({}) {} {} over {}: {} {} {}{}", dev.name(), link_mode_name(mode), host ? "host side" : "",
               host ? host->to_string() : "", peer->name(), local.to_string(), opts.listen ? "listening for" : "to",
               remote.to_string(), host ? "" : fmt::format(" (no --host-ip: configure {} yourself)", dev.name()));

  SignalFd signals{SIGINT, SIGTERM, SIGUSR1};
  TimerFd timer;
  epoll.add(dev.fd(), kDevice);
  epoll.add(timer.fd(), kTimer);
  epoll.add(signals.fd(), kSignal);

  if (tcp) opts.privileges.seccomp_profile = SeccompProfile::tcp_tunnel;
  spdlog::info("{}", drop_privileges(opts.privileges));

  HostDrops drops;
  int stop_signal = 0;
  while (stop_signal == 0 && device.read_error() == 0) {
    timer.arm(network.next_deadline());
    const auto ready = epoll.wait(std::nullopt);
    const Instant now = monotonic_now();
    bool from_host = false;
    bool from_peer = false;
    // A link whose timer fired may have frames to hand over (a delay ended) or a peer to reach.
    if (const auto due = network.next_deadline(); due && *due <= now) {
      network.on_timer(now);
      from_peer = true;
    }
    for (const ReadyEvent& ev : ready) {
      switch (ev.token) {
        case kDevice:
          from_host = true;
          break;
        case kPeer:
          peer->service();
          from_peer = true;
          break;
        case kTimer:
          timer.acknowledge();
          break;
        case kSignal:
          while (const auto sig = signals.read()) {
            if (*sig == SIGUSR1) print_report(stdout, dev.name(), *peer, device.stats(), drops, chain);
            else stop_signal = *sig;
          }
          break;
        default:
          break;
      }
    }
    if (from_host) {
      for (int i = 0; i < kReadBudget; ++i) {
        const auto frame = device.receive();
        if (!frame) break;
        if (frame->data.size() < limits.min_len) {
          ++drops.too_short;
        } else if (frame->data.size() > limits.max_len) {
          ++drops.too_long;
        } else {
          network.emit(frame->data, frame->at);
        }
      }
    }
    if (from_peer) {
      for (int i = 0; i < kReadBudget; ++i) {
        const auto frame = network.receive();
        if (!frame) break;
        device.emit(frame->data, frame->at);
      }
    }
  }

  if (stop_signal != 0)
    spdlog::info("stopping on {}", stop_signal == SIGINT ? "SIGINT" : stop_signal == SIGTERM ? "SIGTERM" : "a signal");
  std::optional<std::string> pcap_error;
  if (chain.recording()) {
    if (auto closed = chain.close(); !closed) pcap_error = closed.error();
  }
  print_report(stdout, dev.name(), *peer, device.stats(), drops, chain);
  if (const int err = device.read_error(); err != 0)
    throw CommandError("reading from " + dev.name() + " failed: " + std::strerror(err) +
                       (err == EBADFD || err == EIO ? " (was the interface deleted?)" : ""));
  if (pcap_error) throw CommandError(*pcap_error);
}

// A CLI11 check for ADDR:PORT.
CLI::Validator endpoint_check() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        const auto e = parse_endpoint(value);
        return e ? std::string() : e.error();
      },
      "", "endpoint");
}

}  // namespace

void add_tunnel_command(CLI::App& app) {
  auto opts = std::make_shared<TunnelOptions>();
  CLI::App* cmd = app.add_subcommand(
      "tunnel", "Join a TAP (or TUN) interface to a peer over UDP or TCP, until SIGINT/SIGTERM");
  cmd->add_option("--mode", opts->mode, "Link type: tap (Ethernet frames) or tun (bare IP packets)")
      ->type_name("MODE")
      ->check(checks::one_of({"tap", "tun"}))
      ->capture_default_str();
  cmd->add_option("--tap", opts->tap, "Interface to create or attach to (default: the kernel picks tap0, tun0, ...)")
      ->type_name("NAME")
      ->check(checks::interface_name());
  cmd->add_option("--host-ip", opts->host_ip,
                  "Give the interface this address, e.g. 10.9.0.1/24, and bring it up (needs CAP_NET_ADMIN)")
      ->type_name("IP/PREFIX")
      ->check(checks::host_address());
  cmd->add_option("--mtu", opts->mtu, "Link MTU, 68 to 65535: longer frames either way are counted and dropped")
      ->type_name("BYTES")
      ->check(checks::number(68, 65535))
      ->capture_default_str();
  cmd->add_option("--transport", opts->transport, "udp (one frame per datagram) or tcp (a 2-byte length before each frame)")
      ->type_name("TRANSPORT")
      ->check(checks::one_of({"udp", "tcp"}))
      ->required();
  cmd->add_option("--local", opts->local, "Address and port of this end, e.g. 192.168.7.1:5555")
      ->type_name("ADDR:PORT")
      ->check(endpoint_check())
      ->required();
  cmd->add_option("--remote", opts->remote, "Address and port of the peer, e.g. 192.168.7.2:5555")
      ->type_name("ADDR:PORT")
      ->check(endpoint_check())
      ->required();
  cmd->add_flag("--listen", opts->listen,
                "TCP: wait for the peer to connect (the other end connects, and reconnects when the connection goes)");
  add_impairment_options(*cmd, opts->link);
  auto* verbose = cmd->add_flag("-v,--verbose", opts->link.verbose, "One decoded line per frame to and from the peer");
  cmd->add_flag("-q,--quiet", opts->quiet, "Warnings and errors only")->excludes(verbose);
  add_privilege_options(*cmd, opts->privileges);
  cmd->footer(
      "While it runs, SIGUSR1 (`kill -USR1 PID`) prints the counters; they are printed at exit too.\n"
      "\n"
      "Example, two hosts 192.168.7.1 and 192.168.7.2:\n"
      "  sudo tapstack tunnel --host-ip 10.9.0.1/24 --transport udp --local 192.168.7.1:5555 --remote 192.168.7.2:5555\n"
      "  sudo tapstack tunnel --host-ip 10.9.0.2/24 --transport udp --local 192.168.7.2:5555 --remote 192.168.7.1:5555\n"
      "  then, on the first: ping 10.9.0.2");
  cmd->callback([opts, cmd] {
    try {
      opts->mtu_given = cmd->get_option("--mtu")->count() > 0;
      tunnel(*opts);
    } catch (const SetupError& e) {
      throw CommandError(e.what());
    }
  });
}

}  // namespace tapstack
