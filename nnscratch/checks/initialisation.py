r"""The self-check of chapter 20, *Initialisation*: Glorot's uniform initialisation.

A uniform distribution on $[-a, a]$ has mean 0 and variance $a^2/3$, so weights with Glorot's
variance $2/(n_\text{in} + n_\text{out})$ are drawn from $[-a, a]$ with
$a = \sqrt{6/(n_\text{in} + n_\text{out})}$."""

from __future__ import annotations

from typing import Callable

import numpy as np
from numpy.random import default_rng

from .harness import Checker, Failure, as_array, call, check, expect_shape, name_of


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
