#pragma once
// `--explain` on run, replay and dump: one line per received frame, its description and its
// fate with the rule behind it (describe/explanations.hpp):
//
//   10.0.0.1 > 10.0.0.2 ICMP echo request id 0x7 seq 3 len 64 [bad IP checksum] → dropped: IPv4 header checksum wrong (RFC 791 §3.1, RFC 1071)
//
// The Explainer is the top of the link chain, so it sees what the Stack emits while it handles
// the frame; it brackets Stack::on_frame with two snapshots of the counters and leaves the core
// as it is: sans-IO, allocation-free, unaware of being watched. Frames a timer emits (ARP
// retries, released held frames) pass through unexplained. Only built with --explain.
#include "describe/describe.hpp"
#include "link/link_decorator.hpp"
#include "stack/config.hpp"
#include "stack/stack.hpp"

#include <CLI/App.hpp>

#include <string>
#include <vector>

namespace tapstack {

// Registers --explain on cmd; dump's help says what it explains (it answers nothing).
void add_explain_flag(CLI::App& cmd, bool& explain);
void add_dump_explain_flag(CLI::App& cmd, bool& explain);

class Explainer final : public LinkDecorator {
 public:
  Explainer(Link& inner, Framing framing) : LinkDecorator(inner), framing_(framing) {}

  // Hands the frame to stack; returns its line (valid until the next call).
  const std::string& deliver(Stack& stack, Bytes frame, Instant at);
  void emit(Bytes frame, Instant now) override;

 private:
  Framing framing_;
  bool recording_ = false;
  std::vector<std::string> sent_;
  std::string line_;
};

// What `dump --explain` asks: what would `tapstack run --ip 10.0.0.2/24` do with this frame?
// A stack of its own (the default MAC, Linux's defaults) whose frames go nowhere.
class ShadowStack {
 public:
  explicit ShadowStack(LinkMode mode);
  const std::string& explain(Bytes frame, Instant at) { return explainer_.deliver(stack_, frame, at); }
  static constexpr const char* kAddress = "10.0.0.2/24";

 private:
  class Discard final : public Link {
   public:
    std::optional<ReceivedFrame> receive() override { return std::nullopt; }
    void emit(Bytes, Instant) override {}
  };
  Discard nowhere_;
  Explainer explainer_;
  Stack stack_;
};

}  // namespace tapstack
