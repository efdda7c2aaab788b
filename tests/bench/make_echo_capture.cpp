// The capture tests/bench/callgrind.sh replays: NEIGHBOURS hosts announce themselves with an ARP
// request for our address (each becomes a neighbour-cache entry; the last is the pinging peer,
// 10.0.0.1), then ECHOES echo requests from that peer, all within one second so that no
// neighbour timer falls due among them.
//
//   make_echo_capture OUT.pcap ECHOES [PAYLOAD [NEIGHBOURS]]    default 56-byte payloads, 1 neighbour
//
// Two captures that differ only in ECHOES cost the same to start up and to fill the cache, so
// the difference of their instruction counts divided by the difference of ECHOES is the cost of
// one echo alone.
#include "link/pcap_file.hpp"

#include "../test_frames.hpp"

#include <cstdio>
#include <cstdlib>
#include <string>

using namespace tapstack;
using namespace tapstack::test;

int main(int argc, char** argv) {
  if (argc < 3 || argc > 5) {
    std::fprintf(stderr, "usage: make_echo_capture OUT.pcap ECHOES [PAYLOAD [NEIGHBOURS]]\n");
    return 2;
  }
  const std::string out = argv[1];
  const unsigned long echoes = std::strtoul(argv[2], nullptr, 10);
  const unsigned long payload = argc > 3 ? std::strtoul(argv[3], nullptr, 10) : 56;
  const unsigned long neighbours = argc > 4 ? std::strtoul(argv[4], nullptr, 10) : 1;
  // Neighbours are numbered from 10.0.1.2 up (65 536 of them need a /15); the peer stays 10.0.0.1.
  if (echoes == 0 || echoes > 10'000'000 || payload > 1472 || neighbours == 0 || neighbours > 65'536) {
    std::fprintf(stderr, "make_echo_capture: ECHOES 1..10000000, PAYLOAD 0..1472, NEIGHBOURS 1..65536\n");
    return 2;
  }
  auto writer = PcapWriter::create(out, CaptureLinkType::ethernet);
  if (!writer) {
    std::fprintf(stderr, "make_echo_capture: %s\n", writer.error().c_str());
    return 1;
  }
  // Microsecond steps: the capture is written with microsecond stamps.
  Instant at = instant_from_ns(1'700'000'000'000'000'000);
  const auto next = [&] { return at += std::chrono::microseconds(1); };
  for (unsigned long i = 1; i < neighbours; ++i) {
    const Ipv4Addr ip{kPeerIp.value + 0x100 + static_cast<std::uint32_t>(i)};
    const MacAddr mac{{0x02, 0x01, static_cast<std::uint8_t>(i >> 24), static_cast<std::uint8_t>(i >> 16),
                       static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i)}};
    writer->write(ethernet(MacAddr::broadcast(), mac, EtherType::arp, arp(ArpOp::request, mac, ip, MacAddr::zero(), kOurIp)),
                  next());
  }
  writer->write(arp_request_for_us(), next());
  for (unsigned long i = 0; i < echoes; ++i)
    writer->write(echo_request_frame(static_cast<std::uint16_t>(i + 1), payload), next());
  if (auto closed = writer->close(); !closed) {
    std::fprintf(stderr, "make_echo_capture: %s\n", closed.error().c_str());
    return 1;
  }
  return 0;
}
