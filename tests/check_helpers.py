"""Helpers shared by the tests of the self-checks (test_checks*.py)."""

from __future__ import annotations

from nnscratch.checks.harness import WIDTH, wrap

PASS, FAIL = "✓", "✗"


def run(check, *args, capsys):
    """Run a check; return its result and the lines it printed."""
    result = check(*args)
    out = capsys.readouterr().out
    printed = out.rstrip("\n").splitlines()
    assert printed == wrap(result.lines), "the printed report is the result's lines, wrapped"
    too_long = [line for line in printed if len(line) > WIDTH]
    assert not too_long, f"printed lines wider than {WIDTH} characters: {too_long}"
    return result, "".join(line + "\n" for line in result.lines)


def failed_lines(out: str) -> list[str]:
    return [line for line in out.splitlines() if FAIL in line]


def assert_reference_passes(check, args, capsys, min_checks: int) -> None:
    """A reference solution passes ``check``: no ✗, one ✓ per property, at least ``min_checks`` of them."""
    result, out = run(check, *args, capsys=capsys)
    assert not failed_lines(out), out
    assert result and result.passed and result.n_failed == 0
    assert out.count(PASS) == result.n_checks
    assert result.n_checks >= min_checks
    assert repr(result).endswith(f"all {result.n_checks} checks passed {PASS}")
