#include "apps/stack_options.hpp"

#include "apps/command_error.hpp"

#include <CLI/Error.hpp>
#include <CLI/Validators.hpp>

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <variant>

namespace tapstack {
namespace {

// Escapes what a terminal would act on rather than show: C0 controls and DEL, and the C1
// controls (U+0080-U+009F, two bytes in UTF-8), among them CSI, which starts an escape sequence.
std::string escape_controls(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    const bool c1 = c == 0xc2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
                    static_cast<unsigned char>(text[i + 1]) <= 0x9f;
    if (c >= 0x20 && c != 0x7f && !c1) {
      out.push_back(text[i]);
      continue;
    }
    char buf[8];
    switch (c) {
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c1) {
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned char>(text[++i]));
        } else {
          std::snprintf(buf, sizeof buf, "\\x%02x", c);
        }
        out += buf;
    }
  }
  return out;
}

bool all_digits(std::string_view text) {
  if (text.empty()) return false;
  for (const char c : text)
    if (c < '0' || c > '9') return false;
  return true;
}

// What is wrong with text as a whole number from min to max, or "" when nothing is.
std::string number_problem(std::string_view text, std::uint64_t min, std::uint64_t max) {
  const std::string range = "out of range: " + std::to_string(min) + " to " + std::to_string(max);
  const bool negative = text.starts_with('-');
  const std::string_view digits = negative ? text.substr(1) : text;
  if (!all_digits(digits)) {
    // "1.5" is a number, just not a whole one; strtod also takes "inf" and "nan", which are not.
    const std::string s(text);
    char* end = nullptr;
    std::strtod(s.c_str(), &end);
    const bool decimal = !s.empty() && end == s.c_str() + s.size() && s.find_first_of("0123456789") != std::string::npos &&
                         s.find_first_of("xXpP") == std::string::npos;
    return in_quotes(text) + (decimal ? " is not a whole number" : " is not a number");
  }
  if (negative) return std::string(text) + " is " + range;
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc{} || value < min || value > max) return std::string(text) + " is " + range;
  return {};
}

Parsed<std::uint32_t> parse_ratemask(std::string_view text) {
  const bool hex = text.starts_with("0x") || text.starts_with("0X");
  const std::string_view digits = hex ? text.substr(2) : text;
  std::uint64_t mask = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), mask, hex ? 16 : 10);
  const bool whole = !digits.empty() && end == digits.data() + digits.size() && !digits.starts_with('-') &&
                     !digits.starts_with('+');
  if (!whole && ec != std::errc::result_out_of_range)
    return Problem{in_quotes(text) + " is not a number like 0x1818 or 6168"};
  if (ec == std::errc::result_out_of_range || mask > std::numeric_limits<std::uint32_t>::max())
    return Problem{escape_controls(text) + " is out of range: a mask of ICMP types 0 to 31, at most 0xffffffff"};
  return static_cast<std::uint32_t>(mask);
}

}  // namespace

std::string in_quotes(std::string_view text) { return "'" + escape_controls(text) + "'"; }

LinkMode parse_link_mode(const std::string& mode) {
  if (mode == "tap") return LinkMode::tap;
  if (mode == "tun") return LinkMode::tun;
  throw UsageError("--mode: " + in_quotes(mode) + " is neither tap nor tun");
}

Parsed<Ipv4Interface> parse_host_address(std::string_view text) {
  const auto slash = text.find('/');
  const std::string_view addr_text = text.substr(0, slash);
  const auto addr = Ipv4Addr::parse(addr_text);
  if (!addr) {
    if (addr_text.empty()) return Problem{in_quotes(text) + " has no address: give one like 10.0.0.2/24"};
    return Problem{in_quotes(addr_text) + " is not an IPv4 address like 10.0.0.2 (four numbers 0 to 255)"};
  }
  std::uint8_t prefix = 24;
  if (slash != std::string_view::npos) {
    const std::string_view p = text.substr(slash + 1);
    if (!all_digits(p)) return Problem{"prefix " + in_quotes(p) + " is not a number: give /1 to /32, e.g. /24"};
    if (p.size() > 2 || std::stoi(std::string(p)) < 1 || std::stoi(std::string(p)) > 32)
      return Problem{"prefix /" + std::string(p) + " is out of range: /1 to /32, e.g. /24"};
    prefix = static_cast<std::uint8_t>(std::stoi(std::string(p)));
  }
  const Ipv4Interface iface{*addr, prefix};
  const std::string a = addr->to_string();
  if (addr->is_unspecified()) return Problem{a + " is the unspecified address, not a host's"};
  if (addr->is_limited_broadcast()) return Problem{a + " is the broadcast address, not a host's"};
  if (addr->is_multicast()) return Problem{a + " is a multicast address (224.0.0.0/4), not a host's"};
  if (addr->is_loopback()) return Problem{a + " is a loopback address (127.0.0.0/8), not a host's on a TAP"};
  if (addr->is_reserved()) return Problem{a + " is reserved (240.0.0.0/4), not a host's"};
  if (iface.is_broadcast(*addr))
    return Problem{a + " is the broadcast address of " + iface.network().to_string() + "/" +
                           std::to_string(prefix) + ", not a host's"};
  return iface;
}

Ipv4Interface parse_host_interface(const std::string& option, const std::string& text, const std::string&) {
  auto iface = parse_host_address(text);
  if (!iface) throw UsageError(option + ": " + iface.error());
  return *iface;
}

Parsed<Ipv6Interface> parse_host_address6(std::string_view text) {
  const auto slash = text.find('/');
  const std::string_view addr_text = text.substr(0, slash);
  if (addr_text.find('%') != std::string_view::npos)
    return Problem{in_quotes(text) + " has a zone (%...): an address of the stack's own needs none, it has one link"};
  const auto addr = Ipv6Addr::parse(addr_text);
  if (!addr) {
    if (addr_text.empty()) return Problem{in_quotes(text) + " has no address: give one like fd00::2/64"};
    return Problem{in_quotes(addr_text) + " is not an IPv6 address like fd00::2 (hex groups with one ::)"};
  }
  std::uint8_t prefix = 64;
  if (slash != std::string_view::npos) {
    const std::string_view p = text.substr(slash + 1);
    if (!all_digits(p)) return Problem{"prefix " + in_quotes(p) + " is not a number: give /1 to /128, e.g. /64"};
    if (p.size() > 3 || std::stoi(std::string(p)) < 1 || std::stoi(std::string(p)) > 128)
      return Problem{"prefix /" + std::string(p) + " is out of range: /1 to /128, e.g. /64"};
    prefix = static_cast<std::uint8_t>(std::stoi(std::string(p)));
  }
  const std::string a = addr->to_string();
  if (addr->is_unspecified()) return Problem{a + " is the unspecified address, not a host's"};
  if (addr->is_multicast()) return Problem{a + " is a multicast address (ff00::/8), not a host's"};
  if (addr->is_loopback()) return Problem{a + " is the loopback address, not a host's on a TAP"};
  if (addr->is_v4_mapped())
    return Problem{in_quotes(addr_text) + " is an IPv4-mapped address (::ffff:0:0/96): give the IPv4 address as it is"};
  return Ipv6Interface{*addr, prefix};
}

Parsed<HostInterface> parse_any_host_address(std::string_view text) {
  if (text.find(':') != std::string_view::npos) {
    auto v6 = parse_host_address6(text);
    if (!v6) return Problem{v6.error()};
    return HostInterface{*v6};
  }
  auto v4 = parse_host_address(text);
  if (!v4) return Problem{v4.error()};
  return HostInterface{*v4};
}

Parsed<HostAddresses> parse_host_addresses(const std::vector<std::string>& words, bool ipv4_required) {
  HostAddresses out;
  for (const std::string& word : words) {
    const auto any = parse_any_host_address(word);
    if (!any) return Problem{any.error()};
    if (const auto* v4 = std::get_if<Ipv4Interface>(&*any)) {
      if (out.ipv4)
        return Problem{"a second IPv4 address, " + v4->addr.to_string() + " after " + out.ipv4->addr.to_string() +
                       ": one IPv4 address for now (and IPv6 addresses as many as you like)"};
      out.ipv4 = *v4;
      continue;
    }
    const auto& v6 = std::get<Ipv6Interface>(*any);
    for (const Ipv6Interface& earlier : out.ipv6)
      if (earlier.addr == v6.addr) return Problem{v6.addr.to_string() + " is given twice"};
    out.ipv6.push_back(v6);
  }
  if (ipv4_required && !out.ipv4)
    return Problem{"no IPv4 address: give one too, e.g. --ip 10.0.0.2/24 --ip " +
                   (out.ipv6.empty() ? std::string("fd00::2/64") : out.ipv6.front().to_string()) +
                   " (IPv6 alone is not supported yet)"};
  return out;
}

namespace checks {

// No description, so the help shows the type name only. Messages from elsewhere (the kernel's
// rules for interface names) may echo the value too, so the whole message is escaped here;
// in_quotes() escapes too, and an escape has no control character left to escape twice.
CLI::Validator from_problem(std::function<std::string(const std::string&)> problem, std::string name) {
  return CLI::Validator([problem = std::move(problem)](std::string& value) { return escape_controls(problem(value)); },
                        "", std::move(name));
}

CLI::Validator number(std::uint64_t min, std::uint64_t max) {
  return from_problem([min, max](const std::string& v) { return number_problem(v, min, max); }, "number");
}

CLI::Validator one_of(std::vector<std::string> words) {
  return from_problem(
      [words = std::move(words)](const std::string& v) -> std::string {
        for (const auto& w : words)
          if (v == w) return {};
        if (words.size() == 2) return in_quotes(v) + " is neither " + words[0] + " nor " + words[1];
        std::string list;
        for (const auto& w : words) list += (list.empty() ? "" : ", ") + w;
        return in_quotes(v) + " is not one of " + list;
      },
      "one_of");
}

CLI::Validator host_address() {
  return from_problem(
      [](const std::string& v) -> std::string {
        const auto iface = parse_host_address(v);
        return iface ? std::string() : iface.error();
      },
      "host_address");
}

CLI::Validator any_host_address() {
  return from_problem(
      [](const std::string& v) -> std::string {
        const auto iface = parse_any_host_address(v);
        return iface ? std::string() : iface.error();
      },
      "any_host_address");
}

CLI::Validator unicast_mac() {
  return from_problem(
      [](const std::string& v) -> std::string {
        const auto m = MacAddr::parse(v);
        if (!m) return in_quotes(v) + " is not a MAC address like 02:00:00:00:00:02";
        if (m->is_zero()) return v + " is all zeros: give a unicast MAC like 02:00:00:00:00:02";
        if (m->is_group()) return v + " is a group address (first octet odd): give a unicast MAC like 02:00:00:00:00:02";
        return {};
      },
      "mac");
}

CLI::Validator icmp_ratemask() {
  return from_problem(
      [](const std::string& v) -> std::string {
        const auto mask = parse_ratemask(v);
        return mask ? std::string() : mask.error();
      },
      "icmp_ratemask");
}

CLI::Validator not_empty(std::string what) {
  return from_problem([what = std::move(what)](const std::string& v) { return v.empty() ? "the " + what + " is empty" : ""; },
                    "not_empty");
}

}  // namespace checks

void StackOptions::add_to(CLI::App& cmd, bool ip_required) {
  cmd.add_option("--mode", mode, "Link type: tap (Ethernet frames, ARP) or tun (bare IPv4)")
      ->type_name("MODE")
      ->check(checks::one_of({"tap", "tun"}))
      ->capture_default_str();
  // A function option, so the words are seen together once each is checked: a second IPv4
  // address is a usage error while the command line is read, as --parse-only shows.
  auto* ip_opt = cmd.add_option_function<std::vector<std::string>>(
                        "--ip",
                        [this, ip_required](const std::vector<std::string>& words) {
                          if (const auto all = parse_host_addresses(words, ip_required); !all)
                            throw CLI::ValidationError("--ip", escape_controls(all.error()));
                          ip = words;
                        },
                        "The stack's own address, repeatable: one IPv4 (prefix default /24) and any IPv6 "
                        "(prefix default /64), e.g. --ip 10.0.0.2/24 --ip fd00::2/64")
                     ->type_name("IP/PREFIX")
                     ->check(checks::any_host_address());
  if (ip_required) ip_opt->required();
  cmd.add_option("--mac", mac, "The stack's MAC (default: 02:00 followed by the four octets of --ip)")
      ->type_name("MAC")
      ->check(checks::unicast_mac());
  cmd.add_option("--mtu", mtu, "Link MTU, 68 to 65535: larger replies are fragmented")
      ->type_name("BYTES")
      ->check(checks::number(68, 65535))
      ->capture_default_str();
  // Linux's sysctl names; each is a flag that also takes a value, so `--icmp-echo-ignore-broadcasts=0`
  // turns off what is on by default.
  cmd.add_flag("--icmp-echo-ignore-all", icmp_echo_ignore_all, "Answer no echo request (default off) (net.ipv4.icmp_echo_ignore_all)")
      ->capture_default_str();
  cmd.add_flag("--icmp-echo-ignore-broadcasts", icmp_echo_ignore_broadcasts,
               "Ignore echo and timestamp requests to broadcast addresses (default on; =0 answers them) (icmp_echo_ignore_broadcasts)")
      ->capture_default_str();
  constexpr std::uint64_t kUnsignedMax = std::numeric_limits<unsigned>::max();
  cmd.add_option("--icmp-ratelimit", icmp_ratelimit_ms, "Minimum gap in ms between rate-limited ICMP messages to one host (icmp_ratelimit)")
      ->type_name("MS")
      ->check(checks::number(0, kUnsignedMax))
      ->capture_default_str();
  cmd.add_option("--icmp-ratemask", icmp_ratemask, "ICMP types subject to --icmp-ratelimit, bit n = type n (icmp_ratemask)")
      ->type_name("MASK")
      ->check(checks::icmp_ratemask())
      ->capture_default_str();
  cmd.add_option("--icmp-msgs-per-sec", icmp_msgs_per_sec, "Global token bucket rate for rate-limited ICMP (icmp_msgs_per_sec)")
      ->type_name("N")
      ->check(checks::number(0, kUnsignedMax))
      ->capture_default_str();
  cmd.add_option("--icmp-msgs-burst", icmp_msgs_burst, "Global token bucket burst (icmp_msgs_burst)")
      ->type_name("N")
      ->check(checks::number(0, kUnsignedMax))
      ->capture_default_str();
  cmd.add_option("--ipfrag-time", ipfrag_time, "Seconds an incomplete datagram is kept, 1 to 3600 (ipfrag_time)")
      ->type_name("SECONDS")
      ->check(checks::number(1, 3600))
      ->capture_default_str();
  cmd.add_option("--ipfrag-high-thresh", ipfrag_high_thresh,
                 "Bytes all incomplete datagrams may hold, 65536 to 1073741824; the oldest is evicted beyond "
                 "(ipfrag_high_thresh)")
      ->type_name("BYTES")
      ->check(checks::number(65536, std::uint64_t{1} << 30))
      ->capture_default_str();
  cmd.add_option("--min-pmtu", min_pmtu, "Least path MTU a 'fragmentation needed' can set, 68 to 65535 (route.min_pmtu)")
      ->type_name("BYTES")
      ->check(checks::number(68, 65535))
      ->capture_default_str();
  cmd.add_option("--mtu-expires", mtu_expires, "Seconds a learned path MTU lasts (route.mtu_expires)")
      ->type_name("SECONDS")
      ->check(checks::number(0, std::numeric_limits<std::int32_t>::max()))
      ->capture_default_str();
  cmd.add_option("--neigh-gc-thresh3", neigh_gc_thresh3,
                 "Neighbours the ARP cache holds, 1 to 1048576; the least recently updated is evicted beyond "
                 "(neigh.default.gc_thresh3)")
      ->type_name("N")
      ->check(checks::number(1, max_neighbour_entries))
      ->capture_default_str();
  cmd.add_flag("--arp-defend", arp_defend, "Defend our address against conflicting ARP (RFC 5227 §2.4) instead of only logging");
  cmd.add_flag("--no-dad", no_dad,
               "Use our IPv6 addresses at once, without duplicate address detection (net.ipv6.conf.*.dad_transmits=0)");
}

StackConfig StackOptions::to_config() const {
  StackConfig config;
  config.mode = parse_link_mode(mode);
  const auto addresses = parse_host_addresses(ip, true);
  if (!addresses) throw UsageError("--ip: " + escape_controls(addresses.error()));
  config.ip = *addresses->ipv4;
  config.ipv6.addresses = addresses->ipv6;
  if (no_dad) config.ipv6.dad_transmits = 0;
  const Ipv4Addr a = config.ip.addr;
  if (mac.empty()) {
    config.mac = default_mac_for(a);
  } else {
    const auto m = MacAddr::parse(mac);
    if (!m || m->is_group() || m->is_zero()) throw UsageError("--mac: " + in_quotes(mac) + " is not a unicast MAC like 02:00:00:00:00:02");
    config.mac = *m;
  }
  config.mtu = static_cast<std::uint16_t>(mtu);
  config.icmp.echo_ignore_all = icmp_echo_ignore_all;
  config.icmp.echo_ignore_broadcasts = icmp_echo_ignore_broadcasts;
  config.icmp.ratelimit = std::chrono::milliseconds(icmp_ratelimit_ms);
  const auto mask = parse_ratemask(icmp_ratemask);
  if (!mask) throw UsageError("--icmp-ratemask: " + mask.error());
  config.icmp.ratemask = *mask;
  config.icmp.global_rate_per_sec = icmp_msgs_per_sec;
  config.icmp.global_burst = icmp_msgs_burst;
  config.reassembly.timeout = std::chrono::seconds(ipfrag_time);
  config.reassembly.max_bytes = ipfrag_high_thresh;
  config.pmtu.min_pmtu = static_cast<std::uint16_t>(min_pmtu);
  config.pmtu.mtu_expires = std::chrono::seconds(mtu_expires);
  config.arp.max_entries = neigh_gc_thresh3;
  config.arp_defend = arp_defend;
  // Whatever the checks above let through, the core would refuse in Stack's constructor.
  if (auto error = config_error(config)) throw CommandError(*error);
  return config;
}

}  // namespace tapstack
