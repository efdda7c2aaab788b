#include "tap/accounts.hpp"

#include "tap/errors.hpp"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <optional>
#include <string>
#include <vector>

namespace tapstack {
namespace {

std::optional<unsigned> as_number(std::string_view text) {
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

std::size_t lookup_buffer_len(int which) {
  const long n = ::sysconf(which);
  return n > 0 ? static_cast<std::size_t>(n) : 16384;
}

[[noreturn]] void not_found(std::string_view kind, std::string_view name, int err) {
  throw SetupError(SetupFailure{SetupStep::find_account, err == 0 ? ENOENT : err,
                                "cannot find " + std::string(kind) + " '" + std::string(name) + "'", {}, {}});
}

}  // namespace

uid_t lookup_user(std::string_view name_or_id) {
  if (const auto id = as_number(name_or_id)) return static_cast<uid_t>(*id);
  const std::string name(name_or_id);
  std::vector<char> buffer(lookup_buffer_len(_SC_GETPW_R_SIZE_MAX));
  passwd pw{};
  passwd* found = nullptr;
  const int err = ::getpwnam_r(name.c_str(), &pw, buffer.data(), buffer.size(), &found);
  if (found == nullptr) not_found("user", name_or_id, err);
  return pw.pw_uid;
}

gid_t lookup_group(std::string_view name_or_id) {
  if (const auto id = as_number(name_or_id)) return static_cast<gid_t>(*id);
  const std::string name(name_or_id);
  std::vector<char> buffer(lookup_buffer_len(_SC_GETGR_R_SIZE_MAX));
  group gr{};
  group* found = nullptr;
  const int err = ::getgrnam_r(name.c_str(), &gr, buffer.data(), buffer.size(), &found);
  if (found == nullptr) not_found("group", name_or_id, err);
  return gr.gr_gid;
}

UserAccount lookup_user_account(std::string_view name_or_id) {
  const std::string name(name_or_id);
  std::vector<char> buffer(lookup_buffer_len(_SC_GETPW_R_SIZE_MAX));
  passwd pw{};
  passwd* found = nullptr;
  int err = 0;
  if (const auto id = as_number(name_or_id))
    err = ::getpwuid_r(static_cast<uid_t>(*id), &pw, buffer.data(), buffer.size(), &found);
  else
    err = ::getpwnam_r(name.c_str(), &pw, buffer.data(), buffer.size(), &found);
  if (found == nullptr) not_found("user", name_or_id, err);
  return UserAccount{pw.pw_uid, pw.pw_gid, pw.pw_name};
}

std::string user_name(uid_t uid) {
  std::vector<char> buffer(lookup_buffer_len(_SC_GETPW_R_SIZE_MAX));
  passwd pw{};
  passwd* found = nullptr;
  if (::getpwuid_r(uid, &pw, buffer.data(), buffer.size(), &found) != 0 || found == nullptr) return std::to_string(uid);
  return pw.pw_name;
}

std::string group_name(gid_t gid) {
  std::vector<char> buffer(lookup_buffer_len(_SC_GETGR_R_SIZE_MAX));
  group gr{};
  group* found = nullptr;
  if (::getgrgid_r(gid, &gr, buffer.data(), buffer.size(), &found) != 0 || found == nullptr) return std::to_string(gid);
  return gr.gr_name;
}

}  // namespace tapstack
