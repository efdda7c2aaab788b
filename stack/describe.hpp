#pragma once
// Frames in words for logs and `tapstack dump`: one tcpdump-like line per frame, and a hex dump.
// Pure and defensive: a frame is only read up to lengths checked here, so a malformed or hostile
// frame is described as such and never read past its end. Only called when someone will read the
// result, so it may allocate.
//
//   02:00:0a:00:00:01 > ff:ff:ff:ff:ff:ff ARP who-has 10.0.0.2 tell 10.0.0.1
//   02:00:0a:00:00:02 > 02:00:0a:00:00:01 ARP reply 10.0.0.2 is-at 02:00:0a:00:00:02
//   10.0.0.1 > 10.0.0.2 ICMP echo request id 0x1c seq 3 len 64          (TUN: no MACs)
//   10.0.0.1 > 10.0.0.2 UDP 40000 > 53 len 32
//   10.0.0.1 > 10.0.0.2 ICMP fragment id 0x04d2 offset 1480 len 528
#include "stack/wire/bytes.hpp"
#include "stack/config.hpp"

#include <string>

namespace tapstack {

// An Ethernet frame (LinkMode::tap) or a bare IP datagram (LinkMode::tun), on one line.
std::string describe_frame(Bytes frame, LinkMode mode);
// The same, appended to out, so a caller can reuse one string's capacity.
void append_frame_description(std::string& out, Bytes frame, LinkMode mode);

// tcpdump -xx style, 16 bytes a line with the ASCII beside; lines joined by '\n', no final one:
//   0x0000:  ffff ffff ffff 0200 0a00 0001 0806 0001  ................
std::string hex_dump(Bytes data);

}  // namespace tapstack
