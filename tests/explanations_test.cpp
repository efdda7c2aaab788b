// --explain's table (describe/explanations.hpp): every drop counter is explained with a rule,
// and a frame's counters turn into the fate a learner reads.
#include "describe/explanations.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace tapstack;

namespace {
Counters with(std::initializer_list<Counter> moved) {
  Counters c;
  for (Counter m : moved) c.add(m);
  return c;
}
}  // namespace

TEST_CASE("explanations: every drop counter has an explanation, a rule and the fate dropped") {
  // Counters are added in other branches (path MTU, tunnel): this names the ones left out.
  std::vector<std::string> missing;
  for (std::size_t i = 0; i < kCounterCount; ++i) {
    const CounterInfo& info = kCounterInfo[i];
    if (!info.is_drop()) continue;
    const auto e = explanation_of(static_cast<Counter>(i));
    if (!e || e->what.empty() || e->rule.empty() || e->fate != Fate::dropped) missing.emplace_back(info.name);
  }
  INFO("drop counters without an explanation and a rule in describe/explanations.cpp: " << [&] {
    std::string s;
    for (const auto& m : missing) s += m + " ";
    return s;
  }());
  CHECK(missing.empty());
}

TEST_CASE("explanations: every explanation names a rule (an RFC or the Linux behaviour)") {
  for (std::size_t i = 0; i < kCounterCount; ++i) {
    const auto e = explanation_of(static_cast<Counter>(i));
    if (!e) continue;
    INFO(kCounterInfo[i].name);
    CHECK(e->counter == static_cast<Counter>(i));
    const std::string rule(e->rule);
    CHECK((rule.find("RFC") != std::string::npos || rule.find("Linux") != std::string::npos ||
           rule.find("IEEE") != std::string::npos));
  }
}

TEST_CASE("explanations: a bad IPv4 checksum is dropped with RFC 791 and RFC 1071") {
  const std::string line = explain_outcome(Counters{}, with({Counter::frames_in, Counter::ip_in, Counter::ip_drop_bad_checksum}),
                                           0, 0, {});
  CHECK(line == "dropped: IPv4 header checksum wrong (RFC 791 §3.1, RFC 1071)");
}

TEST_CASE("explanations: an answered echo names what was sent and the rule") {
  const std::vector<std::string> sent{"10.0.0.2 > 10.0.0.1 ICMP echo reply id 0x7 seq 3 len 64"};
  const std::string line = explain_outcome(
      Counters{}, with({Counter::icmp_echo_requests, Counter::icmp_echo_replies_sent, Counter::ip_out}), 0, 0, sent);
  CHECK(line == "answered: 10.0.0.2 > 10.0.0.1 ICMP echo reply id 0x7 seq 3 len 64 (RFC 792 echo; RFC 1122 §3.2.2.6)");
}

TEST_CASE("explanations: a datagram waiting on ARP is held, and says so") {
  const std::vector<std::string> sent{"ARP who-has 10.0.0.1 tell 10.0.0.2"};
  const std::string line =
      explain_outcome(Counters{}, with({Counter::icmp_echo_replies_sent, Counter::arp_requests_sent}), 0, 1, sent);
  CHECK(line.starts_with("held for ARP: waiting for the next hop's MAC (RFC 1122 §2.3.2.2"));
  CHECK(line.ends_with("; sent ARP who-has 10.0.0.1 tell 10.0.0.2"));
  // The next datagram to the same neighbour waits for the request already sent.
  CHECK(explain_outcome(Counters{}, with({Counter::icmp_echo_replies_sent}), 1, 2, {})
            .starts_with("held for ARP: waiting for the next hop's MAC (RFC 1122 §2.3.2.2"));
}

TEST_CASE("explanations: a drop that is answered with an error says both") {
  const std::vector<std::string> sent{"10.0.0.2 > 10.0.0.1 ICMP parameter problem"};
  const std::string line =
      explain_outcome(Counters{}, with({Counter::ip_drop_bad_options, Counter::icmp_errors_sent}), 0, 0, sent);
  CHECK(line.starts_with("dropped: malformed IPv4 options"));
  CHECK(line.ends_with("; sent 10.0.0.2 > 10.0.0.1 ICMP parameter problem"));
}

TEST_CASE("explanations: an ARP reply that only teaches the cache is consumed, and a frame that moves nothing is ignored") {
  CHECK(explain_outcome(Counters{}, with({Counter::arp_in, Counter::arp_cache_updated}), 0, 0, {})
            .starts_with("consumed: ARP cache entry confirmed or updated (RFC 826 merge"));
  CHECK(explain_outcome(Counters{}, with({Counter::frames_in}), 0, 0, {}).starts_with("ignored: "));
}
