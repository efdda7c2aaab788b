#!/usr/bin/env bash
# Runs one lab of docs/labs/ as a learner would, and checks that its output says what the text
# promises. The commands are the lab's own: every fenced block whose info string is `sh {lab}`,
# in order, in one shell (so a variable or a background `tapstack run` lives on to the next
# block). Each `text {expect}` block that follows a command block lists lines that block's output
# must contain, in any order, as substrings; `...` in a line stands for anything.
#
#   run_lab.sh PATH_TO_TAPSTACK docs/labs/04-arp.md      one lab (ctest: labs.04-arp)
#
# A lab runs inside fresh network, PID and mount namespaces (unshare), as the README tells a
# learner to, so its traffic never leaves them and every process it starts dies with it; `ip
# netns add` lands in a private /run/netns. Without CAP_NET_ADMIN and CAP_SYS_ADMIN, or without
# a tool the lab names in `<!-- lab-tools: ... -->`, or without a tapstack feature it names in
# `<!-- lab-requires: tunnel | link-emulation -->`, it SKIPs (exit 77) with the reason.
set -euo pipefail
T=${1:?usage: $0 PATH_TO_TAPSTACK LAB.md}
LAB=${2:?usage: $0 PATH_TO_TAPSTACK LAB.md}
name=$(basename "$LAB" .md)
src=$(cd "$(dirname "$LAB")/../.." && pwd)
skip() { echo "SKIP lab $name: $*"; exit 77; }
fail() { echo "FAIL lab $name: $*" >&2; exit 1; }
[[ -x $T ]] || fail "no program at $T"
[[ -r $LAB ]] || fail "no lab at $LAB"

if [[ -z ${TAPSTACK_LAB_INNER:-} ]]; then
  hex=$(awk '/^CapEff:/ {print $2}' /proc/self/status)
  (((16#$hex >> 12) & 1 && (16#$hex >> 21) & 1)) ||
    skip "needs CAP_NET_ADMIN and CAP_SYS_ADMIN for its namespaces and TAPs (run ctest as root)"
  [[ -c /dev/net/tun ]] || skip "/dev/net/tun is missing (modprobe tun)"
  for tool in unshare ip $(sed -n 's/^<!-- lab-tools: \(.*\) -->$/\1/p' "$LAB"); do
    command -v "$tool" >/dev/null || skip "$tool is not installed (scripts/setup.sh installs it)"
  done
  for feature in $(sed -n 's/^<!-- lab-requires: \(.*\) -->$/\1/p' "$LAB"); do
    case $feature in
      tunnel) "$T" help tunnel >/dev/null 2>&1 || skip "needs \`tapstack tunnel\`, which this build lacks" ;;
      # The help is read whole before it is searched: grep -q would stop at the match, tapstack
      # would die of SIGPIPE writing the rest, and pipefail would call that a missing feature.
      link-emulation) [[ $("$T" run --help 2>&1) == *--loss* ]] || skip "needs run --loss/--delay, which this build lacks" ;;
      *) fail "unknown lab-requires: $feature" ;;
    esac
  done
  unshare --net --pid --fork --kill-child --mount-proc true 2>/dev/null || skip "cannot create namespaces here"
  export TAPSTACK_LAB_INNER=1
  exec timeout -k 5 "${LAB_TIMEOUT:-90}" unshare --net --pid --fork --kill-child --mount-proc -- bash "$0" "$@"
fi

# Inside: what the lab README's "a lab shell" sets up by hand, plus a private /tmp and
# /run/netns (mounts in this mount namespace only), so that nothing a lab writes outlives it.
build=${TAPSTACK_BUILD:-$(cd "$(dirname "$T")/.." && pwd)}
# The lab and the program are read before the private /tmp hides them (either may be in /tmp).
mapfile -t lab_lines <"$LAB"
exec 9<"$T"
mount -t tmpfs lab-tmp /tmp
mkdir -p /run/netns
mount -t tmpfs lab-netns /run/netns
work=$(mktemp -d /tmp/tapstack-lab.XXXXXX)
mkdir -p "$work/bin" "$work/out" "$work/home"
chmod 755 "$work" "$work/bin" "$work/home"
# Debian's udev makes /dev/net/tun 0666 (lab 1 relies on it: a user opens it for a TAP they
# own); a machine that made it 0600 gets a 0666 node for this namespace alone.
if [[ $(stat -c %a /dev/net/tun) != 666 ]]; then
  mknod -m 666 "$work/tun" c 10 200
  mount --bind "$work/tun" /dev/net/tun
fi
cp /proc/self/fd/9 "$work/bin/tapstack" && chmod 755 "$work/bin/tapstack"
exec 9<&-
ip link set lo up

# The lab as one script: each command block writes to its own file.
script=$work/lab.sh
{
  echo 'set -eo pipefail'
  echo "export PATH=$work/bin:\$PATH TAPSTACK_SRC=$src TAPSTACK_BUILD=$build"
  echo "cd $work/home"
} >"$script"
declare -a expects=()  # expects[i]: the patterns for block i, newline-separated
block=0 mode=
for line in "${lab_lines[@]}"; do
  if [[ -z $mode ]]; then
    case $line in
      '```sh {lab}'*) block=$((block + 1)); mode=lab; echo "exec >$work/out/$block 2>&1" >>"$script" ;;
      '```text {expect}'*) ((block > 0)) || fail "an {expect} block before any {lab} block"; mode=expect ;;
    esac
    continue
  fi
  if [[ $line == '```'* ]]; then mode=; continue; fi
  if [[ $mode == lab ]]; then
    echo "$line" >>"$script"
  elif [[ -n $line ]]; then
    expects[block]+="$line"$'\n'
  fi
done
((block > 0)) || fail "no \`\`\`sh {lab} block in $LAB"

rc=0
bash "$script" || rc=$?
if ((rc != 0)); then
  last=$(ls "$work/out" | sort -n | tail -1)
  fail "block $last stopped with exit status $rc; its output:
$(cat "$work/out/$last")"
fi

checked=0
for ((i = 1; i <= block; i++)); do
  [[ -n ${expects[i]:-} ]] || continue
  while IFS= read -r want; do
    [[ -n $want ]] || continue
    # The literal text with every `...` a wildcard.
    re=$(printf '%s' "$want" | sed -e 's#[][\\.*^$+?(){}|]#\\&#g' -e 's#\\\.\\\.\\\.#.*#g')
    grep -qE -- "$re" "$work/out/$i" || fail "block $i's output lacks: $want
--- block $i's output:
$(cat "$work/out/$i")"
    checked=$((checked + 1))
  done <<<"${expects[i]}"
done
echo "PASS lab $name: $block command blocks ran, $checked promised lines found"
