#!/usr/bin/env bash
# Re-execute notebooks with nbval and compare their stored outputs, under the default BLAS kernel
# and under the other kernels CI uses (one thread each), the way tests/run_all.sh does.
#   bash scripts/check_notebook.sh notebooks/03_dense_layer.ipynb [more.ipynb ...]
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python}
status=0
echo "== default kernel"; "$PY" -m pytest -q --nbval "$@" || status=1
for core in Prescott SandyBridge Haswell; do
  echo "== OPENBLAS_CORETYPE=$core OPENBLAS_NUM_THREADS=1"
  OPENBLAS_CORETYPE=$core OPENBLAS_NUM_THREADS=1 "$PY" -m pytest -q --nbval "$@" || status=1
done
exit $status
