#include "apps/explain.hpp"

#include "describe/explanations.hpp"

#include <CLI/CLI.hpp>

namespace tapstack {
namespace {

// An answer in few words: the IP datagram without its Ethernet header (the MACs are on the
// frame's own line already); anything else as it is.
std::string describe_sent(Bytes frame, Framing framing) {
  constexpr std::size_t kEthernetHeader = 14;
  constexpr std::byte kIpv4Type[] = {std::byte{0x08}, std::byte{0x00}};
  if (framing == Framing::ethernet && frame.size() > kEthernetHeader && frame[12] == kIpv4Type[0] &&
      frame[13] == kIpv4Type[1])
    return describe_frame(frame.subspan(kEthernetHeader), Framing::ip);
  return describe_frame(frame, framing);
}

StackConfig shadow_config(LinkMode mode) {
  StackConfig config;
  config.mode = mode;
  config.ip = {Ipv4Addr::from_octets(10, 0, 0, 2), 24};
  config.mac = default_mac_for(config.ip.addr);
  return config;
}

}  // namespace

void add_explain_flag(CLI::App& cmd, bool& explain) {
  cmd.add_flag("--explain", explain,
               "Print one line per frame received: what became of it (answered, dropped, held, consumed) and the "
               "RFC section or Linux behaviour behind it");
}

void add_dump_explain_flag(CLI::App& cmd, bool& explain) {
  cmd.add_flag("--explain", explain,
               std::string("Say what a stack at ") + ShadowStack::kAddress +
                   " (`tapstack run` with that address) would do with each frame and why; dump itself still "
                   "answers nothing");
}

const std::string& Explainer::deliver(Stack& stack, Bytes frame, Instant at) {
  const Counters before = stack.counters();
  const std::size_t held_before = stack.held_frames();
  sent_.clear();
  recording_ = true;
  stack.on_frame(frame, at);
  recording_ = false;
  line_.clear();
  append_frame_description(line_, frame, framing_);
  line_ += " → ";
  line_ += explain_outcome(before, stack.counters(), held_before, stack.held_frames(), sent_);
  return line_;
}

void Explainer::emit(Bytes frame, Instant now) {
  if (recording_) sent_.push_back(describe_sent(frame, framing_));
  inner().emit(frame, now);
}

ShadowStack::ShadowStack(LinkMode mode)
    : explainer_(nowhere_, mode == LinkMode::tap ? Framing::ethernet : Framing::ip), stack_(shadow_config(mode), explainer_) {}

}  // namespace tapstack
