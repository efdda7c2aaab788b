#pragma once
// `--explain`: what happened to a frame, and the rule behind it. The stack says nothing but its
// counters, so the fate of one frame is read from the counters it moved (Stack::on_frame is
// bracketed by two snapshots) and looked up here, keyed by counter:
//
//   ip_drop_bad_checksum → dropped: IPv4 header checksum wrong (RFC 791 §3.1, RFC 1071)
//
// Every counter whose name says "drop_" has an entry (tests/explanations_test.cpp fails the
// build's tests when a new one lacks its text or its rule). Counters that answer, hold or note
// have one where they say something a learner should hear; pure tallies (frames_in, ip_in) have
// none. Printing only, so it may allocate: the hot path never calls it.
#include "stack/counters.hpp"

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace tapstack {

// What became of a received frame, most decisive first.
enum class Fate {
  dropped,   // discarded for a reason a counter names
  held,      // kept: waiting for ARP, or a fragment waiting for the rest of its datagram
  answered,  // something was sent because of it
  consumed,  // accepted and acted on, nothing to send (an ARP reply learned, IGMP)
};

std::string_view fate_name(Fate fate);

struct Explanation {
  Counter counter;
  Fate fate;
  std::string_view what;  // "IPv4 header checksum wrong"
  std::string_view rule;  // "RFC 791 §3.1, RFC 1071" or the Linux behaviour we match
};

// The explanation of a counter, or nothing for a pure tally.
std::optional<Explanation> explanation_of(Counter counter);

// What one frame did, as --explain prints it after the frame's description, e.g.
//   "answered: 10.0.0.2 > 10.0.0.1 ICMP echo reply id 0x7 seq 3 len 64 (RFC 792 echo; RFC 1122 §3.2.2.6)"
// before/after: the counters around Stack::on_frame; held_before/held_after: Stack::held_frames()
// around it; sent: one description per frame the stack emitted meanwhile.
std::string explain_outcome(const Counters& before, const Counters& after, std::size_t held_before,
                            std::size_t held_after, std::span<const std::string> sent);

}  // namespace tapstack
