"""Datasets.

The toy datasets come from the ``nnfs`` package (the spiral data is Andrej Karpathy's, from CS231n).
``nnfs``'s functions draw from NumPy's global random state; the wrappers here seed it for the call
and put the previous state back, so the same ``seed`` always gives the same data and the reader's
own random numbers are left alone. (They never call ``nnfs.init()``, which replaces ``np.dot``
and other NumPy functions for the whole session.)
"""

from __future__ import annotations

from typing import Callable

import numpy as np
from nnfs.datasets import sine_data as _nnfs_sine
from nnfs.datasets import spiral_data as _nnfs_spiral
from nnfs.datasets import vertical_data as _nnfs_vertical


def _seeded(make: Callable[..., tuple[np.ndarray, np.ndarray]], seed: int, *args: int) -> tuple[np.ndarray, np.ndarray]:
    saved = np.random.get_state()
    try:
        np.random.seed(seed)
        return make(*args)
    finally:
        np.random.set_state(saved)


def _check_counts(samples: int, classes: int, who: str) -> None:
    if int(samples) < 1 or int(classes) < 1:
        raise ValueError(f"{who}: samples and classes must be positive, got samples={samples}, classes={classes}.")


def spiral_data(samples: int = 100, classes: int = 3, *, seed: int = 0,
                dtype: type = np.float64) -> tuple[np.ndarray, np.ndarray]:
    """``classes`` interleaved spiral arms of ``samples`` points each.

    Returns ``X`` of shape ``(samples * classes, 2)`` and integer labels ``y`` of shape
    ``(samples * classes,)``, ordered class by class."""
    _check_counts(samples, classes, "spiral_data")
    X, y = _seeded(_nnfs_spiral, seed, int(samples), int(classes))
    return X.astype(dtype, copy=False), y


def vertical_data(samples: int = 100, classes: int = 3, *, seed: int = 0,
                  dtype: type = np.float64) -> tuple[np.ndarray, np.ndarray]:
    """``classes`` vertical blobs of ``samples`` points each: an easy, almost linearly separable set."""
    _check_counts(samples, classes, "vertical_data")
    X, y = _seeded(_nnfs_vertical, seed, int(samples), int(classes))
    return X.astype(dtype, copy=False), y


def sine_data(samples: int = 1000, *, dtype: type = np.float64) -> tuple[np.ndarray, np.ndarray]:
    """``samples`` evenly spaced points ``x`` in [0, 1) with targets ``y = sin(2 pi x)``, both of shape (samples, 1)."""
    _check_counts(samples, 1, "sine_data")
    X, y = _nnfs_sine(int(samples))
    return X.astype(dtype, copy=False), y.astype(dtype, copy=False)
