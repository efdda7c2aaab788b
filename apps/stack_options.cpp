#include "apps/stack_options.hpp"

#include "apps/command_error.hpp"

#include <charconv>

namespace tapstack {

LinkMode parse_link_mode(const std::string& mode) {
  if (mode == "tap") return LinkMode::tap;
  if (mode == "tun") return LinkMode::tun;
  throw CommandError("--mode must be 'tap' or 'tun', not '" + mode + "'");
}

void StackOptions::add_to(CLI::App& cmd, bool ip_required) {
  cmd.add_option("--mode", mode, "Link type: tap (Ethernet frames, ARP) or tun (bare IPv4)")
      ->check(CLI::IsMember({"tap", "tun"}))
      ->capture_default_str();
  auto* ip_opt = cmd.add_option("--ip", ip, "The stack's own address, A.B.C.D/PREFIX (prefix defaults to 24)");
  if (ip_required) ip_opt->required();
  cmd.add_option("--mac", mac, "The stack's MAC (default: 02:00 followed by the four octets of --ip)");
  cmd.add_option("--mtu", mtu, "Link MTU: larger replies are fragmented")->check(CLI::Range(68, 65535))->capture_default_str();
  // Linux's sysctl names; each is a flag that also takes a value, so `--icmp-echo-ignore-broadcasts=0`
  // turns off what is on by default.
  cmd.add_flag("--icmp-echo-ignore-all", icmp_echo_ignore_all, "Answer no echo request (default off) (net.ipv4.icmp_echo_ignore_all)")
      ->capture_default_str();
  cmd.add_flag("--icmp-echo-ignore-broadcasts", icmp_echo_ignore_broadcasts,
               "Ignore echo and timestamp requests to broadcast addresses (default on; =0 answers them) (icmp_echo_ignore_broadcasts)")
      ->capture_default_str();
  cmd.add_option("--icmp-ratelimit", icmp_ratelimit_ms, "Minimum gap in ms between rate-limited ICMP messages to one host (icmp_ratelimit)")
      ->capture_default_str();
  cmd.add_option("--icmp-ratemask", icmp_ratemask, "ICMP types subject to --icmp-ratelimit, bit n = type n (icmp_ratemask)")
      ->capture_default_str();
  cmd.add_option("--icmp-msgs-per-sec", icmp_msgs_per_sec, "Global token bucket rate for rate-limited ICMP (icmp_msgs_per_sec)")
      ->capture_default_str();
  cmd.add_option("--icmp-msgs-burst", icmp_msgs_burst, "Global token bucket burst (icmp_msgs_burst)")->capture_default_str();
  cmd.add_option("--ipfrag-time", ipfrag_time, "Seconds an incomplete datagram is kept (ipfrag_time)")
      ->check(CLI::Range(1u, 3600u))
      ->capture_default_str();
  cmd.add_option("--ipfrag-high-thresh", ipfrag_high_thresh,
                 "Bytes all incomplete datagrams may hold; the oldest is evicted beyond (ipfrag_high_thresh)")
      ->check(CLI::Range(std::size_t{65536}, std::size_t{1} << 30))
      ->capture_default_str();
  cmd.add_flag("--arp-defend", arp_defend, "Defend our address against conflicting ARP (RFC 5227 §2.4) instead of only logging");
}

Ipv4Interface parse_host_interface(const std::string& option, const std::string& text, const std::string& example) {
  const auto iface = Ipv4Interface::parse(text);
  if (!iface) throw CommandError(option + " '" + text + "' is not an IPv4 address like " + example);
  const Ipv4Addr a = iface->addr;
  if (a.is_unspecified() || a.is_multicast() || a.is_loopback() || a.is_reserved() || iface->is_broadcast(a) ||
      iface->prefix_len == 0)
    throw CommandError(option + " '" + text +
                       "' cannot be a host address (it is unspecified, multicast, loopback, reserved or a broadcast)");
  return *iface;
}

StackConfig StackOptions::to_config() const {
  StackConfig config;
  config.mode = parse_link_mode(mode);
  config.ip = parse_host_interface("--ip", ip, "10.0.0.2/24");
  const Ipv4Addr a = config.ip.addr;
  if (mac.empty()) {
    config.mac = default_mac_for(a);
  } else {
    const auto m = MacAddr::parse(mac);
    if (!m) throw CommandError("--mac '" + mac + "' is not a MAC like 02:00:00:00:00:02");
    if (m->is_group() || m->is_zero()) throw CommandError("--mac '" + mac + "' must be a unicast address (first octet even, not all zero)");
    config.mac = *m;
  }
  config.mtu = static_cast<std::uint16_t>(mtu);
  config.icmp.echo_ignore_all = icmp_echo_ignore_all;
  config.icmp.echo_ignore_broadcasts = icmp_echo_ignore_broadcasts;
  config.icmp.ratelimit = std::chrono::milliseconds(icmp_ratelimit_ms);
  std::uint32_t mask = 0;
  const bool hex = icmp_ratemask.starts_with("0x") || icmp_ratemask.starts_with("0X");
  const char* first = icmp_ratemask.data() + (hex ? 2 : 0);
  const char* last = icmp_ratemask.data() + icmp_ratemask.size();
  auto [end, ec] = std::from_chars(first, last, mask, hex ? 16 : 10);
  if (ec != std::errc{} || end != last || first == last)
    throw CommandError("--icmp-ratemask '" + icmp_ratemask + "' is not a number like 0x1818 or 6168");
  config.icmp.ratemask = mask;
  config.icmp.global_rate_per_sec = icmp_msgs_per_sec;
  config.icmp.global_burst = icmp_msgs_burst;
  config.reassembly.timeout = std::chrono::seconds(ipfrag_time);
  config.reassembly.max_bytes = ipfrag_high_thresh;
  config.arp_defend = arp_defend;
  // Whatever the checks above let through, the core would refuse in Stack's constructor.
  if (auto error = config_error(config)) throw CommandError(*error);
  return config;
}

}  // namespace tapstack
