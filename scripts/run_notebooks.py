"""Execute chapter notebooks in place, top to bottom, in a fresh kernel, and store their outputs.

    python scripts/run_notebooks.py notebooks/03_dense_layer.ipynb   # some
    python scripts/run_notebooks.py                                  # all

Outputs are stored because the book is built from them and nbval compares them on re-execution.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]


def run(path: Path) -> float:
    nb = nbformat.read(path, as_version=4)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nb.metadata.pop("widgets", None)
    start = time.perf_counter()
    NotebookClient(nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}},
                   record_timing=False).execute()
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    nbformat.write(nb, path)
    return time.perf_counter() - start


def main(args: list[str]) -> None:
    paths = [Path(a).resolve() for a in args] or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    for p in paths:
        print(f"{p.relative_to(ROOT)}: {run(p):.1f} s", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
