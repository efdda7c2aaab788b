#pragma once
// One trial: a mutant written as an input pcap, played to the Linux kernel (kernel_oracle in a
// fresh network namespace) and to `tapstack replay`, the two answers compared by pcap_compare —
// the suite's own tools, so a fuzzed case is judged exactly as a committed one.
#include "tests/differential/fuzzer/mutant.hpp"

#include <string>
#include <vector>

namespace tapstack::differential::fuzz {

struct Tools {
  std::vector<std::string> unshare;  // the command that makes the namespace, e.g. {"unshare", "-n"}
  std::string oracle, tapstack, compare;
};

struct Outcome {
  bool ran = false;    // every tool did its job (else `error` says which did not)
  std::string error;
  bool agree = false;
  std::string report;          // pcap_compare's output
  std::string signature;       // the disagreement with its values stripped (see diff_signature)
  std::string kernel_shape;    // the kernel's answer in brief, e.g. "arp2,icmp0"
  std::string tapstack_shape;
  std::string input_pcap, kernel_pcap;
};

// Writes the mutant as the suite writes a case: frames at their relative times from the suite's
// fixed base time, then the end-of-window marker.
bool write_input(const std::string& path, const Mutant& m, std::string& error);

Outcome run_trial(const Tools& tools, const std::string& dir, const std::string& stem, const Mutant& m);

// True when two kernel answers agree by pcap_compare's rules: a disagreement is believed only
// when the kernel answers it the same way twice.
bool kernel_is_stable(const Tools& tools, const std::string& first, const std::string& second, const std::string& log);

// The brief form of a capture: one token per frame ("arp1", "icmp3/3", "tcp14", "udp",
// "frag", ...), repeats collapsed, "silence" for none.
std::string shape_of(const std::string& pcap);

}  // namespace tapstack::differential::fuzz
