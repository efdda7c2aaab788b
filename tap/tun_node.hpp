#pragma once
// The /dev/net/tun device node, looked at before opening it, so that a program can refuse early
// and say which of two different problems it is: the driver is missing (no node), or the node
// is there but not open to this user (its mode), which only matters without CAP_NET_ADMIN.
namespace tapstack {

struct TunNodeStatus {
  bool exists = false;      // the node is there (else: `modprobe tun`)
  bool read_write = false;  // we may open it read-write (access(2) with our real ids)
  unsigned mode = 0;        // its permission bits, e.g. 0666 (Debian's default)
};

TunNodeStatus tun_node_status();

}  // namespace tapstack
