#pragma once
// The few socket calls the tunnel transports share: an IPv4 sockaddr from an Endpoint, and a
// bind whose failure names the address.
#include "tap/tunnel_transport.hpp"

#include <netinet/in.h>

namespace tapstack {

sockaddr_in to_sockaddr(const Endpoint& e);

// Binds fd to local; throws TransportError "cannot bind KIND socket to ADDR:PORT: reason".
void bind_or_throw(int fd, const Endpoint& local, std::string_view kind);
// The same for connect, where it can fail at once (UDP).
void connect_or_throw(int fd, const Endpoint& remote, std::string_view kind);

}  // namespace tapstack
