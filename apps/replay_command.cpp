// `tapstack replay`: a capture in, the stack's answers out, with capture time as the clock. The
// capture is a link (ReplayLink) at the bottom of the same chain `run` builds (apps/link_chain.hpp).
#include "apps/command_error.hpp"
#include "apps/commands.hpp"
#include "apps/link_chain.hpp"
#include "apps/logging.hpp"
#include "apps/stack_options.hpp"
#include "link/pcap_file.hpp"
#include "link/replay_link.hpp"
#include "stack/stack.hpp"

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

namespace tapstack {
namespace {

struct ReplayOptions {
  StackOptions stack;
  LinkOptions link;  // -v only: the output is the capture
  std::string input;
  std::string output;
};

// "frames in 5, out 4, dropped 1 (ip_drop_bad_checksum 1)": the drop reasons are the counters.
std::string summary(const Counters& c) {
  std::string drops;
  c.for_each([&](const CounterInfo& info, std::uint64_t v) {
    if (v == 0 || !info.is_drop()) return;
    drops += drops.empty() ? " (" : ", ";
    drops += std::string(info.name) + " " + std::to_string(v);
  });
  if (!drops.empty()) drops += ")";
  return "frames in " + std::to_string(c[Counter::frames_in]) + ", out " + std::to_string(c[Counter::frames_out]) +
         ", dropped " + std::to_string(c.total_drops()) + drops;
}

// Runs what the stack and the link have due up to `until`, each at its own time, in order, as
// they would have run live.
void run_timers_until(Stack& stack, Link& link, Instant until) {
  for (int guard = 0; guard < 100000; ++guard) {
    const auto due = earliest(stack.next_deadline(), link.next_deadline());
    if (!due || *due > until) return;
    if (const auto d = link.next_deadline(); d && *d <= *due) link.on_timer(*due);
    if (const auto d = stack.next_deadline(); d && *d <= *due) stack.on_timer(*due);
  }
}

void replay(const ReplayOptions& opts) {
  configure_logging(opts.link.verbose, false);
  const StackConfig config = opts.stack.to_config();
  auto reader = PcapReader::open(opts.input);
  if (!reader) throw CommandError(reader.error());
  const auto want = capture_link_type_of(config.mode);
  if (reader->link_type() != want)
    throw CommandError(opts.input + ": link type " + reader->link_type_name() + " is not supported in " + opts.stack.mode +
                       " mode (expected " + (want == CaptureLinkType::ethernet ? "EN10MB" : "RAW") + ")");

  auto writer = PcapWriter::create(opts.output, want);
  if (!writer) throw CommandError(writer.error());
  // A failed replay must not leave a plausible-looking partial output behind.
  auto remove_output = std::unique_ptr<const std::string, void (*)(const std::string*)>(
      &opts.output, [](const std::string* path) {
        std::error_code ignored;
        std::filesystem::remove(*path, ignored);
      });

  ReplayLink capture(std::move(*reader), std::move(*writer));
  // Capture timestamps already are Unix time.
  LinkChain chain(capture, opts.link, config.mode, Duration{0});
  Link& link = chain.top();
  Stack stack(config, link);
  Instant clock{};
  for (bool first = true;; first = false) {
    const auto frame = link.receive();
    if (!frame) break;
    // The stack's clock never runs backwards, even if the capture's does.
    clock = first ? frame->at : std::max(clock, frame->at);
    // Timers that fell due between two frames fire at their own time, as they would live.
    run_timers_until(stack, link, clock);
    stack.on_frame(frame->data, clock);
  }
  if (capture.error()) throw CommandError(opts.input + ": " + *capture.error());

  if (auto closed = capture.close(); !closed) throw CommandError(closed.error());
  remove_output.release();
  const std::size_t snapped = capture.cut_short();
  std::printf("replay: %s%s\n", summary(stack.counters()).c_str(),
              snapped ? (", " + std::to_string(snapped) + " cut short by the capture's snaplen").c_str() : "");
}

}  // namespace

void add_replay_command(CLI::App& app) {
  auto opts = std::make_shared<ReplayOptions>();
  CLI::App* cmd = app.add_subcommand(
      "replay", "Feed every frame of a capture (pcap/pcapng) to the stack and write what it answers to a pcap");
  opts->stack.add_to(*cmd);
  cmd->add_option("INPUT", opts->input, "Capture to read (pcap or pcapng; Ethernet, or raw IPv4 with --mode tun)")
      ->required();
  cmd->add_option("OUTPUT", opts->output, "Pcap file to write the stack's frames to")->required();
  cmd->add_flag("-v,--verbose", opts->link.verbose, "Log one decoded line per frame in and out; -vv adds a hex dump");
  cmd->footer("Example: tapstack replay --ip 10.0.0.2/24 --mac 02:00:00:00:00:02 ping.pcap replies.pcap");
  cmd->callback([opts] { replay(*opts); });
}

}  // namespace tapstack
