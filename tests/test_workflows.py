"""The GitHub Actions workflows: valid against GitHub's workflow schema (check-jsonschema's bundled copy, so
offline), and doing what README.md says: the README's test command on every pull request and push to main,
then, on main only, the book built and published with GitHub's own Pages actions, with no secret."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = ROOT / ".github" / "workflows"
BOOK = WORKFLOWS / "book.yml"
ON_MAIN = "github.event_name != 'pull_request' && github.ref == 'refs/heads/main'"


def workflow_files() -> list[Path]:
    return sorted([*WORKFLOWS.glob("*.yml"), *WORKFLOWS.glob("*.yaml")])


def load(path: Path) -> dict:
    wf = yaml.safe_load(path.read_text())
    wf["on"] = wf.pop(True, wf.get("on"))  # YAML 1.1 reads the key `on` as true
    return wf


def steps(job: dict) -> list[dict]:
    return job["steps"]


def matches(step: dict, key: str, value: str) -> bool:
    """``step[key] == value``; an action (``uses``) is compared without its @version."""
    got = str(step.get(key, ""))
    return (got.split("@")[0] if key == "uses" else got) == value


def index(job: dict, **match: str) -> int:
    """The position of the first step of ``job`` that has every field in ``match``."""
    for i, step in enumerate(steps(job)):
        if all(matches(step, k, v) for k, v in match.items()):
            return i
    raise AssertionError(f"no step with {match} in {[s.get('name', s.get('uses')) for s in steps(job)]}")


def test_workflows_pass_the_github_workflow_schema():
    files = workflow_files()
    assert BOOK in files
    exe = Path(sys.executable).with_name("check-jsonschema")
    if not exe.exists():
        pytest.fail(f"check-jsonschema is not beside {sys.executable}: pip install -r requirements-test.txt")
    proc = subprocess.run([str(exe), "--builtin-schema", "vendor.github-workflows", *map(str, files)],
                          capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_pull_requests_and_main_run_the_readme_test_command():
    wf = load(BOOK)
    assert "pull_request" in wf["on"]
    assert wf["on"]["push"]["branches"] == ["main"]
    readme_command = re.search(r"^(bash scripts/test\.sh)\b", (ROOT / "README.md").read_text(), re.M).group(1)
    test = wf["jobs"]["test"]
    i = index(test, run=readme_command)
    assert "if" not in steps(test)[i], "the tests run on every event"
    assert index(test, uses="actions/checkout") < i
    cached = [s["with"]["path"] for s in steps(test) if str(s.get("uses", "")).startswith("actions/cache@")]
    assert "~/.cache/pip" in cached and "~/.cache/nnscratch" in cached


def test_main_builds_the_book_and_deploys_it_with_the_pages_actions():
    wf = load(BOOK)
    test, deploy = wf["jobs"]["test"], wf["jobs"]["deploy"]
    tests_run = index(test, run="bash scripts/test.sh")
    build = index(test, run="bash scripts/book.sh")
    upload = index(test, uses="actions/upload-pages-artifact")
    assert tests_run < build < upload
    assert steps(test)[upload]["with"]["path"] == "_build/html"
    assert steps(test)[build]["if"] == steps(test)[upload]["if"] == ON_MAIN

    assert deploy["needs"] == "test" and deploy["if"] == ON_MAIN
    assert deploy["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    assert deploy["environment"]["name"] == "github-pages"
    assert index(deploy, uses="actions/configure-pages") < index(deploy, uses="actions/deploy-pages")
    assert wf["permissions"] == {"contents": "read"}, "only the deploy job may write"


def test_only_github_actions_and_no_secret():
    for path in workflow_files():
        text = path.read_text()
        assert "secrets." not in text, f"{path.name} names a secret"
        for action in re.findall(r"uses:\s*(\S+)", text):
            assert re.fullmatch(r"actions/[\w-]+@v\d+", action), f"{path.name}: {action}: not GitHub's own @vN"


def test_the_button_step_rewrites_every_use_of_the_repository_address():
    """On main the workflow points the buttons (and every other use of the address) at the repository it
    runs in, with the one script that owns the address."""
    text = BOOK.read_text()
    assert 'scripts/set_repository.py "${GITHUB_SERVER_URL}/${GITHUB_REPOSITORY}"' in text
    assert "scripts/set_repository.py --check" in text
