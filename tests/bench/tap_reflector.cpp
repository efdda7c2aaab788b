// The baseline for live_bench.sh: the least any user-space responder over a TAP must do to answer
// ping. It opens a TAP, gives the host side an address, and then only waits (epoll), reads until
// EAGAIN, and turns each ICMP echo request to its IP into the reply in place (MACs and IPs
// swapped, type 0, checksum updated by RFC 1624) and each ARP request for its IP into the reply.
// Nothing else is checked beyond lengths: it is not a stack, only the floor a stack is measured
// against. SIGINT/SIGTERM stop it; it then prints what it did on stderr.
//
//   tap_reflector IP HOST_IP/PREFIX     e.g. tap_reflector 10.0.0.2 10.0.0.1/24
#include "stack/wire/addr.hpp"
#include "stack/wire/bytes.hpp"
#include "stack/wire/checksum.hpp"
#include "tap/epoll.hpp"
#include "tap/errors.hpp"
#include "tap/netlink.hpp"
#include "tap/signal_fd.hpp"
#include "tap/tun_device.hpp"
#include "tests/bench/responder_main.hpp"

#include <cinttypes>
#include <cstdio>
#include <vector>

using namespace tapstack;

namespace {

// The MAC tapstack takes by default for 10.0.0.2 (locally administered, 02:00 + the IP).
constexpr MacAddr kOurMac{{0x02, 0x00, 0x0a, 0x00, 0x00, 0x02}};

constexpr std::size_t kEth = 14;                       // Ethernet header (RFC 894)
constexpr std::uint16_t kEtherTypeIpv4 = 0x0800;
constexpr std::uint16_t kEtherTypeArp = 0x0806;
constexpr std::size_t kArpLen = 28;                    // RFC 826 for Ethernet/IPv4
constexpr std::size_t kArpOp = kEth + 6, kArpSha = kEth + 8, kArpSpa = kEth + 14, kArpTha = kEth + 18,
                      kArpTpa = kEth + 24;
constexpr std::size_t kIpSrc = kEth + 12, kIpDst = kEth + 16, kIpProto = kEth + 9;
constexpr std::uint8_t kProtoIcmp = 1;
constexpr std::uint8_t kIcmpEchoRequest = 8;

struct Counts {
  std::uint64_t read = 0, echo = 0, arp = 0, would_block = 0, failed = 0;
};

void put_mac(MutableBytes f, std::size_t at, const MacAddr& mac) {
  for (std::size_t i = 0; i < 6; ++i) f[at + i] = std::byte{mac.octets[i]};
}

// Ethernet: the frame goes back where it came from, from us.
void return_to_sender(MutableBytes f) {
  copy_bytes(f.subspan(0, 6), f.subspan(6, 6));
  put_mac(f, 6, kOurMac);
}

// Rewrites f in place into the answer and returns true, or false when f needs none.
bool reflect(MutableBytes f, Ipv4Addr ip) {
  if (f.size() < kEth) return false;
  const std::uint16_t type = load_be16(f, 12);
  if (type == kEtherTypeIpv4) {
    if (f.size() < kEth + 20) return false;
    const std::size_t ihl = static_cast<std::size_t>(load_u8(f, kEth) & 0x0f) * 4;
    const std::size_t icmp = kEth + ihl;
    if (f.size() < icmp + 8 || load_u8(f, kIpProto) != kProtoIcmp || load_be32(f, kIpDst) != ip.value ||
        load_u8(f, icmp) != kIcmpEchoRequest)
      return false;
    return_to_sender(f);
    // Swapping source and destination leaves the IP header checksum as it was.
    const std::uint32_t src = load_be32(f, kIpSrc);
    store_be32(f, kIpDst, src);
    store_be32(f, kIpSrc, ip.value);
    const std::uint16_t old_word = load_be16(f, icmp);  // type and code
    const std::uint16_t new_word = old_word & 0x00ff;   // type 0: echo reply (RFC 792)
    store_be16(f, icmp, new_word);
    store_be16(f, icmp + 2, checksum_update16(load_be16(f, icmp + 2), old_word, new_word));
    return true;
  }
  if (type == kEtherTypeArp) {
    if (f.size() < kEth + kArpLen || load_be16(f, kArpOp) != 1 || load_be32(f, kArpTpa) != ip.value) return false;
    return_to_sender(f);
    store_be16(f, kArpOp, 2);  // reply
    copy_bytes(f.subspan(kArpTha, 10), f.subspan(kArpSha, 10));  // their MAC and IP become the target
    put_mac(f, kArpSha, kOurMac);
    store_be32(f, kArpSpa, ip.value);
    return true;
  }
  return false;
}

enum Token : std::uint64_t { kDevice, kSignal };

int run(Ipv4Addr ip, Ipv4Interface host) {
  TunDevice dev = TunDevice::open("", LinkMode::tap);
  {
    Rtnetlink nl = Rtnetlink::open();
    nl.add_address(dev.name(), host);
    LinkChange up;
    up.up = true;
    nl.change_link(dev.name(), up);
  }
  SignalFd signals{SIGINT, SIGTERM};
  Epoll epoll;
  epoll.add(dev.fd(), kDevice);
  epoll.add(signals.fd(), kSignal);
  std::fprintf(stderr, "tap_reflector: %s answers on %s\n", ip.to_string().c_str(), dev.name().c_str());

  std::vector<std::byte> buffer(65535 + 18);
  Counts n;
  bool stop = false;
  while (!stop) {
    for (const ReadyEvent& ev : epoll.wait(std::nullopt)) {
      if (ev.token == kSignal) {
        stop = signals.read().has_value();
        continue;
      }
      for (;;) {
        const IoResult r = dev.read(buffer);
        if (r.status != IoStatus::ok) {
          if (r.status == IoStatus::failed) stop = true;
          break;
        }
        ++n.read;
        const MutableBytes frame(buffer.data(), r.size);
        if (!reflect(frame, ip)) continue;
        ++(load_be16(frame, 12) == kEtherTypeArp ? n.arp : n.echo);
        const IoResult w = dev.write(frame);
        if (w.status == IoStatus::would_block) ++n.would_block;
        if (w.status == IoStatus::failed) ++n.failed;
      }
    }
  }
  std::fprintf(stderr,
               "tap_reflector: %" PRIu64 " frames read, %" PRIu64 " echo replies, %" PRIu64 " ARP replies, %" PRIu64
               " dropped (would block), %" PRIu64 " write errors\n",
               n.read, n.echo, n.arp, n.would_block, n.failed);
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return responder_main("tap_reflector", argc, argv, run); }
