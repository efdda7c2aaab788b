#include "tap/tun_node.hpp"

#include <sys/stat.h>
#include <unistd.h>

namespace tapstack {

TunNodeStatus tun_node_status() {
  constexpr const char* kPath = "/dev/net/tun";
  TunNodeStatus status;
  struct stat st {};
  if (::stat(kPath, &st) != 0) return status;
  status.exists = true;
  status.mode = st.st_mode & 07777u;
  status.read_write = ::access(kPath, R_OK | W_OK) == 0;
  return status;
}

}  // namespace tapstack
