#pragma once
// A TUN/TAP interface from the user-space side (Linux Documentation/networking/tuntap.rst): each
// read(2) returns one frame the host sent, each write(2) hands one frame to the host. TAP carries
// Ethernet frames, TUN bare IP datagrams; IFF_NO_PI always, so no 4-byte packet-info prefix.
#include "stack/wire/bytes.hpp"
#include "stack/config.hpp"
#include "tap/errors.hpp"
#include "tap/unique_fd.hpp"

#include <sys/types.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace tapstack {

// Why the kernel would refuse name for a new interface (dev_valid_name() in net/core/dev.c, and
// the single "%d" that __dev_alloc_name() expands), or nullopt when it is fine.
std::optional<std::string> interface_name_problem(std::string_view name);

std::string_view link_mode_name(LinkMode mode);  // "tap" or "tun"

enum class IoStatus {
  ok,
  would_block,  // EAGAIN: nothing to read, or no room to write; never an error
  failed,       // error holds errno
};

struct IoResult {
  IoStatus status = IoStatus::ok;
  std::size_t size = 0;  // bytes read or written when ok
  int error = 0;
};

class TunDevice {
 public:
  // Creates a transient interface, or attaches to the persistent one already called name (when
  // its type matches mode and you own it or have CAP_NET_ADMIN). An empty name lets the kernel
  // pick tap0, tun0, ...; name() reports what it picked. The fd is non-blocking and close-on-exec.
  // A transient interface disappears when the TunDevice is destroyed. Throws SetupError.
  //
  // step names the purpose, which picks the advice on failure; create_interface also makes the
  // call fail (EBUSY) when the name is taken instead of attaching to it.
  static TunDevice open(std::string_view name, LinkMode mode, SetupStep step = SetupStep::attach_interface);

  const std::string& name() const { return name_; }
  LinkMode mode() const { return mode_; }
  int fd() const { return fd_.get(); }
  // True when open() made the interface rather than attaching to one that was there: only then
  // is its configuration (the queue length, say) ours to choose.
  bool created() const { return created_; }

  // One frame into buffer. A frame longer than the buffer is cut short by the kernel, so the
  // buffer should hold the interface's MTU plus the link header.
  IoResult read(MutableBytes buffer) noexcept;
  // One whole frame to the host.
  IoResult write(Bytes frame) noexcept;

  // TUNSETPERSIST: the interface outlives this process (false: it goes with the last fd).
  void set_persistent(bool persistent);
  // TUNSETOWNER / TUNSETGROUP: who may attach without CAP_NET_ADMIN.
  void set_owner(uid_t uid);
  void set_group(gid_t gid);

 private:
  TunDevice(UniqueFd fd, std::string name, LinkMode mode, bool created)
      : fd_(std::move(fd)), name_(std::move(name)), mode_(mode), created_(created) {}

  UniqueFd fd_;
  std::string name_;
  LinkMode mode_;
  bool created_;
};

}  // namespace tapstack
