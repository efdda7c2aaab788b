# bash completion for tapstack                                 -*- shell-script -*-
#
# Commands, options and the values of some options. What a command takes is read from the
# program's own `--help` (once per command and shell), so a new option completes as soon as
# the program has it. Installed by `cmake --install` into
# share/bash-completion/completions/tapstack; to try it from a build tree:
#   source apps/completion/tapstack.bash   then: build/apps/tapstack <TAB>

declare -gA _tapstack_help_cache

# _tapstack_help PROGRAM [COMMAND...]: the help of a command, cached.
_tapstack_help() {
  local key="$*"
  if [[ -z ${_tapstack_help_cache[$key]+set} ]]; then
    _tapstack_help_cache[$key]=$("$@" --help 2>/dev/null)
  fi
  printf '%s\n' "${_tapstack_help_cache[$key]}"
}

# _tapstack_section NAME: the entries of one section of a help text on stdin.
_tapstack_section() {
  awk -v want="$1:" '/^[^ ].*:$/ {inside = ($0 == want); next} /^[^ ]/ {inside = 0} inside && /^  [^ ]/'
}

_tapstack() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev=
  ((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
  local prog=${COMP_WORDS[0]}
  COMPREPLY=()

  # The command path so far: words that name a subcommand of the path before them.
  local path=() i word help subs
  for ((i = 1; i < COMP_CWORD; i++)); do
    word=${COMP_WORDS[i]}
    [[ $word == -* ]] && continue
    subs=$(_tapstack_help "$prog" "${path[@]}" | _tapstack_section Subcommands | awk '{print $1}')
    [[ $'\n'$subs$'\n' == *$'\n'"$word"$'\n'* ]] && path+=("$word")
  done
  help=$(_tapstack_help "$prog" "${path[@]}")

  # --option=value: complete the value.
  if [[ $cur == --*=* ]]; then
    prev=${cur%%=*}
    cur=${cur#*=}
  elif [[ $cur == = ]]; then
    cur=  # COMP_WORDBREAKS split "--mode=" into "--mode" "="; prev is the option
  elif [[ $prev == = && $COMP_CWORD -ge 2 ]]; then
    prev=${COMP_WORDS[COMP_CWORD - 2]}  # ... and "--mode=t" into "--mode" "=" "t"
  fi

  # The value of the option before, by its type word in the help ("--mode MODE=tap").
  if [[ $prev == -* ]]; then
    local type
    type=$(_tapstack_section Options <<<"$help" |
      awk -v o="$prev" '{n = split($1, names, ","); for (i = 1; i <= n; i++) if (names[i] == o && $2 ~ /^[A-Z]/) {sub(/[=:].*/, "", $2); print $2}}')
    if [[ -n $type ]]; then
      case $type in
        MODE) COMPREPLY=($(compgen -W "tap tun" -- "$cur")) ;;
        TRANSPORT) COMPREPLY=($(compgen -W "udp tcp" -- "$cur")) ;;
        DIRECTION) COMPREPLY=($(compgen -W "in out both" -- "$cur")) ;;
        NAME) COMPREPLY=($(compgen -W "$("$prog" tap list 2>/dev/null | awk 'NR > 1 {print $1}')" -- "$cur")) ;;
        FILE) compopt -o filenames 2>/dev/null || true; COMPREPLY=($(compgen -f -- "$cur")) ;;
        USER) COMPREPLY=($(compgen -u -- "$cur")) ;;
        GROUP) COMPREPLY=($(compgen -g -- "$cur")) ;;
      esac
      return 0  # a value is expected: nothing else fits, even when we have no list for it
    fi
  fi

  if [[ $cur == -* ]]; then
    local options
    options=$(_tapstack_section Options <<<"$help" | awk '{n = split($1, names, ","); for (i = 1; i <= n; i++) print names[i]}')
    COMPREPLY=($(compgen -W "$options" -- "$cur"))
    return 0
  fi

  subs=$(_tapstack_section Subcommands <<<"$help" | awk '{print $1}')
  if [[ -n $subs ]]; then
    COMPREPLY=($(compgen -W "$subs" -- "$cur"))
    return 0
  fi

  # Positionals of the command, by name.
  case "${path[*]}" in
    replay) compopt -o filenames 2>/dev/null || true; COMPREPLY=($(compgen -f -- "$cur")) ;;
    "tap del") COMPREPLY=($(compgen -W "$("$prog" tap list 2>/dev/null | awk 'NR > 1 {print $1}')" -- "$cur")) ;;
    help)
      # `tapstack help tap <TAB>`: the subcommands of the command named before.
      local topic=()
      for ((i = 1; i < COMP_CWORD; i++)); do [[ ${COMP_WORDS[i]} != help && ${COMP_WORDS[i]} != -* ]] && topic+=("${COMP_WORDS[i]}"); done
      COMPREPLY=($(compgen -W "$(_tapstack_help "$prog" "${topic[@]}" | _tapstack_section Subcommands | awk '{print $1}')" -- "$cur"))
      ;;
  esac
  return 0
}

complete -F _tapstack tapstack
