#pragma once
// The tunnel over TCP: each frame preceded by its length, 2 bytes big-endian (frame_records.hpp).
// One side listens (--listen), the other connects; when the connection goes — the peer stopped,
// restarted, or sent a length that cannot be a frame — the connecting side connects again after
// a back-off (100 ms, doubling to 2 s) and the listening side takes the next connection from the
// peer's address (a new one replaces the old: it is the peer, restarted). A bad length resets
// the connection (SO_LINGER 0: an RST, and no TIME_WAIT to block the reconnect from the same
// --local port), so the stream is never read out of step.
//
// Sending never blocks and never splits a record: what the socket does not take at once waits
// in a buffer of one record, with the descriptor watched for output, and frames that come while
// it waits are dropped and counted (busy), as a full device queue drops them.
#include "tap/epoll.hpp"
#include "tap/frame_records.hpp"
#include "tap/tunnel_transport.hpp"
#include "tap/unique_fd.hpp"

#include <vector>

namespace tapstack {

class TcpTransport final : public TunnelTransport {
 public:
  enum class Role { listen, connect };
  static constexpr Duration kFirstBackoff = 100ms;
  static constexpr Duration kMaxBackoff = 2s;

  // Binds --local (and listens, or starts connecting to remote); every descriptor joins epoll
  // with token. Throws TransportError naming the address that could not be bound.
  TcpTransport(Role role, Endpoint local, Endpoint remote, FrameLimits limits, Epoll& epoll, std::uint64_t token);
  TcpTransport(const TcpTransport&) = delete;
  TcpTransport& operator=(const TcpTransport&) = delete;

  std::optional<ReceivedFrame> receive() override;
  void emit(Bytes frame, Instant now) override;
  void service() override;
  std::optional<Instant> next_deadline() const override { return reconnect_at_; }
  void on_timer(Instant now) override;
  std::string_view name() const override { return "tcp"; }

  bool connected() const { return state_ == State::connected; }

 private:
  enum class State { idle, connecting, connected };

  void start_connect(Instant now, bool at_start);
  void accept_pending();
  void drop_connection(const char* why);
  void flush_pending();
  void watch_output(bool on);
  std::size_t pending() const { return pending_end_ - pending_begin_; }

  Role role_;
  Endpoint local_;
  Endpoint remote_;
  FrameLimits limits_;
  Epoll& epoll_;
  std::uint64_t token_;
  UniqueFd listen_fd_;
  UniqueFd conn_fd_;
  State state_ = State::idle;
  FrameRecordReader reader_;
  std::vector<std::byte> pending_;  // the unsent rest of one record
  std::size_t pending_begin_ = 0;
  std::size_t pending_end_ = 0;
  bool watching_output_ = false;
  std::optional<Instant> reconnect_at_;
  Duration backoff_ = kFirstBackoff;
};

}  // namespace tapstack
