// tapstack: one program, one subcommand per job.
//
// Exit status: 0 done; 1 a run-time failure (the kernel refused, a file is unreadable); 2 a
// usage error, printed as one line "tapstack CMD: what is wrong" (apps/usage.hpp). `tapstack`
// alone is a usage error that lists the commands (git and ip also fail without a command);
// `tapstack help [COMMAND]` prints help on stdout and exits 0, as `git help` does.
#include "apps/command_error.hpp"
#include "apps/commands.hpp"
#include "apps/usage.hpp"
#include "apps/version.hpp"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>
#include <memory>
#include <string>
#include <vector>

namespace tapstack {
namespace {

// `tapstack help [COMMAND [SUBCOMMAND]]`: the help of the program or of one command, on stdout.
void add_help_command(CLI::App& app) {
  auto topic = std::make_shared<std::vector<std::string>>();
  CLI::App* help = app.add_subcommand("help", "Show the help of tapstack or of one command, like COMMAND --help");
  // Each word must name some command, so that a typo is a usage error found while parsing.
  const CLI::Validator command_word(
      [&app](std::string& word) -> std::string {
        std::vector<const CLI::App*> todo{&app};
        while (!todo.empty()) {
          const CLI::App* a = todo.back();
          todo.pop_back();
          for (const CLI::App* s : a->get_subcommands([](const CLI::App*) { return true; })) {
            if (s->get_name() == word) return {};
            todo.push_back(s);
          }
        }
        return "'" + word + "' is not a tapstack command; commands: " + subcommand_list(app);
      },
      "", "command");
  help->add_option("COMMAND", *topic, "A command, e.g. run, or tap add")->type_name("")->check(command_word)->expected(0, 2);
  help->footer("Example:\n  tapstack help tap add");
  help->callback([&app, topic] {
    const CLI::App* target = &app;
    std::string path = app.get_name();
    for (const std::string& word : *topic) {
      const CLI::App* next = nullptr;
      for (const CLI::App* s : target->get_subcommands([](const CLI::App*) { return true; }))
        if (s->get_name() == word) next = s;
      if (next == nullptr)
        throw UsageError("'" + word + "' is not a " + path + " command; commands: " + subcommand_list(*target));
      target = next;
      path += " " + word;
    }
    // App::help() would describe the parsed `help` command itself: format the target directly.
    std::fputs(target->get_formatter()->make_help(target, path, CLI::AppFormatMode::Normal).c_str(), stdout);
  });
}

}  // namespace
}  // namespace tapstack

int main(int argc, char** argv) {
  using namespace tapstack;
  CLI::App app{"tapstack: a userspace Ethernet/ARP/IPv4/ICMP stack behind a Linux TAP device", "tapstack"};
  app.require_subcommand(1, 1);
  app.set_version_flag("-V,--version", std::string(version_line()));
  // Reads and checks the whole command line, then stops before the command does anything (exit
  // 0). Hidden: it exists for the tests, which check every documented command line this way.
  bool parse_only = false;
  app.add_flag("--parse-only", parse_only, "Check the command line and stop")->group("");
  app.parse_complete_callback([&parse_only] {
    if (parse_only) throw CLI::Success();
  });
  add_run_command(app);
  add_dump_command(app);
  add_tap_command(app);
  add_replay_command(app);
  add_demo_command(app);
  add_status_command(app);
  add_tunnel_command(app);
  add_help_command(app);
  // After the commands: CLI11 copies a footer into the subcommands added after it.
  app.footer(
      "Examples:\n"
      "  sudo tapstack demo                                         the whole show, nothing to set up\n"
      "  sudo tapstack run --ip 10.0.0.2/24 --host-ip 10.0.0.1/24   then: ping 10.0.0.2\n"
      "  tapstack replay --ip 10.0.0.2/24 in.pcap out.pcap          answers to a capture, as a pcap\n"
      "Run `tapstack help COMMAND` (or `tapstack COMMAND --help`) for a command's options.");

  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);  // --help, --version, --parse-only: stdout, exit 0
  } catch (const CLI::RuntimeError& e) {
    return e.get_exit_code();  // a command that has already said why
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "%s\n", usage_error_line(app, e).c_str());
    return kExitUsage;
  } catch (const CommandError& e) {
    std::fprintf(stderr, "%s: %s\n", command_path(app).c_str(), e.what());
    return e.exit_code;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tapstack: %s\n", e.what());
    return kExitFailure;
  }
  return 0;
}
