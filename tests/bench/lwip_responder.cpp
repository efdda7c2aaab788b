// lwIP (Debian's liblwip-dev, 2.1.3) as a peer stack for live_bench.sh: a minimal lwIP host on a
// TAP, answering ARP and ping with lwIP's own code (etharp, ip4_reass, icmp, ip4_frag). Only the
// device is ours, and it is the reflector's: one TAP, epoll, read until EAGAIN, one write per
// frame. So the difference between this row and the reflector's is lwIP's per-frame work.
//
// Why not lwIP's own port: Debian's library carries the unix port's tapif, but built with
// NO_SYS=0 it reads the TAP in a thread of its own and hands every frame to the tcpip thread
// through a mailbox (two threads and a wake-up per frame), and it configures the host side by
// running ifconfig. Here lwip_init() runs the core in this one thread instead: no tcpip thread
// exists, so lwIP's core-locking checks pass, and its timers (ARP ageing, reassembly timeouts)
// run from sys_check_timeouts() when epoll says they are due.
//
// Debian's build (lwipopts.h; the rest are opt.h's defaults) bounds what it can answer:
// IP_REASSEMBLY and IP_FRAG on, IP_REASS_MAX_PBUFS 10 (fragments held by all datagrams being
// reassembled together, so a datagram of more than 10 fragments, above 14 800 bytes at MTU 1500,
// is never completed: a 65 000-byte ping goes unanswered), IP_REASS_MAXAGE 15 s,
// MEMP_MEM_MALLOC (pools come from malloc, so their counts do not limit), checksums checked and
// generated in software.
//
// The TAP gets the MAC tapstack takes for 10.0.0.2 and the queue length `tapstack run` gives its
// own (kFloodTxQueueLen), so the large pings' bursts meet the same queue. SIGINT/SIGTERM stop
// it; it then prints what it did on stderr.
//
//   lwip_responder IP HOST_IP/PREFIX     e.g. lwip_responder 10.0.0.2 10.0.0.1/24
#include "stack/wire/addr.hpp"
#include "stack/wire/bytes.hpp"
#include "tap/epoll.hpp"
#include "tap/errors.hpp"
#include "tap/netlink.hpp"
#include "tap/signal_fd.hpp"
#include "tap/tun_device.hpp"
#include "tests/bench/responder_main.hpp"

#include <lwip/etharp.h>
#include <lwip/ethip6.h>
#include <lwip/init.h>
#include <lwip/netif.h>
#include <lwip/pbuf.h>
#include <lwip/timeouts.h>
#include <netif/ethernet.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <vector>

using namespace tapstack;

namespace {

constexpr std::array<std::uint8_t, 6> kOurMac{0x02, 0x00, 0x0a, 0x00, 0x00, 0x02};
constexpr std::size_t kEthHeader = 14;
constexpr std::uint16_t kMtu = 1500;  // the TAP's default: lwIP fragments its replies to it

struct Counts {
  std::uint64_t read = 0, written = 0, would_block = 0, failed = 0, no_pbuf = 0;
};

// What the netif's callbacks reach through netif->state.
struct Device {
  TunDevice& tap;
  std::vector<std::byte> tx;  // a reply lwIP hands over as a chain (its fragments) is gathered here
  Counts counts;
};

Device& device_of(netif* nif) { return *static_cast<Device*>(nif->state); }

// netif->linkoutput: one whole frame to the host. A single pbuf goes out from where lwIP built it.
err_t write_frame(netif* nif, pbuf* p) {
  Device& dev = device_of(nif);
  Bytes frame;
  if (p->next == nullptr) {
    frame = Bytes(static_cast<const std::byte*>(p->payload), p->len);
  } else {
    if (p->tot_len > dev.tx.size()) return ERR_BUF;
    const u16_t n = pbuf_copy_partial(p, dev.tx.data(), p->tot_len, 0);
    frame = Bytes(dev.tx.data(), n);
  }
  const IoResult w = dev.tap.write(frame);
  if (w.status == IoStatus::ok) {
    ++dev.counts.written;
    return ERR_OK;
  }
  ++(w.status == IoStatus::would_block ? dev.counts.would_block : dev.counts.failed);
  return ERR_IF;
}

err_t init_netif(netif* nif) {
  nif->name[0] = 't';
  nif->name[1] = 'p';
  nif->output = etharp_output;
  nif->output_ip6 = ethip6_output;
  nif->linkoutput = write_frame;
  nif->mtu = kMtu;
  nif->hwaddr_len = ETH_HWADDR_LEN;
  std::copy(kOurMac.begin(), kOurMac.end(), nif->hwaddr);
  nif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
  return ERR_OK;
}

ip4_addr_t lwip_ip4(std::uint32_t host_order) {
  ip4_addr_t a;
  a.addr = lwip_htonl(host_order);
  return a;
}

// Until the next lwIP timer is due (it keeps them in a list sorted by deadline).
std::chrono::milliseconds until_next_timer() {
  const u32_t ms = sys_timeouts_sleeptime();
  return std::chrono::milliseconds(ms == SYS_TIMEOUTS_SLEEPTIME_INFINITE ? 1000 : ms);
}

enum Token : std::uint64_t { kDevice, kSignal };

int run(Ipv4Addr ip, Ipv4Interface host) {
  TunDevice tap = TunDevice::open("", LinkMode::tap);
  {
    Rtnetlink nl = Rtnetlink::open();
    nl.add_address(tap.name(), host);
    LinkChange change;
    change.up = true;
    change.txqueuelen = kFloodTxQueueLen;
    nl.change_link(tap.name(), change);
  }
  SignalFd signals{SIGINT, SIGTERM};
  Epoll epoll;
  epoll.add(tap.fd(), kDevice);
  epoll.add(signals.fd(), kSignal);

  Device dev{tap, std::vector<std::byte>(65535 + kEthHeader), {}};
  lwip_init();
  netif nif{};
  const ip4_addr_t addr = lwip_ip4(ip.value), mask = lwip_ip4(host.netmask()), gw = lwip_ip4(host.addr.value);
  if (netif_add(&nif, &addr, &mask, &gw, &dev, init_netif, ethernet_input) == nullptr) {
    std::fprintf(stderr, "lwip_responder: lwIP refused the interface (netif_add)\n");
    return 1;
  }
  netif_set_default(&nif);
  netif_set_up(&nif);
  netif_set_link_up(&nif);
  std::fprintf(stderr, "lwip_responder: lwIP %s answers as %s on %s\n", LWIP_VERSION_STRING, ip.to_string().c_str(),
               tap.name().c_str());

  std::vector<std::byte> buffer(65535 + kEthHeader);
  bool stop = false;
  while (!stop) {
    for (const ReadyEvent& ev : epoll.wait(until_next_timer())) {
      if (ev.token == kSignal) {
        stop = signals.read().has_value();
        continue;
      }
      for (;;) {
        const IoResult r = tap.read(buffer);
        if (r.status != IoStatus::ok) {
          if (r.status == IoStatus::failed) stop = true;
          break;
        }
        ++dev.counts.read;
        // The frame copied into one pbuf, which the netif's input owns from there. Not a
        // PBUF_POOL chain, as lwIP's own tapif takes: Debian's liblwip0 mallocs pool pbufs of
        // 616 bytes (592 of payload: what opt.h's TCP_MSS of 536 gives, not lwipopts.h's 1460) and
        // pbuf_take() fills them beyond that, so a full-sized frame corrupts the heap (valgrind).
        pbuf* p = pbuf_alloc(PBUF_RAW, static_cast<u16_t>(r.size), PBUF_RAM);
        if (p == nullptr) {
          ++dev.counts.no_pbuf;
          continue;
        }
        pbuf_take(p, buffer.data(), static_cast<u16_t>(r.size));
        if (nif.input(p, &nif) != ERR_OK) pbuf_free(p);
      }
    }
    sys_check_timeouts();
  }
  const Counts& n = dev.counts;
  std::fprintf(stderr,
               "lwip_responder: %" PRIu64 " frames read, %" PRIu64 " written, %" PRIu64 " dropped (would block), %" PRIu64
               " write errors, %" PRIu64 " without a pbuf\n",
               n.read, n.written, n.would_block, n.failed, n.no_pbuf);
  netif_remove(&nif);
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return responder_main("lwip_responder", argc, argv, run); }
