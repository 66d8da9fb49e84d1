"""Every chapter notebook follows the book's format (CONTRIBUTING.md) and is stored fully executed."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
SETUP_CELL = (ROOT / "CONTRIBUTING.md").read_text().split("```python\n")[1].split("```")[0]
SETUP_CELL = "\n".join(line[3:] for line in SETUP_CELL.splitlines()).strip()


def cells(path: Path) -> list[dict]:
    return json.loads(path.read_text())["cells"]


def source(cell: dict) -> str:
    return "".join(cell["source"])


def test_toc_lists_exactly_the_chapters():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    listed = [c["file"] for part in toc["parts"] for c in part["chapters"] if c["file"].startswith("notebooks/")]
    assert listed == [f"notebooks/{p.stem}" for p in NOTEBOOKS]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_chapter_format(path: Path):
    cs = cells(path)
    number = int(path.stem[:2])
    assert source(cs[0]).strip() == SETUP_CELL, "the first cell is the setup cell from CONTRIBUTING.md"
    assert "remove-cell" in cs[0]["metadata"].get("tags", []), "the setup cell is hidden in the book"
    assert re.match(rf"# {number}\. \S", source(cs[1])), f"the title is '# {number}. …'"
    markdown = "\n".join(source(c) for c in cs if c["cell_type"] == "markdown")
    assert "Learning goals" in markdown
    exercises = re.findall(r"```\{exercise\}[^\n]*\n:label: (\S+)", markdown)
    solutions = re.findall(r"```\{solution(?:-start)?\} (\S+)", markdown)
    assert len(exercises) >= 2, "at least two exercises"
    assert sorted(exercises) == sorted(solutions), "every exercise has exactly one solution"
    assert all(label.startswith(f"ex-{number:02d}-") for label in exercises)
    assert re.search(r"^## .*Summary", markdown, re.M), "a Summary section"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_chapter_is_stored_executed_in_order_without_errors(path: Path):
    code = [c for c in cells(path) if c["cell_type"] == "code" and source(c).strip()]
    counts = [c["execution_count"] for c in code]
    assert None not in counts, "every code cell has been run"
    assert counts == list(range(1, len(code) + 1)), "run top to bottom in a fresh kernel"
    assert not [o for c in code for o in c["outputs"] if o["output_type"] == "error"], "no stored errors"
    assert not any(re.search(r"^\s*nnfs\.init\(\)", source(c), re.M) for c in code), "never nnfs.init()"


def test_exercise_labels_are_unique_in_the_book():
    labels = [label for p in NOTEBOOKS for c in cells(p) if c["cell_type"] == "markdown"
              for label in re.findall(r":label: (\S+)", source(c))]
    assert len(labels) == len(set(labels))
