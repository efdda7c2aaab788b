// libFuzzer target: the stack options of `tapstack run` and `tapstack replay` (StackOptions in
// apps/stack_options.*: CLI11 parsing, then validation into a StackConfig) on any words.
//
// Input: byte 0 bit 0 says whether --ip is required (run and replay require it); the rest is
// the argument words, separated by NUL bytes (at most 64 words).
// Checks: the only ways to refuse are CLI11's ParseError (which includes --help) and
// CommandError with a non-empty message — anything else escaping (std::out_of_range from a
// conversion, say) is a crash; no message of ours (a CommandError, or a check's ValidationError)
// carries a control character, whatever the words carried; an accepted configuration is one the stack can run with
// (MTU 68-65535, a host address on a subnet with a prefix, a unicast non-zero MAC, ipfrag_time
// 1-3600 s, ipfrag_high_thresh 64 KiB-1 GiB); and it is stable: the configuration written back
// as options parses to the same configuration.
//
// Why only these options: the rest of apps/ (commands, the TAP loop, logging) would pull
// spdlog, fmt, libmnl and the tap library into the clang build and parse into commands that
// open devices and files. The words that reach the core are these.
#include "apps/command_error.hpp"
#include "apps/stack_options.hpp"
#include "fuzz_check.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace tapstack;

constexpr const char* kName = "cli_fuzz";
constexpr std::size_t kMaxWords = 64;

[[noreturn]] void fail(const char* what) { fuzz::failf(kName, {}, "%s", what); }

// A byte a terminal acts on: C0 controls, DEL, and UTF-8's C1 controls (0xc2 0x80-0x9f).
bool has_control(std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7f) return true;
    if (c == 0xc2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) >= 0x80 && static_cast<unsigned char>(s[i + 1]) <= 0x9f)
      return true;
  }
  return false;
}

// Parses words as a subcommand would; the config, or nullopt when refused.
std::optional<StackConfig> parse(const std::vector<std::string>& words, bool ip_required) {
  CLI::App app{"cli_fuzz"};
  StackOptions opts;
  opts.add_to(app, ip_required);
  std::vector<const char*> argv{"cli_fuzz"};
  for (const auto& w : words) argv.push_back(w.c_str());
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
    return opts.to_config();
  } catch (const CLI::ValidationError& e) {
    // Our checks' words, after CLI11's "OPTION: ".
    if (has_control(e.what())) fail("a check's message carries a control character (the word not escaped)");
    return std::nullopt;
  } catch (const CLI::ParseError&) {
    return std::nullopt;
  } catch (const CommandError& e) {
    const std::string message = e.what();
    if (message.empty()) fail("an empty CommandError");
    // regressions/cli/command-error-echoes-newline: the word used to be quoted as given.
    if (has_control(message)) fail("a CommandError carries a control character (the word not escaped)");
    return std::nullopt;
  }
}

std::vector<std::string> as_words(const StackConfig& c) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(c.icmp.ratelimit).count();
  const auto s = std::chrono::duration_cast<std::chrono::seconds>(c.reassembly.timeout).count();
  return {"--mode", c.mode == LinkMode::tun ? "tun" : "tap",
          "--ip", c.ip.to_string(),
          "--mac", c.mac.to_string(),
          "--mtu", std::to_string(c.mtu),
          std::string("--icmp-echo-ignore-all=") + (c.icmp.echo_ignore_all ? "1" : "0"),
          std::string("--icmp-echo-ignore-broadcasts=") + (c.icmp.echo_ignore_broadcasts ? "1" : "0"),
          "--icmp-ratelimit", std::to_string(ms),
          "--icmp-ratemask", std::to_string(c.icmp.ratemask),
          "--icmp-msgs-per-sec", std::to_string(c.icmp.global_rate_per_sec),
          "--icmp-msgs-burst", std::to_string(c.icmp.global_burst),
          "--ipfrag-time", std::to_string(s),
          "--ipfrag-high-thresh", std::to_string(c.reassembly.max_bytes),
          std::string("--arp-defend=") + (c.arp_defend ? "1" : "0")};
}

bool same(const StackConfig& a, const StackConfig& b) {
  return a.mode == b.mode && a.mac == b.mac && a.ip == b.ip && a.mtu == b.mtu && a.arp_defend == b.arp_defend &&
         a.icmp.echo_ignore_all == b.icmp.echo_ignore_all && a.icmp.echo_ignore_broadcasts == b.icmp.echo_ignore_broadcasts &&
         a.icmp.ratelimit == b.icmp.ratelimit && a.icmp.ratemask == b.icmp.ratemask &&
         a.icmp.global_rate_per_sec == b.icmp.global_rate_per_sec && a.icmp.global_burst == b.icmp.global_burst &&
         a.reassembly.timeout == b.reassembly.timeout && a.reassembly.max_bytes == b.reassembly.max_bytes;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const bool ip_required = (data[0] & 1) != 0;
  std::vector<std::string> words;
  std::string word;
  for (std::size_t i = 1; i < size && words.size() < kMaxWords; ++i) {
    if (data[i] == 0) {
      words.push_back(word);
      word.clear();
    } else {
      word.push_back(static_cast<char>(data[i]));
    }
  }
  if (!word.empty() && words.size() < kMaxWords) words.push_back(word);

  const auto config = parse(words, ip_required);
  if (!config) return 0;
  const StackConfig& c = *config;
  if (c.mtu < 68) fail("accepted an MTU below 68");
  const Ipv4Addr a = c.ip.addr;
  if (c.ip.prefix_len == 0 || c.ip.prefix_len > 32 || a.is_unspecified() || a.is_multicast() || a.is_loopback() ||
      a.is_reserved() || c.ip.is_broadcast(a))
    fail("accepted an address a host cannot own");
  if (c.mac.is_group() || c.mac.is_zero()) fail("accepted a group or zero MAC");
  if (c.reassembly.timeout < std::chrono::seconds(1) || c.reassembly.timeout > std::chrono::seconds(3600))
    fail("accepted an ipfrag_time outside 1-3600 s");
  if (c.reassembly.max_bytes < 65536 || c.reassembly.max_bytes > (std::size_t{1} << 30))
    fail("accepted an ipfrag_high_thresh outside 64 KiB-1 GiB");

  const auto again = parse(as_words(c), true);
  if (!again) fail("the accepted configuration, written back as options, is refused");
  if (!same(c, *again)) fail("the accepted configuration, written back as options, parses to another one");
  return 0;
}
