"""The student edition (scripts/student_edition.py): solution-free copies of the chapters.

Structure, for every committed chapter: no solution text or code is left, the exercises and the self-check
cells are kept, every output is cleared. Execution, for the chapters with self-check cells: the copy runs up
to its first stub, which raises NotImplementedError; the self-checks report ✗ on the stubs; and in the committed
notebook, with its solutions, they report success (stored outputs that nbval re-executes and compares).
"""

from __future__ import annotations

import ast
import importlib.util
import json
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "student_edition.py"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
CHECK_CALL = "checks.check_"

spec = importlib.util.spec_from_file_location("student_edition", SCRIPT)
student_edition = importlib.util.module_from_spec(spec)
spec.loader.exec_module(student_edition)


def has_check_cells(path: Path) -> bool:
    return any(c["cell_type"] == "code" and CHECK_CALL in "".join(c["source"]) and
               "solution" not in c["metadata"].get("tags", []) for c in json.loads(path.read_text())["cells"])


CHECKED = [p for p in NOTEBOOKS if has_check_cells(p)]


@pytest.fixture(scope="module")
def student_dir(tmp_path_factory) -> Path:
    """The student edition of every chapter, made by the command line, in a scratch folder."""
    out = tmp_path_factory.mktemp("student")
    proc = subprocess.run([sys.executable, str(SCRIPT), *map(str, NOTEBOOKS), "--out", str(out)],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    for p in NOTEBOOKS:
        assert f"{p.name}: " in proc.stdout
    return out


START, END = re.compile(r"\{solution-start\}"), re.compile(r"\{solution-end\}")


def solution_parts(nb) -> tuple[list[str], list[str], list[list[str]], list[str]]:
    """What the original holds: the lines of solution prose, the solution code sources, the code of each
    solution block, and the cells with no solution in them at all (in order)."""
    texts, codes, blocks, plain = [], [], [], []
    inside = False
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            marked = bool(START.search(cell.source) or END.search(cell.source))
            for line in cell.source.splitlines():
                if START.search(line):
                    inside = True
                    blocks.append([])
                elif END.search(line):
                    inside = False
                elif inside:
                    texts.append(line)
            if not marked and not inside:
                plain.append(cell.source)
        elif inside or "solution" in cell.metadata.get("tags", []):
            codes.append(cell.source)
            if blocks and inside:
                blocks[-1].append(cell.source)
        else:
            plain.append(cell.source)
    return texts, codes, blocks, plain


def is_note(cell) -> bool:
    return cell.cell_type == "markdown" and cell.source == student_edition.NOTE


def is_stub(cell) -> bool:
    return cell.cell_type == "code" and "exercise-stub" in cell.metadata.get("tags", [])


# =========================================================================== structure, every chapter


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_student_copy_has_no_solutions(student_dir, path):
    original = nbformat.read(path, as_version=4)
    student = nbformat.read(student_dir / path.name, as_version=4)
    nbformat.validate(student)
    everything = "\n".join(c.source for c in student.cells)
    assert "{solution" not in everything, "no solution-start, solution-end or solution directive is left"
    assert not [c for c in student.cells if "solution" in c.metadata.get("tags", [])]
    texts, codes, blocks, plain = solution_parts(original)
    # A line of the solutions must not be in the copy, unless the lesson itself has the same line.
    lesson = "\n".join(plain)
    for line in texts + [line for code in codes for line in code.splitlines()]:
        if len(line.strip()) > 12 and not line.lstrip().startswith(("def ", "class ", "from ", "import ", ":class:")):
            assert not (line in everything and line not in lesson), f"solution left in the copy: {line!r}"
    stubs = [c for c in student.cells if is_stub(c)]
    assert len(stubs) == sum(1 for b in blocks if b), "one stub per exercise whose solution has code"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_student_copy_keeps_exercises_and_checks_and_clears_outputs(student_dir, path):
    original = nbformat.read(path, as_version=4)
    student = nbformat.read(student_dir / path.name, as_version=4)
    labels = re.compile(r"```\{exercise\}[^\n]*\n:label: (\S+)")
    assert labels.findall("\n".join(c.source for c in student.cells if c.cell_type == "markdown")) == \
        labels.findall("\n".join(c.source for c in original.cells if c.cell_type == "markdown"))
    # Every cell without a solution in it is kept, in order; no other code cell is added but the stubs.
    _, _, _, plain = solution_parts(original)
    copied = [c.source for c in student.cells if not is_stub(c) and not is_note(c)]
    it = iter(copied)
    assert all(source in it for source in plain), "the cells outside the solutions are kept, in order"
    plain_code = [c.source for c in original.cells if c.cell_type == "code" and c.source in plain]
    assert [c.source for c in student.cells if c.cell_type == "code" and not is_stub(c)] == plain_code
    assert student.cells[0].source == original.cells[0].source, "the setup cell stays first (Colab installs from it)"
    for cell in student.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
    checks_before = [s for s in plain_code if CHECK_CALL in s]
    assert [c.source for c in student.cells if c.cell_type == "code" and CHECK_CALL in c.source] == checks_before


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_stubs_are_valid_python_that_raises_with_a_hint(student_dir, path):
    student = nbformat.read(student_dir / path.name, as_version=4)
    original = nbformat.read(path, as_version=4)
    hints = {c.metadata["hint"] for c in original.cells if c.metadata.get("hint")}
    for stub in filter(is_stub, student.cells):
        tree = ast.parse(stub.source)
        last = tree.body[-1]
        assert isinstance(last, ast.Raise) and ast.unparse(last.exc).startswith("NotImplementedError(")
        label = stub.metadata["exercise"]
        assert label.startswith("ex-") and label in ast.unparse(last.exc)
        hint = next((h for h in hints if h in ast.unparse(last.exc)), None)
        if hint is None:
            assert "The exercise above says what to compute" in ast.unparse(last.exc)


# =========================================================================== unit tests of the conversion


def nb_of(*cells):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(s) if isinstance(s, str) else s for s in cells]
    return nb


def test_conversion_handles_every_marker_form():
    solution_code = nbformat.v4.new_code_cell("def f(x, *, scale=2):\n    return scale * x\n\nprint(f(3))")
    solution_code.metadata = {"tags": ["solution"], "hint": "multiply by scale"}
    tagged_outside = nbformat.v4.new_code_cell("class Layer(object):\n    def forward(self, x):\n        return x\n")
    tagged_outside.metadata = {"tags": ["solution"]}
    check = nbformat.v4.new_code_cell("from nnscratch import checks\nchecks.check_relu(f)")
    nb = nb_of(
        "# 1. Title",
        "```{exercise} One\n:label: ex-01-one\n\nDo it.\n```",
        "Before the solution.\n\n```{solution-start} ex-01-one\n:class: dropdown\n```\nSecret words.",
        solution_code,
        "More secret prose.",
        "```{solution-end}```\nAfter the solution.",
        check,
        "```{exercise} Two\n:label: ex-01-two\n```",
        ":::{solution} ex-01-two\n:class: dropdown\nSecret too.\n:::",
        tagged_outside,
        "```{exercise} Three\n:label: ex-01-three\n```\n\n```{solution-start} ex-01-three\n:class: dropdown\n```",
        nbformat.v4.new_code_cell("print('Secret three')"),
        "```{solution-end}\n```\n\n```{exercise} Four\n:label: ex-01-four\n```\n\n"
        "````{solution-start} ex-01-four\n```\nSecret four\n```\n````",
        nbformat.v4.new_code_cell("x = 'Secret four'"),
        "```{solution-end}\n```\n\n## Summary",
    )
    student, stats = student_edition.make_student_notebook(nb)
    sources = [c.source for c in student.cells]
    assert "Before the solution." in sources and "After the solution." in sources
    joined = "\n".join(sources)
    for secret in ("Secret", "return scale * x", "print(f(3))", "return x"):
        assert secret not in joined
    assert stats == {"stubs": 4, "checks": 1}
    stub_one, stub_two, stub_three, stub_four = [c for c in student.cells if is_stub(c)]
    assert stub_three.metadata["exercise"] == "ex-01-three" and stub_four.metadata["exercise"] == "ex-01-four"
    assert sources[-5:] == ["```{exercise} Three\n:label: ex-01-three\n```", stub_three.source,
                            "```{exercise} Four\n:label: ex-01-four\n```", stub_four.source, "## Summary"]
    assert "def f(x, *, scale=2):" in stub_one.source and "# Hint: multiply by scale" in stub_one.source
    assert "class Layer(object):" in stub_two.source and "def forward(self, x):" in stub_two.source
    namespace: dict = {}
    with pytest.raises(NotImplementedError, match="Exercise ex-01-one: replace this cell"):
        exec(stub_one.source, namespace)
    with pytest.raises(NotImplementedError, match="ex-01-one: not written yet"):
        namespace["f"](1)
    with pytest.raises(NotImplementedError, match="Exercise ex-01-two: .*The exercise above says"):
        exec(stub_two.source, {})
    assert sources.index(check.source) > sources.index(stub_one.source)


# =========================================================================== execution, chapters with checks


def is_setup(cell) -> bool:
    return "remove-cell" in cell.metadata.get("tags", [])


def is_import_cell(cell) -> bool:
    """The chapter's imports (``import numpy as np`` ...), not the hidden setup cell."""
    return (cell.cell_type == "code" and "import numpy as np" in cell.source
            and "remove-cell" not in cell.metadata.get("tags", []))


DEFINITIONS = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.ClassDef)


def definitions_of(source: str) -> str:
    """The statements of a cell that only import, define a function or a class, or name a
    constant: cheap to run, and what a stub or a check may build on (a class to subclass, a
    helper to pass); the cell's other statements (data, training, figures) are left out."""
    try:
        body = ast.parse(source).body
    except SyntaxError:
        return ""
    kept = [node for node in body if isinstance(node, DEFINITIONS)
            or (isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
                and all(isinstance(target, ast.Name) for target in node.targets))]
    return "\n\n".join(ast.get_source_segment(source, node) for node in kept)


def execute_exercises(path: Path, cwd: Path):
    """Run a student copy's exercises: its imports and definitions, then every stub and self-check
    cell in order, errors allowed (each stub raises, as in a plain run).

    The lesson's other statements (data, training, figures) are not run again: the lesson's cells
    are the original's, unchanged (checked by
    ``test_student_copy_keeps_exercises_and_checks_and_clears_outputs``), which nbval executes; the
    stubs and checks build only on the chapter's imports and definitions."""
    nb = nbformat.read(path, as_version=4)
    first_import = next(c for c in nb.cells if is_import_cell(c))
    cells = [first_import]
    for cell in nb.cells:
        if cell.cell_type != "code" or cell is first_import or is_setup(cell):
            continue
        if is_stub(cell) or CHECK_CALL in cell.source:
            cells.append(cell)
        elif definitions_of(cell.source):
            cells.append(nbformat.v4.new_code_cell(definitions_of(cell.source)))
    nb.cells = cells
    NotebookClient(nb, timeout=300, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(cwd)}}).execute()
    return nb


@pytest.fixture(scope="module")
def executed(student_dir):
    """The exercises of the student copy of every chapter with self-checks, executed (each in its
    own kernel, two at a time).

    The originals are not executed here: nbval re-executes every committed chapter and compares each stored
    output, the self-checks' reports included, so the stored outputs stand for a run with the solutions."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {p.name: pool.submit(execute_exercises, student_dir / p.name, student_dir)
                   for p in CHECKED}
        return {name: f.result() for name, f in futures.items()}


def output_text(cell) -> str:
    parts = []
    for o in cell.get("outputs", []):
        if o.output_type == "stream":
            parts.append(o.text)
        elif o.output_type in ("execute_result", "display_data"):
            parts.append(o.data.get("text/plain", ""))
        elif o.output_type == "error":
            parts.append(f"{o.ename}: {o.evalue}")
    return "".join(parts)


@pytest.mark.skipif(not CHECKED, reason="no chapter has self-check cells yet")
@pytest.mark.parametrize("path", CHECKED, ids=lambda p: p.stem)
def test_student_exercises_run_the_stubs_stop_and_the_checks_fail_on_stubs(executed, path):
    nb = executed[path.name]
    imports, *code = nb.cells
    assert not [o for o in imports.outputs if o.output_type == "error"], output_text(imports)
    # (A definition that needs the lesson's data, a default argument computed from it, may fail
    # here; a stub or check that needed it would then fail below.)
    for cell in (c for c in code if is_stub(c)):
        errors = [o.ename for o in cell.outputs if o.output_type == "error"]
        assert errors == ["NotImplementedError"], "every stub stops a plain run with its hint"
    check_cells = [c for c in code if CHECK_CALL in c.source]
    assert check_cells
    for cell in check_cells:
        text = " ".join(output_text(cell).split())  # the report is wrapped at 79 characters
        assert "✗" in text and "not written yet" in text, text
        assert not [o for o in cell.outputs if o.output_type == "error"], "a check reports, it does not raise"


@pytest.mark.skipif(not CHECKED, reason="no chapter has self-check cells yet")
@pytest.mark.parametrize("path", CHECKED, ids=lambda p: p.stem)
def test_with_the_solutions_the_checks_pass(path):
    """The committed chapter, solutions in place: every self-check reports success (nbval re-runs it)."""
    nb = nbformat.read(path, as_version=4)
    check_cells = [c for c in nb.cells if c.cell_type == "code" and CHECK_CALL in c.source
                   and "solution" not in c.metadata.get("tags", [])]
    assert check_cells
    for cell in check_cells:
        assert "nbval-ignore-output" not in cell.metadata.get("tags", []), "nbval must compare the report"
        text = output_text(cell)
        assert "✓" in text and "✗" not in text, text
        assert re.search(r"all \d+ checks passed ✓", text), text
