#pragma once
// --user, --group and --no-seccomp for the commands that read untrusted frames (run, dump). The
// work is tap/privileges.hpp's; this only declares the options and checks them as they are
// parsed, so that a mistake fails before anything is set up.
#include "tap/privileges.hpp"

#include <CLI/App.hpp>

namespace tapstack {

// An unknown user or group is a usage error (exit 2); --user without the right to switch fails
// with the reason and what to do (exit 1). Both are reported while parsing.
void add_privilege_options(CLI::App& cmd, PrivilegeOptions& opts);

}  // namespace tapstack
