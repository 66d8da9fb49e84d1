"""Build the book without its solutions: ``NNSCRATCH_NO_SOLUTIONS=1 jupyter-book build .``, or
``bash scripts/book.sh --no-solutions``.

Without the variable this extension does nothing. With it, every page loses
  * each exercise's solution: a gated ``solution-start`` … ``solution-end`` block with everything between
    the two markers (prose and code cells alike), and any one-piece ``solution`` directive;
  * any code cell tagged ``solution`` (myst-nb gives its container the class ``tag_solution``);
  * every node with the class ``quiz-answer`` (the folded answers of the quiz bank);
and the downloadable copies of the pages (``_sources/``, behind the download button) are replaced by
solution-free ones: the student edition of each chapter notebook, and Markdown pages without their
answers. A banner at the top of every page says that this edition has no solutions, and the Binder and
Colab buttons, which open the repository's notebooks with their solutions, are left out.

(sphinx-exercise's own ``hide_solutions`` option drops the ``solution-start`` marker but leaves the
content between the markers on the page, so it is not used.)
"""

from __future__ import annotations

import importlib.util
import os
import re
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.transforms import SphinxTransform

ENV_VAR = "NNSCRATCH_NO_SOLUTIONS"
ANSWER_CLASS = "quiz-answer"
BANNER = ("This edition of the book has no solutions: the exercises are here, their answers are not.")

_FENCE = r"(?P<fence>`{3,}|:{3,})"
_ANSWER_OPEN = re.compile(rf"^\s*{_FENCE}\{{[\w-]+\}}")


def _enabled(config) -> bool:
    return bool(config.nnscratch_no_solutions)


class RemoveSolutions(SphinxTransform):
    """Remove solutions and answers from a page, before sphinx-exercise merges the gated blocks (10)."""

    default_priority = 5

    def apply(self) -> None:
        if not _enabled(self.config):
            return
        from sphinx_exercise.nodes import solution_end_node, solution_node, solution_start_node

        for start in list(self.document.findall(solution_start_node)):
            parent = start.parent
            if parent is None:
                continue
            i = parent.index(start)
            j = next((k for k in range(i + 1, len(parent.children))
                      if isinstance(parent.children[k], solution_end_node)), None)
            if j is None:  # sphinx-exercise reports the missing end marker itself
                parent.remove(start)
                continue
            for child in parent.children[i:j + 1]:
                parent.remove(child)
        for node in list(self.document.findall(solution_node)):
            node.parent.remove(node)
        for node in list(self.document.findall(nodes.Element)):
            classes = node.get("classes", [])
            if node.parent is not None and (ANSWER_CLASS in classes or "tag_solution" in classes):
                node.parent.remove(node)


def strip_answers(text: str) -> str:
    """Markdown without the directives whose options give them the class ``quiz-answer``."""
    lines = text.splitlines(keepends=True)
    kept: list[str] = []
    i = 0
    while i < len(lines):
        opened = _ANSWER_OPEN.match(lines[i])
        if opened:
            fence = opened["fence"]
            end = next((j for j in range(i + 1, len(lines)) if lines[j].strip() == fence), len(lines) - 1)
            options = "".join(lines[i + 1:end])
            if re.search(rf"^:class:.*\b{ANSWER_CLASS}\b", options, re.M):
                i = end + 1
                continue
        kept.append(lines[i])
        i += 1
    return "".join(kept)


def _student_edition(srcdir: Path):
    spec = importlib.util.spec_from_file_location("student_edition", srcdir / "scripts" / "student_edition.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def replace_sources(app: Sphinx, exception: Exception | None) -> None:
    """The download button serves ``_sources/``: put solution-free copies there."""
    if exception is not None or not _enabled(app.config) or app.builder.format != "html":
        return
    import nbformat

    sources = Path(app.outdir) / "_sources"
    if not sources.is_dir():
        return
    student_edition = _student_edition(Path(app.srcdir))
    for path in sorted(sources.rglob("*")):
        if path.suffix == ".ipynb":
            nb = nbformat.read(path, as_version=4)
            student, _ = student_edition.make_student_notebook(nb)
            nbformat.write(student, path)
        elif path.suffix in (".md", ".txt"):
            text = path.read_text(encoding="utf-8")
            kept, _, _ = student_edition.strip_markdown(text, None)
            path.write_text(strip_answers(kept), encoding="utf-8")


def read_switch(app: Sphinx, config) -> None:
    if os.environ.get(ENV_VAR, "") not in ("", "0"):
        config.nnscratch_no_solutions = True
    if _enabled(config):
        options = dict(config.html_theme_options or {})
        options["announcement"] = BANNER
        # The Binder and Colab buttons open the repository's notebooks, solutions included.
        options["launch_buttons"] = {}
        config.html_theme_options = options


def setup(app: Sphinx) -> dict:
    app.add_config_value("nnscratch_no_solutions", False, "env")
    app.connect("config-inited", read_switch)
    app.add_transform(RemoveSolutions)
    app.connect("build-finished", replace_sources)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
