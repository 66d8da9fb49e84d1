"""The package as a release: build an sdist and a wheel of ``nnscratch`` from a copy of the checkout, check
them as a package index would (``twine check --strict``, ``check-wheel-contents``), install the wheel into a
fresh virtual environment and use it there, away from the checkout.

``python -m build`` with no ``--sdist``/``--wheel`` builds the sdist and then the wheel *from the sdist*, so
a file missing from the sdist fails here too. It builds in an isolated environment, as every user's and
packager's ``pip install`` does: that checks ``[build-system] requires`` as well, and needs setuptools from
the package index (the test environment's own setuptools may be older than the 77 the project needs).

The fresh environment does not see this one's packages (no ``--system-site-packages``), runs in a folder
outside the repository without ``PYTHONPATH``, and gets ``numpy``, ``matplotlib``, ``nnfs`` and ``tqdm``
from the package index pip normally uses (its cache makes later runs fast). Skipped when the index cannot be
reached, or when ``NNSCRATCH_OFFLINE=1``. Takes about half a minute with a warm pip cache.
"""

from __future__ import annotations

import json
import os
import sys
import tarfile
import time
import zipfile
from pathlib import Path

import pytest

# Shared with the Colab-style test: a fresh machine's environment, commands run outside the repository, a
# copy of the checkout without build products.
from test_colab import clean_env, copy_checkout, run

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
VERSION_FILE = ROOT / "nnscratch" / "__init__.py"

pytestmark = pytest.mark.skipif(os.environ.get("NNSCRATCH_OFFLINE") == "1",
                                reason="NNSCRATCH_OFFLINE=1: no package index")

# Runs inside the fresh environment: chapter 10's loop on the spiral data, and one self-check on a reference
# solution (and on a wrong one, which it must catch). Prints one JSON line for the test to read.
DRIVER = """
import importlib.metadata as metadata
import json
import numpy as np
import nnscratch as nn
from nnscratch import checks

X, y = nn.spiral_data(samples=100, classes=3, seed=0)
rng = np.random.default_rng(0)
layers = [nn.Dense(2, 64, rng=rng), nn.ReLU(), nn.Dense(64, 3, rng=rng)]
loss_fn, optimizer = nn.SoftmaxCrossentropy(), nn.Adam(learning_rate=0.05)
losses = [nn.train_step(layers, loss_fn, optimizer, X, y)[0] for _ in range(300)]
accuracy = nn.accuracy(nn.forward(layers, X), y)

def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)

def unstable_softmax(z):
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)

with np.errstate(all="ignore"):
    right, wrong = checks.check_softmax(softmax), checks.check_softmax(unstable_softmax)
dist = metadata.distribution("nnscratch")
print(json.dumps({
    "file": nn.__file__, "checks_file": checks.__file__, "version": nn.__version__,
    "dist_version": dist.version, "direct_url": json.loads(dist.read_text("direct_url.json") or "{}"),
    "first_loss": float(losses[0]), "last_loss": float(losses[-1]), "accuracy": float(accuracy),
    "right_passed": right.passed, "right": right.summary, "wrong_passed": wrong.passed,
}))
"""


def package_version() -> str:
    """``__version__`` as written in the checkout (the one place it is written)."""
    for line in VERSION_FILE.read_text().splitlines():
        if line.startswith("__version__ = "):
            return line.split("=", 1)[1].strip().strip("\"'")
    raise AssertionError(f"no __version__ in {VERSION_FILE}")


def tool(name: str) -> str:
    """A command-line tool of this virtual environment (requirements-test.txt installs them)."""
    path = BIN / name
    if not path.exists():
        pytest.fail(f"{name} is not installed beside {sys.executable}: pip install -r requirements-test.txt")
    return str(path)


def test_wheel_installs_and_runs_without_the_checkout(tmp_path):
    start = time.perf_counter()
    env = clean_env()
    version = package_version()

    # The fresh environment first: it also tells whether the package index can be reached.
    venv = tmp_path / "venv"
    py = venv / "bin" / "python"
    proc = run([sys.executable, "-m", "venv", str(venv)], timeout=120, env=env, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    probe = run([str(py), "-m", "pip", "download", "--no-deps", "--retries", "0", "--timeout", "15",
                 "--dest", str(tmp_path / "probe"), "nnfs"], timeout=120, env=env, cwd=tmp_path)
    if probe.returncode != 0:
        pytest.skip(f"cannot reach the package index: {probe.stderr.strip().splitlines()[-1:]}")

    # Build from a copy of the tracked sources: the sdist, then the wheel from the sdist.
    source = copy_checkout(tmp_path / "source")
    dist = tmp_path / "dist"
    proc = run([sys.executable, "-m", "build", "--outdir", str(dist), str(source)], timeout=600, env=env,
               cwd=tmp_path)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    wheel = dist / f"nnscratch-{version}-py3-none-any.whl"
    sdist = dist / f"nnscratch-{version}.tar.gz"
    assert sorted(p.name for p in dist.iterdir()) == sorted([wheel.name, sdist.name])

    # What an index would say about them.
    proc = run([tool("twine"), "check", "--strict", str(wheel), str(sdist)], timeout=120, env=env, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    proc = run([tool("check-wheel-contents"), str(wheel)], timeout=120, env=env, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr

    # Every module of the package is in the wheel (subpackages too), and nothing but the package.
    modules = sorted(p.relative_to(source).as_posix() for p in (source / "nnscratch").rglob("*.py"))
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
    assert sorted(n for n in names if n.endswith(".py")) == modules
    assert {n.split("/")[0] for n in names} == {"nnscratch", f"nnscratch-{version}.dist-info"}
    with tarfile.open(sdist) as tf:
        members = {m.split("/", 1)[1] for m in tf.getnames() if "/" in m}
    assert {"pyproject.toml", "README.md", "LICENSE", "CHANGELOG.md", *modules} <= members
    assert not [m for m in members if m.startswith("tests/")], "the sdist carries no tests"

    # Install the wheel alone (its dependencies from the index), then use it from a folder of its own.
    proc = run([str(py), "-m", "pip", "install", "--quiet", str(wheel)], timeout=600, env=env, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    work = tmp_path / "reader"
    work.mkdir()
    proc = run([str(py), "-c", DRIVER], timeout=300, env=clean_env(MPLBACKEND="Agg"), cwd=work)
    assert proc.returncode == 0, proc.stderr[-4000:]
    report = json.loads(proc.stdout.strip().splitlines()[-1])

    # It is the installed wheel that ran, not the checkout and not an editable install.
    site = venv.resolve()
    assert Path(report["file"]).resolve().is_relative_to(site), report["file"]
    assert Path(report["checks_file"]).resolve().is_relative_to(site), report["checks_file"]
    assert report["version"] == report["dist_version"] == version
    assert report["direct_url"].get("url") == wheel.resolve().as_uri(), report["direct_url"]
    assert "dir_info" not in report["direct_url"]

    # Chapter 10's network learns the spirals; the self-check passes a right answer and catches a wrong one.
    assert report["first_loss"] == pytest.approx(1.0986, abs=1e-3)  # ln 3: small weights, three classes
    assert report["last_loss"] < 0.6, report
    assert report["accuracy"] >= 0.8, report
    assert report["right_passed"], report["right"]
    assert not report["wrong_passed"], "check_softmax let a softmax that overflows pass"
    print(f"release round trip of nnscratch {version}: {time.perf_counter() - start:.0f} s")
