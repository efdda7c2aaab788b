#include "tap/tun_interfaces.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/if.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <map>
#include <memory>

namespace tapstack {
namespace {

// The whole of a small /proc file, or nullopt when it cannot be read (gone, not ours).
std::optional<std::string> read_small_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::string text;
  std::array<char, 512> chunk;
  for (;;) {
    const ssize_t n = ::read(fd, chunk.data(), chunk.size());
    if (n < 0) {
      ::close(fd);
      return std::nullopt;
    }
    if (n == 0) break;
    text.append(chunk.data(), static_cast<std::size_t>(n));
    if (text.size() > 65536) break;  // fdinfo of a TUN/TAP is a few lines
  }
  ::close(fd);
  return text;
}

std::optional<std::string> read_link(const std::string& path) {
  std::array<char, 256> target;
  const ssize_t n = ::readlink(path.c_str(), target.data(), target.size());
  if (n <= 0 || static_cast<std::size_t>(n) >= target.size()) return std::nullopt;
  return std::string(target.data(), static_cast<std::size_t>(n));
}

struct DirCloser {
  void operator()(DIR* d) const { ::closedir(d); }
};

// Numeric entries of a /proc directory.
std::vector<std::string> numeric_entries(const std::string& path) {
  std::vector<std::string> names;
  std::unique_ptr<DIR, DirCloser> dir(::opendir(path.c_str()));
  if (!dir) return names;
  while (const dirent* e = ::readdir(dir.get())) {
    const std::string_view name = e->d_name;
    if (!name.empty() && std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; }))
      names.emplace_back(name);
  }
  return names;
}

// Interface name → processes with a TUN/TAP descriptor attached to it, in our network namespace.
std::map<std::string, std::vector<AttachedProcess>> attached_processes() {
  std::map<std::string, std::vector<AttachedProcess>> by_name;
  const auto our_netns = read_link("/proc/self/ns/net");
  for (const std::string& pid : numeric_entries("/proc")) {
    const std::string base = "/proc/" + pid;
    if (!our_netns || read_link(base + "/ns/net") != our_netns) continue;
    std::vector<std::string> names;
    for (const std::string& fd : numeric_entries(base + "/fd")) {
      if (read_link(base + "/fd/" + fd) != "/dev/net/tun") continue;
      const auto info = read_small_file(base + "/fdinfo/" + fd);
      if (!info) continue;
      if (auto name = parse_tun_fdinfo(*info); name && std::find(names.begin(), names.end(), *name) == names.end())
        names.push_back(std::move(*name));
    }
    if (names.empty()) continue;
    std::string comm = read_small_file(base + "/comm").value_or("?");
    while (!comm.empty() && comm.back() == '\n') comm.pop_back();
    for (const auto& name : names) by_name[name].push_back(AttachedProcess{std::atoi(pid.c_str()), comm});
  }
  return by_name;
}

}  // namespace

std::optional<std::string> parse_tun_fdinfo(std::string_view text) {
  constexpr std::string_view kKey = "iff:";
  for (std::size_t start = 0; start < text.size();) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    if (!line.starts_with(kKey)) continue;
    line.remove_prefix(kKey.size());
    while (!line.empty() && (line.front() == '\t' || line.front() == ' ')) line.remove_prefix(1);
    while (!line.empty() && (line.back() == '\t' || line.back() == ' ' || line.back() == '\r')) line.remove_suffix(1);
    if (line.empty()) return std::nullopt;
    return std::string(line);
  }
  return std::nullopt;
}

std::string operstate_name(std::uint8_t operstate) {
  switch (operstate) {
    case IF_OPER_UNKNOWN: return "UNKNOWN";
    case IF_OPER_NOTPRESENT: return "NOTPRESENT";
    case IF_OPER_DOWN: return "DOWN";
    case IF_OPER_LOWERLAYERDOWN: return "LOWERLAYERDOWN";
    case IF_OPER_TESTING: return "TESTING";
    case IF_OPER_DORMANT: return "DORMANT";
    case IF_OPER_UP: return "UP";
    default: return std::to_string(operstate);
  }
}

std::vector<TunInterface> list_tun_interfaces() {
  Rtnetlink nl = Rtnetlink::open();
  auto processes = attached_processes();
  std::vector<TunInterface> list;
  for (TunLinkInfo& link : nl.tun_links()) {
    TunInterface tun{std::move(link), {}};
    if (auto it = processes.find(tun.link.name); it != processes.end()) tun.processes = std::move(it->second);
    list.push_back(std::move(tun));
  }
  std::sort(list.begin(), list.end(), [](const TunInterface& a, const TunInterface& b) { return a.link.name < b.link.name; });
  return list;
}

std::optional<TunLinkInfo> find_tun_interface(std::string_view name) {
  Rtnetlink nl = Rtnetlink::open();
  for (TunLinkInfo& link : nl.tun_links())
    if (link.name == name) return std::move(link);
  return std::nullopt;
}

}  // namespace tapstack
