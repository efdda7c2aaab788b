#include "tap/output_file.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>
#include <vector>

namespace tapstack {

std::expected<bool, std::string> same_file(const std::string& a, const std::string& b) {
  struct stat sa {}, sb {};
  if (::stat(a.c_str(), &sa) != 0) return std::unexpected(a + ": " + std::strerror(errno));
  if (::stat(b.c_str(), &sb) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return false;
    return std::unexpected(b + ": " + std::strerror(errno));
  }
  return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

std::expected<PendingOutput, std::string> PendingOutput::start(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return std::unexpected(path + ": is a directory");
  const auto slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "" : path.substr(0, slash + 1);
  const std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  if (name.empty()) return std::unexpected(path + ": not a file name");
  std::string pattern = dir + "." + name + ".XXXXXX";
  std::vector<char> buf(pattern.begin(), pattern.end());
  buf.push_back('\0');
  const int fd = ::mkstemp(buf.data());
  if (fd < 0) return std::unexpected(path + ": " + std::strerror(errno));
  // mkstemp makes it 0600; give it what creating `path` would have.
  const mode_t mask = ::umask(0);
  ::umask(mask);
  ::fchmod(fd, 0666 & ~mask);
  ::close(fd);
  return PendingOutput(path, std::string(buf.data()));
}

PendingOutput::PendingOutput(PendingOutput&& other) noexcept
    : path_(std::move(other.path_)), temp_(std::exchange(other.temp_, {})) {}

PendingOutput::~PendingOutput() {
  if (!temp_.empty()) ::unlink(temp_.c_str());
}

std::expected<void, std::string> PendingOutput::commit() {
  if (::rename(temp_.c_str(), path_.c_str()) != 0) return std::unexpected(path_ + ": " + std::strerror(errno));
  temp_.clear();
  return {};
}

}  // namespace tapstack
