#pragma once
// User and group names to ids, for giving a persistent interface an owner (TUNSETOWNER/GROUP).
#include <sys/types.h>

#include <string>
#include <string_view>

namespace tapstack {

// A name from the user database (NSS: /etc/passwd, LDAP, ...) or a plain number. Throws
// SetupError (find_account) when there is no such user or group.
uid_t lookup_user(std::string_view name_or_id);
gid_t lookup_group(std::string_view name_or_id);

// A user's entry, for becoming that user (`run --user`): its primary group is the default group.
// A number must name an existing user too. Throws SetupError (find_account) when there is none.
struct UserAccount {
  uid_t uid = 0;
  gid_t primary_group = 0;
  std::string name;
};
UserAccount lookup_user_account(std::string_view name_or_id);

// The other way: the name of an id, or the number itself when the database has no name for it.
std::string user_name(uid_t uid);
std::string group_name(gid_t gid);

}  // namespace tapstack
