"""Shared test settings: hypothesis runs the same examples every time and writes nothing to disk."""

from hypothesis import settings

settings.register_profile("nnscratch", derandomize=True, database=None, deadline=None, max_examples=30)
settings.load_profile("nnscratch")


# `pytest tests` runs the unit tests only (about 15 s). The slow steps, which build the book or
# execute whole notebooks, run when named: `pytest tests/integration`, `pytest tests/book`, or all
# of them through `bash scripts/test.sh`.
from pathlib import Path  # noqa: E402

_SLOW = {Path(__file__).parent / "book", Path(__file__).parent / "integration"}


def pytest_ignore_collect(collection_path, config):
    if collection_path not in _SLOW:
        return None
    named = [Path(str(a).split("::")[0]).resolve() for a in config.args]
    if any(a == collection_path or collection_path in a.parents for a in named):
        return None
    return True
