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


def test_internal_links_resolve(book_build):
    """Every link between pages of the site points to a page that exists, and to an anchor on it."""
    from html.parser import HTMLParser
    from urllib.parse import unquote, urldefrag, urlparse

    class Collect(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.hrefs: list[str] = []
            self.ids: set[str] = set()

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if a.get("id"):
                self.ids.add(a["id"])
            if tag == "a" and a.get("href"):
                self.hrefs.append(a["href"])

    pages = {}
    for page in HTML.rglob("*.html"):
        if "_static" in page.parts or "_sources" in page.parts:
            continue
        c = Collect()
        c.feed(page.read_text(encoding="utf-8"))
        pages[page.resolve()] = c
    broken = []
    for page, c in pages.items():
        for href in c.hrefs:
            if urlparse(href).scheme or href.startswith(("mailto:", "//", "javascript:")):
                continue
            path, frag = urldefrag(href)
            target = (page.parent / unquote(path)).resolve() if path else page
            if not target.exists():
                broken.append(f"{page.relative_to(HTML)} -> {href}")
            elif frag and target in pages and unquote(frag) not in pages[target].ids:
                broken.append(f"{page.relative_to(HTML)} -> {href} (no such anchor)")
    assert not broken, "broken links:\n" + "\n".join(broken[:30])
