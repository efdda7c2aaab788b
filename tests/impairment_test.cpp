// Link emulation (link/impairment.hpp) over a fake base link: the same seed makes the same
// decisions, each impairment does what it says in the proportion asked, delays keep their
// bounds and order, and the queue never grows past its slots. Time is passed in: no sleeps.
#include "link/impairment.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <deque>
#include <vector>

using namespace tapstack;
using namespace std::chrono_literals;

namespace {

const Instant t0 = instant_from_ns(7'000'000'000);

// A frame whose first two bytes number it, so that tests can follow it through the decorator.
std::vector<std::byte> numbered(std::uint16_t n) {
  std::vector<std::byte> f(60, std::byte{0xab});
  f[0] = static_cast<std::byte>(n >> 8);
  f[1] = static_cast<std::byte>(n & 0xff);
  return f;
}
std::uint16_t number_of(Bytes f) {
  return static_cast<std::uint16_t>(std::to_integer<unsigned>(f[0]) << 8 | std::to_integer<unsigned>(f[1]));
}

struct Sent {
  std::uint16_t n;
  Instant at;
};

class FakeLink final : public Link {
 public:
  std::optional<ReceivedFrame> receive() override {
    if (incoming.empty()) return std::nullopt;
    current_ = std::move(incoming.front().first);
    const Instant at = incoming.front().second;
    incoming.pop_front();
    return ReceivedFrame{current_, at};
  }
  void emit(Bytes frame, Instant now) override { sent.push_back({number_of(frame), now}); }

  std::deque<std::pair<std::vector<std::byte>, Instant>> incoming;
  std::vector<Sent> sent;

 private:
  std::vector<std::byte> current_;
};

// Emits frames 0..count-1, one per millisecond, then runs the timers out.
std::vector<Sent> send_through(const ImpairmentConfig& config, int count) {
  FakeLink base;
  Impairment link(base, config);
  for (int i = 0; i < count; ++i) {
    const Instant now = t0 + std::chrono::milliseconds(i);
    while (const auto due = link.next_deadline()) {
      if (*due > now) break;
      link.on_timer(*due);
    }
    link.emit(numbered(static_cast<std::uint16_t>(i)), now);
  }
  while (const auto due = link.next_deadline()) link.on_timer(*due);
  CHECK(link.held() == 0);
  return base.sent;
}

std::vector<std::uint16_t> numbers(const std::vector<Sent>& sent) {
  std::vector<std::uint16_t> n;
  for (const Sent& s : sent) n.push_back(s.n);
  return n;
}

ImpairmentConfig config_with(auto&& change) {
  ImpairmentConfig c;
  c.max_frame_len = 100;
  change(c);
  return c;
}

}  // namespace

TEST_CASE("impairment: the same seed makes the same decisions, another seed others") {
  const auto lossy = [](std::uint64_t seed) {
    return config_with([seed](ImpairmentConfig& c) {
      c.loss = 0.2;
      c.duplicate = 0.1;
      c.reorder = 0.1;
      c.delay = 5ms;
      c.jitter = 2ms;
      c.seed = seed;
    });
  };
  const auto a = send_through(lossy(7), 2000);
  const auto b = send_through(lossy(7), 2000);
  const auto c = send_through(lossy(8), 2000);
  REQUIRE(a.size() == b.size());
  CHECK(numbers(a) == numbers(b));
  CHECK(std::equal(a.begin(), a.end(), b.begin(), [](const Sent& x, const Sent& y) { return x.at == y.at; }));
  CHECK(numbers(a) != numbers(c));
}

TEST_CASE("impairment: --loss 20 drops close to a fifth of 10 000 frames, and nothing else happens to them") {
  FakeLink base;
  Impairment link(base, config_with([](ImpairmentConfig& c) { c.loss = 0.2; }));
  for (int i = 0; i < 10'000; ++i) link.emit(numbered(static_cast<std::uint16_t>(i)), t0);
  const auto& s = link.outbound_stats();
  CHECK(s.frames == 10'000);
  // Binomial: σ = 40; five of them either way.
  CHECK(s.dropped >= 1800);
  CHECK(s.dropped <= 2200);
  CHECK(base.sent.size() == 10'000 - s.dropped);
  CHECK(std::is_sorted(base.sent.begin(), base.sent.end(), [](const Sent& x, const Sent& y) { return x.n < y.n; }));
  CHECK_FALSE(link.next_deadline());
}

TEST_CASE("impairment: a fixed delay holds every frame exactly that long and keeps their order") {
  FakeLink base;
  Impairment link(base, config_with([](ImpairmentConfig& c) { c.delay = 50ms; }));
  link.emit(numbered(1), t0);
  link.emit(numbered(2), t0 + 10ms);
  CHECK(base.sent.empty());
  CHECK(link.next_deadline() == t0 + 50ms);
  link.on_timer(t0 + 49ms);
  CHECK(base.sent.empty());
  link.on_timer(t0 + 50ms);
  REQUIRE(base.sent.size() == 1);
  CHECK(base.sent[0].n == 1);
  CHECK(base.sent[0].at == t0 + 50ms);
  CHECK(link.next_deadline() == t0 + 60ms);
  link.on_timer(t0 + 70ms);  // a late timer still sends at the frame's own time
  REQUIRE(base.sent.size() == 2);
  CHECK(base.sent[1].at == t0 + 60ms);
  CHECK(link.outbound_stats().delayed == 2);
  CHECK_FALSE(link.next_deadline());
}

TEST_CASE("impairment: jitter keeps every delay within delay ± jitter, and spreads them") {
  const auto sent = send_through(config_with([](ImpairmentConfig& c) {
                                   c.delay = 50ms;
                                   c.jitter = 10ms;
                                 }),
                                 1000);
  REQUIRE(sent.size() == 1000);
  Duration shortest = 1h, longest{0};
  for (const Sent& s : sent) {
    const Duration waited = s.at - (t0 + std::chrono::milliseconds(s.n));
    shortest = std::min(shortest, waited);
    longest = std::max(longest, waited);
  }
  CHECK(shortest >= 40ms);
  CHECK(longest <= 60ms);
  CHECK(shortest < 42ms);
  CHECK(longest > 58ms);
  // Released in time order, whatever order that makes of the frames.
  CHECK(std::is_sorted(sent.begin(), sent.end(), [](const Sent& x, const Sent& y) { return x.at < y.at; }));
}

TEST_CASE("impairment: a reordered frame is overtaken by exactly the next one") {
  FakeLink base;
  Impairment link(base, config_with([](ImpairmentConfig& c) {
                    c.reorder = 0.25;
                    c.seed = 3;
                  }));
  for (std::uint16_t i = 0; i < 1000; ++i) link.emit(numbered(i), t0 + std::chrono::milliseconds(i));
  link.on_timer(t0 + 2s);  // the last ones, if held, have nothing to overtake them
  const auto sent = numbers(base.sent);
  REQUIRE(sent.size() == 1000);
  auto sorted = sent;
  std::sort(sorted.begin(), sorted.end());
  CHECK(std::adjacent_find(sorted.begin(), sorted.end()) == sorted.end());  // each once
  const auto reordered = link.outbound_stats().reordered;
  CHECK(reordered > 200);
  CHECK(reordered < 300);
  std::size_t inversions = 0;
  for (std::size_t i = 0; i < sent.size(); ++i)
    inversions += static_cast<std::size_t>(std::count_if(sent.begin() + static_cast<long>(i) + 1, sent.end(),
                                                         [&](std::uint16_t later) { return later < sent[i]; }));
  CHECK(inversions == reordered);
}

TEST_CASE("impairment: with a delay, a reordered frame leaves at once, ahead of the delayed ones") {
  FakeLink base;
  Impairment link(base, config_with([](ImpairmentConfig& c) {
                    c.delay = 50ms;
                    c.reorder = 1.0;
                  }));
  link.emit(numbered(1), t0);
  REQUIRE(base.sent.size() == 1);
  CHECK(base.sent[0].at == t0);
  CHECK(link.outbound_stats().reordered == 1);
  CHECK(link.outbound_stats().delayed == 0);
}

TEST_CASE("impairment: --duplicate sends a second copy right behind the first") {
  FakeLink base;
  Impairment link(base, config_with([](ImpairmentConfig& c) { c.duplicate = 0.1; }));
  for (std::uint16_t i = 0; i < 10'000; ++i) link.emit(numbered(i), t0);
  const auto dups = link.outbound_stats().duplicated;
  CHECK(dups >= 850);
  CHECK(dups <= 1150);
  REQUIRE(base.sent.size() == 10'000 + dups);
  std::size_t twice = 0;
  for (std::size_t i = 1; i < base.sent.size(); ++i) twice += base.sent[i].n == base.sent[i - 1].n;
  CHECK(twice == dups);
}

TEST_CASE("impairment: the queue holds at most its slots; what does not fit is dropped and counted") {
  FakeLink base;
  Impairment link(base, config_with([](ImpairmentConfig& c) {
                    c.delay = 50ms;
                    c.slots = 16;
                  }));
  for (std::uint16_t i = 0; i < 100; ++i) link.emit(numbered(i), t0);
  CHECK(link.held() == 16);
  CHECK(link.outbound_stats().overflowed == 84);
  std::vector<std::byte> too_long(101);
  link.on_timer(t0 + 50ms);
  CHECK(base.sent.size() == 16);
  CHECK(link.held() == 0);
  link.emit(too_long, t0 + 60ms);  // longer than a slot
  CHECK(link.outbound_stats().overflowed == 85);
  CHECK(link.held() == 0);
}

TEST_CASE("impairment: --impair in delays what the host sends, and receive() hands it over in time") {
  FakeLink base;
  Impairment link(base, config_with([](ImpairmentConfig& c) {
                    c.delay = 50ms;
                    c.inbound = true;
                    c.outbound = false;
                  }));
  // As replay feeds a capture: one frame every 10 ms; each comes out 50 ms after it arrived.
  for (std::uint16_t i = 0; i < 20; ++i) base.incoming.push_back({numbered(i), t0 + std::chrono::milliseconds(10 * i)});
  std::vector<Sent> received;
  std::size_t most_held = 0;
  for (int guard = 0; guard < 1000; ++guard) {
    auto f = link.receive();
    most_held = std::max(most_held, link.held());
    if (f) {
      received.push_back({number_of(f->data), f->at});
      continue;
    }
    const auto due = link.next_deadline();
    if (!due) break;
    link.on_timer(*due);
  }
  REQUIRE(received.size() == 20);
  for (std::size_t i = 0; i < received.size(); ++i) {
    CHECK(received[i].n == i);
    CHECK(received[i].at == t0 + std::chrono::milliseconds(10 * i + 50));
  }
  CHECK(most_held <= 7);  // the 50 ms in flight, not the whole capture
  // Outbound is untouched.
  link.emit(numbered(99), t0);
  CHECK(base.sent.size() == 1);
}

TEST_CASE("impairment: inbound duplicates and losses") {
  FakeLink base;
  Impairment link(base, config_with([](ImpairmentConfig& c) {
                    c.duplicate = 1.0;
                    c.inbound = true;
                  }));
  base.incoming.push_back({numbered(5), t0});
  base.incoming.push_back({numbered(6), t0});
  std::vector<std::uint16_t> got;
  while (auto f = link.receive()) got.push_back(number_of(f->data));
  CHECK(got == std::vector<std::uint16_t>{5, 5, 6, 6});

  FakeLink base2;
  Impairment lossy(base2, config_with([](ImpairmentConfig& c) {
                     c.loss = 1.0;
                     c.inbound = true;
                   }));
  base2.incoming.push_back({numbered(5), t0});
  CHECK_FALSE(lossy.receive());
  CHECK(lossy.inbound_stats().dropped == 1);
}

TEST_CASE("impairment: the words of --loss and --delay") {
  CHECK(parse_percent("20") == 0.2);
  CHECK(parse_percent("20%") == 0.2);
  CHECK(parse_percent("0.5%") == 0.005);
  CHECK(parse_percent("0") == 0.0);
  CHECK(parse_percent("abc").error() == "'abc' is not a percentage like 20 or 0.5%");
  CHECK(parse_percent("150").error() == "150 is out of range: 0 to 100 %");
  CHECK_FALSE(parse_percent("-1"));
  CHECK_FALSE(parse_percent("nan"));
  CHECK_FALSE(parse_percent(""));

  CHECK(parse_delay("50")->delay == 50ms);
  CHECK(parse_delay("50")->jitter == Duration{0});
  CHECK(parse_delay("50\u00b110")->jitter == 10ms);
  CHECK(parse_delay("50+-10")->delay == 50ms);
  CHECK(parse_delay("50+-10")->jitter == 10ms);
  CHECK(parse_delay("2.5")->delay == 2500us);
  CHECK_FALSE(parse_delay("50+-"));
  CHECK_FALSE(parse_delay("fast"));
  CHECK_FALSE(parse_delay("-5"));
  CHECK(parse_delay("10+-20").error() == "the jitter of 10+-20 exceeds the delay: a frame cannot leave before it came");
  CHECK(parse_delay("70000").error() == "70000 is out of range: 0 to 60000 ms");
}
