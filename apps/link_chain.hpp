#pragma once
// The links of `run`, `dump` and `replay`, composed in one place from their options. Each
// command makes its base link — the TUN/TAP device (TunLink), or the capture it replays
// (ReplayLink) — and LinkChain wraps it:
//
//   Stack ⇄ Explainer (--explain) ⇄ Tracer (-v) ⇄ PcapRecorder (--pcap) ⇄ base
//
// A decorator whose option is absent is not in the chain at all, so without -v a frame pays
// nothing for logging. The command's loop only receives from top() and hands frames to the
// Stack through deliver(), which emits into top(); it arms its timer for top().next_deadline() too.
#include "apps/explain.hpp"
#include "describe/describe.hpp"
#include "link/link.hpp"
#include "link/pcap_file.hpp"
#include "link/pcap_recorder.hpp"
#include "link/tracer.hpp"
#include "stack/config.hpp"

#include <expected>
#include <optional>
#include <string>

namespace tapstack {

struct LinkOptions {
  std::string pcap;  // --pcap: record every frame in and out to this file
  int verbose = 0;   // -v: log a decoded line per frame; -vv: and a hex dump
  bool explain = false;  // --explain: print each frame's fate and the rule behind it
};

constexpr Framing framing_of(LinkMode mode) { return mode == LinkMode::tap ? Framing::ethernet : Framing::ip; }
constexpr CaptureLinkType capture_link_type_of(LinkMode mode) {
  return mode == LinkMode::tap ? CaptureLinkType::ethernet : CaptureLinkType::raw_ip;
}

class LinkChain {
 public:
  // wall_offset turns the loop's Instants into Unix time for the capture. Throws CommandError
  // when the capture cannot be created.
  LinkChain(Link& base, const LinkOptions& options, LinkMode mode, Duration wall_offset);
  LinkChain(const LinkChain&) = delete;
  LinkChain& operator=(const LinkChain&) = delete;

  Link& top() { return *top_; }
  // Hands a received frame to the stack; with --explain, prints its fate on stdout.
  void deliver(Stack& stack, Bytes frame, Instant at);
  bool recording() const { return recorder_.has_value(); }
  // Completes the capture, if any, reporting a write error that stdio buffered.
  std::expected<void, std::string> close();

 private:
  std::optional<PcapRecorder> recorder_;
  std::optional<Tracer> tracer_;
  std::optional<Explainer> explainer_;
  Link* top_;
};

}  // namespace tapstack
