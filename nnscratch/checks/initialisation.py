r"""The self-checks of chapters 20 and 21: Glorot's uniform initialisation, and the forward pass
of batch normalisation.

A uniform distribution on $[-a, a]$ has mean 0 and variance $a^2/3$, so weights with Glorot's
variance $2/(n_\text{in} + n_\text{out})$ are drawn from $[-a, a]$ with
$a = \sqrt{6/(n_\text{in} + n_\text{out})}$."""

from __future__ import annotations

from typing import Callable

import numpy as np
from numpy.random import default_rng

from .harness import Checker, Failure, as_array, call, check, expect_shape, fmt, name_of


@check("function")
def check_glorot_uniform(c: Checker, glorot_uniform: Callable) -> None:
    r"""Check ``glorot_uniform(n_inputs, n_neurons, rng) -> W``: an array of shape
    ``(n_inputs, n_neurons)`` drawn from ``rng``, uniform on $[-a, a]$ with
    $a = \sqrt{6/(n_\text{inputs} + n_\text{neurons})}$, so that the weights have mean 0 and
    variance $2/(n_\text{inputs} + n_\text{neurons})$ (chapter 20)."""
    name = name_of(glorot_uniform)
    hint_a = "a = np.sqrt(6 / (n_inputs + n_neurons)), then rng.uniform(-a, a, size=(n_inputs, " \
             "n_neurons))"

    def weights(n_in: int, n_out: int, seed: int) -> np.ndarray:
        out = call(glorot_uniform, n_in, n_out, default_rng(seed), where=name)
        return as_array(out, name)

    def shape() -> None:
        expect_shape(weights(3, 5, 0), (3, 5),
                     "one row per input and one column per neuron: size=(n_inputs, n_neurons)")

    def from_rng() -> None:
        first, again, other = weights(4, 6, 1), weights(4, 6, 1), weights(4, 6, 2)
        if not np.array_equal(first, again):
            raise Failure("two calls with generators of the same seed gave different weights",
                          "draw the numbers from the rng you are given, rng.uniform(...), not "
                          "from np.random.uniform(...)")
        if np.array_equal(first, other):
            raise Failure("generators with different seeds gave the same weights",
                          "draw the numbers from the rng you are given")

    n_in, n_out = 400, 200
    a = np.sqrt(6 / (n_in + n_out))
    target = 2 / (n_in + n_out)

    def in_range() -> None:
        W = weights(n_in, n_out, 3)
        low, high = float(W.min()), float(W.max())
        if low < -a * (1 + 1e-9) or high > a * (1 + 1e-9):
            raise Failure(f"for a {n_in} x {n_out} layer the weights reach from {low:.4f} to "
                          f"{high:.4f}, outside [-a, a] = [{-a:.4f}, {a:.4f}]",
                          "draw uniform numbers, rng.uniform(-a, a, size), not normal ones, "
                          "and check a: " + hint_a)
        if high < 0.95 * a or low > -0.95 * a:
            raise Failure(f"for a {n_in} x {n_out} layer the weights reach from {low:.4f} to "
                          f"{high:.4f}, not all of [-a, a] = [{-a:.4f}, {a:.4f}]", hint_a)

    def mean_zero() -> None:
        W = weights(n_in, n_out, 4)
        if abs(W.mean()) > 0.05 * np.sqrt(target):
            raise Failure(f"the mean of the weights is {W.mean():.4f}, not 0",
                          "draw from [-a, a], symmetric around 0: rng.uniform(-a, a, size); "
                          "rng.random() alone gives numbers in [0, 1)")

    def variance() -> None:
        W = weights(n_in, n_out, 5)
        ratio = float(W.var()) / target
        if abs(ratio - 1) < 0.03:
            return
        got = f"the variance is {W.var():.3g}, expected 2 / (n_inputs + n_neurons) = {target:.3g}"
        if abs(ratio - 1 / 3) < 0.03:
            raise Failure(got + " (a third of it)",
                          "a uniform distribution on [-a, a] has variance a^2 / 3, so a must be "
                          "sqrt(3) times the standard deviation: sqrt(6 / (n_inputs + n_neurons))")
        if abs(ratio - 1.5) < 0.05 or abs(ratio - 0.75) < 0.03:
            raise Failure(got, "use both sizes, n_inputs + n_neurons, as Glorot does")
        raise Failure(got, hint_a)

    c.prop("returns an array of shape (n_inputs, n_neurons)", shape,
           f"{name}(n_inputs, n_neurons, rng) returns the weight matrix")
    c.prop("draws its numbers from the generator rng", from_rng)
    c.prop(f"stays within [-a, a], a = sqrt(6 / (n_inputs + n_neurons)) = {a:.4f} for "
           f"{n_in} x {n_out}, and fills it", in_range)
    c.prop("has mean 0", mean_zero)
    c.prop(f"has variance 2 / (n_inputs + n_neurons) = {target:.4g} for {n_in} x {n_out}",
           variance)


# ================================================================================================
# Chapter 21: the forward pass of batch normalisation
# ================================================================================================


@check("function")
def check_batchnorm_forward(c: Checker, batchnorm_forward: Callable) -> None:
    r"""Check ``batchnorm_forward(x, gamma, beta, epsilon) -> y``: each column of ``x`` normalised
    with the batch's mean and (biased) variance, $\hat x = (x - \mu)/\sqrt{\sigma^2 + \epsilon}$,
    then $y = \gamma \hat x + \beta$ (chapter 21)."""
    name = name_of(batchnorm_forward)
    hint = ("mu = x.mean(axis=0), var = x.var(axis=0); x_hat = (x - mu) / np.sqrt(var + epsilon); "
            "return gamma * x_hat + beta")
    r = default_rng(21)
    x = r.normal(3.0, 2.0, (6, 4)) * np.array([1.0, 0.1, 10.0, 1.0])
    gamma = r.uniform(0.5, 2.0, (1, 4))
    beta = r.normal(0.0, 1.0, (1, 4))

    def reference(x_: np.ndarray, eps: float, ddof: int = 0, axis: int = 0) -> np.ndarray:
        mean = x_.mean(axis=axis, keepdims=True)
        var = x_.var(axis=axis, keepdims=True, ddof=ddof)
        return gamma * (x_ - mean) / np.sqrt(var + eps) + beta

    def run(x_: np.ndarray, eps: float) -> np.ndarray:
        out = call(batchnorm_forward, x_.copy(), gamma.copy(), beta.copy(), eps, where=name)
        return as_array(out, name)

    def values() -> None:
        got = run(x, 1e-5)
        expect_shape(got, x.shape, "the output has the input's shape")
        want = reference(x, 1e-5)
        if np.allclose(got, want, rtol=1e-6, atol=1e-9):
            return
        mistakes = [
            (reference(x, 1e-5, ddof=1), "np.var divides by N (ddof=0), as batch normalisation "
             "does; dividing by N - 1 (ddof=1) is a different variance"),
            (gamma * (x - x.mean(axis=1, keepdims=True))
             / np.sqrt(x.var(axis=1, keepdims=True) + 1e-5) + beta,
             "normalise each feature (column) over the batch: axis=0, not axis=1"),
            (gamma * (x - x.mean()) / np.sqrt(x.var() + 1e-5) + beta,
             "normalise each feature (column) on its own: x.mean(axis=0), not x.mean()"),
            (gamma * (x - x.mean(axis=0)) / (x.std(axis=0) + 1e-5) + beta,
             "epsilon goes inside the square root: np.sqrt(var + epsilon)"),
            ((x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + 1e-5),
             "scale by gamma and shift by beta after normalising"),
        ]
        for wrong, why in mistakes:
            if np.allclose(got, wrong, rtol=1e-6, atol=1e-9):
                raise Failure("the output differs from gamma * x_hat + beta", why)
        raise Failure("the output differs from gamma * x_hat + beta", hint)

    def statistics() -> None:
        got = run(x, 1e-5)
        expect_shape(got, x.shape, "the output has the input's shape")
        mean, std = got.mean(axis=0), got.std(axis=0)
        if not (np.allclose(mean, beta.ravel(), atol=1e-6)
                and np.allclose(std, np.abs(gamma.ravel()), rtol=1e-3)):
            raise Failure(f"column means {fmt(mean)} and standard deviations {fmt(std)}, "
                          f"expected beta = {fmt(beta.ravel())} and gamma = "
                          f"{fmt(gamma.ravel())}", hint)

    def epsilon() -> None:
        flat = np.tile(r.normal(size=(1, 4)), (5, 1))  # every sample equal: variance 0
        got = run(flat, 1e-3)
        if not np.all(np.isfinite(got)):
            raise Failure("a batch whose samples are all equal gave NaN or infinity",
                          "add epsilon to the variance before taking the square root")
        if not np.allclose(got, np.tile(beta, (5, 1)), atol=1e-9):
            raise Failure("a batch whose samples are all equal must give beta", hint)

    def unchanged() -> None:
        copy = x.copy()
        call(batchnorm_forward, copy, gamma.copy(), beta.copy(), 1e-5, where=name)
        if not np.array_equal(copy, x):
            raise Failure("the input x was changed",
                          "compute x - mu into a new array; do not subtract in place (x -= mu)")

    c.prop("matches gamma * (x - mu) / sqrt(var + epsilon) + beta, column by column", values, hint)
    c.prop("gives each column mean beta and standard deviation gamma", statistics, hint)
    c.prop("stays finite for a batch of equal samples (variance 0)", epsilon, hint)
    c.prop("leaves its input unchanged", unchanged, hint)
