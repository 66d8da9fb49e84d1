"""Run one chapter the way Colab does: a fresh Python with only the notebook's tools, the notebook alone
in a folder outside the repository, and its first cell installing the book's package.

The repository URL in that first cell is replaced by a copy of this checkout, through the variable
``NNSCRATCH_SOURCE`` that the cell reads. The fresh virtual environment does not see this one's packages
(no ``--system-site-packages``) and gets ``ipykernel``, ``numpy``, ``matplotlib``, ``nnfs``, ``tqdm``,
``nbclient`` and ``nbformat`` from the package index pip normally uses. Needs that index: the test is
skipped when it cannot be reached, or when ``NNSCRATCH_OFFLINE=1``. Takes about a minute.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHAPTER = ROOT / "notebooks" / "05_softmax.ipynb"
TOOLS = ["ipykernel", "numpy", "matplotlib", "nnfs", "tqdm", "nbclient", "nbformat"]
KERNEL = "nnscratch-colab-test"

pytestmark = [
    pytest.mark.skipif(os.environ.get("NNSCRATCH_OFFLINE") == "1", reason="NNSCRATCH_OFFLINE=1: no package index"),
    pytest.mark.skipif(not CHAPTER.exists(), reason=f"{CHAPTER.name} is not written yet"),
]

# Runs inside the fresh environment: execute the notebook in its folder with the fresh kernel.
DRIVER = """
import sys
from pathlib import Path
import nbformat
from nbclient import NotebookClient
path, out, kernel = sys.argv[1:4]
nb = nbformat.read(path, as_version=4)
NotebookClient(nb, timeout=600, kernel_name=kernel, resources={"metadata": {"path": str(Path(path).parent)}}).execute()
nbformat.write(nb, out)
"""


def clean_env(**extra: str) -> dict[str, str]:
    """The environment of a fresh machine, as far as Python is concerned: no user site-packages, no
    PYTHONPATH, no other Jupyter paths."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "JUPYTER_PATH", "JUPYTER_CONFIG_DIR",
                        "NNSCRATCH_SOURCE", "PYTHONSTARTUP")}
    env.update(PYTHONNOUSERSITE="1", PIP_DISABLE_PIP_VERSION_CHECK="1", **extra)
    return env


def run(cmd: list[str], timeout: float, cwd: Path, **kwargs) -> subprocess.CompletedProcess:
    """Run ``cmd`` in ``cwd``: never in the repository, whose folder would put its nnscratch on sys.path."""
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=cwd, **kwargs)


def copy_checkout(dest: Path) -> Path:
    """What `pip install git+<repository>` would see: the tracked sources, without build products."""
    ignore = shutil.ignore_patterns(".git", "_build", ".venv", "student", "data", "benchmarks", "build", "dist",
                                    "__pycache__", "*.egg-info", ".hypothesis", ".pytest_cache", ".ipynb_checkpoints")
    shutil.copytree(ROOT, dest, ignore=ignore)
    return dest


def test_chapter_runs_like_on_colab(tmp_path):
    start = time.perf_counter()
    venv = tmp_path / "venv"
    py = venv / "bin" / "python"
    env = clean_env()

    proc = run([sys.executable, "-m", "venv", str(venv)], timeout=120, env=env, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    probe = run([str(py), "-m", "pip", "download", "--no-deps", "--retries", "0", "--timeout", "15",
                 "--dest", str(tmp_path / "probe"), "nnfs"], timeout=120, env=env, cwd=tmp_path)
    if probe.returncode != 0:
        pytest.skip(f"cannot reach the package index: {probe.stderr.strip().splitlines()[-1:]}")
    proc = run([str(py), "-m", "pip", "install", "--quiet", *TOOLS], timeout=600, env=env, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    proc = run([str(py), "-m", "ipykernel", "install", "--prefix", str(venv), "--name", KERNEL], timeout=120, env=env,
               cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr

    # Nothing of the book is in the fresh environment yet.
    proc = run([str(py), "-c", "import importlib.util; print(importlib.util.find_spec('nnscratch'))"],
               timeout=60, env=env, cwd=tmp_path)
    assert proc.stdout.strip() == "None", "nnscratch must not be importable before the first cell runs"

    # The notebook alone, in a folder outside the repository; the checkout copy stands in for the URL.
    checkout = copy_checkout(tmp_path / "checkout")
    work = tmp_path / "colab"
    work.mkdir()
    notebook = work / CHAPTER.name
    shutil.copy(CHAPTER, notebook)
    driver = tmp_path / "driver.py"
    driver.write_text(DRIVER)
    executed = tmp_path / "executed.ipynb"
    proc = run([str(py), str(driver), str(notebook), str(executed), KERNEL], timeout=600, cwd=work,
               env=clean_env(NNSCRATCH_SOURCE=str(checkout), MPLBACKEND="Agg"))
    assert proc.returncode == 0, proc.stderr[-4000:]

    # It ran, top to bottom, without an error.
    nb = json.loads(executed.read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code" and "".join(c["source"]).strip()]
    assert [c["execution_count"] for c in code] == list(range(1, len(code) + 1))
    assert not [o for c in code for o in c["outputs"] if o["output_type"] == "error"]
    assert "NNSCRATCH_SOURCE" in "".join(code[0]["source"]), "the first cell is the one that installs the package"
    check_cells = [c for c in code
                   if "checks.check_" in "".join(c["source"]) and "solution" not in c["metadata"].get("tags", [])]
    checks = ["".join(o.get("text", "")) + "".join(o.get("data", {}).get("text/plain", ""))
              for c in check_cells for o in c["outputs"]]
    assert not checks or any("checks passed ✓" in text for text in checks)

    # ... and nnscratch was installed into the fresh environment, from the checkout.
    proc = run([str(py), "-c", "import json, nnscratch, importlib.metadata as m; "
                "print(json.dumps([nnscratch.__file__, m.distribution('nnscratch').read_text('direct_url.json')]))"],
               timeout=60, env=env, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    location, direct_url = json.loads(proc.stdout)
    assert Path(location).resolve().is_relative_to(venv.resolve()), location
    assert json.loads(direct_url)["url"] == checkout.resolve().as_uri()
    print(f"Colab-style run of {CHAPTER.name}: {time.perf_counter() - start:.0f} s")
