// `tapstack dump`: attach to an interface and print each frame the host sends, one decoded line
// each (and a hex dump with --hex). It answers nothing: a tcpdump for the other end of the TAP.
// The frames come through the same chain as `run`'s (apps/link_chain.hpp), so --pcap records
// them as `run --pcap` would.
#include "apps/command_error.hpp"
#include "apps/commands.hpp"
#include "apps/explain.hpp"
#include "apps/privilege_options.hpp"
#include "apps/link_chain.hpp"
#include "apps/stack_options.hpp"
#include "describe/describe.hpp"
#include "tap/clock.hpp"
#include "tap/epoll.hpp"
#include "tap/errors.hpp"
#include "tap/signal_fd.hpp"
#include "tap/timer_fd.hpp"
#include "tap/tun_device.hpp"
#include "tap/tun_link.hpp"

#include <CLI/CLI.hpp>
#include <fmt/chrono.h>
#include <fmt/format.h>

#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <memory>
#include <string>

namespace tapstack {
namespace {

struct DumpOptions {
  std::string tap;
  std::string mode = "tap";
  std::string pcap;
  bool hex = false;
  bool explain = false;  // --explain: what `run` would do with each frame
  PrivilegeOptions privileges;  // --user, --group, --no-seccomp
};

enum Token : std::uint64_t { kDevice, kTimer, kSignal };

// tcpdump's "HH:MM:SS.uuuuuu", local time.
void append_timestamp(std::string& out, Instant wall) {
  const std::int64_t ns = to_ns(wall);
  const auto secs = static_cast<std::time_t>(ns / 1'000'000'000);
  fmt::format_to(std::back_inserter(out), "{:%H:%M:%S}.{:06d} ", fmt::localtime(secs), (ns % 1'000'000'000) / 1000);
}

void dump(const DumpOptions& opts) {
  const LinkMode mode = parse_link_mode(opts.mode);
  TunDevice dev = TunDevice::open(opts.tap, mode);
  TunLink device(dev);
  const Duration wall_offset = wall_clock_offset();
  LinkChain chain(device, LinkOptions{.pcap = opts.pcap}, mode, wall_offset);
  Link& link = chain.top();
  SignalFd signals{SIGINT, SIGTERM};
  TimerFd timer;
  Epoll epoll;
  epoll.add(dev.fd(), kDevice);
  epoll.add(timer.fd(), kTimer);
  epoll.add(signals.fd(), kSignal);
  std::fprintf(stderr, "dump: listening on %s (%s), answering nothing; Ctrl-C stops\n", dev.name().c_str(),
               std::string(link_mode_name(mode)).c_str());
  // Line by line even into a pipe, so a reader sees each frame as it comes.
  std::setvbuf(stdout, nullptr, _IOLBF, 0);

  std::optional<ShadowStack> shadow;
  if (opts.explain) {
    shadow.emplace(mode);
    std::fprintf(stderr, "dump: --explain says what `tapstack run --ip %s` would do with each frame\n", ShadowStack::kAddress);
  }
  std::string line;
  bool running = true;

  // Set-up is over: --user, no capabilities, no_new_privs, the seccomp allow-list.
  std::fprintf(stderr, "dump: %s\n", drop_privileges(opts.privileges).c_str());

  while (running) {
    timer.arm(link.next_deadline());
    const auto ready = epoll.wait(std::nullopt);
    // A link whose timer fired may have frames to hand over (a decorator releasing held ones).
    bool receive = false;
    const Instant now = monotonic_now();
    if (const auto due = link.next_deadline(); due && *due <= now) {
      link.on_timer(now);
      receive = true;
    }
    for (const ReadyEvent& ev : ready) {
      if (ev.token == kSignal) {
        while (signals.read()) running = false;
      } else if (ev.token == kTimer) {
        timer.acknowledge();
      } else if (ev.token == kDevice) {
        receive = true;
      }
    }
    if (!receive) continue;
    while (const auto frame = link.receive()) {
      line.clear();
      append_timestamp(line, frame->at + wall_offset);
      if (shadow)
        line += shadow->explain(frame->data, frame->at);
      else
        append_frame_description(line, frame->data, framing_of(mode));
      if (opts.hex) {
        line += '\n';
        line += hex_dump(frame->data);
      }
      line += '\n';
      std::fputs(line.c_str(), stdout);
    }
    if (const int err = device.read_error(); err != 0)
      throw CommandError("reading from " + dev.name() + " failed: " + std::strerror(err) +
                         (err == EBADFD ? " (was the interface deleted?)" : ""));
  }
  std::fflush(stdout);
  if (auto closed = chain.close(); !closed) throw CommandError(closed.error());
  const std::uint64_t frames = device.stats().frames_read;
  std::fprintf(stderr, "dump: %" PRIu64 " frame%s\n", frames, frames == 1 ? "" : "s");
}

}  // namespace

void add_dump_command(CLI::App& app) {
  auto opts = std::make_shared<DumpOptions>();
  CLI::App* cmd = app.add_subcommand("dump", "Attach to an interface and print every frame the host sends; answer nothing");
  cmd->add_option("--tap", opts->tap, "Interface to create or attach to (default: the kernel picks)")
      ->type_name("NAME")
      ->check(checks::interface_name());
  cmd->add_option("--mode", opts->mode, "Link type: tap (Ethernet frames) or tun (bare IP)")
      ->type_name("MODE")
      ->check(checks::one_of({"tap", "tun"}))
      ->capture_default_str();
  cmd->add_flag("--hex", opts->hex, "Add a hex dump under each frame");
  add_dump_explain_flag(*cmd, opts->explain);
  add_privilege_options(*cmd, opts->privileges);
  cmd->add_option("--pcap", opts->pcap, "Also record every frame to this pcap file")
      ->type_name("FILE")
      ->check(checks::not_empty("file name"));
  cmd->footer(
      "Example:\n"
      "  tapstack dump --tap tap0   on a persistent tap0 whose host side is 10.0.0.1/24; then: ping 10.0.0.2");
  cmd->callback([opts] {
    try {
      dump(*opts);
    } catch (const SetupError& e) {
      throw CommandError(e.what());
    }
  });
}

}  // namespace tapstack
