#!/usr/bin/env bash
# The layering that the CMake targets imply, checked on the sources themselves: a target's link
# line cannot stop a file from including a header of a layer above it, nor from calling the OS.
#
#   stack/wire/  wire codecs: include only stack/wire/, the standard library and Boost
#   stack/       protocol policy: no OS header, no logging, no printer
#   apps/        the command line: no OS header and no raw syscall (tap/ owns them)
#   everywhere   exactly one file writes pcap records (pcap_dump, or the dumper's FILE); the
#                benchmarks' floor (tests/bench/pcap_copy.cpp) copies through libpcap on purpose
#
# Prints every violation as file:line and exits 1 if there is one.
set -uo pipefail
root=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$root" || exit 2
failed=0
violation() { echo "layering: $*"; failed=1; }

sources() { find "$@" -type f \( -name '*.cpp' -o -name '*.hpp' -o -name '*.h' \) 2>/dev/null | sort; }

# Headers that mean "this file talks to the operating system or a library outside the layer".
os_headers='^[[:space:]]*#[[:space:]]*include[[:space:]]*<(unistd\.h|fcntl\.h|sched\.h|signal\.h|csignal|poll\.h|pwd\.h|grp\.h|dirent\.h|sys/[^>]*|linux/[^>]*|net/[^>]*|netinet/[^>]*|arpa/[^>]*|pcap[^>]*|libmnl/[^>]*|spdlog/[^>]*|fmt/[^>]*|CLI/[^>]*)>'

while IFS= read -r f; do
  while IFS=: read -r line text; do
    [[ $text =~ \"(stack/wire/[^\"]*)\" ]] && continue
    violation "$f:$line: wire includes outside stack/wire/: $text"
  done < <(grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f")
done < <(sources stack/wire)

while IFS= read -r f; do
  grep -nE "$os_headers" "$f" | sed "s#^#$f:#" | while IFS= read -r hit; do echo "layering: OS or I/O header in the core: $hit"; done
  grep -qE "$os_headers" "$f" && failed=1
  case $(basename "$f") in describe*|print*|format*) violation "$f: a printer inside the core" ;; esac
done < <(sources stack)

# Raw syscalls and libc wrappers that belong behind tap/ types. A call is the name followed by
# '(' where an expression can start (line start, after = ( ! , ; { } ? & | ) or return), so
# methods, declarations and longer names do not count; comments and string literals are cut first.
syscalls='fork|vfork|clone|unshare|setns|ioctl|sigtimedwait|sigwaitinfo|sigprocmask|pthread_sigmask|sigaction|signal|prctl|waitpid|wait|execv|execvp|execve|kill|open|openat|close|read|write|socket|bind|connect|setuid|setgid|setgroups|setresuid|setresgid|capset|chown|mount|epoll_create1|epoll_ctl|epoll_wait|timerfd_create|signalfd|access|stat|lstat|fstat|geteuid|getuid|getppid|getpid|pipe|pipe2|dup|dup2|_exit'
while IFS= read -r f; do
  while IFS= read -r hit; do violation "OS header in apps/: $f:$hit"; done < <(grep -nE "$os_headers" "$f" | grep -vE 'spdlog/|fmt/|CLI/')
  while IFS= read -r hit; do violation "raw syscall in apps/: $f:$hit"; done < <(
    sed -E -e 's#"([^"\\]|\\.)*"#""#g' -e 's#//.*$##' "$f" |
      grep -nE "(^|[=(!,;{}?&|)]|return)[[:space:]]*(::)?($syscalls)[[:space:]]*\(" | grep -vE '^[0-9]+:[[:space:]]*(#|\*)')
done < <(sources apps)

mapfile -t dumpers < <(grep -rlE '\bpcap_dump(_file)?[[:space:]]*\(' --include='*.cpp' --include='*.hpp' . |
  grep -vE '^./(build|tests/bench)/' | sort)
if ((${#dumpers[@]} != 1)); then
  violation "pcap_dump is called from ${#dumpers[@]} files (want exactly one): ${dumpers[*]:-none}"
fi

((failed == 0)) && echo "layering: wire, stack and apps keep to their layers; one pcap writer"
exit $failed
