"""Keep the book's repository address in one place, `repository.url` in `_config.yml`, and rewrite its uses.

The address appears in the book's launch buttons (Binder, Colab), its repository and issues buttons (all
made from `_config.yml`), in the hidden first cell of every chapter (`pip install git+<address>`), in
CONTRIBUTING.md's copy of that cell, in the pages that say how to clone, install or launch the book (also as
Binder, Colab and GitHub Pages addresses made from it), and in pyproject.toml's project links.
A teacher who publishes a fork changes it with one command:

    python scripts/set_repository.py https://github.com/<owner>/<name>   # set a new address everywhere
    python scripts/set_repository.py                                     # rewrite every use to _config.yml's
    python scripts/set_repository.py --check                             # exit 1 if a use disagrees

In a notebook only the first cell's line changes; the rest of the file stays byte for byte the same.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONFIG = "_config.yml"
# Text files that mention the address; every chapter notebook's first cell is handled on its own.
TEXT_FILES = ["README.md", "CONTRIBUTING.md", "book/*.md", "pyproject.toml"]
NOTEBOOKS = "notebooks/[0-9][0-9]_*.ipynb"
# Files that must name the address at least once (so a use cannot silently disappear).
MUST_NAME_IT = ["README.md", "CONTRIBUTING.md", "book/how-to-use.md"]

ADDRESS = re.compile(r"^https://github\.com/[\w.-]+/[\w.-]+$")
CONFIG_URL = re.compile(r"^(repository:[ \t]*\n(?:[ \t]+.*\n)*?[ \t]+url:[ \t]*)(\S+)", re.MULTILINE)
# Uses of the address in text: group 1 is the address (or its owner/name for Binder and Colab links).
URL_USES = [re.compile(r"git\+(https://[^\s\"'`)>]+)"), re.compile(r"git clone (https://[^\s\"'`)>]+)")]
SLUG_USES = [re.compile(r"mybinder\.org/v2/gh/([\w.-]+/[\w.-]+)/"),
             re.compile(r"colab\.research\.google\.com/github/([\w.-]+/[\w.-]+)/")]
# The folder `git clone` creates, named after the repository: group 1.
FOLDER_USE = re.compile(r"git clone https://\S+\ncd ([\w.-]+)\n")


def normalize(url: str) -> str:
    url = url.strip().rstrip("/")
    url = url[:-4] if url.endswith(".git") else url
    if not ADDRESS.match(url):
        raise SystemExit(f"not a GitHub repository address: {url!r} (expected https://github.com/<owner>/<name>; "
                         "the Binder and Colab buttons need GitHub)")
    return url


def slug(url: str) -> str:
    return url.removeprefix("https://github.com/")


def read_address(root: Path) -> str:
    match = CONFIG_URL.search((root / CONFIG).read_text(encoding="utf-8"))
    if not match:
        raise SystemExit(f"{CONFIG} has no `repository: url:` value")
    return match.group(2)


def text_files(root: Path) -> list[Path]:
    return sorted({p for pattern in TEXT_FILES for p in root.glob(pattern) if p.is_file()})


def notebooks(root: Path) -> list[Path]:
    return sorted(root.glob(NOTEBOOKS))


def literal(url: str) -> re.Pattern:
    """The address itself in prose, not as the start of a longer address."""
    return re.compile(re.escape(url) + r"(?![\w-]|\.[\w])")


def rewrite_text(text: str, old: str, new: str) -> str:
    for pattern in URL_USES:
        text = pattern.sub(lambda m: m.group(0).replace(m.group(1), new), text)
    for pattern in SLUG_USES:
        text = pattern.sub(lambda m: m.group(0).replace(m.group(1), slug(new)), text)
    text = text.replace(f"https://{pages(old)}/", f"https://{pages(new)}/")  # the site on GitHub Pages
    text = FOLDER_USE.sub(lambda m: m.group(0)[: m.start(1) - m.start(0)] + folder(new) + "\n", text)
    return literal(old).sub(new, text)


def folder(url: str) -> str:
    return url.rsplit("/", 1)[1]


def pages(url: str) -> str:
    """The book's site on GitHub Pages, <owner>.github.io/<name> (the host name in lower case)."""
    owner, name = slug(url).split("/")
    return f"{owner.lower()}.github.io/{name}"


def text_uses(text: str) -> list[tuple[str, str]]:
    """(found, kind) for every use: kind is "url", "slug" (owner/name) or "folder" (name)."""
    return ([(m.group(1), "url") for p in URL_USES for m in p.finditer(text)]
            + [(m.group(1), "slug") for p in SLUG_USES for m in p.finditer(text)]
            + [(m.group(1), "folder") for m in FOLDER_USE.finditer(text)])


def first_cell_line(nb: dict) -> tuple[int, str]:
    """Index and text of the line of the first cell that installs the package from the repository."""
    source = nb["cells"][0]["source"]
    lines = source if isinstance(source, list) else source.splitlines(keepends=True)
    hits = [(i, line) for i, line in enumerate(lines) if URL_USES[0].search(line)]
    if len(hits) != 1:
        raise ValueError(f"the first cell should install from git+<address> on one line, found {len(hits)}")
    return hits[0]


def rewrite_notebook(path: Path, new: str) -> bool:
    """Change the address in the first cell only, keeping every other byte of the file."""
    raw = path.read_text(encoding="utf-8")
    nb = json.loads(raw)
    _, line = first_cell_line(nb)
    new_line = URL_USES[0].sub(lambda m: m.group(0).replace(m.group(1), new), line)
    if new_line == line:
        return False
    old_json, new_json = json.dumps(line, ensure_ascii=False), json.dumps(new_line, ensure_ascii=False)
    if old_json not in raw:  # stored with other escaping: fall back to ASCII escapes
        old_json, new_json = json.dumps(line), json.dumps(new_line)
    result = raw.replace(old_json, new_json, 1)
    expected = json.loads(raw)
    i, _ = first_cell_line(expected)
    source = expected["cells"][0]["source"]
    if isinstance(source, list):
        source[i] = new_line
    else:
        expected["cells"][0]["source"] = source.replace(line, new_line, 1)
    if json.loads(result) != expected:
        raise RuntimeError(f"{path}: could not change only the first cell's address")
    path.write_text(result, encoding="utf-8")
    return True


def set_address(root: Path, new: str | None) -> list[Path]:
    """Set the address (or keep _config.yml's when ``new`` is None) and rewrite every use; return the
    files that changed."""
    old = read_address(root)
    new = normalize(new) if new else normalize(old)
    changed = []
    config = root / CONFIG
    text = config.read_text(encoding="utf-8")
    updated = CONFIG_URL.sub(lambda m: m.group(1) + new, text, count=1)
    if updated != text:
        config.write_text(updated, encoding="utf-8")
        changed.append(config)
    for path in text_files(root):
        text = path.read_text(encoding="utf-8")
        updated = rewrite_text(text, old, new)
        if updated != text:
            path.write_text(updated, encoding="utf-8")
            changed.append(path)
    for path in notebooks(root):
        if rewrite_notebook(path, new):
            changed.append(path)
    return changed


def check(root: Path) -> list[str]:
    """Every use that disagrees with _config.yml's address, and every file that should name it but does not."""
    url = read_address(root)
    problems = []
    if url != normalize(url):
        problems.append(f"{CONFIG}: write the address as {normalize(url)}")
    for path in text_files(root):
        text = path.read_text(encoding="utf-8")
        rel = path.relative_to(root).as_posix()
        for found, kind in text_uses(text):
            want = {"url": url, "slug": slug(url), "folder": folder(url)}[kind]
            if found != want:
                problems.append(f"{rel}: {found} (expected {want})")
        if rel in MUST_NAME_IT and not literal(url).search(text):
            problems.append(f"{rel}: does not name the repository address {url}")
    for path in notebooks(root):
        try:
            _, line = first_cell_line(json.loads(path.read_text(encoding="utf-8")))
        except ValueError as err:
            problems.append(f"{path.relative_to(root).as_posix()}: {err}")
            continue
        found = URL_USES[0].search(line).group(1)
        if found != url:
            problems.append(f"{path.relative_to(root).as_posix()}: first cell installs from {found} (expected {url})")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url", nargs="?", help="the new address, https://github.com/<owner>/<name>")
    parser.add_argument("--check", action="store_true", help="only report uses that disagree with _config.yml")
    parser.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.check:
        if args.url:
            parser.error("--check takes no address")
        problems = check(args.root)
        for problem in problems:
            print(problem, file=sys.stderr)
        if problems:
            print("Run: python scripts/set_repository.py   (rewrites every use to the address in _config.yml)",
                  file=sys.stderr)
            return 1
        print(f"every use names {read_address(args.root)}")
        return 0
    changed = set_address(args.root, args.url)
    for path in changed:
        print(f"rewrote {path.relative_to(args.root).as_posix()}")
    print(f"the repository address is {read_address(args.root)} ({len(changed)} files changed)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
