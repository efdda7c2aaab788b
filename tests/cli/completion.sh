#!/usr/bin/env bash
# The bash completion (apps/completion/tapstack.bash), sourced into this shell and asked what
# bash would ask on TAB: commands, subcommands, every option of every command (as its --help
# lists them), and the values it knows (modes, files, users, commands for help).
#   completion.sh PATH_TO_TAPSTACK PATH_TO_COMPLETION_SCRIPT
set -euo pipefail
T=${1:?usage: $0 PATH_TO_TAPSTACK COMPLETION_SCRIPT}
# shellcheck source=/dev/null
source "${2:?usage: $0 PATH_TO_TAPSTACK COMPLETION_SCRIPT}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0

[[ $(complete -p tapstack) == *"-F _tapstack tapstack"* ]] || { echo "FAIL: no completion registered for tapstack" >&2; exit 1; }

# completes WANT WORDS...: the completion of the last of WORDS (as typed so far) is exactly the
# words of WANT, in any order.
completes() {
  local want=$1
  shift
  COMP_WORDS=("$T" "$@")
  COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
  COMPREPLY=()
  _tapstack
  local got
  got=$(printf '%s\n' "${COMPREPLY[@]}" | sed '/^$/d' | sort | tr '\n' ' ' | sed 's/ $//')
  want=$(tr ' ' '\n' <<<"$want" | sed '/^$/d' | sort | tr '\n' ' ' | sed 's/ $//')
  if [[ $got != "$want" ]]; then
    echo "FAIL: tapstack $* <TAB>: got '$got', want '$want'" >&2
    failures=$((failures + 1))
  fi
}

completes "demo dump help replay run status tap tunnel" ""
completes "replay run" r
completes "add del list" tap ""
completes "--mtu --mtu-expires" run --mt
completes "--ip --ipfrag-high-thresh --ipfrag-time" run --ip
completes "tap tun" run --mode ""
completes "tun" dump --mode=tu
completes "tun" dump --mode = tu   # as bash splits --mode=tu at '='
completes "udp tcp" tunnel --transport ""
completes "in out both" run --impair ""
completes "--loss --local --listen" tunnel --l
completes "" run --ip ""           # an address: nothing to offer, and no options either
completes "tap tunnel" help t
completes "add del list" help tap ""
completes "root" tap add --user roo
completes "--group" tap add --gr
completes "-h --help -V --version" -

# Files for --pcap and replay's INPUT and OUTPUT.
touch "$work/capture.pcap" "$work/capture.txt"
completes "$work/capture.pcap $work/capture.txt" run --pcap "$work/cap"
completes "$work/capture.pcap $work/capture.txt" replay --ip 10.0.0.2/24 "$work/cap"

# Every option of every command its help lists, under `CMD --`.
check_command() {
  local help options sub
  help=$("$T" "$@" --help)
  options=$(awk '/^[^ ].*:$/ {inside = ($0 == "Options:"); next} /^[^ ]/ {inside = 0} inside && /^  -/' <<<"$help" |
    grep -oE -- '--[a-z0-9-]+' | sort -u | tr '\n' ' ' | sed 's/ $//')
  completes "$options" "$@" --
  for sub in $(awk '/^[^ ].*:$/ {inside = ($0 == "Subcommands:"); next} /^[^ ]/ {inside = 0} inside && /^  [^ ]/ {print $1}' <<<"$help"); do
    check_command "$@" "$sub"
  done
}
check_command

echo "completion: $failures failed"
((failures == 0))
