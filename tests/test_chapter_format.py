"""What a reader sees of a chapter: code that fits the column, figures with captions and alt text, chapter
mentions and exercise references that are links, and numbers in the prose that come from the outputs.

These tests read the stored notebooks only (nothing is executed). The chapters join ``CONVERTED`` as they
are converted to this format; the other chapters join the list as they are converted.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CONVERTED = [
    "01_neuron", "02_layer_and_batches", "03_dense_layer", "04_activations", "05_softmax",
    "06_loss_and_accuracy", "07_random_search", "08_derivatives", "09_backpropagation",
    "10_gradient_descent", "12_validation",
    # 11 and 13-19 join as they are converted.
]
CHAPTERS = {p.stem: p for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")}
MAX_CODE_LINE = 80

# Numbers the prose states itself (constants it sets, values it derives by hand or quotes from elsewhere),
# per chapter: they need not appear in the stored outputs. Keep these lists short and reviewable.
PROSE_CONSTANTS: dict[str, set[str]] = {
    "10_gradient_descent": {"52.67"},  # the accuracy 0.5267 written as a percentage
}


def cells(stem: str) -> list[dict]:
    return json.loads(CHAPTERS[stem].read_text(encoding="utf-8"))["cells"]


def source(cell: dict) -> str:
    return "".join(cell["source"])


def prose(cell: dict) -> str:
    """The text of a markdown cell without math, code spans, code blocks and the targets of roles."""
    text = source(cell)
    text = re.sub(r"```.*?```", " ", text, flags=re.S)
    text = re.sub(r"\$\$.*?\$\$", " ", text, flags=re.S)
    text = re.sub(r"\\begin\{(\w+\*?)\}.*?\\end\{\1\}", " ", text, flags=re.S)
    text = re.sub(r"\$(-?\d+\.\d+)\$", r" \1 ", text)  # a number set as math, $0.8638$, is a quote
    text = re.sub(r"\$[^$\n]+\$", " ", text)
    text = re.sub(r"\{(doc|ref|numref|term|eq|cite:\w+)\}`[^`]*`", " ", text)
    text = re.sub(r"`[^`\n]*`", " ", text)
    return text


def is_setup_cell(cell: dict) -> bool:
    return "remove-cell" in cell["metadata"].get("tags", []) and "NNSCRATCH_SOURCE" in source(cell)


@pytest.mark.parametrize("stem", CONVERTED)
def test_code_lines_fit_the_column(stem):
    """Code wider than 80 characters is clipped at the edge of the book's column."""
    long = [f"cell {i}: {line}" for i, c in enumerate(cells(stem))
            if c["cell_type"] == "code" and not is_setup_cell(c)
            for line in source(c).splitlines() if len(line) > MAX_CODE_LINE]
    assert not long, f"{len(long)} code lines longer than {MAX_CODE_LINE} characters:\n" + "\n".join(long)


@pytest.mark.parametrize("stem", CONVERTED)
def test_every_figure_has_a_caption_and_alt_text(stem):
    """myst-nb turns the cell metadata ``mystnb.figure`` (caption, name) and ``mystnb.image.alt`` into a
    numbered, referable figure with a description for screen readers."""
    number = stem[:2]
    problems = []
    for i, c in enumerate(cells(stem)):
        if c["cell_type"] != "code":
            continue
        images = [o for o in c["outputs"]
                  if {"image/png", "image/svg+xml"} & set(o.get("data", {}))]
        if not images:
            continue
        meta = c["metadata"].get("mystnb", {})
        figure, image = meta.get("figure", {}), meta.get("image", {})
        if len(images) > 1:
            problems.append(f"cell {i}: one figure per cell ({len(images)} images)")
        if len(figure.get("caption", "")) < 20:
            problems.append(f"cell {i}: no caption")
        if not re.fullmatch(rf"fig-{number}-[a-z0-9-]+", figure.get("name", "")):
            problems.append(f"cell {i}: figure name must be fig-{number}-…")
        if len(image.get("alt", "")) < 30:
            problems.append(f"cell {i}: no alt text describing the figure")
    assert not problems, "\n".join(problems)


def test_figure_names_are_unique_in_the_book():
    names = [c["metadata"]["mystnb"]["figure"]["name"] for stem in CHAPTERS for c in cells(stem)
             if "figure" in c["metadata"].get("mystnb", {})]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("stem", CONVERTED)
def test_chapter_mentions_are_links(stem):
    """Every "chapter N" in the prose is a {doc} link, e.g. {doc}`chapter 9 <09_backpropagation>`; the
    chapter's own title line is the one exception."""
    bare = []
    for i, c in enumerate(cells(stem)):
        if c["cell_type"] != "markdown":
            continue
        text = prose(c)
        if i == 1:
            text = text.partition("\n")[2]
        bare += [f"cell {i}: …{m.group(0)}…" for m in re.finditer(r".{0,30}\b[Cc]hapters? \d+.{0,10}", text)]
    assert not bare, "write these as {doc} links:\n" + "\n".join(bare)


@pytest.mark.parametrize("stem", CONVERTED)
def test_chapter_links_point_to_the_right_chapter(stem):
    for c in cells(stem):
        for word, number, target in re.findall(r"\{doc\}`([Cc]hapters? )?(\d+) <([^>]+)>`", source(c)):
            assert target in CHAPTERS, target
            assert target[:2] == f"{int(number):02d}", f"chapter {number} links to {target}"


BAD_EXERCISE_REFERENCE = re.compile(
    r"[Ee]xercises? +(\d|\{(ref|numref)\})"                      # "exercise 2", "exercise {ref}`…`" ("exercise Exercise 14")
    r"|\b(previous|next|first|second|third|last|above) exercise"  # positions change when exercises move
    r"|[Ee]xercise \*")                                           # named by its title in the text


@pytest.mark.parametrize("stem", CONVERTED)
def test_exercise_references_are_links(stem):
    """Exercise boxes are numbered by sphinx-exercise across the book; only a {ref} link to the exercise's
    label (rendered as "Exercise 14") shows the number of the box."""
    bad = []
    for i, c in enumerate(cells(stem)):
        if c["cell_type"] != "markdown":
            continue
        text = re.sub(r"```\{(exercise|solution-start)\}[^\n]*", " ", source(c))
        bad += [f"cell {i}: {m.group(0)!r}" for m in BAD_EXERCISE_REFERENCE.finditer(text)]
    assert not bad, "refer to exercises with {ref}`ex-NN-name`:\n" + "\n".join(bad)


def output_text(cell: dict) -> str:
    parts = []
    for o in cell.get("outputs", []):
        if o["output_type"] == "stream":
            parts.append("".join(o["text"]))
        elif "text/plain" in o.get("data", {}):
            parts.append("".join(o["data"]["text/plain"]))
    return "\n".join(parts)


NUMBER = re.compile(r"(?<![\w.])(\d+\.\d+)(?![\w.]*\d)")


def significant_digits(number: str) -> int:
    return len(number.replace(".", "").lstrip("0"))


@pytest.mark.parametrize("stem", CONVERTED)
def test_numbers_in_the_prose_come_from_the_outputs(stem):
    """A number with 3 or more significant digits (0.6934, 3.07, 98.34) quoted in the prose appears in the
    chapter's stored outputs (or in its code, where the chapter sets it), or is listed in PROSE_CONSTANTS.
    When a computation changes, the test then names every sentence that still quotes the old value."""
    cs = cells(stem)
    known = "\n".join(output_text(c) + "\n" + source(c) for c in cs if c["cell_type"] == "code")
    known_numbers = set(re.findall(r"\d+\.\d+", known))
    allowed = PROSE_CONSTANTS.get(stem, set())
    missing = []
    for i, c in enumerate(cs):
        if c["cell_type"] != "markdown":
            continue
        for number in NUMBER.findall(prose(c)):
            if significant_digits(number) < 3 or number in allowed:
                continue
            if number not in known_numbers and number not in known:
                missing.append(f"cell {i}: {number}")
    assert not missing, "numbers in the prose that no output shows:\n" + "\n".join(missing)
