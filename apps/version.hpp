#pragma once
#include <string_view>

namespace tapstack {

// "tapstack 0.1.0 (git 1a2b3c4)": the project version and the commit it was built from
// ("unknown" outside a git checkout), captured at build time (apps/version.cpp.in).
std::string_view version_line();

}  // namespace tapstack
