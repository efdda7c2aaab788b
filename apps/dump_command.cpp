// `tapstack dump`: attach to an interface and print each frame the host sends, one decoded line
// each (and a hex dump with --hex). It answers nothing: a tcpdump for the other end of the TAP.
#include "apps/command_error.hpp"
#include "apps/commands.hpp"
#include "apps/stack_options.hpp"
#include "stack/describe.hpp"
#include "stack/wire/ethernet.hpp"
#include "stack/wire/ipv4.hpp"
#include "tap/clock.hpp"
#include "tap/epoll.hpp"
#include "tap/errors.hpp"
#include "tap/signal_fd.hpp"
#include "tap/tun_device.hpp"

#include <CLI/CLI.hpp>
#include <fmt/chrono.h>
#include <fmt/format.h>

#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <memory>
#include <string>
#include <vector>

namespace tapstack {
namespace {

struct DumpOptions {
  std::string tap;
  std::string mode = "tap";
  bool hex = false;
};

constexpr std::size_t kFrameBufferLen = kIpv4MaxDatagramLen + kEthernetHeaderLen + 4;
enum Token : std::uint64_t { kDevice, kSignal };

// tcpdump's "HH:MM:SS.uuuuuu", local time.
void append_timestamp(std::string& out, Instant wall) {
  const std::int64_t ns = to_ns(wall);
  const auto secs = static_cast<std::time_t>(ns / 1'000'000'000);
  fmt::format_to(std::back_inserter(out), "{:%H:%M:%S}.{:06d} ", fmt::localtime(secs), (ns % 1'000'000'000) / 1000);
}

void dump(const DumpOptions& opts) {
  const LinkMode mode = parse_link_mode(opts.mode);
  TunDevice dev = TunDevice::open(opts.tap, mode);
  SignalFd signals{SIGINT, SIGTERM};
  Epoll epoll;
  epoll.add(dev.fd(), kDevice);
  epoll.add(signals.fd(), kSignal);
  std::fprintf(stderr, "dump: listening on %s (%s), answering nothing; Ctrl-C stops\n", dev.name().c_str(),
               std::string(link_mode_name(mode)).c_str());
  // Line by line even into a pipe, so a reader sees each frame as it comes.
  std::setvbuf(stdout, nullptr, _IOLBF, 0);

  const Duration wall_offset = wall_clock_offset();
  std::vector<std::byte> buffer(kFrameBufferLen);
  std::string line;
  std::uint64_t frames = 0;
  bool running = true;
  while (running) {
    for (const ReadyEvent& ev : epoll.wait(std::nullopt)) {
      if (ev.token == kSignal) {
        while (signals.read()) running = false;
        continue;
      }
      for (;;) {
        const IoResult r = dev.read(buffer);
        if (r.status == IoStatus::would_block) break;
        if (r.status == IoStatus::failed)
          throw CommandError("reading from " + dev.name() + " failed: " + std::strerror(r.error) +
                             (r.error == EBADFD ? " (was the interface deleted?)" : ""));
        const Bytes frame(buffer.data(), r.size);
        ++frames;
        line.clear();
        append_timestamp(line, monotonic_now() + wall_offset);
        append_frame_description(line, frame, mode);
        if (opts.hex) {
          line += '\n';
          line += hex_dump(frame);
        }
        line += '\n';
        std::fputs(line.c_str(), stdout);
      }
    }
  }
  std::fflush(stdout);
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
