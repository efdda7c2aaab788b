#pragma once
// The control socket of `tapstack run`, asked by `tapstack status`: a Linux abstract unix socket
// "@tapstack/<ifname>". Abstract, so there is no file to leave behind or to protect: it goes
// with the process. Who may ask is checked per connection with SO_PEERCRED: root, or the uid
// that started the instance. One request per connection: the instance writes one reply (the
// status, JSON) and closes; it never reads, so a slow or silent client cannot hold the loop.
#include "tap/unique_fd.hpp"

#include <sys/types.h>

#include <expected>
#include <string>
#include <string_view>

namespace tapstack {

// "tapstack/tap0": the abstract name (without its leading NUL) for an interface.
std::string control_socket_name(std::string_view ifname);

class ControlListener {
 public:
  // Binds and listens, non-blocking, and ignores SIGPIPE; before the privilege drop (socket, bind and listen are not on
  // the seccomp allow-list). Throws SetupError when the name is taken (another instance on
  // the same interface).
  static ControlListener open(std::string_view ifname);

  int fd() const { return fd_.get(); }
  // Accepts every waiting connection and answers each with reply() (called only for a peer
  // that may ask; others get "denied"). Never blocks: a reply that does not fit the socket's
  // buffer at once is cut (a status is a few kB; the buffer is far larger). Returns how many
  // were answered.
  template <class Reply>
  int serve(Reply&& reply) {
    int n = 0;
    while (true) {
      UniqueFd conn = accept_one();
      if (!conn) return n;
      if (allowed(conn.get())) {
        answer(conn.get(), reply());
        ++n;
      } else {
        answer(conn.get(), "{\"error\":\"permission denied: only root or the instance's user may ask\"}\n");
      }
    }
  }

 private:
  ControlListener(UniqueFd fd, uid_t owner) : fd_(std::move(fd)), owner_(owner) {}
  UniqueFd accept_one();
  bool allowed(int conn) const;
  static void answer(int conn, std::string_view text);
  UniqueFd fd_;
  uid_t owner_;
};

// The client side: connects to the instance on ifname and reads its whole reply. Returns a
// one-line reason when there is no instance, or it refused.
std::expected<std::string, std::string> ask_control_socket(std::string_view ifname);

}  // namespace tapstack
