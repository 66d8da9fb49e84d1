"""One version number: ``nnscratch.__version__``. The package's metadata reads it from there (setuptools'
``attr:``, without importing the package), and the book's introduction and the changelog must show it.
tests/integration/test_release.py checks that a built wheel carries it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import nnscratch

ROOT = Path(__file__).resolve().parents[1]


def test_version_is_a_release_number():
    assert re.fullmatch(r"\d+\.\d+\.\d+", nnscratch.__version__), nnscratch.__version__


def test_pyproject_takes_the_version_from_the_package():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in pyproject["project"], "the version is written only in nnscratch/__init__.py"
    assert "version" in pyproject["project"]["dynamic"]
    assert pyproject["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "nnscratch.__version__"}
    # setuptools reads the attribute without importing nnscratch only when it is a plain string literal.
    assert re.search(r'^__version__ = "[^"]+"$', (ROOT / "nnscratch" / "__init__.py").read_text(), re.M)


def test_book_introduction_shows_the_version():
    intro = (ROOT / "book" / "intro.md").read_text()
    shown = re.findall(r"version (\S+) of `nnscratch`", intro)
    assert shown == [nnscratch.__version__], f"book/intro.md names {shown}, the package is {nnscratch.__version__}"


def test_changelog_starts_with_the_version():
    headings = re.findall(r"^## (.+)$", (ROOT / "CHANGELOG.md").read_text(), re.M)
    assert headings, "CHANGELOG.md has no version heading"
    assert headings[0].split()[0] == nnscratch.__version__, f"CHANGELOG.md starts with {headings[0]!r}"
