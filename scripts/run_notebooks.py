"""Execute chapter notebooks in place, top to bottom, in a fresh kernel, and store their outputs.

    python scripts/run_notebooks.py notebooks/03_dense_layer.ipynb   # some
    python scripts/run_notebooks.py                                  # all

Outputs are stored because the book is built from them and nbval compares them on re-execution. Figures
are stored as 256-colour PNGs: the chapters draw them at twice their pixel size ("retina"), and a palette
keeps them about as small as plain figures (nbval does not compare images).
"""

from __future__ import annotations

import base64
import io
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]


def compact_png(data: str) -> str:
    """A base64 PNG re-encoded with a 256-colour palette (matplotlib's figures use few colours)."""
    from PIL import Image

    image = Image.open(io.BytesIO(base64.b64decode(data))).convert("RGB")
    out = io.BytesIO()
    image.quantize(256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(out, "png", optimize=True)
    return base64.b64encode(out.getvalue()).decode("ascii")


def compact_images(nb) -> None:
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if "image/png" in output.get("data", {}):
                output["data"]["image/png"] = compact_png(output["data"]["image/png"])


def run(path: Path) -> float:
    nb = nbformat.read(path, as_version=4)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nb.metadata.pop("widgets", None)
    start = time.perf_counter()
    NotebookClient(nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}},
                   record_timing=False).execute()
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    compact_images(nb)
    nbformat.write(nb, path)
    return time.perf_counter() - start


def main(args: list[str]) -> None:
    paths = [Path(a).resolve() for a in args] or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    for p in paths:
        print(f"{p.relative_to(ROOT)}: {run(p):.1f} s", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
