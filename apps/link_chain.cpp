#include "apps/link_chain.hpp"

#include "apps/command_error.hpp"
#include "apps/stack_options.hpp"
#include "stack/wire/ethernet.hpp"

#include <CLI/CLI.hpp>

#include <cinttypes>

#include <cstdio>

namespace tapstack {

namespace {

// A CLI11 check from one of link/impairment's parsers: the reason follows "OPTION: ".
template <typename Parse>
CLI::Validator check_with(Parse parse, std::string name) {
  return CLI::Validator(
      [parse](std::string& value) -> std::string {
        const auto parsed = parse(value);
        return parsed ? std::string() : parsed.error();
      },
      "", std::move(name));
}

}  // namespace

void add_impairment_options(CLI::App& cmd, LinkOptions& options) {
  ImpairmentConfig& c = options.impairment;
  cmd.add_option_function<std::string>("--loss", [&c](const std::string& v) { c.loss = *parse_percent(v); },
                                       "Lose this share of frames, e.g. 20 or 0.5%")
      ->type_name("PERCENT")
      ->check(check_with(parse_percent, "percent"));
  cmd.add_option_function<std::string>(
         "--delay",
         [&c](const std::string& v) {
           const DelaySpec d = *parse_delay(v);
           c.delay = d.delay;
           c.jitter = d.jitter;
         },
         "MS[+-JITTER]: hold each frame MS milliseconds, give or take up to JITTER (uniform), e.g. 50 or 50+-10 (the plus-minus sign works too)")
      ->type_name("DELAY")
      ->check(check_with(parse_delay, "delay"));
  cmd.add_option_function<std::string>("--duplicate", [&c](const std::string& v) { c.duplicate = *parse_percent(v); },
                                       "Send this share of frames twice")
      ->type_name("PERCENT")
      ->check(check_with(parse_percent, "percent"));
  cmd.add_option_function<std::string>("--reorder", [&c](const std::string& v) { c.reorder = *parse_percent(v); },
                                       "Let the next frame overtake this share of frames (with --delay: send them at once)")
      ->type_name("PERCENT")
      ->check(check_with(parse_percent, "percent"));
  cmd.add_option("--seed", c.seed, "Seed of the emulation's decisions: the same seed, the same fates")
      ->type_name("N")
      ->check(checks::number(0, UINT64_MAX))
      ->capture_default_str();
  cmd.add_option_function<std::string>(
         "--impair",
         [&c](const std::string& v) {
           c.inbound = v != "out";
           c.outbound = v != "in";
         },
         "Which frames the emulation acts on: in (from the host), out (to it) or both (default: out)")
      ->type_name("DIRECTION")
      ->check(checks::one_of({"in", "out", "both"}));
}

void print_impairment(std::FILE* out, const Impairment& impairment) {
  const auto line = [out](const char* direction, const ImpairmentStats& s) {
    std::fprintf(out,
                 "link emulation %s: %" PRIu64 " frames, %" PRIu64 " dropped, %" PRIu64 " duplicated, %" PRIu64
                 " reordered, %" PRIu64 " delayed, %" PRIu64 " overflowed (queue full)\n",
                 direction, s.frames, s.dropped, s.duplicated, s.reordered, s.delayed, s.overflowed);
  };
  if (impairment.config().inbound) line("in", impairment.inbound_stats());
  if (impairment.config().outbound) line("out", impairment.outbound_stats());
}

LinkChain::LinkChain(Link& base, const LinkOptions& options, LinkMode mode, Duration wall_offset, std::uint16_t mtu)
    : top_(&base) {
  if (options.impairment.active()) {
    ImpairmentConfig config = options.impairment;
    // The largest frame either side may hand over: the MTU, an Ethernet header and a VLAN tag.
    config.max_frame_len = std::size_t{mtu} + (mode == LinkMode::tap ? kEthernetHeaderLen + kVlanTagLen : 0);
    top_ = &impairment_.emplace(*top_, config);
  }
  if (!options.pcap.empty()) {
    auto writer = PcapWriter::create(options.pcap, capture_link_type_of(mode));
    if (!writer) throw CommandError(writer.error());
    top_ = &recorder_.emplace(*top_, std::move(*writer), wall_offset);
  }
  if (options.verbose > 0) top_ = &tracer_.emplace(*top_, framing_of(mode));
  if (options.explain) top_ = &explainer_.emplace(*top_, framing_of(mode));
}

void LinkChain::deliver(Stack& stack, Bytes frame, Instant at) {
  if (!explainer_) {
    stack.on_frame(frame, at);
    return;
  }
  const std::string& line = explainer_->deliver(stack, frame, at);
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fputc('\n', stdout);
  // A person is reading, maybe through a pipe or a file: each line as its frame comes.
  std::fflush(stdout);
}

std::expected<void, std::string> LinkChain::close() {
  if (!recorder_) return {};
  return recorder_->close();
}

}  // namespace tapstack
