#include "tap/program_path.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

namespace tapstack {
namespace {

bool executable_file(const std::string& path) {
  struct stat st {};
  // access(2) as well as the mode bits: it also knows about ACLs and noexec mounts.
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

}  // namespace

std::optional<std::string> find_program(std::string_view program, std::string_view path_list) {
  if (program.empty()) return std::nullopt;
  if (program.find('/') != std::string_view::npos) return std::string(program);  // no search, as execvp
  for (std::size_t start = 0; start <= path_list.size();) {
    const std::size_t end = std::min(path_list.find(':', start), path_list.size());
    const std::string dir = end > start ? std::string(path_list.substr(start, end - start)) : ".";
    std::string candidate = dir + "/" + std::string(program);
    if (executable_file(candidate)) return candidate;
    start = end + 1;
  }
  return std::nullopt;
}

std::optional<std::string> find_program_on_path(std::string_view program) {
  const char* path = std::getenv("PATH");
  return find_program(program, path != nullptr ? path : "/usr/bin:/bin");
}

}  // namespace tapstack
