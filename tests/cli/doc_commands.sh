#!/usr/bin/env bash
# Every tapstack command line in the fenced code blocks of the docs still parses: the program
# reads it with --parse-only (check the command line, then stop), so an option renamed or
# removed, or a value a check now refuses, fails here before a reader copies it. Needs no
# privileges and runs nothing.
#   doc_commands.sh PATH_TO_TAPSTACK DOC.md...
set -euo pipefail
T=${1:?usage: $0 PATH_TO_TAPSTACK DOC.md...}
shift
user=$(id -un)
checked=0 failures=0

# The tapstack commands of one line of shell: each part between && ; | is one command; sudo,
# `ip netns exec NAME` and VAR=value before it are set aside, and it counts when what is left
# starts with tapstack or a path to it. Prints the arguments after the program name, one
# command per line.
commands_in() {
  local line=$1 part
  line=${line%%' #'*}  # a trailing comment
  line=${line//'&&'/;}
  line=${line//'|'/;}
  local parts
  mapfile -t parts < <(tr ';' '\n' <<<"$line")
  for part in "${parts[@]}"; do
    read -ra words <<<"$part"
    while ((${#words[@]})); do
      case ${words[0]} in
        sudo | *=*) words=("${words[@]:1}") ;;
        ip) [[ ${words[1]:-} == netns && ${words[2]:-} == exec ]] && words=("${words[@]:4}") || break ;;
        *) break ;;
      esac
    done
    ((${#words[@]})) || continue
    [[ ${words[0]} == tapstack || ${words[0]} == */tapstack ]] || continue
    printf '%s\n' "${words[*]:1}"
  done
}

for doc in "$@"; do
  in_block=0 n=0
  while IFS= read -r line; do
    n=$((n + 1))
    if [[ $line =~ ^[[:space:]]*\`\`\` ]]; then
      in_block=$((1 - in_block))
      continue
    fi
    ((in_block)) || continue
    while IFS= read -r args; do
      args=${args//'$USER'/$user}
      read -ra argv <<<"$args"
      checked=$((checked + 1))
      rc=0
      err=$(timeout -k 2 10 "$T" --parse-only "${argv[@]}" 2>&1 >/dev/null) || rc=$?
      if ((rc != 0)); then
        echo "FAIL: $doc:$n: tapstack $args: exit $rc: $err" >&2
        failures=$((failures + 1))
      fi
    done < <(commands_in "$line")
  done <"$doc"
done

echo "doc commands: $checked checked, $failures failed"
((checked >= 10)) || { echo "FAIL: only $checked tapstack commands found in $*: is the extraction broken?" >&2; exit 1; }
((failures == 0))
