#include "tap/tcp_transport.hpp"

#include "tap/clock.hpp"
#include "tap/socket_setup.hpp"

#include <arpa/inet.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

namespace tapstack {
namespace {

// Reads in one receive() before it lets the loop look at its other descriptors.
constexpr int kReadsPerCall = 16;
// A record's length is 16 bits.
constexpr std::size_t kMaxRecordFrame = 65535;

FrameLimits record_limits(FrameLimits limits) {
  limits.max_len = std::min(limits.max_len, kMaxRecordFrame);
  return limits;
}

// Options for every socket of the transport (an accepted one inherits the listener's):
// SO_REUSEADDR so a restarted side binds its port again at once, SO_LINGER 0 so closing resets
// the connection rather than leaving a TIME_WAIT on the port, TCP_NODELAY because each record is
// a frame someone waits for. Failures only cost performance, so they are ignored.
void set_options(int fd) {
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  const linger reset{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

int connect_to(int fd, const Endpoint& remote) {
  const sockaddr_in sa = to_sockaddr(remote);
  return ::connect(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa);
}

}  // namespace

TcpTransport::TcpTransport(Role role, Endpoint local, Endpoint remote, FrameLimits limits, Epoll& epoll,
                           std::uint64_t token)
    : role_(role),
      local_(local),
      remote_(remote),
      limits_(record_limits(limits)),
      epoll_(epoll),
      token_(token),
      reader_(limits_),
      pending_(kRecordHeaderLen + limits_.max_len) {
  if (role_ == Role::connect) {
    start_connect(monotonic_now(), true);
    return;
  }
  listen_fd_ = UniqueFd(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!listen_fd_) throw TransportError(std::string("cannot create a TCP socket: ") + std::strerror(errno));
  set_options(listen_fd_.get());
  bind_or_throw(listen_fd_.get(), local_, "TCP");
  if (::listen(listen_fd_.get(), 4) < 0)
    throw TransportError("cannot listen on " + local_.to_string() + ": " + std::strerror(errno));
  epoll_.add(listen_fd_.get(), token_);
}

void TcpTransport::start_connect(Instant now, bool at_start) {
  reconnect_at_.reset();
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) {
    if (at_start) throw TransportError(std::string("cannot create a TCP socket: ") + std::strerror(errno));
    reconnect_at_ = now + backoff_;
    return;
  }
  set_options(fd.get());
  try {
    bind_or_throw(fd.get(), local_, "TCP");
  } catch (const TransportError& e) {
    // At start, a mistake to report; later, most likely the old connection's port not yet free.
    if (at_start) throw;
    spdlog::debug("{}; trying again", e.what());
    reconnect_at_ = now + backoff_;
    backoff_ = std::min(backoff_ * 2, kMaxBackoff);
    return;
  }
  if (connect_to(fd.get(), remote_) < 0 && errno != EINPROGRESS) {
    spdlog::debug("connecting to {}: {}", remote_.to_string(), std::strerror(errno));
    reconnect_at_ = now + backoff_;
    backoff_ = std::min(backoff_ * 2, kMaxBackoff);
    return;
  }
  conn_fd_ = std::move(fd);
  state_ = State::connecting;
  // A non-blocking connect is done when the socket turns writable.
  epoll_.add(conn_fd_.get(), token_, Interest::input_output);
  watching_output_ = true;
}

void TcpTransport::on_timer(Instant now) {
  if (reconnect_at_ && *reconnect_at_ <= now) start_connect(now, false);
}

void TcpTransport::watch_output(bool on) {
  if (on == watching_output_ || !conn_fd_) return;
  epoll_.modify(conn_fd_.get(), token_, on ? Interest::input_output : Interest::input);
  watching_output_ = on;
}

void TcpTransport::accept_pending() {
  for (;;) {
    sockaddr_in peer{};
    socklen_t len = sizeof peer;
    UniqueFd fd(::accept4(listen_fd_.get(), reinterpret_cast<sockaddr*>(&peer), &len, SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (!fd) return;  // none waiting (or it went away before we took it)
    const Ipv4Addr from{ntohl(peer.sin_addr.s_addr)};
    if (from != remote_.addr) {
      if (stats_.refused++ == 0)
        spdlog::warn("refused a TCP connection from {}: only --remote {} may connect (further ones are counted)",
                     from.to_string(), remote_.addr.to_string());
      continue;
    }
    if (conn_fd_) drop_connection("replaced by a new connection from the peer");
    conn_fd_ = std::move(fd);
    state_ = State::connected;
    watching_output_ = false;
    ++stats_.connections;
    epoll_.add(conn_fd_.get(), token_);
    spdlog::info("tunnel: accepted the peer's connection from {}:{}", from.to_string(), ntohs(peer.sin_port));
  }
}

void TcpTransport::service() {
  if (role_ == Role::listen) accept_pending();
  if (state_ == State::connecting) {
    // Asking again is how a non-blocking connect reports: 0 once connected, EALREADY while it
    // is under way, the reason it failed otherwise.
    if (connect_to(conn_fd_.get(), remote_) == 0 || errno == EISCONN) {
      state_ = State::connected;
      backoff_ = kFirstBackoff;
      ++stats_.connections;
      watch_output(false);
      spdlog::info("tunnel: connected to {}", remote_.to_string());
    } else if (errno != EALREADY && errno != EINPROGRESS) {
      spdlog::debug("connecting to {}: {}", remote_.to_string(), std::strerror(errno));
      conn_fd_.reset();
      state_ = State::idle;
      watching_output_ = false;
      const Instant now = monotonic_now();
      reconnect_at_ = now + backoff_;
      backoff_ = std::min(backoff_ * 2, kMaxBackoff);
    }
    return;
  }
  if (state_ == State::connected && pending() > 0) flush_pending();
}

void TcpTransport::drop_connection(const char* why) {
  spdlog::info("tunnel: connection to the peer closed: {}{}", why,
               role_ == Role::connect ? "; connecting again" : "; waiting for the peer to connect again");
  conn_fd_.reset();
  state_ = State::idle;
  watching_output_ = false;
  reader_.reset();
  pending_begin_ = pending_end_ = 0;
  ++stats_.disconnects;
  if (role_ == Role::connect) {
    reconnect_at_ = monotonic_now() + backoff_;
    backoff_ = std::min(backoff_ * 2, kMaxBackoff);
  }
}

std::optional<ReceivedFrame> TcpTransport::receive() {
  if (state_ != State::connected) return std::nullopt;
  for (int reads = 0;;) {
    const FrameRecordReader::Next next = reader_.next();
    if (next.status == FrameRecordReader::Status::frame) {
      ++stats_.frames_in;
      stats_.bytes_in += next.frame.size();
      return ReceivedFrame{next.frame, monotonic_now()};
    }
    if (next.status == FrameRecordReader::Status::bad_length) {
      ++stats_.bad_length;
      spdlog::warn("tunnel: the peer sent a length of {} bytes, which cannot be a frame ({} to {}): resetting the "
                   "connection rather than reading the stream out of step",
                   next.length, limits_.min_len, limits_.max_len);
      drop_connection("bad length");
      return std::nullopt;
    }
    if (reads++ == kReadsPerCall) return std::nullopt;  // epoll is level-triggered: the rest comes next turn
    const MutableBytes space = reader_.free_space();
    const ssize_t n = ::read(conn_fd_.get(), space.data(), space.size());
    if (n > 0) {
      reader_.commit(static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return std::nullopt;
    drop_connection(n == 0 ? "the peer closed it" : std::strerror(errno));
    return std::nullopt;
  }
}

void TcpTransport::flush_pending() {
  // sendmsg, as emit() uses: the one send call on the seccomp list.
  iovec iov{pending_.data() + pending_begin_, pending()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  const ssize_t n = ::sendmsg(conn_fd_.get(), &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
  if (n < 0) {
    if (errno != EAGAIN) drop_connection(std::strerror(errno));
    return;
  }
  pending_begin_ += static_cast<std::size_t>(n);
  if (pending() == 0) {
    pending_begin_ = pending_end_ = 0;
    watch_output(false);
  }
}

void TcpTransport::emit(Bytes frame, Instant) {
  if (state_ != State::connected) {
    ++stats_.no_peer;
    return;
  }
  if (frame.size() > limits_.max_len) {
    ++stats_.send_errors;  // the tunnel command checks lengths first: not reached
    return;
  }
  if (pending() > 0) {
    flush_pending();
    if (state_ != State::connected) {
      ++stats_.no_peer;
      return;
    }
    if (pending() > 0) {
      ++stats_.busy;
      return;
    }
  }
  std::array<std::byte, kRecordHeaderLen> header;
  put_record_header(header, frame.size());
  std::array<iovec, 2> iov{{{header.data(), header.size()}, {const_cast<std::byte*>(frame.data()), frame.size()}}};
  msghdr msg{};
  msg.msg_iov = iov.data();
  msg.msg_iovlen = iov.size();
  ssize_t n = ::sendmsg(conn_fd_.get(), &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
  if (n < 0) {
    if (errno != EAGAIN) {
      ++stats_.send_errors;
      drop_connection(std::strerror(errno));
      return;
    }
    n = 0;
  }
  ++stats_.frames_out;
  stats_.bytes_out += frame.size();
  const auto sent = static_cast<std::size_t>(n);
  const std::size_t total = header.size() + frame.size();
  if (sent == total) return;
  // The rest of the record waits, so the stream stays in step; the socket says when it has room.
  std::size_t at = 0;
  for (std::size_t i = sent; i < total; ++i)
    pending_[at++] = i < header.size() ? header[i] : frame[i - header.size()];
  pending_begin_ = 0;
  pending_end_ = at;
  watch_output(true);
}

}  // namespace tapstack
