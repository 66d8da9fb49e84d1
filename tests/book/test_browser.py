"""Open every page of the built book in headless Chromium, as a reader would.

Chromium is Debian's (/usr/bin/chromium), driven by Playwright; the site is served on 127.0.0.1.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
TOC = yaml.safe_load((ROOT / "_toc.yml").read_text())
PAGES = [TOC["root"]] + [c["file"] for part in TOC["parts"] for c in part["chapters"]]
CHAPTERS = [p for p in PAGES if p.startswith("notebooks/")]

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists() and not shutil.which("chromium"),
                                reason="Debian's chromium is not installed (apt-get install chromium)")


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield b
        b.close()


def open_page(browser, url: str, width: int = 1280):
    """Load ``url``; return the page and the list of requests that failed (to this site or elsewhere)."""
    page = browser.new_page(viewport={"width": width, "height": 900})
    failed: list[str] = []
    page.on("requestfailed", lambda r: failed.append(f"{r.url} ({r.failure})"))
    page.on("response", lambda r: failed.append(f"{r.url} (HTTP {r.status})") if r.status >= 400 else None)
    response = page.goto(url, wait_until="load")
    assert response is not None and response.ok, f"{url}: {response and response.status}"
    return page, failed


@pytest.mark.parametrize("name", PAGES)
def test_page_loads_with_math_and_figures(browser, site, name):
    page, failed = open_page(browser, f"{site}/{name}.html")
    try:
        # Math: every page that has TeX gets it typeset by the MathJax served with the site.
        if page.locator("span.math, div.math").count():
            page.wait_for_selector("mjx-container", state="attached", timeout=20_000)
            assert page.locator("mjx-container").count() >= page.locator("span.math, div.math").count()
            assert page.locator("mjx-merror").count() == 0, "MathJax reported a TeX error"
        # Figures: every image has loaded and has a size.
        for img in page.locator("main img").all():
            ok = img.evaluate("i => i.complete && i.naturalWidth > 0")
            assert ok, f"image {img.get_attribute('src')} did not load"
        assert not failed, f"failed requests: {failed}"
    finally:
        page.close()


@pytest.mark.parametrize("name", CHAPTERS)
def test_chapter_has_figure_and_solution_opens_on_click(browser, site, name):
    page, _ = open_page(browser, f"{site}/{name}.html")
    try:
        assert page.locator("main img").count() >= 1, "a chapter has at least one figure"
        solution = page.locator("div.solution.dropdown").first
        assert solution.count() == 1, "a chapter has exercises with solutions"
        body = solution.locator("section").first
        assert not body.is_visible(), "solutions are folded by default"
        solution.locator("button.toggle-button").first.click()
        body.wait_for(state="visible", timeout=5_000)
    finally:
        page.close()


@pytest.mark.parametrize("name", CHAPTERS)
def test_chapter_has_launch_buttons(browser, site, name):
    page, _ = open_page(browser, f"{site}/{name}.html")
    try:
        hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
        stem = name.split("/")[-1]
        assert any("colab.research.google.com" in h and h.endswith(f"{stem}.ipynb") for h in hrefs), "Colab button"
        assert any("mybinder.org" in h and f"{stem}.ipynb" in h for h in hrefs), "Binder button"
    finally:
        page.close()


def test_search_finds_a_term(browser, site):
    page, failed = open_page(browser, f"{site}/search.html?q=softmax")
    try:
        page.wait_for_selector("#search-results ul.search li", timeout=20_000)
        assert page.locator("#search-results ul.search li").count() >= 1
        assert not failed, f"failed requests: {failed}"
    finally:
        page.close()


@pytest.mark.parametrize("name", PAGES)
def test_page_fits_a_phone_screen(browser, site, name):
    """At 390 px wide (a phone), the page itself never scrolls sideways (code blocks may, inside)."""
    page, _ = open_page(browser, f"{site}/{name}.html", width=390)
    try:
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"the page is {overflow} px wider than the screen"
    finally:
        page.close()
