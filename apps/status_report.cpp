#include "apps/status_report.hpp"

#include "describe/addr_format.hpp"
#include "tap/tun_device.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>

namespace tapstack {

nlohmann::json status_json(const Stack& stack, const std::string& ifname, const TunLinkStats& link, Instant now) {
  using nlohmann::json;
  const StackConfig& config = stack.config();
  json iface = {{"name", ifname},
                {"mode", std::string(link_mode_name(config.mode))},
                {"ip", fmt::format("{}", config.ip)},
                {"mtu", config.mtu}};
  if (config.mode == LinkMode::tap) iface["mac"] = config.mac.to_string();
  json ipv6 = json::array();
  for (const OwnedIpv6Address& a : stack.ipv6_addresses())
    ipv6.push_back({{"address", a.net.to_string()}, {"state", std::string(to_string(a.state))}});
  iface["ipv6"] = std::move(ipv6);

  json counters = json::object();
  stack.counters().for_each(
      [&](const CounterInfo& info, std::uint64_t value) { counters[std::string(info.name)] = value; });

  json neighbours = json::array();
  for (const Neighbour& n : stack.neighbours().entries()) {
    json e = {{"ip", n.ip.to_string()}, {"state", std::string(to_string(n.state))}};
    e["mac"] = n.state == NeighbourState::incomplete ? json(nullptr) : json(n.mac.to_string());
    if (n.confirmed != Instant{})
      e["confirmed_ms_ago"] = std::chrono::duration_cast<std::chrono::milliseconds>(now - n.confirmed).count();
    neighbours.push_back(std::move(e));
  }

  json neighbours6 = json::array();
  for (const Neighbour6& n : stack.neighbours6().entries()) {
    json e = {{"ip", n.ip.to_string()}, {"state", std::string(to_string(n.state))}};
    e["mac"] = n.state == NeighbourState::incomplete ? json(nullptr) : json(n.mac.to_string());
    if (n.confirmed != Instant{})
      e["confirmed_ms_ago"] = std::chrono::duration_cast<std::chrono::milliseconds>(now - n.confirmed).count();
    neighbours6.push_back(std::move(e));
  }

  json path_mtus = json::array();
  for (const PathMtu& p : stack.path_mtus().entries()) {
    path_mtus.push_back({{"ip", p.dst.to_string()},
                         {"mtu", p.mtu},
                         {"locked", p.locked},
                         {"expires_in_ms", std::chrono::duration_cast<std::chrono::milliseconds>(
                                               std::max(p.expires - now, Duration{0})).count()}});
  }

  return {{"interface", std::move(iface)},
          {"counters", std::move(counters)},
          {"drops_total", stack.counters().total_drops()},
          {"pending", {{"held_frames", stack.held_frames()}, {"incomplete_datagrams", stack.incomplete_datagrams()}}},
          {"neighbours", std::move(neighbours)},
          {"neighbours6", std::move(neighbours6)},
          {"path_mtus", std::move(path_mtus)},
          {"link",
           {{"frames_read", link.frames_read},
            {"bytes_read", link.bytes_read},
            {"written", link.written},
            {"dropped_would_block", link.dropped_would_block},
            {"write_errors", link.write_errors}}}};
}

std::string status_line(const Stack& stack, const std::string& ifname) {
  const Counters& c = stack.counters();
  const std::size_t n = stack.neighbours().entries().size() + stack.neighbours6().entries().size();
  return fmt::format("{}: frames in {}, out {}, dropped {}, {} neighbour{}, {} held for ARP or NDP", ifname,
                     c[Counter::frames_in], c[Counter::frames_out], c.total_drops(), n, n == 1 ? "" : "s",
                     stack.held_frames());
}

}  // namespace tapstack
