#pragma once
// Frames in words for logs and `tapstack dump`: one tcpdump-like line per frame, and a hex dump.
//
//   02:00:0a:00:00:01 > ff:ff:ff:ff:ff:ff ARP who-has 10.0.0.2 tell 10.0.0.1
//   02:00:0a:00:00:02 > 02:00:0a:00:00:01 ARP reply 10.0.0.2 is-at 02:00:0a:00:00:02
//   10.0.0.1 > 10.0.0.2 ICMP echo request id 0x1c seq 3 len 64          (TUN: no MACs)
//   10.0.0.1 > 10.0.0.2 UDP 40000 > 53 len 32
//   10.0.0.1 > 10.0.0.2 ICMP fragment id 0x04d2 offset 1480 len 528
//
// Each layer is read through its view in stack/wire/, so the printer and the stack agree on what
// a header says. A layer whose view refuses it is still described: the line names the layer and
// why (truncated, bad header length, ...), and where the header is readable but for its checksum
// or a length (a bad checksum, a first fragment, a capture cut short) the rest is described too,
// with the fault in brackets. Safe on any bytes (tests/fuzz runs it on arbitrary input). Only
// called when someone will read the result, so it may allocate.
#include "stack/wire/bytes.hpp"

#include <string>

namespace tapstack {

// What a frame starts with: an Ethernet header (a TAP, a DLT_EN10MB capture) or an IP header
// (a TUN, a DLT_RAW capture).
enum class Framing { ethernet, ip };

// One line, no newline.
std::string describe_frame(Bytes frame, Framing framing);
// The same, appended to out, so a caller can reuse one string's capacity.
void append_frame_description(std::string& out, Bytes frame, Framing framing);

// tcpdump -xx style, 16 bytes a line with the ASCII beside; lines joined by '\n', no final one:
//   0x0000:  ffff ffff ffff 0200 0a00 0001 0806 0001  ................
std::string hex_dump(Bytes data);

}  // namespace tapstack
