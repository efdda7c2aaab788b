#include "apps/privilege_options.hpp"

#include "apps/command_error.hpp"
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
  CLI::Option* user = cmd.add_option(
      "--user", opts.user,
      "After set-up, switch to this user (name or uid), drop every capability and set no_new_privs: the loop "
      "that reads frames runs unprivileged (needs root or CAP_SETUID+CAP_SETGID)");
  CLI::Option* group =
      cmd.add_option("--group", opts.group, "The group to switch to with --user (default: the user's primary group)")
          ->needs(user);
  // Checked as --user is processed, with --group's value if there is one (CLI11 has read every
  // word by then; the variables themselves are filled in one by one).
  user->each([group](const std::string& name) {
    PrivilegeOptions o;
    o.user = name;
    if (group->count() > 0) o.group = group->as<std::string>();
    check_now(o);
  });
  cmd.add_flag("--no-seccomp", [&opts](std::int64_t) { opts.seccomp = false; },
               "Do not install the seccomp filter that, after set-up, allows the loop only the system calls it "
               "needs and kills the process on any other (for debugging with strace or gdb)");
}

}  // namespace tapstack
