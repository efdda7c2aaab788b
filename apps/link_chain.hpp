#pragma once
// The links of `run`, `dump`, `replay` and `tunnel`, composed in one place from their options.
// Each command makes its base link — the TUN/TAP device (TunLink), the capture it replays
// (ReplayLink), the tunnel's peer — and LinkChain wraps it:
//
//   Stack ⇄ Explainer (--explain) ⇄ Tracer (-v) ⇄ PcapRecorder (--pcap) ⇄ Impairment (--loss, --delay, ...) ⇄ base
//
// The impairment sits below the recorder, so that a capture shows what the stack saw and sent:
// an inbound frame the emulated link lost is not in it, an outbound one is, at the time the stack
// sent it (not when the delay let it go). That is the view -v and --explain give too, and it is
// what a learner compares with ping's output to see which side lost what.
//
// A decorator whose option is absent is not in the chain at all, so without -v a frame pays
// nothing for logging. The command's loop only receives from top() and hands frames to the
// Stack through deliver(), which emits into top(); it arms its timer for top().next_deadline() too.
#include "apps/explain.hpp"
#include "describe/describe.hpp"
#include "link/impairment.hpp"
#include "link/link.hpp"
#include "link/pcap_file.hpp"
#include "link/pcap_recorder.hpp"
#include "link/tracer.hpp"
#include "stack/config.hpp"

#include <CLI/App.hpp>

#include <cstdint>
#include <cstdio>
#include <expected>
#include <optional>
#include <string>

namespace tapstack {

struct LinkOptions {
  std::string pcap;  // --pcap: record every frame in and out to this file
  int verbose = 0;   // -v: log a decoded line per frame; -vv: and a hex dump
  // Link emulation: --loss, --delay, --duplicate, --reorder, --seed, --impair. The words are
  // checked as they are parsed (add_impairment_options); max_frame_len is set by the chain.
  ImpairmentConfig impairment{};
  bool explain = false;  // --explain: print each frame's fate and the rule behind it
};

// Registers --loss, --delay, --duplicate, --reorder, --seed and --impair on cmd, filling
// options.impairment as they are parsed.
void add_impairment_options(CLI::App& cmd, LinkOptions& options);

constexpr Framing framing_of(LinkMode mode) { return mode == LinkMode::tap ? Framing::ethernet : Framing::ip; }
constexpr CaptureLinkType capture_link_type_of(LinkMode mode) {
  return mode == LinkMode::tap ? CaptureLinkType::ethernet : CaptureLinkType::raw_ip;
}

class LinkChain {
 public:
  // wall_offset turns the loop's Instants into Unix time for the capture. Throws CommandError
  // when the capture cannot be created.
  // mtu sizes the emulated link's queue slots.
  LinkChain(Link& base, const LinkOptions& options, LinkMode mode, Duration wall_offset, std::uint16_t mtu = 1500);
  LinkChain(const LinkChain&) = delete;
  LinkChain& operator=(const LinkChain&) = delete;

  Link& top() { return *top_; }
  // Hands a received frame to the stack; with --explain, prints its fate on stdout.
  void deliver(Stack& stack, Bytes frame, Instant at);
  bool recording() const { return recorder_.has_value(); }
  // The emulated link, when an impairment option was given.
  const Impairment* impairment() const { return impairment_ ? &*impairment_ : nullptr; }
  // Completes the capture, if any, reporting a write error that stdio buffered.
  std::expected<void, std::string> close();

 private:
  std::optional<Impairment> impairment_;
  std::optional<PcapRecorder> recorder_;
  std::optional<Tracer> tracer_;
  std::optional<Explainer> explainer_;
  Link* top_;
};

// The emulated link's counters, one line per impaired direction:
//   link emulation out: 300 frames, 61 dropped, 0 duplicated, 0 reordered, 0 delayed, 0 overflowed
void print_impairment(std::FILE* out, const Impairment& impairment);

}  // namespace tapstack
