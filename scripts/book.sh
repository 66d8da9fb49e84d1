#!/usr/bin/env bash
# Set up (first time) and build the book into _build/html; then open _build/html/index.html.
#   bash scripts/book.sh          # build
#   bash scripts/book.sh --lab    # build, then open the notebooks in JupyterLab
set -euo pipefail
SKIP_APT=${SKIP_APT:-1} source "$(dirname "$0")/setup.sh"
jupyter-book build . -W -n --keep-going
echo
echo "The book is at: $ROOT/_build/html/index.html"
if [ "${1:-}" = "--lab" ]; then
  exec jupyter lab notebooks/
fi
