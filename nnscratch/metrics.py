r"""Metrics: numbers people read, not numbers the network differentiates."""

from __future__ import annotations

import numpy as np

from ._validate import as_2d_float
from .losses import class_labels


def accuracy(y_pred: np.ndarray, y_true: np.ndarray) -> float:
    r"""Fraction of samples whose most probable class is the true one:
    $\frac1N \sum_i [\arg\max_j \hat y_{ij} = c_i]$ (labels as integers or one-hot rows)."""
    y_pred = as_2d_float(y_pred, "accuracy")
    labels = class_labels(y_true, y_pred.shape[1], y_pred.shape[0], "accuracy")
    return float(np.mean(y_pred.argmax(axis=1) == labels))


def binary_accuracy(y_pred: np.ndarray, y_true: np.ndarray, threshold: float = 0.5) -> float:
    r"""Fraction of yes/no outputs right when $\hat y > $ ``threshold`` counts as 1."""
    y_pred = as_2d_float(y_pred, "binary_accuracy")
    y = np.asarray(y_true).reshape(y_pred.shape) if np.size(y_true) == y_pred.size else None
    if y is None:
        raise ValueError(f"binary_accuracy: targets must have the predictions' shape {y_pred.shape}, "
                         f"got {np.shape(y_true)}.")
    return float(np.mean((y_pred > threshold) == (y == 1)))


def regression_accuracy(y_pred: np.ndarray, y_true: np.ndarray, precision: float | None = None) -> float:
    r"""Fraction of predictions within ``precision`` of the target: $\frac1{NK}\sum [|\hat y - y| < p]$.

    The default $p = \operatorname{std}(y) / 250$ is a strict tolerance relative to the spread of
    the targets (a convention, not a law: say which precision you use when you report it)."""
    y_pred = as_2d_float(y_pred, "regression_accuracy")
    y = np.asarray(y_true, dtype=y_pred.dtype)
    if y.size != y_pred.size:
        raise ValueError(f"regression_accuracy: targets must have the predictions' shape {y_pred.shape}, "
                         f"got {y.shape}.")
    y = y.reshape(y_pred.shape)
    if precision is None:
        precision = float(np.std(y)) / 250
    return float(np.mean(np.abs(y_pred - y) < precision))
