#pragma once
// Finding a program the way execvp(3) and a shell do, before starting it: the caller can then
// refuse in words ("ping is not installed") instead of learning it from a child's exit code.
#include <optional>
#include <string>
#include <string_view>

namespace tapstack {

// Where program would be run from: program itself when it names a path (contains '/'), else the
// first directory of path_list (':'-separated; an empty entry is the current directory) holding
// an executable regular file of that name. nullopt when there is none.
std::optional<std::string> find_program(std::string_view program, std::string_view path_list);

// find_program() through $PATH ("/usr/bin:/bin" when it is unset).
std::optional<std::string> find_program_on_path(std::string_view program);

}  // namespace tapstack
