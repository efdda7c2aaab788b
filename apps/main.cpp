// tapstack: one program, one subcommand per job.
#include "apps/command_error.hpp"
#include "apps/commands.hpp"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>

int main(int argc, char** argv) {
  CLI::App app{"tapstack: a userspace Ethernet/ARP/IPv4/ICMP stack behind a Linux TAP device"};
  app.require_subcommand(1, 1);
  app.set_version_flag("--version", "tapstack 0.1.0");
  app.footer(
      "Examples:\n"
      "  sudo tapstack demo                                         the whole show, nothing to set up\n"
      "  sudo tapstack run --ip 10.0.0.2/24 --host-ip 10.0.0.1/24   then: ping 10.0.0.2\n"
      "  tapstack replay --ip 10.0.0.2/24 in.pcap out.pcap           answers to a capture, as a pcap\n"
      "Run `tapstack COMMAND --help` for a command's options.");
  tapstack::add_run_command(app);
  tapstack::add_dump_command(app);
  tapstack::add_tap_command(app);
  tapstack::add_replay_command(app);
  tapstack::add_demo_command(app);
  tapstack::add_status_command(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const tapstack::CommandError& e) {
    const auto* sub = app.get_subcommands().empty() ? nullptr : app.get_subcommands().front();
    std::fprintf(stderr, "tapstack%s%s: %s\n", sub ? " " : "", sub ? sub->get_name().c_str() : "", e.what());
    return e.exit_code;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tapstack: %s\n", e.what());
    return 1;
  }
  return 0;
}
