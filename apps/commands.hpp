#pragma once
// Each subcommand lives in its own file and registers itself on the top-level app.
#include <CLI/App.hpp>

namespace tapstack {

void add_run_command(CLI::App& app);
void add_dump_command(CLI::App& app);
void add_tap_command(CLI::App& app);
void add_replay_command(CLI::App& app);
void add_demo_command(CLI::App& app);
void add_status_command(CLI::App& app);
void add_tunnel_command(CLI::App& app);

}  // namespace tapstack
