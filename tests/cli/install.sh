#!/usr/bin/env bash
# `cmake --install` of a build tree into a temporary prefix puts the program, its manual page
# (made from the help by help2man) and its bash completion where a distribution expects them.
#   install.sh BUILD_DIR
set -euo pipefail
build=${1:?usage: $0 BUILD_DIR}
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

cmake --install "$build" --prefix "$prefix" >/dev/null || fail "cmake --install failed"
prog=$prefix/bin/tapstack
man=$prefix/share/man/man1/tapstack.1
completion=$prefix/share/bash-completion/completions/tapstack
[[ -x $prog ]] || fail "no program at $prog"
[[ $("$prog" --version) == "tapstack "* ]] || fail "the installed program does not say its version"
[[ -s $man ]] || fail "no manual page at $man"
grep -q '^\.TH TAPSTACK "1"' "$man" || fail "$man has no .TH line for section 1"
for part in '\-\-mtu' 'tapstack run' 'tapstack tap list' 'SIGUSR1' 'EXIT STATUS'; do
  grep -q -- "$part" "$man" || fail "the manual page does not mention '$part'"
done
if command -v man >/dev/null; then
  rendered=$(MANWIDTH=80 man -l "$man" 2>&1) || fail "man cannot render $man: $rendered"
fi
[[ -s $completion ]] || fail "no bash completion at $completion"
(source "$completion" && complete -p tapstack >/dev/null) || fail "sourcing $completion registers no completion"
echo "installed: $prog, $man, $completion"
