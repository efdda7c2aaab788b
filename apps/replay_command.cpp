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
#include "tap/output_file.hpp"

#include <cstdio>
#include <string>

namespace tapstack {
namespace {

struct ReplayOptions {
  StackOptions stack;
  LinkOptions link;  // -v and --explain only: the output is the capture
  std::string input;
  std::string output;
  bool drain = false;  // --drain: run the timers out after the last frame
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

// ", pending: 1 frame held for ARP, 2 datagrams in reassembly": what the capture ended on
// before the timers that resolve it fell due (nothing when nothing is pending).
std::string pending(const Stack& stack) {
  const auto plural = [](std::size_t n, const char* one, const char* many) {
    return std::to_string(n) + " " + (n == 1 ? one : many);
  };
  std::string s;
  if (const auto n = stack.held_frames()) s += plural(n, "frame held for ARP", "frames held for ARP");
  if (const auto n = stack.incomplete_datagrams())
    s += (s.empty() ? "" : ", ") + plural(n, "datagram in reassembly", "datagrams in reassembly");
  return s.empty() ? "" : ", pending: " + s;
}

// Whether the stack or the link has anything due by `until`: asked before every frame, where
// the answer is nearly always no. The stack's deadline is a load (it is cached) and the link's
// one virtual call, so asking here costs less than entering run_timers_until, whose calls into
// the timers make it save and restore registers every time (~26 instructions per frame).
bool due_by(const Stack& stack, const Link& link, Instant until) {
  const auto due = earliest(stack.next_deadline(), link.next_deadline());
  return due && *due <= until;
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

// --drain: after the last frame, lets every timer of the stack and the link run out, each at its
// own time, as it would live if no other frame came: held frames are sent or dropped (and
// counted), incomplete datagrams time out. Bounded: a timer that keeps rearming stops it.
// Returns the clock when it stopped.
Instant drain_timers(Stack& stack, Link& link, Instant clock) {
  for (int guard = 0; guard < 100000; ++guard) {
    const auto due = earliest(stack.next_deadline(), link.next_deadline());
    if (!due) break;
    clock = std::max(clock, *due);
    run_timers_until(stack, link, clock);
  }
  return clock;
}

void replay(const ReplayOptions& opts) {
  configure_logging(opts.link.verbose, false);
  // Refused before anything is opened for writing: replaying a capture onto itself (by the same
  // name, a symlink or a hard link) would destroy it.
  if (const auto same = same_file(opts.input, opts.output); same && *same)
    throw CommandError("OUTPUT " + opts.output + " is the INPUT capture " + opts.input + "; choose another file", 2);
  const StackConfig config = opts.stack.to_config();
  auto reader = PcapReader::open(opts.input);
  if (!reader) throw CommandError(reader.error());
  const auto want = capture_link_type_of(config.mode);
  if (reader->link_type() != want)
    throw CommandError(opts.input + ": link type " + reader->link_type_name() + " is not supported in " + opts.stack.mode +
                       " mode (expected " + (want == CaptureLinkType::ethernet ? "EN10MB" : "RAW") + ")");

  // The output is written beside OUTPUT and renamed onto it at the end: a failed replay leaves
  // whatever OUTPUT was (or its absence) untouched, and never a plausible-looking partial file.
  auto output = PendingOutput::start(opts.output);
  if (!output) throw CommandError(output.error());
  auto writer = PcapWriter::create(output->temp_path(), want);
  if (!writer) throw CommandError(opts.output + ": " + writer.error());

  ReplayLink capture(std::move(*reader), std::move(*writer));
  // Capture timestamps already are Unix time.
  LinkChain chain(capture, opts.link, config.mode, Duration{0}, config.mtu);
  Link& link = chain.top();
  Stack stack(config, link);
  Instant clock{};
  for (bool first = true;; first = false) {
    const auto frame = link.receive();
    if (!frame) {
      // The capture is over, but an emulated link may still hold frames: they arrive at their
      // own time, as they would live.
      const auto held = link.next_deadline();
      if (!held || first) break;
      clock = std::max(clock, *held);
      run_timers_until(stack, link, clock);
      continue;
    }
    // The stack's clock never runs backwards, even if the capture's does.
    clock = first ? frame->at : std::max(clock, frame->at);
    // Timers that fell due between two frames fire at their own time, as they would live.
    if (due_by(stack, link, clock)) run_timers_until(stack, link, clock);
    chain.deliver(stack, frame->data, clock);
  }
  if (capture.error()) throw CommandError(opts.input + ": " + *capture.error());
  if (opts.drain) drain_timers(stack, link, clock);

  if (auto closed = capture.close(); !closed) throw CommandError(closed.error());
  if (auto committed = output->commit(); !committed) throw CommandError(committed.error());
  const std::size_t snapped = capture.cut_short();
  std::printf("replay: %s%s%s\n", summary(stack.counters()).c_str(),
              snapped ? (", " + std::to_string(snapped) + " cut short by the capture's snaplen").c_str() : "",
              pending(stack).c_str());
  if (chain.impairment()) print_impairment(stdout, *chain.impairment());
}

}  // namespace

void add_replay_command(CLI::App& app) {
  auto opts = std::make_shared<ReplayOptions>();
  CLI::App* cmd = app.add_subcommand(
      "replay", "Feed every frame of a capture (pcap/pcapng) to the stack and write what it answers to a pcap");
  opts->stack.add_to(*cmd);
  cmd->add_option("INPUT", opts->input, "Capture to read (pcap or pcapng; Ethernet, or raw IPv4 with --mode tun)")
      ->type_name("")
      ->check(checks::not_empty("file name"))
      ->required();
  cmd->add_option("OUTPUT", opts->output, "Pcap file to write the stack's frames to")
      ->type_name("")
      ->check(checks::not_empty("file name"))
      ->required();
  cmd->add_flag("--drain", opts->drain,
                 "After the last frame, run the stack's timers out (ARP retries, reassembly timeouts) so that "
                 "held frames are sent or dropped and counted, as they would be live");
  cmd->add_flag("-v,--verbose", opts->link.verbose, "Log one decoded line per frame in and out; -vv adds a hex dump");
  add_impairment_options(*cmd, opts->link);
  add_explain_flag(*cmd, opts->link.explain);
  cmd->footer(
      "Example:\n"
      "  tapstack replay --ip 10.0.0.2/24 ping.pcap replies.pcap   then: tshark -r replies.pcap");
  cmd->callback([opts] { replay(*opts); });
}

}  // namespace tapstack
