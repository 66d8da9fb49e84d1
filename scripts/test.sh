#!/usr/bin/env bash
# Set up (first time) and run every test:
#   1. the package's unit tests (tests/, without the integration and book tests): under a minute;
#   2. integration: the student edition and a Colab-style run executed, the wheel built and
#      installed in a fresh virtual environment (tests/integration/);
#   3. every chapter notebook re-executed by nbval, outputs compared, with the default BLAS kernel;
#   4. the same under OPENBLAS_CORETYPE=Prescott, SandyBridge and Haswell with one BLAS thread each;
#   5. the book built with warnings as errors, and its pages opened in headless Chromium.
# Usage: bash scripts/test.sh            (FAST=1 skips steps 2 and 4)
# Steps 1-5 run two at a time (FAST=1: one after the other); each prints how long it took and the end
# of its log.
set -euo pipefail
source "$(dirname "$0")/setup.sh"
LOGS=$(mktemp -d)
status=0
t0=$SECONDS
step() { echo; echo "== $1 ($(( SECONDS - t0 )) s elapsed)"; }

# The steps run two at a time (each in the background, its output in a log), the longest first, and
# as soon as one ends the next starts: the machine's two cores stay busy, and what one job spends
# waiting (a kernel starting, a browser) the other uses. Every job has one BLAS thread: a job with two
# beside another job oversubscribes the two cores, and OpenBLAS's waiting threads then spin and slow
# both jobs down about twofold.
declare -A START NAME_OF
job() {  # job NAME COMMAND...: start COMMAND in the background, its output in $LOGS/NAME.log
  local name=$1; shift
  START[$name]=$SECONDS
  ( "$@" ) > "$LOGS/$name.log" 2>&1 &
  NAME_OF[$!]=$name
}
reap() {  # wait for the next job to end, say how long it took, show the end of its log
  local pid rc=0 name
  wait -n -p pid || rc=$?
  name=${NAME_OF[$pid]}
  echo "-- $name: $([ $rc = 0 ] && echo passed || echo FAILED) in $(( SECONDS - ${START[$name]} )) s"
  if [ $rc = 0 ]; then
    tail -n 25 "$LOGS/$name.log" | grep -vE '^\s*$' | tail -n 8 || true
  else
    status=1
    tail -n 80 "$LOGS/$name.log"
  fi
}
nbval() { python -m pytest --nbval --nbval-current-env notebooks -q -p no:randomly; }
nbval_default() { OPENBLAS_NUM_THREADS=1 nbval; }
# The other kernels shorten the long float32 trainings of chapters 16, 17 and 22 (NNSCRATCH_SHORT_RUNS=1):
# nbval ignores those cells' outputs, and their accuracy asserts are checked by the default kernel's full run.
nbval_core() { OPENBLAS_CORETYPE=$1 OPENBLAS_NUM_THREADS=1 NNSCRATCH_SHORT_RUNS=1 nbval; }

unit() { OPENBLAS_NUM_THREADS=1 python -m pytest tests --ignore=tests/book --ignore=tests/integration -q -p no:randomly; }

if [ "${FAST:-0}" = 1 ]; then
  step "1. unit tests of nnscratch"
  unit || status=1
  step "3. notebooks, nbval, default BLAS kernel"
  nbval || status=1
  step "5. book build (-W) and browser tests"
  python -m pytest tests/book -q -p no:randomly || status=1
else
  step "1-5: unit tests, integration, nbval on four BLAS kernels, book build and browser tests, two at a time"
  queue=(3-nbval-default 4-nbval-Prescott 4-nbval-SandyBridge 4-nbval-Haswell 5-book 2-integration 1-unit)
  running=0
  for name in "${queue[@]}"; do
    if [ $running = 2 ]; then reap; running=1; fi
    case $name in
      1-unit) job "$name" unit ;;
      2-integration) job "$name" env OPENBLAS_NUM_THREADS=1 python -m pytest tests/integration -q -p no:randomly ;;
      3-nbval-default) job "$name" nbval_default ;;
      4-nbval-*) job "$name" nbval_core "${name#4-nbval-}" ;;
      5-book) job "$name" python -m pytest tests/book -q -p no:randomly ;;
    esac
    running=$(( running + 1 ))
  done
  while [ $running -gt 0 ]; do reap; running=$(( running - 1 )); done
fi

echo
echo "== all tests done in $(( SECONDS - t0 )) s; $([ $status = 0 ] && echo PASSED || echo FAILED)"
exit $status
