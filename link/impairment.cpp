#include "link/impairment.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <utility>

namespace tapstack {
namespace {

// The pool's bytes stay below this whatever the MTU, so a 64 KiB MTU does not ask for 32 MiB.
constexpr std::size_t kMaxPoolBytes = 16u << 20;
constexpr std::size_t kMinSlots = 16;

// A double in [0, 1) from the top 53 bits: the same on every platform, unlike
// std::uniform_real_distribution, whose algorithm the standard leaves to the library.
double uniform(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

std::size_t pool_slots(const ImpairmentConfig& c) {
  const std::size_t affordable = std::max(kMinSlots, kMaxPoolBytes / std::max<std::size_t>(c.max_frame_len, 1));
  return std::max<std::size_t>(1, std::min(c.slots, affordable));
}

std::expected<double, std::string> parse_number(std::string_view text) {
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || !std::isfinite(value))
    return std::unexpected("'" + std::string(text) + "' is not a number");
  return value;
}

}  // namespace

Impairment::Impairment(Link& inner, const ImpairmentConfig& config)
    : LinkDecorator(inner),
      config_(config),
      // Different streams for the two directions, both from the one seed.
      in_{std::mt19937_64(config.seed * 2 + 1), {}},
      out_{std::mt19937_64(config.seed * 2), {}},
      slots_(pool_slots(config)),
      storage_(slots_.size() * config.max_frame_len) {}

Impairment::Fate Impairment::decide(Direction& d) {
  ++d.stats.frames;
  // Four draws for every frame whatever the outcome, so that a frame's fate depends only on the
  // seed and its position in its direction, not on the fates before it.
  const double lose = uniform(d.rng);
  const double duplicate = uniform(d.rng);
  const double reorder = uniform(d.rng);
  const double jitter = uniform(d.rng);
  Fate f;
  f.lost = lose < config_.loss;
  if (f.lost) {
    ++d.stats.dropped;
    return f;
  }
  f.duplicated = duplicate < config_.duplicate;
  if (f.duplicated) ++d.stats.duplicated;
  f.reordered = reorder < config_.reorder;
  if (f.reordered) ++d.stats.reordered;
  const auto spread = static_cast<double>(config_.jitter.count());
  f.wait = config_.delay + Duration{static_cast<Duration::rep>(std::llround((2 * jitter - 1) * spread))};
  return f;
}

bool Impairment::hold(Direction& d, bool outbound, Bytes frame, Instant release_at, SlotState state) {
  if (frame.size() > config_.max_frame_len || held_ == slots_.size()) {
    ++d.stats.overflowed;
    return false;
  }
  for (Slot& s : slots_) {
    if (s.state != SlotState::free) continue;
    s = Slot{state, outbound, frame.size(), release_at, next_order_++};
    std::memcpy(data(s).data(), frame.data(), frame.size());
    ++held_;
    return true;
  }
  return false;  // unreachable: held_ counts the slots in use
}

Bytes Impairment::data(const Slot& s) const {
  const auto index = static_cast<std::size_t>(&s - slots_.data());
  return Bytes(storage_.data() + index * config_.max_frame_len, s.len);
}

MutableBytes Impairment::data(Slot& s) {
  const auto index = static_cast<std::size_t>(&s - slots_.data());
  return MutableBytes(storage_.data() + index * config_.max_frame_len, s.len);
}

Impairment::Slot* Impairment::first_due(bool outbound, Instant now, bool include_waiting) {
  Slot* first = nullptr;
  for (Slot& s : slots_) {
    if (s.outbound != outbound) continue;
    const bool due = s.state == SlotState::ready ||
                     (include_waiting && (s.state == SlotState::waiting || s.state == SlotState::behind_next) &&
                      s.release_at <= now);
    if (!due) continue;
    if (first == nullptr || std::tie(s.release_at, s.order) < std::tie(first->release_at, first->order)) first = &s;
  }
  return first;
}

void Impairment::release_behind_next(bool outbound, Instant now) {
  if (held_ == 0) return;
  if (outbound) {
    // In the order they were held back, right behind the frame that overtook them.
    for (;;) {
      Slot* first = nullptr;
      for (Slot& s : slots_)
        if (s.outbound && s.state == SlotState::behind_next && (first == nullptr || s.order < first->order)) first = &s;
      if (first == nullptr) return;
      inner().emit(data(*first), now);
      first->state = SlotState::free;
      --held_;
    }
  }
  for (Slot& s : slots_) {
    if (s.outbound || s.state != SlotState::behind_next) continue;
    s.state = SlotState::ready;
    s.release_at = now;
  }
}

void Impairment::send_out(Bytes frame, int copies, Instant now) {
  for (int i = 0; i < copies; ++i) inner().emit(frame, now);
}

void Impairment::emit(Bytes frame, Instant now) {
  if (!config_.outbound) {
    inner().emit(frame, now);
    return;
  }
  const Fate f = decide(out_);
  if (f.lost) return;
  const int copies = f.duplicated ? 2 : 1;
  const bool delaying = config_.delay > Duration{0};
  if (f.reordered) {
    if (delaying) {
      send_out(frame, copies, now);  // ahead of the delayed frames
    } else {
      for (int i = 0; i < copies; ++i) hold(out_, true, frame, now + kReorderHold, SlotState::behind_next);
    }
    return;
  }
  if (delaying) {
    ++out_.stats.delayed;
    for (int i = 0; i < copies; ++i) hold(out_, true, frame, now + f.wait, SlotState::waiting);
    return;
  }
  send_out(frame, copies, now);
  release_behind_next(true, now);
}

std::optional<ReceivedFrame> Impairment::receive() {
  if (!config_.inbound) return inner().receive();
  if (lent_) {
    slots_[*lent_].state = SlotState::free;
    --held_;
    lent_.reset();
  }
  if (duplicate_pending_) return std::exchange(duplicate_pending_, std::nullopt);
  const bool delaying = config_.delay > Duration{0};
  for (;;) {
    // Held frames due by the latest arrival (or the latest timer) come before the frame at hand.
    if (Slot* s = first_due(false, std::max(inbound_clock_, timer_clock_), true)) {
      s->state = SlotState::lent;
      lent_ = static_cast<std::size_t>(s - slots_.data());
      return ReceivedFrame{data(*s), s->release_at};
    }
    if (lookahead_) {
      const ReceivedFrame frame = *std::exchange(lookahead_, std::nullopt);
      if (lookahead_duplicate_) duplicate_pending_ = frame;
      release_behind_next(false, frame.at);
      return frame;
    }
    auto frame = inner().receive();
    if (!frame) return std::nullopt;
    inbound_clock_ = std::max(inbound_clock_, frame->at);
    const Fate f = decide(in_);
    if (f.lost) continue;
    const int copies = f.duplicated ? 2 : 1;
    if (f.reordered && !delaying) {
      for (int i = 0; i < copies; ++i) hold(in_, false, frame->data, frame->at + kReorderHold, SlotState::behind_next);
      continue;
    }
    if (!f.reordered && delaying) {
      ++in_.stats.delayed;
      for (int i = 0; i < copies; ++i) hold(in_, false, frame->data, frame->at + f.wait, SlotState::waiting);
      continue;
    }
    lookahead_ = frame;
    lookahead_duplicate_ = f.duplicated;
  }
}

std::optional<Instant> Impairment::next_deadline() const {
  std::optional<Instant> due = inner().next_deadline();
  if (held_ == 0) return due;
  for (const Slot& s : slots_) {
    if (s.state != SlotState::waiting && s.state != SlotState::behind_next) continue;
    // An inbound frame whose time a timer has already announced waits for receive(), not for
    // another timer: asking again would wake the loop in vain (and spin replay's).
    if (!s.outbound && s.release_at <= timer_clock_) continue;
    due = earliest(due, s.release_at);
  }
  return due;
}

void Impairment::on_timer(Instant now) {
  timer_clock_ = std::max(timer_clock_, now);
  while (Slot* s = first_due(true, now, true)) {
    inner().emit(data(*s), s->release_at);
    s->state = SlotState::free;
    --held_;
  }
  inner().on_timer(now);
}

std::expected<double, std::string> parse_percent(std::string_view text) {
  const std::string_view number = text.ends_with('%') ? text.substr(0, text.size() - 1) : text;
  const auto value = parse_number(number);
  if (!value) return std::unexpected("'" + std::string(text) + "' is not a percentage like 20 or 0.5%");
  if (*value < 0 || *value > 100) return std::unexpected(std::string(text) + " is out of range: 0 to 100 %");
  return *value / 100;
}

std::expected<DelaySpec, std::string> parse_delay(std::string_view text) {
  constexpr std::string_view kPlusMinus = "\u00b1";
  constexpr double kMaxMs = 60'000;  // a minute: longer is no longer a slow link
  std::string_view delay_text = text;
  std::string_view jitter_text;
  if (const auto at = text.find(kPlusMinus); at != std::string_view::npos) {
    delay_text = text.substr(0, at);
    jitter_text = text.substr(at + kPlusMinus.size());
  } else if (const auto at2 = text.find("+-"); at2 != std::string_view::npos) {
    delay_text = text.substr(0, at2);
    jitter_text = text.substr(at2 + 2);
  }
  const std::string example = " is not a delay like 50 or 50\u00b110 (milliseconds, \u00b1 or +- the jitter)";
  const auto delay = parse_number(delay_text);
  if (!delay) return std::unexpected("'" + std::string(text) + "'" + example);
  double jitter = 0;
  if (delay_text.size() != text.size()) {
    const auto j = parse_number(jitter_text);
    if (!j) return std::unexpected("'" + std::string(text) + "'" + example);
    jitter = *j;
  }
  if (*delay < 0 || *delay > kMaxMs || jitter < 0)
    return std::unexpected(std::string(text) + " is out of range: 0 to 60000 ms");
  if (jitter > *delay)
    return std::unexpected("the jitter of " + std::string(text) + " exceeds the delay: a frame cannot leave before it came");
  const auto to_duration = [](double ms) { return Duration{static_cast<Duration::rep>(std::llround(ms * 1e6))}; };
  return DelaySpec{to_duration(*delay), to_duration(jitter)};
}

}  // namespace tapstack
