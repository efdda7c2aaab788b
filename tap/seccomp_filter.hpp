#pragma once
// The seccomp allow-list of the frame loop (seccomp(2) through libseccomp): once set-up is over,
// `run` and `dump` only read and write descriptors they already hold, wait on epoll, re-arm a
// timerfd, read clocks, manage memory, and exit. Any other system call kills the whole process
// with SIGSYS (SCMP_ACT_KILL_PROCESS), so a violation is loud, never an error code the loop could
// mistake for a network failure. docs/security.md explains every entry.
#include <span>
#include <string_view>

namespace tapstack {

struct AllowedSyscall {
  std::string_view name;  // as libseccomp and syscalls(2) spell it
  std::string_view why;   // what in the loop or at exit makes it
};

// Which loop the filter is for. `tunnel --transport tcp` (re)connects and accepts in its loop, so
// its list adds what that takes (seccomp_tcp_tunnel_additions); every other loop, the UDP
// tunnel's included, gets the frame loop's list alone.
enum class SeccompProfile { frame_loop, tcp_tunnel };

// The unconditional entries plus, in a build with sanitizers, what their runtime needs (see
// seccomp_filter.cpp). Restricted entries (mmap, tgkill) are listed with their restriction.
std::span<const AllowedSyscall> seccomp_allow_list();

// What the TCP tunnel's loop needs beyond seccomp_allow_list(), each restricted as far as its
// arguments allow (socket: AF_INET stream sockets only; setsockopt: the three options it sets).
std::span<const AllowedSyscall> seccomp_tcp_tunnel_additions();

// True in a build with AddressSanitizer: the list then includes the runtime's extra calls.
bool seccomp_sanitizer_build() noexcept;

// Loads the filter into this process (and all its threads). Needs no_new_privs set first, or
// CAP_SYS_ADMIN. Throws SetupError (install_seccomp) when the kernel refuses it.
void install_seccomp_filter(SeccompProfile profile = SeccompProfile::frame_loop);

}  // namespace tapstack
