#include "apps/privilege_options.hpp"

#include "apps/command_error.hpp"
#include "apps/stack_options.hpp"
#include "tap/errors.hpp"

#include <CLI/CLI.hpp>

namespace tapstack {
namespace {

// Runs while CLI11 parses; CLI11 lets any exception but its own ValidationError through, so a
// CommandError here reaches main with its own exit code and one line.
void check_now(const PrivilegeOptions& opts) {
  try {
    if (const auto target = resolve_target_account(opts)) check_may_become(*target);
  } catch (const SetupError& e) {
    throw CommandError(e.what(), e.step() == SetupStep::find_account ? 2 : 1);
  }
}

}  // namespace

void add_privilege_options(CLI::App& cmd, PrivilegeOptions& opts) {
  CLI::Option* user =
      cmd.add_option("--user", opts.user,
                     "Once set up, run as this user (name or uid), e.g. nobody; what set-up opened stays open. "
                     "Needs root or CAP_SETUID+CAP_SETGID. With or without it, every capability is dropped and "
                     "no_new_privs set after set-up")
          ->type_name("USER")
          ->check(checks::not_empty("user name"));
  CLI::Option* group = cmd.add_option("--group", opts.group, "With --user: run as this group (default: the user's primary group)")
                           ->type_name("GROUP")
                           ->check(checks::not_empty("group name"))
                           ->needs(user);
  // Checked as --user is processed, with --group's value if there is one (CLI11 has read every
  // word by then; the variables themselves are filled in one by one).
  user->each([group](const std::string& name) {
    PrivilegeOptions o;
    o.user = name;
    if (group->count() > 0) o.group = group->as<std::string>();
    check_now(o);
  });
  cmd.add_flag_callback("--no-seccomp", [&opts] { opts.seccomp = false; },
               "Skip the seccomp filter that, after set-up, kills the process on any system call the loop does not "
               "need (docs/security.md); for debugging with strace or gdb");
}

}  // namespace tapstack
