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
    "10_gradient_descent", "11_optimizers", "12_validation", "13_regularization", "14_other_outputs",
    "15_model", "16_mnist", "17_fashion_mnist", "18_saving_loading", "19_making_it_fast",
    "20_initialisation", "21_batch_normalization", "22_convolution", "23_autodiff",
]
CHAPTERS = {p.stem: p for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")}
MAX_CODE_LINE = 80

# Numbers the prose states itself (constants it sets, values it derives by hand or quotes from elsewhere),
# per chapter: they need not appear in the stored outputs. Keep these lists short and reviewable.
PROSE_CONSTANTS: dict[str, set[str]] = {
    "10_gradient_descent": {"52.67"},  # the accuracy 0.5267 written as a percentage
    "11_optimizers": {"96.3"},  # the accuracy 0.963 written as a percentage
    "13_regularization": {"0.0525"},  # a penalty worked out by hand
    "14_other_outputs": {"0.7070"},  # a made-up prediction next to the target 0.7071
    "15_model": {"98.1"},  # the printed fraction 0.981 as a percentage
    "16_mnist": {"0.999"},  # an example of a confident probability
    # the ratio 2.82 / 0.92 of two printed times; a table measured on another machine (PyTorch)
    # the benchmark's table, quoted from benchmarks/README.md
    "19_making_it_fast": {"0.683", "0.492", "0.579", "0.751", "0.237", "0.8726", "0.8766", "0.8798",
                          "0.719", "0.754"},
    # the target 0.992 as a percentage; the benchmark's table, quoted from benchmarks/README.md
    "22_convolution": {"99.2", "7.49", "3.52", "0.9790", "0.9799", "2.13", "1.00"},
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
def test_self_check_reports_fit_the_column(stem):
    """The self-checks print their reports wrapped (``nnscratch.checks.harness.wrap``), so a stored
    report line with a ✓ or ✗ longer than that is a report from before the wrapping: re-run the cell."""
    from nnscratch.checks.harness import WIDTH

    long = [f"cell {i}: {line}" for i, c in enumerate(cells(stem)) if c["cell_type"] == "code"
            for o in c.get("outputs", []) if o.get("output_type") == "stream"
            for line in "".join(o["text"]).splitlines()
            if len(line) > WIDTH and ("✓" in line or "✗" in line)]
    assert not long, f"self-check lines wider than {WIDTH} characters:\n" + "\n".join(long)


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


# Math that fits the column. MathJax does not wrap a formula: a display wider than the column (about 60
# symbols of display math at 1280 px) gets a scroll bar, and a long inline formula breaks the line badly.
# math_width estimates the rendered width in symbols (no browser needed); the limits are set so that the
# displays that overflowed at 1280 px (chapter 8's sigmoid derivative was 55, chapter 14's sigmoid-and-
# cross-entropy gradient 69) fail. Split a wide display into rows with \begin{aligned} … \\ …; move a long
# inline formula to a display.
MAX_DISPLAY_WIDTH = 54
MAX_INLINE_WIDTH = 36
def _group(s, i):
    """s[i] == '{': return (content, index after the closing brace)."""
    depth = 0
    for j in range(i, len(s)):
        depth += {"{": 1, "}": -1}.get(s[j], 0)
        if depth == 0:
            return s[i + 1:j], j + 1
    return s[i + 1:], len(s)
def math_width(tex):
    """Rough rendered width of a LaTeX formula, in symbols: a command is one symbol, a fraction is as wide
    as the wider of its two parts, sub- and superscripts count 0.6, spacing and braces nothing."""
    total, i = 0.0, 0
    while i < len(tex):
        m = re.match(r"\\[dt]?frac\s*", tex[i:])
        if m and i + m.end() < len(tex) and tex[i + m.end()] == "{":
            num, k = _group(tex, i + m.end())
            den, k = _group(tex, k) if k < len(tex) and tex[k] == "{" else ("", k)
            total += max(math_width(num), math_width(den)); i = k; continue
        m = re.match(r"[_^]\s*", tex[i:])
        if m:
            k = i + m.end()
            if k < len(tex) and tex[k] == "{":
                sub, k = _group(tex, k)
            elif tex[k:k + 1] == "\\":
                c = re.match(r"\\[a-zA-Z]+\s*", tex[k:])
                k += c.end() if c else 2
                arg, k = _group(tex, k) if k < len(tex) and tex[k] == "{" else ("", k)
                sub = tex[k - len(arg) - 2 - (c.end() if c else 2):k] if arg else tex[k - (c.end() if c else 2):k]
            else:
                sub, k = tex[k:k + 1], k + 1
            total += 0.6 * math_width(sub); i = k; continue
        m = re.match(r"\\(text|mathrm|operatorname)\s*\{", tex[i:])
        if m:
            sub, k = _group(tex, i + m.end() - 1); total += 0.8 * len(sub); i = k; continue
        m = re.match(r"\\(qquad)", tex[i:])
        if m: total += 2; i += m.end(); continue
        m = re.match(r"\\(quad)", tex[i:])
        if m: total += 1; i += m.end(); continue
        m = re.match(r"\\(left|right|[Bb]igg?[lr]?|mathbin|begin\{\w+\}|end\{\w+\}|underbrace|[,;:!])", tex[i:])
        if m: i += m.end(); continue
        m = re.match(r"\\(leftarrow|rightarrow|to|cdot|approx|le|ge|times|pm|mp|neq)(?![a-zA-Z])", tex[i:])
        if m: total += 1.5; i += m.end(); continue
        m = re.match(r"\\[a-zA-Z]+|\\.", tex[i:])
        if m: total += 1; i += m.end(); continue
        if tex[i] in "=+-<>": total += 1.5
        elif tex[i] not in "{} \n\t&": total += 1
        i += 1
    return total


def math_in(cell: dict) -> tuple[list[str], list[str]]:
    """The display rows and the inline formulas of a markdown cell."""
    text = re.sub(r"```(?!\{)[^\n]*\n.*?```", " ", source(cell), flags=re.S)  # code blocks, not directives
    displays = re.findall(r"\$\$(.*?)\$\$", text, flags=re.S)
    rows = [row for d in displays for row in re.split(r"\\\\", d)]
    text = re.sub(r"\$\$.*?\$\$", " ", text, flags=re.S)
    text = re.sub(r"`[^`\n]*`", " ", text)
    return rows, re.findall(r"\$([^$]+?)\$", text)


@pytest.mark.parametrize("stem", [s for s in CONVERTED])
def test_math_fits_the_column(stem):
    wide = []
    for i, c in enumerate(cells(stem)):
        if c["cell_type"] != "markdown":
            continue
        rows, inline = math_in(c)
        wide += [f"cell {i}: display row of width {math_width(r):.0f}: {' '.join(r.split())[:90]}"
                 for r in rows if math_width(r) > MAX_DISPLAY_WIDTH]
        wide += [f"cell {i}: inline formula of width {math_width(m):.0f}: {' '.join(m.split())[:90]}"
                 for m in inline if math_width(m) > MAX_INLINE_WIDTH]
    assert not wide, "formulas wider than the column:\n" + "\n".join(wide)


def test_math_width_estimate():
    assert math_width(r"\frac{a + b}{c}") == math_width("a + b")
    assert math_width(r"x_{ij}^2") < math_width("xij2")
    assert math_width(r"\begin{aligned} a &= b \end{aligned}") == math_width("a = b")


# Glossary terms. The first use of each glossary term in a chapter's prose links to its entry,
# {term}`softmax` or {term}`weights <Weight>`; later uses stay plain. Headings, code, math, directive
# headers, link texts and a chapter's title after its link ({doc}`chapter 3 <03_dense_layer>`, *The Dense
# layer*) are not prose. "Bias correction" (Adam's) is not the glossary's bias.
GLOSSARY = ROOT / "book" / "glossary.md"
NOT_TERMS = ["bias correction", "bias-corrected", "bias corrections"]


def glossary_terms() -> list[str]:
    body = re.search(r"```\{glossary\}\n(.*?)\n```", GLOSSARY.read_text(encoding="utf-8"), flags=re.S).group(1)
    return [t.strip() for t in re.findall(r"^(\S[^\n]*)\n  ", body, flags=re.M) if not t.startswith(":")]


def term_regex(terms: list[str]) -> re.Pattern:
    """One named group per term (t0, t1, …, the longest first, so "gradient descent" wins over "gradient")
    matching it and its plural; NOT_TERMS match as group n (no term)."""
    alternatives = []
    for i, term in sorted(enumerate(terms + NOT_TERMS), key=lambda it: -len(it[1])):
        forms = [re.escape(term).replace(r"\ ", r"\s+") + "(?:s|es)?"]
        if term.endswith("y"):
            forms.append(re.escape(term[:-1]).replace(r"\ ", r"\s+") + "ies")
        alternatives.append(f"(?P<t{i}>{'|'.join(forms)})")
    return re.compile(r"(?<![\w-])(?:" + "|".join(alternatives) + r")(?![\w-])", flags=re.I)


NOT_PROSE = [
    re.compile(r"^(`{3,})(?!\{)[^\n]*\n.*?^\1[ \t]*$", flags=re.M | re.S),  # code blocks
    re.compile(r"^`{3,}[^\n]*$|^:[\w-]+:[^\n]*$", flags=re.M),             # directive headers, options, fences
    re.compile(r"^#{1,6} [^\n]*$|^\([\w-]+\)=[ \t]*$", flags=re.M),        # headings, targets
    re.compile(r"(?<=`),?\s*\*[^*\n]+\*"),                                   # a chapter's title after its link
]
ROLE = re.compile(r"\{([\w:-]+)\}`([^`]*)`")
INLINE_NOT_PROSE = [re.compile(r"`[^`\n]*`"), re.compile(r"\$\$.*?\$\$", flags=re.S),
                    re.compile(r"\$[^$]+?\$"), re.compile(r"\[[^\]\n]*\]\([^)\n]*\)"),
                    re.compile(r"<[^>\n]+>")]


def term_uses(text: str, terms: list[str], pattern: re.Pattern) -> list[tuple[int, int, str, bool]]:
    """(start, end, term, linked) for every use of a glossary term in a markdown cell, in order."""
    def blank(s: str, spans) -> str:
        for a, b in spans:
            s = s[:a] + re.sub(r"[^\n]", " ", s[a:b]) + s[b:]
        return s
    masked = text
    for rx in NOT_PROSE:
        masked = blank(masked, [m.span() for m in rx.finditer(masked)])
    lower = {t.lower(): t for t in terms}
    uses = []
    for m in ROLE.finditer(masked):
        if m.group(1) == "term":
            target = re.search(r"<([^>]+)>\s*$", m.group(2))
            name = (target.group(1) if target else m.group(2)).strip().lower()
            if name in lower:
                uses.append((m.start(), m.end(), lower[name], True))
    masked = blank(masked, [m.span() for m in ROLE.finditer(masked)])
    for rx in INLINE_NOT_PROSE:
        masked = blank(masked, [m.span() for m in rx.finditer(masked)])
    for m in pattern.finditer(masked):
        index = int(m.lastgroup[1:])
        if index < len(terms):
            uses.append((m.start(), m.end(), terms[index], False))
    return sorted(uses)


def unlinked_first_uses(stem: str) -> list[tuple[int, int, int, str]]:
    """(cell, start, end, term) of every glossary term whose first use in the chapter is not a {term} link."""
    terms = glossary_terms()
    pattern = term_regex(terms)
    seen, unlinked = set(), []
    for i, c in enumerate(cells(stem)):
        if c["cell_type"] != "markdown":
            continue
        for start, end, term, linked in term_uses(source(c), terms, pattern):
            if term not in seen:
                seen.add(term)
                if not linked:
                    unlinked.append((i, start, end, term))
    return unlinked


@pytest.mark.parametrize("stem", CONVERTED)
def test_first_use_of_each_glossary_term_is_a_link(stem):
    text = {i: source(c) for i, c in enumerate(cells(stem))}
    bad = [f"cell {i}: {text[i][a:b]!r} -> {{term}}`{term}`" for i, a, b, term in unlinked_first_uses(stem)]
    assert not bad, f"{len(bad)} first uses of glossary terms are not {{term}} links:\n" + "\n".join(bad)


# Plotting code that is not the lesson is folded (tag ``hide-input``: the book shows the figure and a
# "Show code" button). A figure cell longer than this is folded unless it is a solution (folded anyway) or
# listed in KEEP_VISIBLE, (chapter, first line), because its code is what the reader should read.
MAX_VISIBLE_FIGURE_CODE = 15
KEEP_VISIBLE: set[tuple[str, str]] = set()


@pytest.mark.parametrize("stem", CONVERTED)
def test_long_plotting_code_is_folded(stem):
    long = []
    for i, c in enumerate(cells(stem)):
        if c["cell_type"] != "code" or not any("image/png" in o.get("data", {}) for o in c["outputs"]):
            continue
        lines = source(c).splitlines()
        tags = c["metadata"].get("tags", [])
        if (len(lines) > MAX_VISIBLE_FIGURE_CODE and not {"hide-input", "solution"} & set(tags)
                and (stem, lines[0]) not in KEEP_VISIBLE):
            long.append(f"cell {i} ({len(lines)} lines): {lines[0]}")
    assert not long, "tag these figure cells hide-input:\n" + "\n".join(long)


@pytest.mark.parametrize("stem", CONVERTED)
def test_chapter_says_how_long_it_runs(stem):
    """After the learning goals, a note "Running this chapter" gives the run time on a laptop, the data it
    downloads (or that it downloads nothing) and the cells that take long."""
    title = source(cells(stem)[1])
    note = re.search(r"```\{admonition\} Running this chapter\n(.*?)```", title, flags=re.S)
    assert note, "cell 1 needs a ```{admonition} Running this chapter note"
    assert title.index("Learning goals") < note.start(), "the note comes after the learning goals"
    assert re.search(r"second|minute", note.group(1)), "say how long the chapter runs"
    assert re.search(r"download", note.group(1)), "say what the chapter downloads (or that it downloads nothing)"


# Figures: stored at twice their pixel size ("retina", sharp on high-resolution screens) with 12-point
# text, at most 8.4 inches (840 px) wide. The book's column is about 700 px at a 1280-px window, so a
# figure is shrunk at most to 700/840 and its text stays at least 10 points.
FIGURE_SETUP = ['%config InlineBackend.figure_formats = ["retina"]', 'plt.rcParams.update({"font.size": 12})']
MAX_FIGURE_WIDTH = 880  # px at 100 dpi; tight bounding boxes add a little


@pytest.mark.parametrize("stem", CONVERTED)
def test_figures_are_sharp_and_readable(stem):
    cs = cells(stem)
    setup = next(source(c) for c in cs if c["cell_type"] == "code" and "import matplotlib.pyplot" in source(c))
    assert all(line in setup for line in FIGURE_SETUP), "the import cell sets " + "; ".join(FIGURE_SETUP)
    problems = []
    for i, c in enumerate(cs):
        for o in c.get("outputs", []):
            if "image/png" not in o.get("data", {}):
                continue
            width = o.get("metadata", {}).get("image/png", {}).get("width")
            if width is None:
                problems.append(f"cell {i}: not a retina figure (re-run the chapter)")
            elif width > MAX_FIGURE_WIDTH:
                problems.append(f"cell {i}: {width} px wide; at most {MAX_FIGURE_WIDTH} (figsize width 8.4)")
            sizes = re.findall(r"fontsize=(\d+)", source(c))
            if any(int(s) < 10 for s in sizes):
                problems.append(f"cell {i}: text smaller than 10 points")
    assert not problems, "\n".join(problems)
