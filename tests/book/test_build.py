"""The book builds with warnings as errors, offline, and holds every page of the table of contents."""

from __future__ import annotations

import re

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
HTML = ROOT / "_build" / "html"


def toc_files() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc["parts"]:
        files += [c["file"] for c in part["chapters"]]
    return files


def test_book_builds_without_warnings(book_build):
    log = book_build.stdout + book_build.stderr
    assert book_build.returncode == 0, log[-4000:]
    assert "build succeeded" in log
    assert not re.search(r"\bWARNING\b", book_build.stderr.replace("Kernel is running over TCP", "")), log[-4000:]


def test_every_page_is_built(book_build):
    for f in toc_files():
        assert (HTML / f"{f}.html").is_file(), f"{f}.html missing"


def test_math_is_served_with_the_site(book_build):
    """MathJax comes from _static, never from a CDN, so the math renders offline."""
    assert (HTML / "_static" / "mathjax" / "tex-chtml.js").is_file()
    for page in HTML.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        for src in re.findall(r'<script[^>]+src="([^"]+)"', text):
            assert not src.startswith(("http:", "https:", "//")), f"{page.name} loads {src} from the network"
