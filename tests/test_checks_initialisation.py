"""The self-check of chapter 20: it passes the chapter's solution, fails the typical mistakes with
the hint written for them, and reports, never raises, unfinished or broken code."""

from __future__ import annotations

import numpy as np
import pytest

from nnscratch import checks

from check_helpers import assert_reference_passes, failed_lines, run


def assert_fails_with(result, out: str, *fragments: str) -> None:
    assert not result, out
    text = "\n".join(failed_lines(out))
    for fragment in fragments:
        assert fragment in text, out


def glorot_uniform(n_inputs, n_neurons, rng):
    """The chapter's solution."""
    a = np.sqrt(6 / (n_inputs + n_neurons))
    return rng.uniform(-a, a, size=(n_inputs, n_neurons))


def glorot_uniform_std_as_limit(n_inputs, n_neurons, rng):
    a = np.sqrt(2 / (n_inputs + n_neurons))  # the standard deviation used as the limit
    return rng.uniform(-a, a, size=(n_inputs, n_neurons))


def glorot_normal(n_inputs, n_neurons, rng):
    return np.sqrt(2 / (n_inputs + n_neurons)) * rng.standard_normal((n_inputs, n_neurons))


def glorot_uniform_positive(n_inputs, n_neurons, rng):
    a = np.sqrt(6 / (n_inputs + n_neurons))
    return a * rng.random((n_inputs, n_neurons))


def glorot_uniform_inputs_only(n_inputs, n_neurons, rng):
    a = np.sqrt(3 / n_inputs)
    return rng.uniform(-a, a, size=(n_inputs, n_neurons))


def glorot_uniform_global(n_inputs, n_neurons, rng):
    a = np.sqrt(6 / (n_inputs + n_neurons))
    return np.random.uniform(-a, a, size=(n_inputs, n_neurons))


def glorot_uniform_transposed(n_inputs, n_neurons, rng):
    return glorot_uniform(n_neurons, n_inputs, rng)


def not_written(n_inputs, n_neurons, rng):
    raise NotImplementedError


def test_reference_passes(capsys):
    assert_reference_passes(checks.check_glorot_uniform, (glorot_uniform,), capsys, 5)


def test_the_reports_property_lines(capsys):
    _, out = run(checks.check_glorot_uniform, glorot_uniform, capsys=capsys)
    assert "a = sqrt(6 / (n_inputs + n_neurons)) = 0.1000 for 400 x 200" in out
    assert "has variance 2 / (n_inputs + n_neurons) = 0.003333 for 400 x 200 ✓" in out


def test_standard_deviation_used_as_the_limit(capsys):
    result, out = run(checks.check_glorot_uniform, glorot_uniform_std_as_limit, capsys=capsys)
    assert_fails_with(result, out, "a third of it", "variance a^2 / 3", "fills it")


def test_normal_numbers_leave_the_range(capsys):
    result, out = run(checks.check_glorot_uniform, glorot_normal, capsys=capsys)
    assert_fails_with(result, out, "outside [-a, a]", "draw uniform numbers")
    assert result.n_failed == 1, out  # mean and variance are right


def test_numbers_between_0_and_a(capsys):
    result, out = run(checks.check_glorot_uniform, glorot_uniform_positive, capsys=capsys)
    assert_fails_with(result, out, "not 0", "symmetric around 0")


def test_only_the_inputs_counted(capsys):
    result, out = run(checks.check_glorot_uniform, glorot_uniform_inputs_only, capsys=capsys)
    assert_fails_with(result, out, "n_inputs + n_neurons, as Glorot does")


def test_global_generator(capsys):
    result, out = run(checks.check_glorot_uniform, glorot_uniform_global, capsys=capsys)
    assert_fails_with(result, out, "not from np.random.uniform")
    assert result.n_failed == 1, out


def test_transposed(capsys):
    result, out = run(checks.check_glorot_uniform, glorot_uniform_transposed, capsys=capsys)
    assert_fails_with(result, out, "got shape (5, 3), expected (3, 5)")


def test_unfinished_and_broken_code_is_reported(capsys):
    result, out = run(checks.check_glorot_uniform, not_written, capsys=capsys)
    assert not result and "is not written yet" in out
    result, out = run(checks.check_glorot_uniform, lambda n, m, rng: None, capsys=capsys)
    assert not result and "returned None" in out
    result, out = run(checks.check_glorot_uniform, None, capsys=capsys)
    assert not result and "expected your function" in out



# =========================================================================== chapter 21


def batchnorm_forward(x, gamma, beta, epsilon):
    """The chapter's solution."""
    mu, var = x.mean(axis=0), x.var(axis=0)
    return gamma * (x - mu) / np.sqrt(var + epsilon) + beta


def bn_unbiased(x, gamma, beta, epsilon):
    return gamma * (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0, ddof=1) + epsilon) + beta


def bn_rows(x, gamma, beta, epsilon):
    mu, var = x.mean(axis=1, keepdims=True), x.var(axis=1, keepdims=True)
    return gamma * (x - mu) / np.sqrt(var + epsilon) + beta


def bn_eps_outside(x, gamma, beta, epsilon):
    return gamma * (x - x.mean(axis=0)) / (x.std(axis=0) + epsilon) + beta


def bn_no_affine(x, gamma, beta, epsilon):
    return (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + epsilon)


def bn_in_place(x, gamma, beta, epsilon):
    x -= x.mean(axis=0)
    x /= np.sqrt(x.var(axis=0) + epsilon)
    return gamma * x + beta


def test_batchnorm_reference_passes(capsys):
    assert_reference_passes(checks.check_batchnorm_forward, (batchnorm_forward,), capsys, 4)


@pytest.mark.parametrize("fn, fragment", [
    (bn_unbiased, "ddof=0"), (bn_rows, "axis=0, not axis=1"),
    (bn_eps_outside, "epsilon goes inside the square root"),
    (bn_no_affine, "scale by gamma and shift by beta")])
def test_batchnorm_mistakes(fn, fragment, capsys):
    result, out = run(checks.check_batchnorm_forward, fn, capsys=capsys)
    assert_fails_with(result, out, fragment)


def test_batchnorm_in_place_is_reported(capsys):
    result, out = run(checks.check_batchnorm_forward, bn_in_place, capsys=capsys)
    assert_fails_with(result, out, "the input x was changed")
    assert result.n_failed == 1, out


REFERENCES = [
    ("glorot-uniform", checks.check_glorot_uniform, (glorot_uniform,)),
    ("batchnorm-forward", checks.check_batchnorm_forward, (batchnorm_forward,)),
]
