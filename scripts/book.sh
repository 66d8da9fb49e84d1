#!/usr/bin/env bash
# Set up (first time) and build the book into _build/html; then open _build/html/index.html.
#   bash scripts/book.sh                  # build
#   bash scripts/book.sh --lab            # build, then open the notebooks in JupyterLab
#   bash scripts/book.sh --no-solutions   # build the site without solutions into _build/html-no-solutions
set -euo pipefail
mode=${1:-}
case "$mode" in
  ""|--lab|--no-solutions) ;;
  *) echo "usage: bash scripts/book.sh [--lab | --no-solutions]" >&2; exit 2 ;;
esac
SKIP_APT=${SKIP_APT:-1} source "$(dirname "$0")/setup.sh"
if [ "$mode" = "--no-solutions" ]; then
  # A build of its own (sources, caches and pages under _build/no-solutions), so that the two editions
  # never mix; _ext/no_solutions.py removes the solutions when NNSCRATCH_NO_SOLUTIONS is set.
  NNSCRATCH_NO_SOLUTIONS=1 jupyter-book build . -W -n --keep-going --path-output _build/no-solutions
  rm -rf _build/html-no-solutions
  cp -r _build/no-solutions/_build/html _build/html-no-solutions
  echo
  echo "The book WITHOUT solutions is at: $ROOT/_build/html-no-solutions/index.html"
  echo "(publish this folder for the weeks of a course; _build/html, with solutions, is left as it was)"
  exit 0
fi
jupyter-book build . -W -n --keep-going
echo
echo "The book is at: $ROOT/_build/html/index.html"
if [ "$mode" = "--lab" ]; then
  exec jupyter lab notebooks/
fi
