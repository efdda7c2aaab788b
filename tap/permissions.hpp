#pragma once
// The facts a permission failure is judged by (PermissionFacts in tap/errors.hpp), gathered after
// the kernel has said no: our capabilities, /dev/net/tun's mode, and the owner and group of the
// interface we tried to attach to.
#include "tap/errors.hpp"

#include <string_view>

namespace tapstack {

// Best effort and never throws: what cannot be read keeps its default (capability absent,
// device open to us, no such interface), which leads to the general advice.
PermissionFacts gather_permission_facts(std::string_view ifname) noexcept;

// permission_advice(step, err, gather_permission_facts(ifname), ifname) for EPERM and EACCES,
// with facts.purpose set; empty for any other errno, without looking at anything.
std::string advice_for_refusal(SetupStep step, int err, std::string_view ifname, SetupStep purpose);

}  // namespace tapstack
