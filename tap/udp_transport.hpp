#pragma once
// The tunnel over UDP: one frame per datagram, as simpletun and tun2udp carry them. The socket
// is bound to --local and connected to --remote, so the kernel delivers only the peer's
// datagrams and read(2)/write(2) are all the loop needs (nothing beyond the frame loop's seccomp
// list). A datagram that cannot be a frame is counted and dropped; a lost one is the tunnelled
// protocols' business, as on any link.
#include "tap/tunnel_transport.hpp"
#include "tap/unique_fd.hpp"

#include <vector>

namespace tapstack {

class UdpTransport final : public TunnelTransport {
 public:
  // Throws TransportError naming the address that could not be bound or connected.
  UdpTransport(Endpoint local, Endpoint remote, FrameLimits limits);

  int fd() const { return fd_.get(); }
  std::optional<ReceivedFrame> receive() override;
  void emit(Bytes frame, Instant now) override;
  void service() override {}
  std::string_view name() const override { return "udp"; }

 private:
  UniqueFd fd_;
  FrameLimits limits_;
  std::vector<std::byte> buffer_;  // one byte longer than the longest frame, to see a longer one
};

}  // namespace tapstack
