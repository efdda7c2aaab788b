#pragma once
// The command-line options that shape a Stack, shared by `run` and `replay` so both accept the
// same words with the same defaults (Linux's sysctl names where Linux has the knob).
#include "stack/config.hpp"

#include <CLI/App.hpp>

#include <string>

namespace tapstack {

struct StackOptions {
  std::string mode = "tap";
  std::string ip;
  std::string mac;
  unsigned mtu = 1500;
  bool icmp_echo_ignore_all = false;
  bool icmp_echo_ignore_broadcasts = true;
  unsigned icmp_ratelimit_ms = 1000;
  std::string icmp_ratemask = "0x1818";
  unsigned icmp_msgs_per_sec = 1000;
  unsigned icmp_msgs_burst = 50;
  unsigned ipfrag_time = 30;
  std::size_t ipfrag_high_thresh = 4 * 1024 * 1024;
  bool arp_defend = false;

  // Registers the options on cmd; ip_required says whether --ip must be given.
  void add_to(CLI::App& cmd, bool ip_required = true);
  // Validates the words and builds the config; throws CommandError with a one-line reason.
  StackConfig to_config() const;
};

LinkMode parse_link_mode(const std::string& mode);
// "A.B.C.D[/N]" that a host can own (not unspecified, multicast, loopback, reserved or a
// broadcast of its subnet); throws CommandError naming the option and showing example.
Ipv4Interface parse_host_interface(const std::string& option, const std::string& text, const std::string& example);

}  // namespace tapstack
