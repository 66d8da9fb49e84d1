"""Helpers shared by the tests of the self-checks (test_checks*.py)."""

from __future__ import annotations

PASS, FAIL = "✓", "✗"


def run(check, *args, capsys):
    """Run a check; return its result and the lines it printed."""
    result = check(*args)
    out = capsys.readouterr().out
    assert out.strip().splitlines() == result.lines, "the printed report is the result's lines"
    return result, out


def failed_lines(out: str) -> list[str]:
    return [line for line in out.splitlines() if FAIL in line]
