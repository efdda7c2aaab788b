#pragma once
// What the stack counted and which neighbours it knows, for a person: printed by `run` on exit
// and on SIGUSR1, by `replay` and by `demo`.
#include "stack/counters.hpp"
#include "stack/neighbour_cache.hpp"
#include "stack/owned_ipv6_address.hpp"
#include "stack/path_mtu_table.hpp"
#include "stack/time.hpp"
#include "tap/link_stats.hpp"

#include <cstdio>
#include <expected>
#include <span>
#include <string>

namespace tapstack {

// Every non-zero counter with its name and description, then the total of drops.
void print_counters(std::FILE* out, const Counters& counters);

// The kernel's drops on the interface, beside ours: frames the host sent that found the queue
// full (tx_dropped) and frames we wrote that the kernel dropped (rx_dropped), or why they are
// unknown.
void print_kernel_link(std::FILE* out, const std::string& ifname, const std::expected<KernelLinkStats, std::string>& stats);

// The ARP cache as a table: address, MAC, state, and how long ago each entry was confirmed
// (now is on the same clock the stack was given).
void print_neighbours(std::FILE* out, std::span<const Neighbour> entries, Instant now);
// The NDP cache, the same table for IPv6 neighbours.
void print_neighbours(std::FILE* out, std::span<const Neighbour6> entries, Instant now);

// Our IPv6 addresses with where DAD has each (tentative, preferred, duplicate); nothing when
// the stack has none (TUN mode without an IPv6 --ip).
void print_ipv6_addresses(std::FILE* out, std::span<const OwnedIpv6Address> addresses);

// The path MTUs learned from "fragmentation needed", with the time each has left; nothing when
// none was learned (most runs), so the report stays as short as it was.
void print_path_mtus(std::FILE* out, std::span<const PathMtu> entries, Instant now);

}  // namespace tapstack
