// `tapstack replay`: a capture in, the stack's answers out, with capture time as the clock.
#include "apps/command_error.hpp"
#include "apps/commands.hpp"
#include "apps/pcap_file.hpp"
#include "apps/stack_options.hpp"
#include "stack/stack.hpp"

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

namespace tapstack {
namespace {

struct ReplayOptions {
  StackOptions stack;
  std::string input;
  std::string output;
};

class PcapSink final : public FrameSink {
 public:
  explicit PcapSink(PcapWriter& writer) : writer_(writer) {}
  void emit(Bytes frame, Instant now) override { writer_.write(frame, now); }

 private:
  PcapWriter& writer_;
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

void replay(const ReplayOptions& opts) {
  const StackConfig config = opts.stack.to_config();
  auto reader = PcapReader::open(opts.input);
  if (!reader) throw CommandError(reader.error());
  const auto want = config.mode == LinkMode::tap ? CaptureLinkType::ethernet : CaptureLinkType::raw_ip;
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

  PcapSink sink(*writer);
  Stack stack(config, sink);
  Instant clock{};
  std::size_t snapped = 0;
  for (bool first = true;; first = false) {
    auto frame = reader->next();
    if (!frame) throw CommandError(opts.input + ": " + frame.error());
    if (!*frame) break;
    // The stack's clock never runs backwards, even if the capture's does.
    clock = first ? (*frame)->timestamp : std::max(clock, (*frame)->timestamp);
    // Timers that fell due between two frames fire at their own time, as they would live.
    for (int guard = 0; guard < 100000; ++guard) {
      const auto due = stack.next_deadline();
      if (!due || *due > clock) break;
      stack.on_timer(*due);
    }
    if ((*frame)->original_len > (*frame)->data.size()) ++snapped;
    stack.on_frame((*frame)->data, clock);
  }

  if (auto closed = writer->close(); !closed) throw CommandError(closed.error());
  remove_output.release();
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
      ->type_name("")
      ->check(checks::not_empty("file name"))
      ->required();
  cmd->add_option("OUTPUT", opts->output, "Pcap file to write the stack's frames to")
      ->type_name("")
      ->check(checks::not_empty("file name"))
      ->required();
  cmd->footer(
      "Example:\n"
      "  tapstack replay --ip 10.0.0.2/24 ping.pcap replies.pcap   then: tshark -r replies.pcap");
  cmd->callback([opts] { replay(*opts); });
}

}  // namespace tapstack
