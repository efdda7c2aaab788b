#!/usr/bin/env bash
# Writes the manual page tapstack.1 from the program's own help (help2man), with a COMMANDS
# section holding each command's help, so the page says what `--help` says and nothing else.
#   make-man.sh PATH_TO_TAPSTACK OUTPUT
# Run by the CMake target `man` (apps/CMakeLists.txt) after each build of the program.
set -euo pipefail
prog=${1:?usage: $0 PATH_TO_TAPSTACK OUTPUT}
out=${2:?usage: $0 PATH_TO_TAPSTACK OUTPUT}
include=$(mktemp)
trap 'rm -f "$include"' EXIT

# The entries of one section ("Subcommands:") of a help text on stdin.
section() { awk -v want="$1:" '/^[^ ].*:$/ {inside = ($0 == want); next} /^[^ ]/ {inside = 0} inside && /^  [^ ]/'; }

# roff-safe text: backslashes doubled, and a line starting with . or ' is not a request.
escape() { sed -e 's/\\/\\e/g' -e "s/^\\([.']\\)/\\\\\\&\\1/"; }

# command PATH...: a subsection with the help of the command at PATH, then its subcommands'.
command() {
  local help sub
  help=$("$prog" "$@" --help)
  printf '.SS "tapstack %s"\n.nf\n' "$*"
  escape <<<"$help"
  printf '.fi\n'
  for sub in $(section Subcommands <<<"$help" | awk '{print $1}'); do command "$@" "$sub"; done
}

{
  printf '[COMMANDS]\n'
  for sub in $("$prog" --help | section Subcommands | awk '{print $1}'); do command "$sub"; done
  printf '[EXIT STATUS]\n0 done; 1 a run-time failure (the kernel refused, a file could not be read); 2 a usage error, shown as one line "tapstack COMMAND: what is wrong".\n'
  printf '[SEE ALSO]\n.BR ip (8),\n.BR ip-tuntap (8),\n.BR tcpdump (8),\n.BR ping (8)\n'
} >"$include"

help2man --no-info --section 1 --version-string "$("$prog" --version)" \
  --name "a userspace Ethernet/ARP/IPv4/ICMP stack behind a Linux TAP device" \
  --include "$include" --output "$out" "$prog"
