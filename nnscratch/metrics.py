r"""Metrics: numbers people read, not numbers the network differentiates."""

from __future__ import annotations

import numpy as np

from ._validate import as_2d_float
from .losses import class_labels


def _same_shape(y_true: np.ndarray, y_pred: np.ndarray, who: str) -> np.ndarray:
    """Targets of the predictions' shape; ``(n,)`` is accepted for predictions of shape ``(n, 1)``."""
    y = np.asarray(y_true)
    if y.ndim == 1 and y_pred.shape[1] == 1 and len(y) == len(y_pred):
        y = y.reshape(-1, 1)
    if y.shape != y_pred.shape:
        raise ValueError(f"{who}: targets must have the predictions' shape {y_pred.shape}, got {y.shape}.")
    return y


def accuracy(y_pred: np.ndarray, y_true: np.ndarray) -> float:
    r"""Fraction of samples whose most probable class is the true one:
    $\frac1N \sum_i [\arg\max_j \hat y_{ij} = c_i]$ (labels as integers or one-hot rows)."""
    y_pred = as_2d_float(y_pred, "accuracy")
    labels = class_labels(y_true, y_pred.shape[1], y_pred.shape[0], "accuracy")
    return float(np.mean(y_pred.argmax(axis=1) == labels))


def binary_accuracy(y_pred: np.ndarray, y_true: np.ndarray, threshold: float = 0.5) -> float:
    r"""Fraction of yes/no outputs right when $\hat y > $ ``threshold`` counts as 1."""
    y_pred = as_2d_float(y_pred, "binary_accuracy")
    y = _same_shape(y_true, y_pred, "binary_accuracy")
    return float(np.mean((y_pred > threshold) == (y == 1)))


def regression_accuracy(y_pred: np.ndarray, y_true: np.ndarray, precision: float | None = None) -> float:
    r"""Fraction of predictions within ``precision`` of the target: $\frac1{NK}\sum [|\hat y - y| < p]$.

    The default $p = \operatorname{std}(y) / 250$ is a strict tolerance relative to the spread of
    the targets (a convention, not a law: say which precision you use when you report it)."""
    y_pred = as_2d_float(y_pred, "regression_accuracy")
    y = _same_shape(y_true, y_pred, "regression_accuracy")
    if precision is None:
        precision = float(np.std(y)) / 250
    return float(np.mean(np.abs(y_pred - y) < precision))


#: The metrics ``Model(metric=...)`` knows by name.
METRICS = {
    "accuracy": accuracy,
    "binary_accuracy": binary_accuracy,
    "regression_accuracy": regression_accuracy,
}
