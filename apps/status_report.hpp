#pragma once
// The state of a running instance as JSON (nlohmann::json): what `run` answers on its control
// socket for `tapstack status`, and prints with --json on exit and on SIGUSR1.
#include "stack/stack.hpp"
#include "tap/tun_link.hpp"

#include <nlohmann/json.hpp>

#include <string>

namespace tapstack {

nlohmann::json status_json(const Stack& stack, const std::string& ifname, const TunLinkStats& link, Instant now);

// "tap0: frames in 12, out 11, dropped 1, 2 neighbours, 0 held": --stats-interval's line.
std::string status_line(const Stack& stack, const std::string& ifname);

}  // namespace tapstack
