// Bounded memory under attack: a million frames from random hosts (flood_frames.hpp) fed
// straight into a Stack, as `tapstack replay` would feed them (capture time as the clock, due
// timers first), checking that every bounded structure stays at its limit and that the
// process's memory stays flat once warmed up.
//
//   flood_test                 (ctest -L flood; FLOOD_FRAMES=N to change the million)
//
// What is asserted, and through what:
//  - neighbour entries <= max_entries, after every frame (Stack::neighbours());
//  - held frames <= max_held_total and reassembly bytes <= max_bytes, after every frame, through
//    Stack::held_frames() / Stack::reassembler() when the Stack has them (detected at compile
//    time: a requires-expression); until then the reassembly bound is checked on a shadow
//    Reassembler fed the same fragments at the same times, which the counters show to be in
//    the very same state as the Stack's (same evictions, completions, drops);
//  - the limits were reached, not merely respected (evictions and drops counted);
//  - peak RSS (VmHWM) after the first 100 000 frames and after the last grows by at most
//    kMaxGrowthKb: everything is allocated at construction, so the flood costs no memory.
#include "flood_frames.hpp"
#include "stack/reassembly.hpp"
#include "stack/stack.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <concepts>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <string>

using namespace tapstack;

namespace {

constexpr std::size_t kWarmUpFrames = 100'000;
// The slots' pages a fragment first writes to after warm-up (reassembly buffers are backed as
// they are used, 64 KiB a slot), and the allocator's noise: well under one slot's worth of
// growth per 16 slots.
constexpr long kMaxGrowthKb = 1024;

struct Memory {
  long hwm_kb = -1;  // VmHWM: peak resident set
  long rss_kb = -1;  // VmRSS: resident set now
};

Memory read_memory() {
  Memory m;
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("VmHWM:")) m.hwm_kb = std::strtol(line.c_str() + 6, nullptr, 10);
    if (line.starts_with("VmRSS:")) m.rss_kb = std::strtol(line.c_str() + 6, nullptr, 10);
  }
  return m;
}

std::size_t frames_to_send() {
  if (const char* n = std::getenv("FLOOD_FRAMES"); n != nullptr && *n != '\0') return std::strtoull(n, nullptr, 10);
  return flood::kDefaultFrames;
}

class CountingSink final : public FrameSink {
 public:
  void emit(Bytes frame, Instant) override {
    ++frames;
    bytes += frame.size();
  }
  std::uint64_t frames = 0, bytes = 0;
};

// What the Stack may not expose: the number of held frames (Stack::held_frames(), a count) and
// the reassembly bytes. nullopt while it has no such accessor; the value once it has one.
template <class S>
std::optional<std::size_t> held_frames_of(const S& s) {
  if constexpr (requires { { s.held_frames() } -> std::convertible_to<std::size_t>; }) {
    return s.held_frames();
  } else {
    return std::nullopt;
  }
}
template <class S>
std::optional<std::size_t> reassembly_bytes_of(const S& s) {
  if constexpr (requires { s.reassembler().bytes_held(); }) {
    return s.reassembler().bytes_held();
  } else {
    return std::nullopt;
  }
}

std::string or_missing(const std::optional<std::size_t>& v) {
  return v ? std::to_string(*v) : std::string("(not exposed by Stack)");
}

}  // namespace

TEST_CASE("flood: a million frames from random hosts keep every bound of the stack and its memory flat", "[flood]") {
  const std::size_t total = frames_to_send();
  REQUIRE(total > kWarmUpFrames);
  const StackConfig config = flood::stack_config();
  CountingSink sink;
  Stack stack(config, sink);
  Reassembler shadow(config.reassembly);  // the Stack's reassembler's twin, as Stack::on_fragment drives it
  std::uint64_t shadow_evicted = 0, shadow_complete = 0, shadow_expired = 0;
  flood::FloodGenerator flood;

  std::size_t max_entries = 0, max_shadow_bytes = 0, max_shadow_incomplete = 0;
  std::optional<std::size_t> max_held, max_reassembly;
  std::uint64_t kinds[3] = {};
  Memory warm, last;
  const auto started = std::chrono::steady_clock::now();
  std::chrono::steady_clock::duration warm_elapsed{};

  for (std::size_t i = 0; i < total; ++i) {
    Instant now;
    flood::FloodGenerator::Kind kind;
    const Bytes frame = flood.next(now, &kind);
    ++kinds[static_cast<int>(kind)];
    // As replay: every timer due before the frame fires at its own time.
    for (int guard = 0; guard < 100000; ++guard) {
      const auto due = stack.next_deadline();
      if (!due || *due > now) break;
      stack.on_timer(*due);
    }
    stack.on_frame(frame, now);

    while (shadow.pop_expired(now)) ++shadow_expired;  // what the Stack's timers just expired
    if (kind == flood::FloodGenerator::Kind::fragment) {
      const auto ip = Ipv4View::parse(EthernetView::parse(frame)->payload());
      const ReassemblyResult r = shadow.on_fragment(*ip, now);
      shadow_evicted += r.evicted ? 1 : 0;
      shadow_complete += r.status == ReassemblyStatus::complete ? 1 : 0;
    }

    max_entries = std::max(max_entries, stack.neighbours().entries().size());
    max_shadow_bytes = std::max(max_shadow_bytes, shadow.bytes_held());
    max_shadow_incomplete = std::max(max_shadow_incomplete, shadow.incomplete());
    if (const auto held = held_frames_of(stack)) max_held = std::max(max_held.value_or(0), *held);
    if (const auto bytes = reassembly_bytes_of(stack)) max_reassembly = std::max(max_reassembly.value_or(0), *bytes);
    if (i + 1 == kWarmUpFrames) {
      warm = read_memory();
      warm_elapsed = std::chrono::steady_clock::now() - started;
    }
  }
  last = read_memory();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const Counters& c = stack.counters();

  std::printf("flood: %zu frames (%llu ARP requests, %llu echo requests, %llu fragments) in %.2f s (%.0f frames/s), %llu frames out\n",
              total, static_cast<unsigned long long>(kinds[0]), static_cast<unsigned long long>(kinds[1]),
              static_cast<unsigned long long>(kinds[2]), seconds, static_cast<double>(total) / seconds,
              static_cast<unsigned long long>(sink.frames));
  std::printf("flood: neighbour entries max %zu (max_entries %zu); held frames max %s (max_held_total %zu); "
              "reassembly bytes max %s, shadow %zu in %zu of %zu slots (max_bytes %zu)\n",
              max_entries, config.arp.max_entries, or_missing(max_held).c_str(), config.arp.max_held_total,
              or_missing(max_reassembly).c_str(), max_shadow_bytes, max_shadow_incomplete, shadow.capacity(),
              config.reassembly.max_bytes);
  std::printf("flood: counters: arp_cache_evicted %llu, arp_drop_unresolved %llu, arp_resolution_failed %llu, "
              "ip_frag_drop_memory %llu, ip_frag_reassembled %llu, ip_frag_drop_timeout %llu, ip_frag_drop_overlap %llu\n",
              static_cast<unsigned long long>(c[Counter::arp_cache_evicted]),
              static_cast<unsigned long long>(c[Counter::arp_drop_unresolved]),
              static_cast<unsigned long long>(c[Counter::arp_resolution_failed]),
              static_cast<unsigned long long>(c[Counter::ip_frag_drop_memory]),
              static_cast<unsigned long long>(c[Counter::ip_frag_reassembled]),
              static_cast<unsigned long long>(c[Counter::ip_frag_drop_timeout]),
              static_cast<unsigned long long>(c[Counter::ip_frag_drop_overlap]));
  std::printf("flood: memory after %zu frames (%.2f s): VmHWM %ld kB, VmRSS %ld kB; after %zu: VmHWM %ld kB, VmRSS %ld kB; "
              "peak growth %ld kB (bound %ld kB)\n",
              kWarmUpFrames, std::chrono::duration<double>(warm_elapsed).count(), warm.hwm_kb, warm.rss_kb, total,
              last.hwm_kb, last.rss_kb, last.hwm_kb - warm.hwm_kb, kMaxGrowthKb);

  CHECK(c[Counter::frames_in] == total);
  // The bounds hold...
  CHECK(max_entries <= config.arp.max_entries);
  if (max_held) CHECK(*max_held <= config.arp.max_held_total);
  if (max_reassembly) CHECK(*max_reassembly <= config.reassembly.max_bytes);
  CHECK(max_shadow_incomplete <= shadow.capacity());
  CHECK(max_shadow_bytes <= config.reassembly.max_bytes);
  // ...for the Stack's own reassembler: the twin made exactly the same decisions.
  CHECK(shadow_evicted == c[Counter::ip_frag_drop_memory]);
  CHECK(shadow_complete == c[Counter::ip_frag_reassembled]);
  CHECK(shadow_expired == c[Counter::ip_frag_drop_timeout]);
  // ...and were reached, not merely respected.
  CHECK(max_entries == config.arp.max_entries);
  CHECK(max_shadow_incomplete == shadow.capacity());
  CHECK(c[Counter::arp_cache_evicted] > 0);
  CHECK(c[Counter::arp_drop_unresolved] > 0);
  CHECK(c[Counter::ip_frag_drop_memory] > 0);
  // Memory: flat after warm-up.
  REQUIRE(warm.hwm_kb > 0);
  REQUIRE(last.hwm_kb > 0);
  CHECK(last.hwm_kb - warm.hwm_kb <= kMaxGrowthKb);
}
