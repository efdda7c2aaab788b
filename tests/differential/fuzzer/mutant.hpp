#pragma once
// A mutant: a short sequence of frames, each a valid frame of the corpus plus the changes the
// fuzzer made to it. The changes are kept apart from the frame they change, rather than baked
// in, so the minimiser can take them back one at a time and a case's description can name them.
#include <cstdint>
#include <string>
#include <vector>

namespace tapstack::differential::fuzz {

using Frame = std::vector<std::uint8_t>;

struct ByteEdit {
  std::size_t offset;
  std::uint8_t value;
};

// A change of shape, applied before the byte edits (whose offsets refer to the reshaped frame).
enum class Reshape {
  none,
  insert_options,  // `extra` inserted after the IPv4 header's last byte; IHL and total length follow
  truncate,        // cut to `length` bytes
  append,          // `extra` after the frame's end, lengths untouched (trailing bytes)
};

struct MutantFrame {
  Frame base;          // valid: from the corpus, or a fragment the fuzzer cut from one
  std::string origin;  // where base came from, e.g. "echo_basic#1" or "udp_closed_port#1 frag 2/3"
  Reshape reshape = Reshape::none;
  Frame extra;
  std::size_t length = 0;
  std::vector<ByteEdit> edits;
  // A sender would fix the checksums after a change; turning that off is a mutation of its own.
  bool fix_ip_checksum = true;
  bool fix_l4_checksum = true;
  std::int64_t gap_ms = 10;       // after the previous frame
  std::int64_t base_gap_ms = 10;  // the corpus's gap, which a timing mutation replaced

  Frame materialise() const;
  // How many separate changes this frame carries (each one a thing the minimiser can revert).
  std::size_t changes() const;
  // The fields the changes touch, e.g. {"ipv4.ttl", "ipv4.options+8"}.
  std::vector<std::string> changed_fields() const;
  // One line for a case's description: "ipv4.ttl=0x00 ipv4.options+8[...]".
  std::string describe_changes() const;
};

struct Mutant {
  std::string base_case;  // the corpus entry the frames came from
  std::vector<MutantFrame> frames;
  std::vector<std::string> sequence_changes;  // "fragmented", "dropped #2", "duplicated #1", ...
  std::int64_t window_ms = 300;               // watched after the last frame

  std::size_t changes() const;
  std::vector<std::string> changed_fields() const;
  std::int64_t duration_ms() const;
};

// The name of the field holding byte `offset` of an Ethernet frame, in pcap_compare's words
// ("eth.dst", "arp.op", "ipv4.ttl", "ipv4.options", "icmp.type", "udp.length", ...).
std::string field_name(const Frame& frame, std::size_t offset);

// Recomputes the IPv4 header checksum (when the header is whole) and, for an unfragmented
// ICMP, UDP or TCP datagram, the transport checksum. Either is skipped when told to.
void refresh_checksums(Frame& frame, bool ip, bool l4);

}  // namespace tapstack::differential::fuzz
