#pragma once
// Writing an output file safely, for `tapstack replay`: never onto its own input, and never
// half-written. The output is built in a temporary file beside it (same directory, so the same
// file system) and renamed over it only once complete, so a failure leaves whatever was there.
#include <expected>
#include <string>

namespace tapstack {

// True when a and b name the same file (same device and inode, after following symlinks; hard
// links included). A path that does not exist is the same as nothing.
std::expected<bool, std::string> same_file(const std::string& a, const std::string& b);

// A file being written in place of `path`. start() creates an empty temporary file
// "<dir>/.<name>.XXXXXX" (mode 0666 less the umask, as a fresh file would have); commit() renames
// it onto path; if commit() was not reached, the destructor removes it.
class PendingOutput {
 public:
  static std::expected<PendingOutput, std::string> start(const std::string& path);
  PendingOutput(PendingOutput&& other) noexcept;
  PendingOutput& operator=(PendingOutput&&) = delete;
  PendingOutput(const PendingOutput&) = delete;
  ~PendingOutput();

  const std::string& temp_path() const { return temp_; }
  std::expected<void, std::string> commit();

 private:
  PendingOutput(std::string path, std::string temp) : path_(std::move(path)), temp_(std::move(temp)) {}
  std::string path_;
  std::string temp_;  // empty once committed or moved from
};

}  // namespace tapstack
