// `tapstack tap add|del`: persistent interfaces with an owner, as tunctl and `ip tuntap` make
// them, so that the owner can then `tapstack run --tap NAME` without any privilege.
#include "apps/command_error.hpp"
#include "apps/commands.hpp"
#include "apps/stack_options.hpp"
#include "tap/accounts.hpp"
#include "tap/errors.hpp"
#include "tap/persistent.hpp"
#include "tap/tun_device.hpp"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>
#include <string>

namespace tapstack {
namespace {

struct TapOptions {
  std::string name;
  std::string mode = "tap";
  std::string user;
  std::string group;
};

void add(const TapOptions& opts) {
  const LinkMode mode = parse_link_mode(opts.mode);
  InterfaceOwner owner;
  if (!opts.user.empty()) owner.user = lookup_user(opts.user);
  if (!opts.group.empty()) owner.group = lookup_group(opts.group);
  const std::string name = create_persistent_interface(opts.name, mode, owner);
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
  CLI::App* tap = app.add_subcommand("tap", "Create or delete persistent TAP/TUN interfaces (like tunctl or `ip tuntap`)");
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
}

}  // namespace tapstack
