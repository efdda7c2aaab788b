#include "tap/capabilities.hpp"

#include <unistd.h>

#include <charconv>
#include <fstream>
#include <iterator>
#include <string>

namespace tapstack {

std::optional<std::uint64_t> parse_effective_capabilities(std::string_view status_text) {
  constexpr std::string_view kKey = "CapEff:";
  for (std::size_t start = 0; start < status_text.size();) {
    const std::size_t end = std::min(status_text.find('\n', start), status_text.size());
    std::string_view line = status_text.substr(start, end - start);
    start = end + 1;
    if (!line.starts_with(kKey)) continue;
    line.remove_prefix(kKey.size());
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    std::uint64_t mask = 0;
    const auto [ptr, ec] = std::from_chars(line.data(), line.data() + line.size(), mask, 16);
    if (ec != std::errc{} || ptr == line.data()) return std::nullopt;
    return mask;
  }
  return std::nullopt;
}

bool has_capabilities(std::uint64_t mask, std::initializer_list<Capability> caps) noexcept {
  for (const Capability c : caps)
    if ((mask >> static_cast<unsigned>(c) & 1) == 0) return false;
  return true;
}

bool has_effective_capabilities(std::initializer_list<Capability> caps) {
  std::ifstream in("/proc/self/status");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (const auto mask = parse_effective_capabilities(text)) return has_capabilities(*mask, caps);
  return ::geteuid() == 0;
}

}  // namespace tapstack
