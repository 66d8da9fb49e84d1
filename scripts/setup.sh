#!/usr/bin/env bash
# Set up everything the book and its tests need, idempotently (sourced by book.sh and test.sh):
#   - Debian packages: chromium + chromium-driver (browser tests), dataset-fashion-mnist (chapter 17);
#   - a virtual environment .venv with requirements-test.txt (the package itself in editable mode);
#   - the data folder NNSCRATCH_DATA (../shared/data when it exists beside the checkout).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

need_apt=()
[ -x /usr/bin/chromium ] || need_apt+=(chromium chromium-driver)
[ -d /usr/share/datasets/fashion-mnist ] || need_apt+=(dataset-fashion-mnist)
if [ "${SKIP_APT:-0}" != 1 ] && [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null; then SUDO="sudo"; else SUDO=missing; fi
  if [ "$SUDO" = missing ]; then
    echo "Missing Debian packages: ${need_apt[*]}. Install them as root: apt-get install -y ${need_apt[*]}" >&2
    exit 1
  fi
  echo "== apt-get install ${need_apt[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "== creating .venv with $($PYTHON --version)"
  "$PYTHON" -m venv .venv
fi
if [ ! -f .venv/.installed ] || [ requirements.txt -nt .venv/.installed ] || [ requirements-test.txt -nt .venv/.installed ] || [ pyproject.toml -nt .venv/.installed ]; then
  echo "== pip install -r requirements-test.txt"
  pip_log=$(mktemp)
  if ! { .venv/bin/python -m pip install -q --upgrade pip && .venv/bin/python -m pip install -q -r requirements-test.txt; } >"$pip_log" 2>&1; then
    cat "$pip_log" >&2
    echo "pip install failed (full log above)" >&2
    exit 1
  fi
  touch .venv/.installed
fi
export PATH="$ROOT/.venv/bin:$PATH"

if [ -z "${NNSCRATCH_DATA:-}" ] && [ -d "$ROOT/../shared/data/mnist" ]; then
  export NNSCRATCH_DATA="$(cd "$ROOT/../shared/data" && pwd)"
fi
# Build matplotlib's font cache now, so its one-time message never lands in a notebook's output.
python -c "import matplotlib.pyplot" 2>/dev/null
