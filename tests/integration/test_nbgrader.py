"""The nbgrader course folder written by ``scripts/student_edition.py --nbgrader`` (nbgrader is a test
requirement only).

Structure, for every chapter: solutions between nbgrader's markers in solution cells, self-checks as locked
test cells with points that fail when a check fails. Round trip, on chapter 5 (about 35 s): in a temporary
course folder, ``nbgrader generate_assignment`` makes the students' copy, then ``nbgrader autograde`` grades
a submission with the reference solutions (full marks for the self-checks) and one with the stubs (zero).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "student_edition.py"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
CHAPTER = ROOT / "notebooks" / "05_softmax.ipynb"
NBGRADER = Path(sys.executable).with_name("nbgrader")

spec = importlib.util.spec_from_file_location("student_edition", SCRIPT)
student_edition = importlib.util.module_from_spec(spec)
spec.loader.exec_module(student_edition)


def graded(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_chapter_becomes_an_nbgrader_source_notebook(path):
    original = nbformat.read(path, as_version=4)
    nb, stats = student_edition.make_nbgrader_notebook(original)
    nbformat.validate(nb)
    ids = [graded(c)["grade_id"] for c in nb.cells if graded(c)]
    assert len(ids) == len(set(ids)), "grade ids are unique"
    assert "{solution" not in "\n".join(c.source for c in nb.cells), "no MyST solution marker is left"
    answers = [c for c in nb.cells if graded(c).get("solution")]
    assert answers and stats["answers"] >= 2
    for cell in answers:
        assert "### BEGIN SOLUTION" in cell.source and cell.source.rstrip().endswith("### END SOLUTION")
        assert not graded(cell)["locked"]
    tests = [c for c in nb.cells if graded(c).get("grade") and not graded(c).get("solution")]
    originals = [c for c in original.cells if c.cell_type == "code" and "checks.check_" in c.source
                 and "solution" not in c.metadata.get("tags", [])]
    assert len(tests) == len(originals) >= 1, "every self-check cell is an autograded test"
    for cell in tests:
        assert graded(cell)["locked"] and graded(cell)["points"] >= 1
        assert "assert report.passed, report.summary" in cell.source
    assert all(c.outputs == [] for c in nb.cells if c.cell_type == "code")


def test_a_check_cell_fails_when_the_check_fails():
    source = "from nnscratch import checks\n\nchecks.check_softmax(my_softmax)"
    graded_source = student_edition.graded_check_source(source)
    assert graded_source.endswith("report = checks.check_softmax(my_softmax)\n"
                                  "assert report.passed, report.summary")

    def bad_softmax(z):
        return z

    def good_softmax(z):
        import numpy as np

        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    exec(graded_source, {"my_softmax": good_softmax})
    with pytest.raises(AssertionError, match="checks failed"):
        exec(graded_source, {"my_softmax": bad_softmax})


def nbgrader(*args: str, cwd: Path) -> None:
    # nbgrader runs `alembic` from PATH: the virtual environment's bin folder must be on it, also
    # when the tests run as `.venv/bin/python -m pytest` without the environment activated
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1",
           "PATH": f"{NBGRADER.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    proc = subprocess.run([str(NBGRADER), *args], cwd=cwd, capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]


@pytest.mark.skipif(not NBGRADER.exists(), reason="nbgrader is not installed (pip install -r requirements-test.txt)")
def test_nbgrader_round_trip_on_one_chapter(tmp_path):
    from nbgrader.api import Gradebook

    course, name = tmp_path / "course", CHAPTER.stem
    proc = subprocess.run([sys.executable, str(SCRIPT), str(CHAPTER), "--nbgrader", str(course)],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert (course / "nbgrader_config.py").is_file()
    source = course / "source" / name / CHAPTER.name
    nbgrader("generate_assignment", name, cwd=course)

    # The students' copy: the test cells are there, the solutions are not.
    release = nbformat.read(course / "release" / name / CHAPTER.name, as_version=4)
    text = "\n".join(c.source for c in release.cells)
    assert "### BEGIN SOLUTION" not in text and "e.sum(axis=1, keepdims=True)\n" not in text
    stubs = [c for c in release.cells if c.cell_type == "code" and graded(c).get("solution")]
    assert stubs and all("raise NotImplementedError()" in c.source for c in stubs)
    assert "checks.check_softmax(my_softmax)" in text

    for student, notebook in (("reference", source), ("stubs", course / "release" / name / CHAPTER.name)):
        target = course / "submitted" / student / name
        target.mkdir(parents=True)
        shutil.copy(notebook, target / CHAPTER.name)
    nbgrader("autograde", name, cwd=course)

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        scores = {}
        for student in ("reference", "stubs"):
            nb = gb.find_submission_notebook(name, name, student)
            scores[student] = {g.name: (g.auto_score, g.max_score) for g in nb.grades}
    tests = [k for k in scores["reference"] if k.startswith("test-")]
    assert tests == ["test-check-softmax"]
    for k in tests:
        auto, max_score = scores["reference"][k]
        assert max_score > 0 and auto == max_score, "the reference solutions earn full marks"
        assert scores["stubs"][k][0] == 0, "the stubs earn nothing"
    # The other answers are graded by hand; a stub left as it was scores 0.
    assert all(auto == 0 for k, (auto, _) in scores["stubs"].items())
