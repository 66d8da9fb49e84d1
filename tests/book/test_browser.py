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


PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


def open_page(browser, url: str, width: int = 1280, height: int = 900):
    """Load ``url``; return the page and the list of requests that failed (to this site or elsewhere).

    The page's console errors and uncaught exceptions are collected in ``page.errors``."""
    page = browser.new_page(viewport={"width": width, "height": height})
    failed: list[str] = []
    errors: list[str] = []
    page.errors = errors
    page.on("requestfailed", lambda r: failed.append(f"{r.url} ({r.failure})"))
    page.on("response", lambda r: failed.append(f"{r.url} (HTTP {r.status})") if r.status >= 400 else None)
    page.on("console", lambda m: errors.append(f"console: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"uncaught: {e}"))
    response = page.goto(url, wait_until="load")
    assert response is not None and response.ok, f"{url}: {response and response.status}"
    return page, failed


# Each page is loaded twice, once on a wide screen and once on a phone, and every check of that size runs
# on the same load: loading a page (and typesetting its math) is what these tests spend their time on.

def check_math_and_figures(page) -> None:
    """Math typeset by the MathJax served with the site, without TeX errors; every image loaded."""
    if page.locator("span.math, div.math").count():
        page.wait_for_selector("mjx-container", state="attached", timeout=20_000)
        assert page.locator("mjx-container").count() >= page.locator("span.math, div.math").count()
        assert page.locator("mjx-merror").count() == 0, "MathJax reported a TeX error"
    for img in page.locator("main img").all():
        ok = img.evaluate("i => i.complete && i.naturalWidth > 0")
        assert ok, f"image {img.get_attribute('src')} did not load"


def check_launch_buttons(page, name: str) -> None:
    """The chapter's Colab and Binder buttons point at its notebook."""
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
    stem = name.split("/")[-1]
    assert any("colab.research.google.com" in h and h.endswith(f"{stem}.ipynb") for h in hrefs), "Colab button"
    assert any("mybinder.org" in h and f"{stem}.ipynb" in h for h in hrefs), "Binder button"


def check_figure_and_folded_solution(page) -> None:
    """A chapter has a figure and exercises whose solutions are folded and open on a click."""
    assert page.locator("main img").count() >= 1, "a chapter has at least one figure"
    solution = page.locator("div.solution.dropdown").first
    assert solution.count() == 1, "a chapter has exercises with solutions"
    body = solution.locator("section").first
    assert not body.is_visible(), "solutions are folded by default"
    solution.locator("button.toggle-button").first.click()
    body.wait_for(state="visible", timeout=5_000)


@pytest.mark.parametrize("name", PAGES)
def test_page_on_a_wide_screen(browser, site, name):
    """At 1280x800: math and figures render, no request fails, the console stays free of errors; a
    chapter also has its launch buttons, a figure, and solutions that open on a click."""
    page, failed = open_page(browser, f"{site}/{name}.html", **DESKTOP)
    try:
        check_math_and_figures(page)
        assert not failed, f"failed requests: {failed}"
        if name in CHAPTERS:
            check_launch_buttons(page, name)
            check_figure_and_folded_solution(page)
        page.wait_for_timeout(200)  # late errors of the page's scripts
        assert not page.errors, f"errors in the browser's console: {page.errors}"
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


def test_wide_outputs_show_that_they_scroll(browser, site):
    """A chapter known for wide outputs has some; they scroll, they do not make the page wider."""
    page, _ = open_page(browser, f"{site}/notebooks/06_loss_and_accuracy.html", **PHONE)
    try:
        count = page.eval_on_selector_all(
            "main .cell_output div.highlight > pre", "els => els.filter(e => e.scrollWidth > e.clientWidth).length")
        assert count >= 1, "expected at least one output wider than a phone"
    finally:
        page.close()


def check_fits_the_screen(page) -> None:
    """The page itself never scrolls sideways; code blocks and outputs wider than the screen scroll inside
    their box, with the edge shadows that show it."""
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow} px wider than the screen"
    wide = page.eval_on_selector_all("main div.highlight > pre", """els => els
        .filter(e => e.scrollWidth > e.clientWidth + 1)
        .map(e => [getComputedStyle(e).overflowX, getComputedStyle(e).backgroundImage,
                   e.textContent.slice(0, 40)])""")
    for overflow_x, background, text in wide:
        assert overflow_x in ("auto", "scroll"), f"wide block {text!r} is clipped ({overflow_x})"
        assert background.count("linear-gradient") == 4, f"wide block {text!r} has no scroll shadows"


def check_menu_and_contents_drawers(page) -> None:
    """Tapping the menu button opens the chapter list as a drawer; tapping the contents button (on pages
    with sections) opens the page's contents."""
    menu = page.locator("button.primary-toggle:visible")
    assert menu.count() == 1, "one visible menu button"
    menu.click()
    drawer = page.locator("#pst-primary-sidebar-modal")
    drawer.wait_for(state="visible", timeout=5_000)
    chapter_links = drawer.locator("nav.bd-links a.reference.internal:visible")
    assert chapter_links.count() >= len(PAGES) - 1, "the drawer lists every chapter"
    page.keyboard.press("Escape")
    drawer.wait_for(state="hidden", timeout=5_000)

    contents_button = page.locator("button.secondary-toggle:visible")
    if page.locator("#pst-secondary-sidebar nav.page-toc a").count():
        assert contents_button.count() == 1, "a page with sections has a visible contents button"
        contents_button.click()
        contents = page.locator("#pst-secondary-sidebar-modal")
        contents.wait_for(state="visible", timeout=5_000)
        assert contents.locator("nav.page-toc a:visible").count() >= 1, "the page's contents are listed"


@pytest.mark.parametrize("name", PAGES)
def test_page_on_a_phone(browser, site, name):
    """At 390x844 (a phone): the page fits the screen's width, no request fails, the chapter list and
    the page's contents open as drawers, and the console stays free of errors."""
    page, failed = open_page(browser, f"{site}/{name}.html", **PHONE)
    try:
        check_fits_the_screen(page)
        assert not failed, f"failed requests: {failed}"
        page.wait_for_timeout(200)
        check_menu_and_contents_drawers(page)
        assert not page.errors, f"errors in the browser's console: {page.errors}"
    finally:
        page.close()


@pytest.mark.parametrize("name", [TOC["root"], CHAPTERS[0]])
def test_menu_button_hides_and_shows_the_sidebar_on_a_wide_screen(browser, site, name):
    page, _ = open_page(browser, f"{site}/{name}.html", **DESKTOP)
    try:
        sidebar = page.locator("#pst-primary-sidebar")
        menu = page.locator("button.primary-toggle:visible")
        assert sidebar.is_visible() and menu.count() == 1
        menu.click()
        sidebar.wait_for(state="hidden", timeout=5_000)
        menu.click()
        sidebar.wait_for(state="visible", timeout=5_000)
        assert page.locator("#pst-primary-sidebar-modal[open]").count() == 0, "no drawer on a wide screen"
        assert not page.errors, f"errors in the browser's console: {page.errors}"
    finally:
        page.close()
