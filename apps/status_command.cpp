// `tapstack status`: asks a running `tapstack run` on its control socket (tap/control_socket.hpp)
// for its state, adds the kernel's statistics of the interface (rtnetlink, asked here so the
// instance under its seccomp filter need not), and prints it for a person or, with --json, as
// JSON.
#include "apps/command_error.hpp"
#include "apps/commands.hpp"
#include "apps/stack_options.hpp"
#include "tap/control_socket.hpp"
#include "tap/link_stats.hpp"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <memory>
#include <string>

namespace tapstack {
namespace {

struct StatusOptions {
  std::string tap = "tap0";
  bool json = false;
};

std::string text(const nlohmann::json& s) {
  std::string out;
  const auto& i = s.at("interface");
  out += "interface " + i.at("name").get<std::string>() + " (" + i.at("mode").get<std::string>() + "): IP " +
         i.at("ip").get<std::string>() + (i.contains("mac") ? ", MAC " + i.at("mac").get<std::string>() : "") +
         ", MTU " + std::to_string(i.at("mtu").get<int>()) + "\n";
  // An instance older than IPv6 sends neither list.
  if (i.contains("ipv6") && !i.at("ipv6").empty()) {
    out += "IPv6 addresses:\n";
    for (const auto& a : i.at("ipv6"))
      out += "  " + a.at("address").get<std::string>() + "  " + a.at("state").get<std::string>() + "\n";
  }
  out += "counters:\n";
  for (const auto& [name, value] : s.at("counters").items())
    if (value.get<std::uint64_t>() != 0) out += "  " + name + " " + std::to_string(value.get<std::uint64_t>()) + "\n";
  out += "  (drops in total) " + std::to_string(s.at("drops_total").get<std::uint64_t>()) + "\n";
  const auto& p = s.at("pending");
  out += "pending: " + std::to_string(p.at("held_frames").get<std::uint64_t>()) + " frames held for ARP, " +
         std::to_string(p.at("incomplete_datagrams").get<std::uint64_t>()) + " datagrams in reassembly\n";
  out += "ARP cache: " + std::to_string(s.at("neighbours").size()) + " entries\n";
  for (const auto& n : s.at("neighbours"))
    out += "  " + n.at("ip").get<std::string>() + "  " + (n.at("mac").is_null() ? "(incomplete)" : n.at("mac").get<std::string>()) +
           "  " + n.at("state").get<std::string>() + "\n";
  if (s.contains("neighbours6")) {
    out += "NDP cache: " + std::to_string(s.at("neighbours6").size()) + " entries\n";
    for (const auto& n : s.at("neighbours6"))
      out += "  " + n.at("ip").get<std::string>() + "  " +
             (n.at("mac").is_null() ? "(incomplete)" : n.at("mac").get<std::string>()) + "  " +
             n.at("state").get<std::string>() + "\n";
  }
  // An instance older than the path MTU table sends none.
  if (s.contains("path_mtus") && !s.at("path_mtus").empty()) {
    const std::size_t n = s.at("path_mtus").size();
    out += "path MTU: " + std::to_string(n) + (n == 1 ? " destination\n" : " destinations\n");
    for (const auto& path : s.at("path_mtus"))
      out += "  " + path.at("ip").get<std::string>() + "  MTU " + std::to_string(path.at("mtu").get<int>()) +
             (path.at("locked").get<bool>() ? " (locked at min_pmtu)" : "") + "  expires in " +
             std::to_string(path.at("expires_in_ms").get<std::int64_t>() / 1000) + " s\n";
  }
  const auto& l = s.at("link");
  out += "link (the stack's side): " + std::to_string(l.at("frames_read").get<std::uint64_t>()) + " frames read, " +
         std::to_string(l.at("written").get<std::uint64_t>()) + " written, " +
         std::to_string(l.at("dropped_would_block").get<std::uint64_t>()) + " dropped (would block), " +
         std::to_string(l.at("write_errors").get<std::uint64_t>()) + " write errors\n";
  if (s.contains("kernel_link")) {
    const auto& k = s.at("kernel_link");
    out += "link (the kernel's side): rx " + std::to_string(k.at("rx_packets").get<std::uint64_t>()) + " packets, tx " +
           std::to_string(k.at("tx_packets").get<std::uint64_t>()) + " packets, rx dropped " +
           std::to_string(k.at("rx_dropped").get<std::uint64_t>()) + ", tx dropped " +
           std::to_string(k.at("tx_dropped").get<std::uint64_t>()) + "\n";
  }
  return out;
}

void status(const StatusOptions& opts) {
  const auto reply = ask_control_socket(opts.tap);
  if (!reply) throw CommandError(reply.error());
  nlohmann::json s = nlohmann::json::parse(*reply, nullptr, false);
  if (s.is_discarded() || !s.is_object()) throw CommandError("the instance on " + opts.tap + " sent no status");
  if (s.contains("error")) throw CommandError(s.at("error").get<std::string>());
  if (const auto k = kernel_link_stats(opts.tap)) {
    s["kernel_link"] = {{"rx_packets", k->rx_packets}, {"tx_packets", k->tx_packets}, {"rx_bytes", k->rx_bytes},
                        {"tx_bytes", k->tx_bytes},     {"rx_errors", k->rx_errors},   {"tx_errors", k->tx_errors},
                        {"rx_dropped", k->rx_dropped}, {"tx_dropped", k->tx_dropped}};
  }
  try {
    const std::string out = opts.json ? s.dump(2) + "\n" : text(s);
    std::fputs(out.c_str(), stdout);
  } catch (const nlohmann::json::exception& e) {
    throw CommandError("the instance on " + opts.tap + " sent a status this version cannot read: " + e.what());
  }
}

}  // namespace

void add_status_command(CLI::App& app) {
  auto opts = std::make_shared<StatusOptions>();
  CLI::App* cmd = app.add_subcommand("status", "Show the counters, addresses, ARP and NDP caches and link statistics of a running `tapstack run`");
  cmd->add_option("--tap", opts->tap, "Interface the instance runs on")
      ->type_name("NAME")
      ->check(checks::interface_name())
      ->capture_default_str();
  cmd->add_flag("--json", opts->json, "Print the status as JSON");
  cmd->footer("Asks the instance on its control socket @tapstack/<interface>; only root or the user that started it may.");
  cmd->callback([opts] { status(*opts); });
}

}  // namespace tapstack
