"""The site without solutions (``bash scripts/book.sh --no-solutions``), opened page by page in headless
Chromium: no solution and no quiz answer on any page, in its search index or behind its download buttons.

The fixture builds it as the script does (NNSCRATCH_NO_SOLUTIONS=1, into a build folder of its own, here
a temporary one), with warnings as errors. About a minute and a half: half the build, half the browser.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
TOC = yaml.safe_load((ROOT / "_toc.yml").read_text())
PAGES = [TOC["root"]] + [c["file"] for part in TOC["parts"] for c in part["chapters"]]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
QUIZ = ROOT / "book" / "quiz-bank.md"
BANNER = "This edition of the book has no solutions"


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def solution_code_lines() -> dict[str, list[str]]:
    """For each chapter, the lines of its solutions' code that appear nowhere else in the chapter (but the
    lines that define a name, and what the hints say: the student edition keeps them, in its stubs)."""
    found = {}
    for path in NOTEBOOKS:
        cells = json.loads(path.read_text())["cells"]
        inside, code, rest = False, [], []
        for cell in cells:
            source = "".join(cell["source"])
            if cell["cell_type"] == "markdown":
                for line in source.splitlines():
                    if "{solution-start}" in line:
                        inside = True
                    elif "{solution-end}" in line:
                        inside = False
                rest.append(source)
            elif inside or "solution" in cell["metadata"].get("tags", []):
                code += source.splitlines()
                rest.append(cell["metadata"].get("hint", ""))  # a hint is shown, in the stub
            else:
                rest.append(source)
        lesson = squash("\n".join(rest))
        found[path.stem] = [squash(line) for line in code
                            if len(line.strip()) > 25 and squash(line) not in lesson
                            and not line.lstrip().startswith(("#", "def ", "class ", "import ", "from "))]
    return found


def quiz_answer_lines() -> list[str]:
    """Plain lines (no markup) of the quiz bank's answers."""
    lines, inside = [], False
    for line in QUIZ.read_text().splitlines():
        if line.startswith("```{admonition} Answer"):
            inside = True
        elif line.startswith("```"):
            inside = False
        elif inside and not line.startswith(":") and len(line) > 30 and not re.search(r"[`$*{\[_]", line):
            lines.append(squash(line))
    return lines


@pytest.fixture(scope="module")
def no_solutions_site(tmp_path_factory):
    """Build the site without solutions; serve it on 127.0.0.1; yield (base URL, folder)."""
    out = tmp_path_factory.mktemp("no-solutions")
    jb = Path(sys.executable).with_name("jupyter-book")
    proc = subprocess.run([str(jb), "build", str(ROOT), "-W", "-n", "--keep-going", "--path-output", str(out)],
                          capture_output=True, text=True, cwd=ROOT, env={**os.environ, "NNSCRATCH_NO_SOLUTIONS": "1"})
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-4000:]
    assert not re.search(r"\bWARNING\b", proc.stderr.replace("Kernel is running over TCP", "")), log[-4000:]
    html = out / "_build" / "html"
    handler = functools.partial(Quiet, directory=str(html))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", html
    server.shutdown()


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        yield b
        b.close()


def test_the_known_solutions_are_found_by_this_test():
    """The lists this test looks for are not empty (else it would pass trivially)."""
    lines = solution_code_lines()
    assert all(lines[p.stem] for p in NOTEBOOKS), [k for k, v in lines.items() if not v]
    assert len(quiz_answer_lines()) >= 30


@pytest.mark.skipif(not Path(CHROMIUM).exists() and not shutil.which("chromium"),
                    reason="Debian's chromium is not installed (apt-get install chromium)")
def test_no_page_shows_a_solution(browser, no_solutions_site):
    site, _ = no_solutions_site
    code_lines, answers = solution_code_lines(), quiz_answer_lines()
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        for name in PAGES:
            response = page.goto(f"{site}/{name}.html", wait_until="load")
            assert response is not None and response.ok, name
            hidden = page.locator(".solution, .tag_solution, .quiz-answer, details.solution")
            assert hidden.count() == 0, f"{name}: {hidden.count()} solution elements"
            assert BANNER in page.locator(".bd-header-announcement").inner_text(), f"{name}: no banner"
            text = squash(page.locator("main").inner_text())
            for line in code_lines.get(Path(name).name, []):
                assert line not in text, f"{name}: solution code on the page: {line!r}"
            for line in answers:
                assert line not in text, f"{name}: quiz answer on the page: {line!r}"
            links = page.eval_on_selector_all(".bd-header-article a[href], .article-header-buttons a[href]",
                                              "els => els.map(e => e.href)")
            assert not [h for h in links if "colab.research.google.com" in h or "mybinder.org" in h], \
                f"{name}: a launch button opens the notebooks with their solutions"
            if name.startswith("notebooks/"):
                assert page.locator(".exercise").count() >= 2, f"{name}: the exercises are kept"
                download = page.locator("a[href$='.ipynb']").first.get_attribute("href")
                nb = json.loads(urllib.request.urlopen(f"{site}/{name}.html".rsplit("/", 1)[0] + "/" + download).read())
                source = "\n".join("".join(c["source"]) for c in nb["cells"])
                assert "{solution" not in source and "Student edition" in source, f"{name}: downloaded notebook"
            if name == "book/quiz-bank":
                assert page.locator("main h2").count() >= 19 and "**1.1**" not in text
        assert not errors, errors
    finally:
        page.close()


def test_no_file_of_the_site_holds_a_solution(no_solutions_site):
    """Nor do the files behind the pages: the search index, the downloadable sources."""
    _, html = no_solutions_site
    code_lines = solution_code_lines()
    answers = quiz_answer_lines()
    for path in html.rglob("*"):
        if path.suffix not in (".html", ".js", ".ipynb", ".md", ".txt") or "_static" in path.parts:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        assert "solution-start" not in text, path
        flat = squash(text)
        for line in answers:
            assert line not in flat, f"{path.relative_to(html)}: {line!r}"
        if path.suffix == ".ipynb":
            cells = json.loads(text)["cells"]
            code = squash("\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code"))
            for line in code_lines[path.stem]:
                assert line not in code, f"{path.relative_to(html)}: {line!r}"
