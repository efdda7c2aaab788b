#pragma once
// Link emulation (`--loss`, `--delay`, `--duplicate`, `--reorder`): a decorator that does to
// frames what a bad network would, in the direction(s) asked for, so that a learner sees loss
// and RTT variation in ping's own output. Modelled on Linux's netem (tc-netem(8)) and smoltcp's
// FaultInjector; the decisions come from a seeded PRNG per direction, so the same seed and the
// same frames meet the same fates, live or in replay (where time is the capture's).
//
// Per frame, in this order: lost (--loss); otherwise duplicated (--duplicate: a second copy
// follows the first); then reordered (--reorder) or delayed (--delay). As in netem, a reordered
// frame jumps the queue: with a delay it leaves at once, ahead of the delayed ones; without one
// it is held until the next frame of its direction has passed (or kReorderHold, if none comes).
// A delayed frame waits delay ± jitter (uniform), so jitter reorders too, as netem's does.
//
// Held frames live in a fixed pool of slots allocated at construction: nothing is allocated
// per frame, and a frame that finds no free slot (or is longer than one) is dropped and counted
// as overflowed. Outbound frames leave from on_timer(); inbound ones come out of receive() once
// their time has come: the loop's timer (next_deadline) or a later frame's arrival says so.
#include "link/link_decorator.hpp"

#include <cstddef>
#include <cstdint>
#include <expected>
#include <random>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace tapstack {

struct ImpairmentConfig {
  double loss = 0;       // probabilities, 0 to 1
  double duplicate = 0;
  double reorder = 0;
  Duration delay{0};
  Duration jitter{0};    // at most delay: no frame leaves before it came
  std::uint64_t seed = 1;
  bool inbound = false;  // --impair in|out|both
  bool outbound = true;
  std::size_t max_frame_len = 1518;  // what one slot holds: the MTU and the link header
  std::size_t slots = 512;           // frames held at once, both directions together

  // Whether any of loss, duplicate, reorder or delay is asked for.
  bool active() const { return loss > 0 || duplicate > 0 || reorder > 0 || delay > Duration{0}; }
};

struct ImpairmentStats {
  std::uint64_t frames = 0;      // frames that met the impairment (copies not counted)
  std::uint64_t dropped = 0;     // --loss
  std::uint64_t duplicated = 0;  // --duplicate: one more copy each
  std::uint64_t reordered = 0;   // --reorder
  std::uint64_t delayed = 0;     // --delay: held in the queue
  std::uint64_t overflowed = 0;  // no free slot (or longer than a slot): dropped
};

class Impairment final : public LinkDecorator {
 public:
  // A reordered frame waits at most this long for a frame to overtake it.
  static constexpr Duration kReorderHold = 100ms;

  Impairment(Link& inner, const ImpairmentConfig& config);

  std::optional<ReceivedFrame> receive() override;
  void emit(Bytes frame, Instant now) override;
  std::optional<Instant> next_deadline() const override;
  void on_timer(Instant now) override;

  const ImpairmentConfig& config() const { return config_; }
  const ImpairmentStats& inbound_stats() const { return in_.stats; }
  const ImpairmentStats& outbound_stats() const { return out_.stats; }
  // Frames in the queue now, both directions.
  std::size_t held() const { return held_; }

 private:
  enum class SlotState : std::uint8_t {
    free,
    waiting,      // until release_at
    behind_next,  // reordered: until the next frame of its direction passes, or release_at
    ready,        // inbound, due: receive() hands it over next
    lent,         // inbound, handed over: its bytes stay valid until the next receive()
  };
  struct Slot {
    SlotState state = SlotState::free;
    bool outbound = false;
    std::size_t len = 0;
    Instant release_at{};
    std::uint64_t order = 0;  // ties on release_at leave in the order they came
  };
  struct Fate {
    bool lost = false;
    bool duplicated = false;
    bool reordered = false;
    Duration wait{0};  // delay ± jitter
  };
  struct Direction {
    std::mt19937_64 rng;
    ImpairmentStats stats;
  };

  Fate decide(Direction& d);
  // Copies frame into a free slot; false (counted as overflowed) when there is none.
  bool hold(Direction& d, bool outbound, Bytes frame, Instant release_at, SlotState state);
  // The slot of a direction that should leave first among those in state (and, for waiting
  // ones, due by now); nullptr when there is none.
  Slot* first_due(bool outbound, Instant now, bool include_waiting);
  void release_behind_next(bool outbound, Instant now);
  void send_out(Bytes frame, int copies, Instant now);
  Bytes data(const Slot& s) const;
  MutableBytes data(Slot& s);

  ImpairmentConfig config_;
  Direction in_;
  Direction out_;
  std::vector<Slot> slots_;
  std::vector<std::byte> storage_;  // slots_.size() × max_frame_len, carved once
  std::size_t held_ = 0;
  std::uint64_t next_order_ = 0;

  // receive(): the frame pulled from the inner link that passes, handed over once the held
  // frames due before it have gone (its bytes are the inner link's, valid until we pull again).
  std::optional<ReceivedFrame> lookahead_;
  bool lookahead_duplicate_ = false;
  std::optional<ReceivedFrame> duplicate_pending_;
  std::optional<std::size_t> lent_;  // the slot receive() handed over last
  Instant inbound_clock_{};  // the latest arrival seen: held inbound frames due by then may go
  Instant timer_clock_{};    // the latest on_timer()
};

// The words of the command line, checked; errors are reasons that follow "OPTION: ".
// "20", "20%", "0.5%": a percentage from 0 to 100, as a probability from 0 to 1.
std::expected<double, std::string> parse_percent(std::string_view text);
// "50", "50±10", "50+-10", "2.5": milliseconds, and the jitter, which may not exceed the delay.
struct DelaySpec {
  Duration delay{0};
  Duration jitter{0};
};
std::expected<DelaySpec, std::string> parse_delay(std::string_view text);

}  // namespace tapstack
