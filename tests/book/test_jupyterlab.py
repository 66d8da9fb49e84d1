"""A chapter read in JupyterLab, as a learner runs it locally: with the jupyterlab-myst extension (in
requirements.txt), the book's MyST renders, so an exercise is a numbered box and not a raw code fence.

JupyterLab serves a copy of the chapter (opening a notebook writes checkpoints beside it) on 127.0.0.1 with a
random token, with its settings, workspaces and runtime files in a temporary folder; Debian's headless
Chromium opens it. The server is stopped at the end, whatever happens. Takes about 15 seconds.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHAPTER = ROOT / "notebooks" / "04_activations.ipynb"
JUPYTER = Path(sys.executable).with_name("jupyter")

pytestmark = [
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
    pytest.mark.skipif(not JUPYTER.exists(), reason="JupyterLab is not installed (pip install -r requirements.txt)"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def lab(tmp_path):
    """URL of a JupyterLab server whose root folder holds a copy of the chapter; stopped afterwards."""
    pytest.importorskip("jupyterlab_myst", reason="jupyterlab-myst is not installed (pip install -r requirements.txt)")
    root = tmp_path / "notebooks"
    root.mkdir()
    shutil.copy(CHAPTER, root / CHAPTER.name)
    # Render every cell at once, so the exercises near the end are in the page without scrolling.
    settings = tmp_path / "settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True)
    (settings / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
    port, token = free_port(), secrets.token_hex(16)
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
           "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"), "JUPYTER_DATA_DIR": str(tmp_path / "data")}
    cmd = [str(JUPYTER), "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
           f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
           f"--LabApp.user_settings_dir={tmp_path / 'settings'}", f"--LabApp.workspaces_dir={tmp_path / 'ws'}",
           "--LabApp.news_url="]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path)
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                pytest.fail(f"JupyterLab exited: {(tmp_path / 'server.log').read_text()[-2000:]}")
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token={token}", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("JupyterLab did not answer within 60 s")
                time.sleep(0.5)
        yield f"http://127.0.0.1:{port}/lab/tree/{CHAPTER.name}?token={token}"
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=15)
        log.close()


def test_an_exercise_renders_as_a_box_in_jupyterlab(lab):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(60_000)
            page.goto(lab)
            page.wait_for_selector(".jp-Notebook .jp-MarkdownCell")
            # jupyterlab-myst renders `{exercise}` as an <aside class="myst-exercise"> with a numbered title.
            box = page.locator(".jp-MarkdownCell aside.myst-exercise").first
            box.wait_for(state="attached", timeout=30_000)
            box.scroll_into_view_if_needed()
            assert box.is_visible()
            assert box.locator(".myst-exercise-title").inner_text().startswith("Exercise 1")
            # No exercise fence is left as raw text in any rendered Markdown cell.
            rendered = page.locator(".jp-MarkdownCell .jp-RenderedMarkdown, .jp-MarkdownCell .myst")
            text = "\n".join(rendered.all_inner_texts())
            assert "Absolute value from two ReLUs" in text, "the exercise text is rendered"
            assert "{exercise}" not in text and "{solution-start}" not in text
        finally:
            browser.close()
