#pragma once
// `tapstack tunnel`'s other side: the peer, reached over UDP (one frame per datagram) or TCP (a
// 2-byte big-endian length before each frame), as a Link — receive() is the next frame the peer
// sent, emit() sends one to it — so the tunnel's loop and the link emulation treat it like any
// other link. The transports count what they drop; they never log per frame.
#include "link/link.hpp"
#include "stack/wire/addr.hpp"

#include <cstddef>
#include <cstdint>
#include <expected>
#include <stdexcept>
#include <string>
#include <string_view>

namespace tapstack {

// An IPv4 address and a port: --local and --remote.
struct Endpoint {
  Ipv4Addr addr;
  std::uint16_t port = 0;
  std::string to_string() const;  // "192.168.7.1:5555"
};

// "A.B.C.D:PORT" with PORT 1 to 65535 (0 too when any_port, for a --local that lets the kernel
// choose); the reason otherwise, in words that follow "OPTION: ".
std::expected<Endpoint, std::string> parse_endpoint(std::string_view text, bool any_port = false);

// How long a frame of the tunnelled link may be: shorter than its header is no frame, longer
// than the MTU allows was never sent by a well-behaved peer (and would not fit the interface).
struct FrameLimits {
  std::size_t min_len = 14;
  std::size_t max_len = 1518;
};

// A socket the transport could not set up: one line naming the address, e.g. "cannot bind UDP
// socket to 10.9.9.1:5555: Address already in use".
struct TransportError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct TransportStats {
  std::uint64_t frames_in = 0;  // from the peer, handed over
  std::uint64_t bytes_in = 0;
  std::uint64_t frames_out = 0;  // to the peer, taken by the kernel
  std::uint64_t bytes_out = 0;
  std::uint64_t too_short = 0;   // from the peer, shorter than a frame's header: dropped
  std::uint64_t too_long = 0;    // from the peer, longer than the MTU allows: dropped
  std::uint64_t bad_length = 0;  // TCP: a length that cannot be a frame; the connection is reset
  std::uint64_t no_peer = 0;     // to the peer while there is no connection: dropped
  std::uint64_t busy = 0;        // to the peer while its socket buffer is full: dropped
  std::uint64_t unreachable = 0;  // UDP: the peer's host said its port is closed (ICMP)
  std::uint64_t send_errors = 0;  // any other failure to send
  std::uint64_t connections = 0;  // TCP: connections made or accepted
  std::uint64_t refused = 0;      // TCP: connections from another address than --remote's: closed
  std::uint64_t disconnects = 0;  // TCP: connections lost or reset (bad length, peer gone)
};

class TunnelTransport : public Link {
 public:
  // Something happened on one of the transport's descriptors: accept, finish a connect, send
  // what was left over. Frames are then read with receive().
  virtual void service() = 0;
  // "udp" or "tcp"
  virtual std::string_view name() const = 0;
  const TransportStats& stats() const { return stats_; }

 protected:
  TransportStats stats_;
};

}  // namespace tapstack
