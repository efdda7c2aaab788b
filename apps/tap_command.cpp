// `tapstack tap add|del|list`: persistent interfaces with an owner, as tunctl and `ip tuntap` make
// them, so that the owner can then `tapstack run --tap NAME` without any privilege; and a table
// of every TUN/TAP interface, like `ip -br link`.
#include "apps/command_error.hpp"
#include "apps/commands.hpp"
#include "apps/stack_options.hpp"
#include "tap/accounts.hpp"
#include "tap/errors.hpp"
#include "tap/netlink.hpp"
#include "tap/persistent.hpp"
#include "tap/tun_device.hpp"
#include "tap/tun_interfaces.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <array>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

namespace tapstack {
namespace {

struct TapOptions {
  std::string name;
  std::string mode = "tap";
  std::string user;
  std::string group;
  std::uint32_t txqueuelen = kFloodTxQueueLen;
};

void add(const TapOptions& opts) {
  const LinkMode mode = parse_link_mode(opts.mode);
  InterfaceOwner owner;
  if (!opts.user.empty()) owner.user = lookup_user(opts.user);
  if (!opts.group.empty()) owner.group = lookup_group(opts.group);
  const std::string name = create_persistent_interface(opts.name, mode, owner);
  LinkChange queue;
  queue.txqueuelen = opts.txqueuelen;
  Rtnetlink::open().change_link(name, queue);
  std::string who;
  if (owner.user && owner.group)
    who = "only user " + opts.user + ", as a member of group " + opts.group + ", may attach to it";
  else if (owner.user)
    who = "only user " + opts.user + " may attach to it";
  else if (owner.group)
    who = "only members of group " + opts.group + " may attach to it";
  else
    who = "no owner: anyone who can open /dev/net/tun may attach to it (--user or --group restrict that)";
  std::printf("created persistent %s interface %s; %s\n", std::string(link_mode_name(mode)).c_str(), name.c_str(),
              who.c_str());
  std::printf("use it with `tapstack run --tap %s%s --ip 10.0.0.2/24`, remove it with `tapstack tap del %s`\n",
              name.c_str(), mode == LinkMode::tun ? " --mode tun" : "", name.c_str());
}

void del(const TapOptions& opts) {
  const LinkMode mode = delete_persistent_interface(opts.name);
  std::printf("deleted %s interface %s\n", std::string(link_mode_name(mode)).c_str(), opts.name.c_str());
}

// "no"; "yes" when the carrier says so but /proc shows us no process; else "tapstack[1234],...".
std::string attached_column(const TunInterface& tun) {
  if (tun.processes.empty()) return tun.link.carrier ? "yes" : "no";
  std::string out;
  for (const AttachedProcess& p : tun.processes) out += (out.empty() ? "" : ",") + p.command + "[" + std::to_string(p.pid) + "]";
  return out;
}

std::string flags_column(const TunLinkInfo& link) {
  std::string out;
  auto add = [&](bool on, const char* word) {
    if (on) out += (out.empty() ? "" : ",") + std::string(word);
  };
  add(link.packet_info, "pi");
  add(link.vnet_hdr, "vnet_hdr");
  add(link.multi_queue, "multi_queue");
  return out.empty() ? "-" : out;
}

void list() {
  std::vector<std::array<std::string, 8>> rows;
  rows.push_back({"NAME", "MODE", "STATE", "ATTACHED", "OWNER", "GROUP", "PERSIST", "FLAGS"});
  for (const TunInterface& tun : list_tun_interfaces()) {
    const TunLinkInfo& l = tun.link;
    rows.push_back({l.name, std::string(link_mode_name(l.mode)), operstate_name(l.operstate), attached_column(tun),
                    l.owner ? user_name(*l.owner) : "-", l.group ? group_name(*l.group) : "-",
                    l.persistent ? "yes" : "no", flags_column(l)});
  }
  std::array<std::size_t, 8> width{};
  for (const auto& row : rows)
    for (std::size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(width[i] - row[i].size() + 2, ' ');
    }
    std::printf("%s\n", line.c_str());
  }
}

template <class F>
void reporting_setup_errors(F&& f) {
  try {
    f();
  } catch (const SetupError& e) {
    throw CommandError(e.what());
  }
}

}  // namespace

void add_tap_command(CLI::App& app) {
  auto opts = std::make_shared<TapOptions>();
  CLI::App* tap = app.add_subcommand("tap", "Create, delete or list TAP/TUN interfaces (like tunctl or `ip tuntap`)");
  tap->require_subcommand(1, 1);
  tap->footer(
      "Example:\n"
      "  sudo tapstack tap add tap0 --user $USER   then, without sudo: tapstack run --tap tap0 --ip 10.0.0.2/24");

  CLI::App* add_cmd = tap->add_subcommand("add", "Create a persistent interface that outlives tapstack");
  add_cmd->add_option("NAME", opts->name, "Interface name, e.g. tap0")
      ->type_name("")
      ->check(checks::interface_name())
      ->required();
  add_cmd->add_option("--mode", opts->mode, "tap (Ethernet) or tun (bare IP)")
      ->type_name("MODE")
      ->check(checks::one_of({"tap", "tun"}))
      ->capture_default_str();
  add_cmd->add_option("--user", opts->user, "Owner, a user name or uid: may attach without CAP_NET_ADMIN")
      ->type_name("USER")
      ->check(checks::not_empty("user"));
  // tun_not_capable() in drivers/net/tun.c: an owner and a group that are both set must both
  // match; either alone is enough.
  add_cmd->add_option("--group", opts->group,
                      "Group, a name or gid: its members may attach without CAP_NET_ADMIN; with --user too, only "
                      "that user and only while a member of the group")
      ->type_name("GROUP")
      ->check(checks::not_empty("group"));
  add_cmd->add_option("--txqueuelen", opts->txqueuelen, "Frames the host may queue for the reader before the kernel drops them")
      ->type_name("N")
      ->check(checks::number(1, 1'000'000))
      ->capture_default_str();
  add_cmd->footer(
      "Example:\n"
      "  sudo tapstack tap add tap0 --user $USER   then, without sudo: tapstack run --tap tap0 --ip 10.0.0.2/24");
  add_cmd->callback([opts] { reporting_setup_errors([&] { add(*opts); }); });

  CLI::App* del_cmd = tap->add_subcommand("del", "Delete a persistent interface");
  del_cmd->add_option("NAME", opts->name, "Interface name")
      ->type_name("")
      ->check(checks::interface_name())
      ->required();
  del_cmd->footer("Example:\n  sudo tapstack tap del tap0");
  del_cmd->callback([opts] { reporting_setup_errors([&] { del(*opts); }); });

  CLI::App* list_cmd = tap->add_subcommand("list", "List the TUN/TAP interfaces: mode, state, what is attached, owner, "
                                                    "group, persistence, flags");
  list_cmd->footer(
      "ATTACHED is yes while the carrier is on: the driver turns it on when a process attaches and off when the last\n"
      "one lets go. The processes named are those /proc shows you (yours; everyone's as root) in this network\n"
      "namespace. FLAGS: pi (a packet-information header per frame), vnet_hdr, multi_queue.\n"
      "\n"
      "Example:\n"
      "  tapstack tap list   then: tapstack run --tap NAME --ip 10.0.0.2/24 on one that is not attached");
  list_cmd->callback([] { reporting_setup_errors([] { list(); }); });
}

}  // namespace tapstack
