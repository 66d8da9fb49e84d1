"""Make the student edition of the chapters: copies without the solutions, for a class to work in.

    python scripts/student_edition.py                                   # every chapter -> student/
    python scripts/student_edition.py notebooks/05_softmax.ipynb --out /tmp/class

In each copy
  * the solution text is removed: everything from a ```{solution-start}``` marker to its
    ```{solution-end}``` marker, both included (and any one-piece ```{solution}``` directive);
  * the solution code cells (inside a solution, or tagged ``solution``) become one stub cell per
    exercise. The stub keeps the names the solution defined, as functions or classes whose bodies raise
    ``NotImplementedError`` (so a self-check cell reports "not written yet" instead of a ``NameError``),
    and then raises ``NotImplementedError`` itself with a hint: the ``hint`` in the solution cell's
    metadata if there is one, else a sentence naming the exercise;
  * every output is cleared; the exercises and the self-check cells (``checks.check_…``) are kept.

``student/`` is in .gitignore: the student edition is made, not committed.

    python scripts/student_edition.py notebooks/05_softmax.ipynb --nbgrader course/

writes instead an nbgrader course folder: ``course/source/05_softmax/05_softmax.ipynb``, where each
exercise's solution sits between nbgrader's ``### BEGIN SOLUTION`` / ``### END SOLUTION`` markers in a
solution cell and each self-check cell is an autograded test cell with points, and
``course/nbgrader_config.py``. From ``course/``, ``nbgrader generate_assignment 05_softmax`` makes the
students' copy (release/) and ``nbgrader autograde 05_softmax`` grades what they hand in (submitted/).
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
import textwrap
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]

_FENCE = r"(?P<fence>`{3,}|:{3,})"
_START = re.compile(rf"^\s*{_FENCE}\{{solution-start\}}\s*(?P<label>\S*)")
_END = re.compile(rf"^\s*{_FENCE}\{{solution-end\}}")
_WHOLE = re.compile(rf"^\s*{_FENCE}\{{solution\}}\s*(?P<label>\S*)")
_LABEL = re.compile(r"^:label:\s*(\S+)", re.M)

NOTE = (
    "```{note}\n"
    "**Student edition.** The solutions are not in this copy. Where one was, a cell marked *Exercise …: your "
    "turn* raises `NotImplementedError`: replace it with your own code. A cell that calls "
    "`checks.check_…` after it tests what you wrote and prints ✓ or ✗, with a hint, for each property.\n"
    "```"
)


def _closing(lines: list[str], i: int, fence: str) -> int:
    """Index of the line that closes the directive opened on line ``i`` (or the last line)."""
    for j in range(i + 1, len(lines)):
        if lines[j].strip() == fence:
            return j
    return len(lines) - 1


def split_markdown(text: str, in_solution: str | None) -> tuple[str, dict[str, str], str | None, list[str]]:
    """Split one markdown cell into the text outside the solutions and the text inside them.
    ``in_solution`` is the label of the solution that is open when the cell starts (or None); returns the
    kept text, the solution text of each label (without the markers and their options), the label open at
    the end of the cell, and the labels of the solutions that ended in it."""
    lines = text.splitlines(keepends=True)
    kept: list[str] = []
    inner: dict[str, list[str]] = {}
    closed: list[str] = []

    def content(first: int, last: int, label: str) -> None:  # a directive's body, without its options
        body = [line for line in lines[first:last] if not re.match(r"^:[\w-]+:", line)]
        inner.setdefault(label, []).extend(body)

    i = 0
    while i < len(lines):
        line = lines[i]
        if in_solution is not None:
            end = _END.match(line)
            if end:
                rest = line.strip()[len(end["fence"]) + len("{solution-end}"):].strip()
                if rest != end["fence"]:  # not closed on the same line, as in ```{solution-end}```
                    i = _closing(lines, i, end["fence"])
                closed.append(in_solution)
                in_solution = None
            else:
                inner.setdefault(in_solution, []).append(line)
            i += 1
            continue
        start, whole = _START.match(line), _WHOLE.match(line)
        if start:
            close = _closing(lines, i, start["fence"])
            in_solution = start["label"] or "?"
            content(i + 1, close, in_solution)
            i = close + 1
            continue
        if whole:
            close = _closing(lines, i, whole["fence"])
            content(i + 1, close, whole["label"] or "?")
            i = close + 1
            continue
        kept.append(line)
        i += 1
    return "".join(kept), {k: "".join(v) for k, v in inner.items()}, in_solution, closed


def strip_markdown(text: str, in_solution: str | None) -> tuple[str, str | None, list[str]]:
    """Remove solution text from one markdown cell. ``in_solution`` is the label of the solution that
    is open when the cell starts (or None); returns the kept text, the label open at its end, and the
    labels of the solutions that ended in it."""
    kept, _, in_solution, closed = split_markdown(text, in_solution)
    return kept, in_solution, closed


def skeleton(source: str, message: str) -> str:
    """The functions and classes that ``source`` defines at top level, with bodies that raise
    ``NotImplementedError(message)``; empty when it defines none (or does not parse)."""
    clean = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))
    try:
        tree = ast.parse(clean)
    except SyntaxError:
        return ""
    raise_line = f"raise NotImplementedError({message!r})"

    def function(node: ast.FunctionDef | ast.AsyncFunctionDef, indent: str) -> list[str]:
        out = [f"{indent}@{ast.unparse(d)}" for d in node.decorator_list]
        kind = "async def" if isinstance(node, ast.AsyncFunctionDef) else "def"
        returns = f" -> {ast.unparse(node.returns)}" if node.returns else ""
        out.append(f"{indent}{kind} {node.name}({ast.unparse(node.args)}){returns}:")
        out.append(f"{indent}    {raise_line}")
        return out

    parts: list[list[str]] = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            parts.append(function(node, ""))
        elif isinstance(node, ast.ClassDef):
            bases = [ast.unparse(b) for b in node.bases] + [ast.unparse(k) for k in node.keywords]
            head = [f"@{ast.unparse(d)}" for d in node.decorator_list]
            head.append(f"class {node.name}({', '.join(bases)}):" if bases else f"class {node.name}:")
            methods = [function(m, "    ") for m in node.body if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef))]
            body = [line for i, m in enumerate(methods) for line in ([""] if i else []) + m] or ["    pass"]
            parts.append(head + body)
    return "\n\n\n".join("\n".join(p) for p in parts)


def stub_source(label: str, sources: list[str], hint: str | None) -> str:
    """The code of the stub that replaces the solution code ``sources`` of exercise ``label``."""
    lines = [f"# Exercise {label}: your turn. Replace this cell with your own code, then run it."]
    if hint:
        lines.append(textwrap.fill(f"Hint: {hint}", width=100, initial_indent="# ", subsequent_indent="#   ",
                                   break_on_hyphens=False, break_long_words=False))
    defs = [s for s in (skeleton(src, f"exercise {label}: not written yet") for src in sources) if s]
    if defs:
        lines += ["", "\n\n\n".join(defs), "", ""]
    message = f"Exercise {label}: replace this cell with your own code. " + (
        f"Hint: {hint}" if hint else "The exercise above says what to compute.")
    lines.append(f"raise NotImplementedError({message!r})")
    return "\n".join(lines)


def _cell_id(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "-", text)[:64]


def make_student_notebook(nb: nbformat.NotebookNode) -> tuple[nbformat.NotebookNode, dict[str, int]]:
    """The student edition of ``nb`` (a new notebook) and counts of what was done."""
    cells: list[nbformat.NotebookNode] = []
    in_solution: str | None = None
    last_label = "?"
    group: list[nbformat.NotebookNode] = []
    stats = {"stubs": 0, "checks": 0}

    def flush(label: str) -> None:
        if not group:
            return
        hint = next((c.metadata.get("hint") for c in group if c.metadata.get("hint")), None)
        stub = nbformat.v4.new_code_cell(stub_source(label, [c.source for c in group], hint))
        stub.id = _cell_id(f"stub-{label}-{stats['stubs']}")
        stub.metadata = {"tags": ["exercise-stub"], "exercise": label}
        cells.append(stub)
        stats["stubs"] += 1
        group.clear()

    for cell in nb.cells:
        if cell.cell_type == "markdown":
            last_label = (_LABEL.findall(cell.source) or [last_label])[-1]
            text, in_solution, closed = strip_markdown(cell.source, in_solution)
            if closed:
                flush(closed[0])  # the solution closed in this cell: its code becomes one stub
            if text.strip():
                new = nbformat.from_dict(dict(cell))
                new.source = text.strip("\n")
                cells.append(new)
            continue
        tags = cell.metadata.get("tags", [])
        if cell.cell_type == "code" and (in_solution is not None or "solution" in tags):
            group.append(cell)
            if in_solution is None:  # a tagged solution cell outside a solution block
                flush(last_label)
            continue
        new = nbformat.from_dict(dict(cell))
        if new.cell_type == "code":
            new.outputs, new.execution_count = [], None
            stats["checks"] += "checks.check_" in new.source
        cells.append(new)
    if in_solution is not None:
        print(f"warning: the solution of {in_solution} is not closed by a solution-end marker", file=sys.stderr)
        flush(in_solution)

    # A note for the reader, after the title cell (the first markdown cell).
    first_md = next((i for i, c in enumerate(cells) if c.cell_type == "markdown"), len(cells) - 1)
    note = nbformat.v4.new_markdown_cell(NOTE)
    note.id = "student-edition-note"
    cells.insert(first_md + 1, note)

    out = nbformat.from_dict(dict(nb))
    out.cells = cells
    out.metadata.pop("widgets", None)
    return out, stats


# =========================================================================== the nbgrader edition

NBGRADER_NOTE = (
    "```{note}\n"
    "**Graded edition.** Write your code in the cells that say `YOUR CODE HERE` (delete the line "
    "`raise NotImplementedError()`) and your written answers where it says `YOUR ANSWER HERE`. The cells "
    "that call `checks.check_…` are graded automatically: each earns its points when every property it "
    "tests holds.\n"
    "```"
)
NBGRADER_CONFIG = '''# nbgrader's configuration for the course folder written by scripts/student_edition.py --nbgrader.
# Each chapter is one assignment, named like its notebook: nbgrader generate_assignment 05_softmax
c = get_config()
c.CourseDirectory.course_id = "neural-networks-from-scratch"
# The chapters load MNIST and train networks: give a cell time to finish when autograding.
c.ExecutePreprocessor.timeout = 600
'''


def _nbgrader(cell: nbformat.NotebookNode, grade_id: str, *, solution: bool, grade: bool,
              points: float = 0, locked: bool = False) -> None:
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
            "solution": solution, "task": False}
    if grade:
        meta["points"] = points
    cell.metadata["nbgrader"] = meta


def _check_calls(source: str) -> list[str]:
    """The names of the self-checks called as statements at the top level of ``source``."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    return [node.value.func.attr for node in tree.body
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Attribute) and node.value.func.attr.startswith("check_")]


def graded_check_source(source: str) -> str:
    """A self-check cell as an nbgrader test: each ``checks.check_…(…)`` statement keeps printing its
    report, and then fails the cell (an ``AssertionError``) unless every property held."""
    lines = source.splitlines()
    tree = ast.parse(source)
    for node in reversed(tree.body):
        if (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
                and isinstance(node.value.func, ast.Attribute) and node.value.func.attr.startswith("check_")):
            indent = lines[node.lineno - 1][:node.col_offset]
            call = "\n".join(lines[node.lineno - 1:node.end_lineno])[node.col_offset:]
            lines[node.lineno - 1:node.end_lineno] = [
                f"{indent}report = {call}", f"{indent}assert report.passed, report.summary"]
    return "\n".join(lines)


def _solution_region(header: list[str], body: str) -> str:
    return "\n".join(header + ["### BEGIN SOLUTION", body.strip("\n"), "### END SOLUTION"])


def make_nbgrader_notebook(nb: nbformat.NotebookNode, *, check_points: float = 1,
                           answer_points: float = 1) -> tuple[nbformat.NotebookNode, dict[str, int]]:
    """The source version of ``nb`` for nbgrader (a new notebook) and counts of what was done.

    For each exercise with a solution, at the place of the solution: its code cells joined into one
    answer cell, and its prose in one written-answer cell, each with the solution between nbgrader's
    ``### BEGIN SOLUTION`` and ``### END SOLUTION`` markers (``nbgrader generate_assignment`` replaces
    the region with a stub). A self-check cell becomes an autograded test cell worth ``check_points``
    per check; the code answer it tests is graded through it, every other answer (code or prose) is
    graded by hand and worth ``answer_points``. Lesson cells are kept, outputs cleared."""
    cells: list[nbformat.NotebookNode] = []
    in_solution: str | None = None
    last_label = "?"
    code_group: list[nbformat.NotebookNode] = []
    prose: dict[str, str] = {}
    last_code: list[nbformat.NotebookNode] = []
    used: set[str] = set()
    stats = {"answers": 0, "written": 0, "tests": 0, "points": 0}

    def unique(grade_id: str) -> str:
        base, n = _cell_id(grade_id), 2
        grade_id = base
        while grade_id in used:
            grade_id, n = f"{base}-{n}", n + 1
        used.add(grade_id)
        return grade_id

    def flush(label: str) -> None:
        if code_group:
            hint = next((c.metadata.get("hint") for c in code_group if c.metadata.get("hint")), None)
            header = [f"# Exercise {label}: your code."]
            if hint:
                header.append(textwrap.fill(f"Hint: {hint}", width=100, initial_indent="# ",
                                            subsequent_indent="#   ", break_on_hyphens=False,
                                            break_long_words=False))
            names = [line.strip().rstrip(":") for src in code_group
                     for line in skeleton(src.source, "").splitlines()
                     if line.startswith(("def ", "class ", "async def "))]
            if names:
                header.append("# Define: " + "; ".join(names))
            cell = nbformat.v4.new_code_cell(_solution_region(header, "\n\n".join(c.source for c in code_group)))
            cell.id = unique(f"{label}-code")
            _nbgrader(cell, cell.id, solution=True, grade=True, points=answer_points)
            cells.append(cell)
            last_code[:] = [cell]
            stats["answers"] += 1
            code_group.clear()
        text = prose.pop(label, "").strip("\n")
        if text.strip():
            cell = nbformat.v4.new_markdown_cell(_solution_region([f"**Exercise {label}: your answer.**", ""], text))
            cell.id = unique(f"{label}-answer")
            _nbgrader(cell, cell.id, solution=True, grade=True, points=answer_points)
            cells.append(cell)
            stats["written"] += 1

    for cell in nb.cells:
        if cell.cell_type == "markdown":
            last_label = (_LABEL.findall(cell.source) or [last_label])[-1]
            text, inner, in_solution, closed = split_markdown(cell.source, in_solution)
            for label, body in inner.items():  # one paragraph per cell
                prose[label] = f"{prose[label].rstrip()}\n\n{body}" if prose.get(label, "").strip() else body
            for label in closed:
                flush(label)
            if text.strip():
                new = nbformat.from_dict(dict(cell))
                new.source = text.strip("\n")
                cells.append(new)
            continue
        tags = cell.metadata.get("tags", [])
        if cell.cell_type == "code" and (in_solution is not None or "solution" in tags):
            code_group.append(cell)
            if in_solution is None:
                flush(last_label)
            continue
        new = nbformat.from_dict(dict(cell))
        if new.cell_type == "code":
            new.outputs, new.execution_count = [], None
            checks_called = _check_calls(new.source)
            if checks_called:
                new.source = graded_check_source(new.source)
                new.id = unique("test-" + "-".join(name.replace("_", "-") for name in checks_called))
                points = check_points * len(checks_called)
                _nbgrader(new, new.id, solution=False, grade=True, points=points, locked=True)
                stats["tests"] += 1
                for answer in last_code:  # the code this check tests is graded by the check
                    answer.metadata["nbgrader"].update(grade=False)
                    answer.metadata["nbgrader"].pop("points", None)
        cells.append(new)
    if in_solution is not None:
        print(f"warning: the solution of {in_solution} is not closed by a solution-end marker", file=sys.stderr)
        flush(in_solution)

    first_md = next((i for i, c in enumerate(cells) if c.cell_type == "markdown"), len(cells) - 1)
    note = nbformat.v4.new_markdown_cell(NBGRADER_NOTE)
    note.id = "graded-edition-note"
    cells.insert(first_md + 1, note)
    stats["points"] = sum(c.metadata.get("nbgrader", {}).get("points", 0) for c in cells)

    out = nbformat.from_dict(dict(nb))
    out.cells = cells
    out.metadata.pop("widgets", None)
    return out, stats


def write_nbgrader_course(paths: list[Path], course: Path) -> None:
    """Write ``course/source/<chapter>/<chapter>.ipynb`` for each chapter, and ``course/nbgrader_config.py``
    unless there is one."""
    config = course / "nbgrader_config.py"
    course.mkdir(parents=True, exist_ok=True)
    if not config.exists():
        config.write_text(NBGRADER_CONFIG)
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        graded, stats = make_nbgrader_notebook(nb)
        nbformat.validate(graded)
        target = course / "source" / path.stem / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(graded, target)
        print(f"{path.name}: {stats['answers']} code answers, {stats['written']} written answers, "
              f"{stats['tests']} autograded self-checks, {stats['points']:g} points -> {target}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Make solution-free copies of the chapter notebooks.")
    parser.add_argument("notebooks", nargs="*", type=Path,
                        help="notebooks to convert (default: every notebooks/NN_*.ipynb)")
    parser.add_argument("--out", type=Path, default=None, help="output folder (default: student/ in the repository)")
    parser.add_argument("--nbgrader", type=Path, default=None, metavar="COURSE",
                        help="write an nbgrader course folder instead: COURSE/source/<chapter>/<chapter>.ipynb "
                             "with solution and autograded test cells, and COURSE/nbgrader_config.py")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    if args.nbgrader is not None:
        if args.out is not None:
            parser.error("--out and --nbgrader write different things: give one of them")
        write_nbgrader_course(paths, args.nbgrader)
        return 0
    out_dir = args.out if args.out is not None else ROOT / "student"
    out_dir.mkdir(parents=True, exist_ok=True)
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        student, stats = make_student_notebook(nb)
        nbformat.validate(student)
        target = out_dir / path.name
        nbformat.write(student, target)
        print(f"{path.name}: {stats['stubs']} exercise stubs, {stats['checks']} self-check cells -> {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
