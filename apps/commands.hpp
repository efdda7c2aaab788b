#pragma once
// Each subcommand lives in its own file and registers itself on the top-level app.
#include <CLI/App.hpp>

namespace tapstack {

void add_replay_command(CLI::App& app);

}  // namespace tapstack
