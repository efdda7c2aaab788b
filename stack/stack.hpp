#pragma once
// The sans-IO core: frames and time in, frames out through a sink. It never reads a clock and
// never makes a syscall, so the TAP loop, pcap replay and the tests drive the very same object.
#include "stack/bytes.hpp"
#include "stack/config.hpp"
#include "stack/counters.hpp"
#include "stack/frame_sink.hpp"
#include "stack/neighbour_cache.hpp"
#include "stack/time.hpp"

#include <optional>

namespace tapstack {

class Stack {
 public:
  Stack(const StackConfig& config, FrameSink& out);
  Stack(const Stack&) = delete;
  Stack& operator=(const Stack&) = delete;

  // One frame from the link: an Ethernet frame in TAP mode, an IPv4 datagram in TUN mode.
  void on_frame(Bytes frame, Instant now);
  // Runs every timer due at or before now (ARP retries and expiry, reassembly timeouts).
  void on_timer(Instant now);
  // When on_timer next has work; nullopt when nothing is pending.
  std::optional<Instant> next_deadline() const;
  // A gratuitous ARP request announcing our address (RFC 5227 §2.3); no-op in TUN mode.
  void announce(Instant now);

  const StackConfig& config() const;
  const Counters& counters() const;
  const NeighbourCache& neighbours() const;

 private:
  // Filled in with the implementation.
};

}  // namespace tapstack
