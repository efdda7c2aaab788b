#!/usr/bin/env bash
# Regenerates the committed SVGs of docs/diagrams/ from their Graphviz sources (*.dot), so that
# a picture is changed by editing text and running this, never by hand:
#   scripts/make-diagrams.sh          every diagram
#   scripts/make-diagrams.sh --check  exit 1 when a committed SVG differs from its source's
# Needs `dot` (Debian: graphviz; `scripts/setup.sh --with-diagrams` installs it).
set -euo pipefail
cd "$(dirname "$0")/../docs/diagrams"
command -v dot >/dev/null || { echo "make-diagrams: dot is not installed: sudo apt-get install graphviz (or sudo scripts/setup.sh --with-diagrams)" >&2; exit 1; }
check=0
case "${1:-}" in
  "") ;;
  --check) check=1 ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac
stale=0
for src in *.dot; do
  svg=${src%.dot}.svg
  if ((check)); then
    cmp -s <(dot -Tsvg "$src") "$svg" || { echo "make-diagrams: $svg is not what $src makes"; stale=1; }
  else
    dot -Tsvg "$src" -o "$svg"
    echo "make-diagrams: $svg"
  fi
done
exit $stale
