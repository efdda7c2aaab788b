#pragma once
// A link: both directions of one attachment — a TUN/TAP interface, a capture being replayed —
// behind one interface, so that a decorator wrapping it sees every frame in and every frame out.
// Modelled on smoltcp's phy middleware (PcapWriter, Tracer, FaultInjector each wrap a Device's
// receive and transmit) and gVisor's link/sniffer. A chain is built once, at start-up:
//
//   Stack ⇄ Tracer (-v) ⇄ PcapRecorder (--pcap) ⇄ TunLink | ReplayLink
//
// Receive is a pull: the loop asks for frames until none is left and hands each to the stack.
// That lets a decorator drop a frame (pull the next one instead), hold one back (return nothing
// now), or return one twice. Transmit is FrameSink::emit: the stack emits into the top of the
// chain and each decorator passes the frame down, or not, or later. A decorator that must act
// at a time of its own (flush a capture; later, release a delayed frame) asks through
// next_deadline(), and the loop calls on_timer() then, as it does for the Stack.
#include "stack/frame_sink.hpp"
#include "stack/time.hpp"
#include "stack/wire/bytes.hpp"

#include <optional>

namespace tapstack {

struct ReceivedFrame {
  Bytes data;  // owned by the link that returned it: valid until its next receive()
  Instant at;  // when it arrived: CLOCK_MONOTONIC from a device, the capture's time in replay
};

class Link : public FrameSink {
 public:
  // The next frame in, or nullopt when none is waiting now (a device's queue is empty, a
  // capture has ended, a decorator is holding everything back). Never blocks.
  virtual std::optional<ReceivedFrame> receive() = 0;

  // Transmit: FrameSink::emit(frame, now), one frame out; the bytes are valid during the call.

  // When this link (any decorator in it) next needs on_timer(), or nullopt.
  virtual std::optional<Instant> next_deadline() const { return std::nullopt; }
  // Does what is due at or before now; harmless when nothing is.
  virtual void on_timer(Instant /*now*/) {}
};

// The earlier of two deadlines, either of which may be absent.
constexpr std::optional<Instant> earliest(std::optional<Instant> a, std::optional<Instant> b) {
  if (!a) return b;
  if (!b) return a;
  return *a < *b ? a : b;
}

}  // namespace tapstack
