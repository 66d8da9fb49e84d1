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


def strip_markdown(text: str, in_solution: str | None) -> tuple[str, str | None, list[str]]:
    """Remove solution text from one markdown cell. ``in_solution`` is the label of the solution that
    is open when the cell starts (or None); returns the kept text, the label open at its end, and the
    labels of the solutions that ended in it."""
    lines = text.splitlines(keepends=True)
    kept: list[str] = []
    closed: list[str] = []
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
            i += 1
            continue
        start, whole = _START.match(line), _WHOLE.match(line)
        if start:
            i = _closing(lines, i, start["fence"]) + 1
            in_solution = start["label"] or "?"
            continue
        if whole:
            i = _closing(lines, i, whole["fence"]) + 1
            continue
        kept.append(line)
        i += 1
    return "".join(kept), in_solution, closed


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Make solution-free copies of the chapter notebooks.")
    parser.add_argument("notebooks", nargs="*", type=Path,
                        help="notebooks to convert (default: every notebooks/NN_*.ipynb)")
    parser.add_argument("--out", type=Path, default=None, help="output folder (default: student/ in the repository)")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
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
