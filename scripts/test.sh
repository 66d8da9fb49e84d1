#!/usr/bin/env bash
# Set up (first time) and run every test:
#   1. the package's unit tests (tests/, without the integration and book tests): under a minute;
#   2. integration: the student edition and a Colab-style run executed, the wheel built and
#      installed in a fresh virtual environment (tests/integration/);
#   3. every chapter notebook re-executed by nbval, outputs compared, with the default BLAS kernel;
#   4. the same under OPENBLAS_CORETYPE=Prescott, SandyBridge and Haswell with one BLAS thread each;
#   5. the book built with warnings as errors, and its pages opened in headless Chromium.
# Usage: bash scripts/test.sh            (FAST=1 skips steps 2 and 4)
set -euo pipefail
source "$(dirname "$0")/setup.sh"
LOGS=$(mktemp -d)
status=0
t0=$SECONDS
step() { echo; echo "== $1 ($(( SECONDS - t0 )) s elapsed)"; }

step "1. unit tests of nnscratch"
python -m pytest tests --ignore=tests/book --ignore=tests/integration -q -p no:randomly \
  || status=1

if [ "${FAST:-0}" != 1 ]; then
  step "2. integration: student edition, Colab-style run, the wheel (one BLAS thread per kernel)"
  OPENBLAS_NUM_THREADS=1 python -m pytest tests/integration -q -p no:randomly || status=1
fi

step "3. notebooks, nbval, default BLAS kernel"
python -m pytest --nbval --nbval-current-env notebooks -q || status=1

if [ "${FAST:-0}" != 1 ]; then
  step "4. notebooks, nbval, other BLAS kernels (one thread each, two at a time)"
  run_core() {
    OPENBLAS_CORETYPE=$1 OPENBLAS_NUM_THREADS=1 python -m pytest --nbval --nbval-current-env notebooks -q \
      > "$LOGS/$1.log" 2>&1
  }
  pids=()
  for core in Prescott SandyBridge; do run_core $core & pids+=($!); done
  for i in 0 1; do wait "${pids[$i]}" || status=1; done
  run_core Haswell || status=1
  for core in Prescott SandyBridge Haswell; do
    echo "-- OPENBLAS_CORETYPE=$core"; tail -n 25 "$LOGS/$core.log" | grep -vE '^\s*$' | tail -n 12
  done
fi

step "5. book build (-W) and browser tests"
python -m pytest tests/book -q || status=1

echo
echo "== all tests done in $(( SECONDS - t0 )) s; $([ $status = 0 ] && echo PASSED || echo FAILED)"
exit $status
