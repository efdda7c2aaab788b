#pragma once
// The ARP cache: IPv4 → MAC with Linux's neighbour states (NUD, net/core/neighbour.c), a size
// bound and expiry. It decides; the stack builds and sends the ARP packets it asks for.
#include "stack/addr.hpp"
#include "stack/config.hpp"
#include "stack/time.hpp"

#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace tapstack {

enum class NeighbourState {
  incomplete,  // resolving: broadcast requests sent, datagrams held
  reachable,   // confirmed within reachable_time
  stale,       // usable, but unconfirmed for a while: the next use starts a check
  delay,       // used while stale: wait delay_first_probe for confirmation from above
  probe,       // unicast requests to the known MAC
  failed,      // no answer: held datagrams dropped
};

std::string_view to_string(NeighbourState state);

struct Neighbour {
  Ipv4Addr ip;
  MacAddr mac;                  // zero while incomplete
  NeighbourState state = NeighbourState::incomplete;
  Instant confirmed{};          // last proof of reachability (a unicast reply to us)
  Instant updated{};            // last time the MAC or state was written
  Instant used{};               // last time a frame was sent through this entry
  Instant deadline{};           // when the state machine next needs on_timer
  unsigned probes = 0;          // requests sent in the current incomplete/probe phase
};

}  // namespace tapstack
