#pragma once
// Usage errors in one style. Whatever CLI11 finds wrong with a command line becomes one line,
// "tapstack CMD: what is wrong", naming the option or argument at fault, and main exits 2 (as
// grep, diff and iproute2 do; run-time failures exit 1):
//
//   tapstack: 'bogus' is not a tapstack command; commands: run, dump, tap, replay, demo, help
//   tapstack run: --mtu: 'abc' is not a number
//   tapstack run: unknown option --mtuu (did you mean --mtu?)
#include <CLI/App.hpp>
#include <CLI/Error.hpp>

#include <string>

namespace tapstack {

// "tapstack", "tapstack run", "tapstack tap add": as far as the parse got.
std::string command_path(const CLI::App& root);

// The line for a CLI11 parse error, without a newline: "tapstack CMD: message".
std::string usage_error_line(const CLI::App& root, const CLI::ParseError& error);

// "run, dump, tap, replay, demo, help": the visible subcommands of app.
std::string subcommand_list(const CLI::App& app);

}  // namespace tapstack
