#include "tap/tunnel_transport.hpp"

#include <charconv>

namespace tapstack {

std::string Endpoint::to_string() const { return addr.to_string() + ":" + std::to_string(port); }

std::expected<Endpoint, std::string> parse_endpoint(std::string_view text, bool any_port) {
  const auto colon = text.rfind(':');
  const std::string example = " is not an address and port like 192.168.7.1:5555";
  if (colon == std::string_view::npos) return std::unexpected("'" + std::string(text) + "'" + example);
  const auto addr = Ipv4Addr::parse(text.substr(0, colon));
  if (!addr) return std::unexpected("'" + std::string(text.substr(0, colon)) + "' is not an IPv4 address like 192.168.7.1");
  const std::string_view port_text = text.substr(colon + 1);
  unsigned port = 0;
  const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc{} || end != port_text.data() + port_text.size())
    return std::unexpected("port '" + std::string(port_text) + "' is not a number: give 1 to 65535, e.g. :5555");
  if (port > 65535 || (port == 0 && !any_port))
    return std::unexpected("port " + std::string(port_text) + " is out of range: 1 to 65535");
  if (addr->is_multicast() || addr->is_limited_broadcast())
    return std::unexpected(addr->to_string() + " is not a unicast address: a tunnel has one peer");
  return Endpoint{*addr, static_cast<std::uint16_t>(port)};
}

}  // namespace tapstack
