r"""Gradient checking: compare backpropagation's gradients with numerical ones.

The central difference $\frac{f(x + h) - f(x - h)}{2h}$ has an error of order $h^2$, so in
float64 with $h = 10^{-6}$ it agrees with a correct analytic gradient to about $10^{-9}$ relative
error. We compare with the relative error $\frac{\lVert a - n \rVert}{\lVert a \rVert + \lVert n \rVert}$:
below $10^{-7}$ is right, above $10^{-4}$ is almost certainly a bug.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from ._validate import make_rng
from .layers import Layer
from .losses import Loss


def numerical_gradient(f: Callable[[], float], x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    r"""Central-difference gradient of the scalar ``f()`` with respect to the array ``x``.

    ``x`` is changed in place one entry at a time (and restored), so ``f`` must read it."""
    if x.dtype != np.float64:
        raise TypeError(f"numerical_gradient needs float64 (got {x.dtype}): float32 rounding swamps the difference.")
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = x[i]
        x[i] = old + h
        f_plus = f()
        x[i] = old - h
        f_minus = f()
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    r"""$\lVert a - b \rVert / (\lVert a \rVert + \lVert b \rVert)$, and 0 when both are zero."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    denom = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if denom == 0 else float(np.linalg.norm(a - b) / denom)


def gradcheck(layer: Layer, x: np.ndarray, *, rng: np.random.Generator | int | None = 0,
              h: float = 1e-6) -> dict[str, float]:
    r"""Relative errors between ``layer.backward``'s gradients and numerical ones.

    Uses the scalar $L = \sum (\text{layer}(x) \odot G) + \text{penalty}$ with a fixed random
    $G$, so $\partial L / \partial \text{output} = G$. Returns ``{"x": …, "W": …, …}``: one
    entry for the input and one for each parameter. ``x`` must be float64. A layer with a random
    generator ``layer.rng`` (``Dropout``) gets it reset before every forward, so it reuses one mask."""
    x = np.array(x, dtype=np.float64)
    # A layer that draws random numbers in forward (Dropout while training) must draw the same ones
    # on every call, or the numerical gradient differentiates a different function each time.
    layer_rng = getattr(layer, "rng", None)
    saved = layer_rng.bit_generator.state if isinstance(layer_rng, np.random.Generator) else None

    def forward() -> np.ndarray:
        if saved is not None:
            layer_rng.bit_generator.state = saved
        return layer.forward(x)

    out = forward()
    g = make_rng(rng).standard_normal(out.shape)

    def loss() -> float:
        return float(np.sum(forward() * g)) + layer.regularization_loss()

    forward()
    analytic = {"x": layer.backward(g)}
    analytic.update({k: v.copy() for k, v in layer.grads.items()})
    errors = {"x": relative_error(analytic["x"], numerical_gradient(loss, x, h))}
    for name, p in layer.params.items():
        errors[name] = relative_error(analytic[name], numerical_gradient(loss, p, h))
    return errors


def gradcheck_loss(loss: Loss, y_pred: np.ndarray, y_true: np.ndarray, *, h: float = 1e-6) -> float:
    """Relative error between ``loss.backward()`` and the numerical gradient of ``loss(y_pred, y_true)``."""
    y_pred = np.array(y_pred, dtype=np.float64)
    loss.forward(y_pred, y_true)
    analytic = loss.backward()
    numeric = numerical_gradient(lambda: loss.forward(y_pred, y_true), y_pred, h)
    return relative_error(analytic, numeric)
