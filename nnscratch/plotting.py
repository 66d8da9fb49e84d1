"""Plots used across the chapters."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np


def plot_decision_boundary(predict: Callable[[np.ndarray], np.ndarray] | Any, X: np.ndarray, y: np.ndarray,
                           ax: Any = None, *, resolution: int = 200, margin: float = 0.1,
                           title: str | None = None) -> Any:
    """Colour the plane by the class ``predict`` gives each point and scatter the samples on top.

    ``predict`` maps an array of shape ``(n, 2)`` to class probabilities ``(n, classes)`` or to class
    labels ``(n,)``; an object with a ``predict`` method (such as a ``Model``) works too.
    Returns the matplotlib ``Axes``."""
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap

    fn = predict.predict if hasattr(predict, "predict") else predict
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"plot_decision_boundary draws 2-D inputs; X has shape {X.shape}.")
    if ax is None:
        ax = plt.gca()
    (x0, y0), (x1, y1) = X.min(axis=0) - margin, X.max(axis=0) + margin
    gx, gy = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))
    grid = np.c_[gx.ravel(), gy.ravel()].astype(X.dtype)
    out = np.asarray(fn(grid))
    labels = out.argmax(axis=1) if out.ndim == 2 and out.shape[1] > 1 else (out.ravel() > 0.5).astype(int)
    n_classes = int(max(labels.max(), np.max(y))) + 1
    colours = plt.get_cmap("tab10").colors[:n_classes]
    ax.contourf(gx, gy, labels.reshape(gx.shape), levels=np.arange(n_classes + 1) - 0.5,
                cmap=ListedColormap(colours), alpha=0.3)
    ax.scatter(X[:, 0], X[:, 1], c=np.asarray(y).ravel(), cmap=ListedColormap(colours), s=12, edgecolors="k",
               linewidths=0.3, vmin=-0.5, vmax=n_classes - 0.5)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    if title:
        ax.set_title(title)
    return ax
