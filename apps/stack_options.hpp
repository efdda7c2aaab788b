#pragma once
// The command-line options that shape a Stack, shared by `run` and `replay` so both accept the
// same words with the same defaults (Linux's sysctl names where Linux has the knob), and the
// checks every command's options use, so that a bad value is refused while the command line is
// read, in the same words everywhere.
#include "stack/config.hpp"
#include "tap/tun_device.hpp"

#include <CLI/App.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace tapstack {

// Why a word is not a value of an option, in words that follow "OPTION: ".
struct Problem {
  std::string why;
};

// A value parsed from an option's word, or the Problem with the word. Used as std::expected,
// which it is not because clang 14 (the cli fuzz target, tests/fuzz/README.md) cannot compile
// std::expected<T, std::string> against libstdc++ 12: its destructor is deleted there.
template <class T>
class Parsed {
 public:
  Parsed(T value) : value_(std::move(value)) {}
  Parsed(Problem problem) : problem_(std::move(problem.why)) {}
  explicit operator bool() const { return value_.has_value(); }
  const T& operator*() const { return *value_; }
  const T* operator->() const { return &*value_; }
  const std::string& error() const { return problem_; }

 private:
  std::optional<T> value_;
  std::string problem_;
};

// text in single quotes for an error message, with control characters (a newline, a terminal
// escape) written as C escapes, so that a message stays one line whatever the user typed.
std::string in_quotes(std::string_view text);

struct StackOptions {
  std::string mode = "tap";
  std::vector<std::string> ip;  // --ip, repeatable: exactly one IPv4, any number of IPv6
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
  unsigned min_pmtu = 552;
  unsigned mtu_expires = 600;
  std::size_t neigh_gc_thresh3 = 256;
  bool arp_defend = false;
  bool no_dad = false;

  // Registers the options on cmd; ip_required says whether --ip must be given.
  void add_to(CLI::App& cmd, bool ip_required = true);
  // Validates the words and builds the config; throws UsageError with a one-line reason.
  StackConfig to_config() const;
};

// Throws UsageError for anything but "tap" or "tun".
LinkMode parse_link_mode(const std::string& mode);

// "A.B.C.D[/N]" that a host can own: what is wrong with it otherwise, blaming the part at fault
// (the address, the prefix, or the kind of address), without the option's name.
Parsed<Ipv4Interface> parse_host_address(std::string_view text);
// The same for option; throws UsageError "OPTION: reason" (example is unused, kept for callers).
Ipv4Interface parse_host_interface(const std::string& option, const std::string& text, const std::string& example);

// "ADDR[/N]" in IPv6 that a host can own (the prefix defaults to /64), or what is wrong with it.
Parsed<Ipv6Interface> parse_host_address6(std::string_view text);

// An address of either family, told apart by the ':' only IPv6 text has.
using HostInterface = std::variant<Ipv4Interface, Ipv6Interface>;
Parsed<HostInterface> parse_any_host_address(std::string_view text);

// The words of a repeatable address option (--ip, run's --host-ip), sorted by family. Refuses a
// second IPv4 address (the stack owns one for now), the same address twice, and, when
// ipv4_required, a list without an IPv4 address; words are already checked one by one.
struct HostAddresses {
  std::optional<Ipv4Interface> ipv4;
  std::vector<Ipv6Interface> ipv6;
};
Parsed<HostAddresses> parse_host_addresses(const std::vector<std::string>& words, bool ipv4_required);

// Parse-time checks for CLI11 (Option::check). Each says what is wrong with a value in words
// that follow "OPTION: ", e.g. "'abc' is not a number"; main prints that as
// "tapstack CMD: OPTION: ..." and exits 2. None has a description, so the help shows the
// option's type name (a word such as BYTES or IP/PREFIX) alone.
namespace checks {

// The check that reports problem(value) ("" when the value is fine), with any control
// character the problem echoes from the value escaped as in_quotes() does.
CLI::Validator from_problem(std::function<std::string(const std::string&)> problem, std::string name);

// A decimal whole number from min to max: "'abc' is not a number", "70000 is out of range: 68 to 65535".
CLI::Validator number(std::uint64_t min, std::uint64_t max);
// One of words: "'x' is neither tap nor tun".
CLI::Validator one_of(std::vector<std::string> words);
// parse_host_address.
CLI::Validator host_address();
// parse_any_host_address: IPv4 or IPv6.
CLI::Validator any_host_address();
// A unicast MAC, 6 octets in hex separated by ':'.
CLI::Validator unicast_mac();
// A name the kernel would take for a new interface (interface_name_problem). Inline, so that
// only a program that checks interface names links the tap library for it: the cli fuzz
// target, built with clang without the tap library, uses the rest of this file.
inline CLI::Validator interface_name() {
  return from_problem([](const std::string& v) { return interface_name_problem(v).value_or(std::string()); },
                      "interface_name");
}
// An ICMP type mask, decimal or 0x-hexadecimal, 32 bits.
CLI::Validator icmp_ratemask();
// Anything but the empty string ("the file name is empty"); what names the value.
CLI::Validator not_empty(std::string what);

}  // namespace checks

}  // namespace tapstack
