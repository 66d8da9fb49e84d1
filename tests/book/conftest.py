"""Fixtures for the book tests: build the book once per session, and serve it on 127.0.0.1."""

from __future__ import annotations

import functools
import http.server
import subprocess
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HTML = ROOT / "_build" / "html"


@pytest.fixture(scope="session")
def book_build() -> subprocess.CompletedProcess:
    """Build the book from scratch with warnings as errors; return the finished process."""
    jb = Path(sys.executable).with_name("jupyter-book")
    subprocess.run([str(jb), "clean", str(ROOT)], check=True, capture_output=True)
    proc = subprocess.run([str(jb), "build", str(ROOT), "-W", "-n", "--keep-going"],
                          capture_output=True, text=True, cwd=ROOT)
    return proc


@pytest.fixture(scope="session")
def site(book_build):
    """Base URL of the built site served by a local HTTP server on 127.0.0.1."""
    if book_build.returncode != 0:
        pytest.fail("the book did not build; see test_book_builds_without_warnings")
    handler = functools.partial(QuietHandler, directory=str(HTML))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # keep the test output readable
        pass
