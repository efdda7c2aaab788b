#include "tap/socket_setup.hpp"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace tapstack {
namespace {

// What a person can do about the usual refusals.
std::string bind_advice(int err, const Endpoint& local) {
  switch (err) {
    case EADDRINUSE:
      return " (another program, or another tunnel, has port " + std::to_string(local.port) + ")";
    case EADDRNOTAVAIL:
      return " (no interface here has " + local.addr.to_string() + ": see `ip -4 addr`)";
    case EACCES:
      return " (ports below 1024 need CAP_NET_BIND_SERVICE)";
    default:
      return "";
  }
}

}  // namespace

sockaddr_in to_sockaddr(const Endpoint& e) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(e.port);
  sa.sin_addr.s_addr = htonl(e.addr.value);
  return sa;
}

void bind_or_throw(int fd, const Endpoint& local, std::string_view kind) {
  const sockaddr_in sa = to_sockaddr(local);
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) < 0) {
    const int err = errno;
    throw TransportError("cannot bind " + std::string(kind) + " socket to " + local.to_string() + ": " +
                         std::strerror(err) + bind_advice(err, local));
  }
}

void connect_or_throw(int fd, const Endpoint& remote, std::string_view kind) {
  const sockaddr_in sa = to_sockaddr(remote);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) < 0) {
    const int err = errno;
    throw TransportError("cannot send " + std::string(kind) + " to " + remote.to_string() + ": " + std::strerror(err));
  }
}

}  // namespace tapstack
