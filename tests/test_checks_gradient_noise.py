"""The self-check of chapter 10's exercise on the noise of a mini-batch gradient, ``check_gradient_noise``:
it passes the chapter's solution, fails the typical mistakes with the right hint, and reports, never raises,
what unfinished or broken code does. Its expected values are averages over every possible batch, so they
also test the formula of the exercise."""

from __future__ import annotations

import time
from itertools import combinations

import numpy as np
import pytest

from nnscratch import checks

from check_helpers import FAIL, assert_reference_passes, failed_lines, run


# =========================================================================== reference solutions


def predicted_noise(per_sample, batch_size):
    """Chapter 10's solution."""
    n = len(per_sample)
    mean = per_sample.mean(axis=0)
    s_squared = np.mean(np.sum((per_sample - mean) ** 2, axis=1))
    factor = (n - batch_size) / (n - 1)
    return np.sqrt(factor * s_squared / batch_size) / np.linalg.norm(mean)


def predicted_noise_variance(per_sample, batch_size):
    """The same from the variance of every entry (np.var divides by N), returning a Python float."""
    n = len(per_sample)
    total_variance = per_sample.var(axis=0).sum()
    return float(np.sqrt(total_variance * (n - batch_size) / ((n - 1) * batch_size))
                 / np.linalg.norm(per_sample.mean(axis=0)))


REFERENCES = [
    ("gradient-noise", checks.check_gradient_noise, (predicted_noise,)),
    ("gradient-noise-variance", checks.check_gradient_noise, (predicted_noise_variance,)),
]


@pytest.mark.parametrize("check, args", [r[1:] for r in REFERENCES], ids=[r[0] for r in REFERENCES])
def test_reference_solution_passes(check, args, capsys):
    assert_reference_passes(check, args, capsys, min_checks=4)


def test_the_formula_is_the_average_over_every_batch():
    """The exercise's formula equals the rms over all batches of B different samples, exactly."""
    grads = np.random.default_rng(5).standard_normal((7, 3)) + 1.0
    mean = grads.mean(axis=0)
    for b in range(1, 8):
        squared = [np.sum((grads[list(rows)].mean(axis=0) - mean) ** 2) for rows in combinations(range(7), b)]
        exact = np.sqrt(np.mean(squared)) / np.linalg.norm(mean)
        assert np.isclose(predicted_noise(grads, b), exact, rtol=1e-12, atol=1e-15)


def test_the_chapters_measurement_agrees_with_the_formula():
    """Chapter 10 measures the noise of random batches on the spiral network; the formula predicts it."""
    import nnscratch as nn

    X, y = nn.spiral_data(100, 3, seed=0)
    rng = np.random.default_rng(0)
    layers = [nn.Dense(2, 64, weight_scale="he", rng=rng), nn.ReLU(),
              nn.Dense(64, 3, weight_scale="he", rng=rng)]

    def gradient_vector(rows):
        loss = nn.SoftmaxCrossentropy()
        loss.forward(nn.forward(layers, X[rows]), y[rows])
        nn.backward(layers, loss.backward())
        return np.concatenate([layer.grads[k].ravel() for layer in layers for k in layer.grads])

    full = gradient_vector(np.arange(300))
    per_sample = np.array([gradient_vector([i]) for i in range(300)])
    draws = np.random.default_rng(1)
    for b in (4, 32, 128):
        squared = [np.sum((gradient_vector(draws.choice(300, b, replace=False)) - full) ** 2)
                   for _ in range(200)]
        measured = np.sqrt(np.mean(squared)) / np.linalg.norm(full)
        assert abs(measured / predicted_noise(per_sample, b) - 1) < 0.1


# =========================================================================== typical mistakes


def _parts(per_sample, batch_size):
    n = len(per_sample)
    mean = per_sample.mean(axis=0)
    s_squared = np.mean(np.sum((per_sample - mean) ** 2, axis=1))
    return n, mean, s_squared, (n - batch_size) / (n - 1)


def noise_absolute(per_sample, batch_size):
    n, mean, s2, factor = _parts(per_sample, batch_size)
    return np.sqrt(factor * s2 / batch_size)


def noise_no_sqrt(per_sample, batch_size):
    n, mean, s2, factor = _parts(per_sample, batch_size)
    return factor * s2 / batch_size / np.linalg.norm(mean)


def noise_over_b(per_sample, batch_size):
    n, mean, s2, factor = _parts(per_sample, batch_size)
    return np.sqrt(factor * s2) / batch_size / np.linalg.norm(mean)


def noise_mean_distance(per_sample, batch_size):
    n, mean, s2, factor = _parts(per_sample, batch_size)
    s = np.mean(np.linalg.norm(per_sample - mean, axis=1))
    return np.sqrt(factor / batch_size) * s / np.linalg.norm(mean)


def noise_no_correction(per_sample, batch_size):
    n, mean, s2, factor = _parts(per_sample, batch_size)
    return np.sqrt(s2 / batch_size) / np.linalg.norm(mean)


def noise_n_below(per_sample, batch_size):
    n, mean, s2, factor = _parts(per_sample, batch_size)
    return np.sqrt((n - batch_size) / n * s2 / batch_size) / np.linalg.norm(mean)


def noise_in_place(per_sample, batch_size):
    n = len(per_sample)
    mean = per_sample.mean(axis=0)
    per_sample -= mean
    s2 = np.mean(np.sum(per_sample ** 2, axis=1))
    return np.sqrt((n - batch_size) / (n - 1) * s2 / batch_size) / np.linalg.norm(mean)


def noise_per_entry(per_sample, batch_size):
    """Returns one value per entry instead of one number."""
    n, mean, s2, factor = _parts(per_sample, batch_size)
    return np.sqrt(factor * per_sample.var(axis=0) / batch_size) / np.abs(mean)


MISTAKES = [
    ("absolute", noise_absolute, "batch size 1", "divide by the length of the mean gradient"),
    ("no-sqrt", noise_no_sqrt, "batch size 1", "take the square root"),
    ("over-b", noise_over_b, "batch sizes 2, 3 and 5", "1/sqrt(B), not 1/B"),
    ("mean-distance", noise_mean_distance, "batch size 1", "square the distances before averaging"),
    ("no-correction", noise_no_correction, "batch sizes 2, 3 and 5", "(N - B) / (N - 1)"),
    ("n-below", noise_n_below, "batch size 1", "with N - 1 below"),
    ("in-place", noise_in_place, "unchanged", "not in place"),
    ("per-entry", noise_per_entry, "batch size 1", "one number"),
]


@pytest.mark.parametrize("fn, prop, hint", [m[1:] for m in MISTAKES], ids=[m[0] for m in MISTAKES])
def test_typical_mistake_fails_with_the_right_message(fn, prop, hint, capsys):
    result, out = run(checks.check_gradient_noise, fn, capsys=capsys)
    assert not result and result.passed is False
    bad = [line for line in failed_lines(out) if prop in line]
    assert bad, f"expected a ✗ on the property '{prop}':\n{out}"
    assert hint in bad[0], f"expected the hint '{hint}' in:\n{bad[0]}"
    assert repr(result).endswith(f"of {result.n_checks} checks failed {FAIL}")


def test_no_correction_also_fails_the_full_batch(capsys):
    _, out = run(checks.check_gradient_noise, noise_no_correction, capsys=capsys)
    line = next(line for line in failed_lines(out) if "batch size N gives 0" in line)
    assert "is the full batch and has no noise" in line


# =========================================================================== unfinished, broken, junk


def raise_not_implemented(*args, **kwargs):
    raise NotImplementedError("Exercise ex-00-demo: write your code here")


def test_not_implemented_stub_is_reported_not_raised(capsys):
    result, out = run(checks.check_gradient_noise, raise_not_implemented, capsys=capsys)
    assert not result
    lines = failed_lines(out)
    assert len(lines) == 1, "one line for an unfinished exercise, not one per property"
    assert "is not written yet (NotImplementedError: Exercise ex-00-demo: write your code here)" in lines[0]
    assert result.n_failed == result.n_checks == 4


def test_broken_code_is_reported_not_raised(capsys):
    def broken(*args, **kwargs):
        raise ZeroDivisionError("division by zero")

    result, out = run(checks.check_gradient_noise, broken, capsys=capsys)
    assert not result and "raised ZeroDivisionError: division by zero" in out


@pytest.mark.parametrize("value", [None, 3, "noise"], ids=["None", "int", "str"])
def test_something_that_is_not_code_is_reported(value, capsys):
    result, out = run(checks.check_gradient_noise, value, capsys=capsys)
    assert not result and FAIL in out


JUNK = [None, 3.5, "text", [1, 2], np.zeros((2, 2)), {"a": 1}, np.nan, [np.nan] * 4, iter([object()])]


@pytest.mark.parametrize("value", JUNK, ids=[f"junk{i}" for i in range(len(JUNK))])
def test_odd_return_values_are_reported(value, capsys):
    result, out = run(checks.check_gradient_noise, lambda *args: value, capsys=capsys)
    assert not result and FAIL in out
    if value is None:
        assert "returned None" in out


def test_reports_are_repeatable_and_prints_hidden_and_fast(capsys):
    def chatty(per_sample, batch_size):
        print("debugging", batch_size)
        return predicted_noise(per_sample, batch_size)

    start = time.perf_counter()
    first, out1 = run(checks.check_gradient_noise, chatty, capsys=capsys)
    assert time.perf_counter() - start < 1.0
    second, out2 = run(checks.check_gradient_noise, chatty, capsys=capsys)
    assert "debugging" not in out1 and out1 == out2 and first.passed
