"""The repository's address is kept in one place (`_config.yml`) and `scripts/set_repository.py` rewrites
every use: the uses agree now, a drifted copy is reported, and a new address is written everywhere, in a
notebook only on its first cell's line."""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("set_repository", ROOT / "scripts" / "set_repository.py")
set_repository = importlib.util.module_from_spec(spec)
spec.loader.exec_module(set_repository)

FORK = "https://github.com/a-teacher/nn-course"


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """The files that name the address, copied into a folder of the same layout."""
    for name in ["_config.yml", "README.md", "CONTRIBUTING.md", "pyproject.toml"]:
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "book", tmp_path / "book")
    (tmp_path / "notebooks").mkdir()
    for nb in set_repository.notebooks(ROOT):
        shutil.copy(nb, tmp_path / "notebooks" / nb.name)
    return tmp_path


def snapshot(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): p.read_text(encoding="utf-8")
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_every_use_names_the_address_in_config():
    assert set_repository.check(ROOT) == []
    assert set_repository.read_address(ROOT).startswith("https://github.com/")


def test_every_chapter_installs_from_the_repository():
    chapters = set_repository.notebooks(ROOT)
    assert len(chapters) >= 19
    for path in chapters:
        _, line = set_repository.first_cell_line(json.loads(path.read_text(encoding="utf-8")))
        assert f"git+{set_repository.read_address(ROOT)}" in line, path.name


def test_the_current_address_rewrites_nothing(copy):
    before = snapshot(copy)
    assert set_repository.main(["--root", str(copy)]) == 0
    assert snapshot(copy) == before


def test_a_new_address_is_written_everywhere_and_back(copy):
    old = set_repository.read_address(copy)
    before = snapshot(copy)
    assert set_repository.main(["--root", str(copy), FORK + ".git"]) == 0
    after = snapshot(copy)

    assert set_repository.read_address(copy) == FORK
    assert set_repository.check(copy) == []
    assert not [name for name, text in after.items() if old in text], "the old address is left somewhere"
    assert "mybinder.org/v2/gh/a-teacher/nn-course/" in after["book/how-to-use.md"]
    assert f"git clone {FORK}\ncd nn-course\n" in after["book/how-to-use.md"]
    # A notebook changes on one line, its first cell's; its JSON stays the same otherwise.
    for name in before:
        if name.endswith(".ipynb"):
            old_lines, new_lines = before[name].splitlines(), after[name].splitlines()
            changed = [i for i, (a, b) in enumerate(zip(old_lines, new_lines)) if a != b]
            assert len(old_lines) == len(new_lines) and len(changed) == 1, name
            nb_old, nb_new = json.loads(before[name]), json.loads(after[name])
            assert nb_old["cells"][1:] == nb_new["cells"][1:] and nb_old["metadata"] == nb_new["metadata"]
            assert FORK in "".join(nb_new["cells"][0]["source"])

    assert set_repository.main(["--root", str(copy), old]) == 0
    assert snapshot(copy) == before, "setting the old address back restores every file byte for byte"


def test_a_drifted_copy_is_reported_and_repaired(copy, capsys):
    path = copy / "notebooks" / set_repository.notebooks(ROOT)[3].name
    old = set_repository.read_address(copy)
    path.write_text(path.read_text(encoding="utf-8").replace(old, FORK, 1), encoding="utf-8")
    guide = copy / "book" / "teachers-guide.md"
    guide.write_text(guide.read_text(encoding="utf-8").replace(f"git+{old}", f"git+{FORK}"), encoding="utf-8")

    problems = set_repository.check(copy)
    assert any(path.name in p for p in problems) and any("teachers-guide.md" in p for p in problems)
    assert set_repository.main(["--root", str(copy), "--check"]) == 1
    assert path.name in capsys.readouterr().err

    assert set_repository.main(["--root", str(copy)]) == 0  # rewrite every use to _config.yml's address
    assert set_repository.check(copy) == []


def test_project_links_and_the_site_address_follow(copy):
    old = set_repository.read_address(copy)
    site = f"https://{set_repository.pages(old)}/"
    pyproject = copy / "pyproject.toml"
    pyproject.write_text(pyproject.read_text(encoding="utf-8")
                         + f'\n[project.urls]\nHomepage = "{old}"\nDocumentation = "{site}"\n', encoding="utf-8")
    set_repository.main(["--root", str(copy), "https://github.com/A-Teacher/nn-course"])
    text = pyproject.read_text(encoding="utf-8")
    assert 'Homepage = "https://github.com/A-Teacher/nn-course"' in text
    assert 'Documentation = "https://a-teacher.github.io/nn-course/"' in text


def test_only_github_addresses_are_accepted(copy):
    with pytest.raises(SystemExit, match="not a GitHub repository address"):
        set_repository.main(["--root", str(copy), "https://example.org/nn"])
