#include "apps/commands.hpp"
namespace tapstack { void add_replay_command(CLI::App&) {} }
