r"""Metrics: numbers people read, not numbers the network differentiates."""

from __future__ import annotations

import numpy as np

from ._validate import _as_number, as_2d_float, check_finite, check_non_negative
from .losses import binary_targets, class_labels, same_shape_targets


def _predictions(y_pred: np.ndarray, who: str) -> np.ndarray:
    """Finite 2-D predictions of at least one sample."""
    y_pred = as_2d_float(y_pred, who)
    if y_pred.size == 0:
        raise ValueError(f"{who}: the batch is empty (shape {y_pred.shape}); pass at least one "
                         "sample with at least one output.")
    check_finite(y_pred, who, "predictions")
    return y_pred


def accuracy(y_pred: np.ndarray, y_true: np.ndarray) -> float:
    r"""Fraction of samples whose most probable class is the true one:
    $\frac1N \sum_i [\arg\max_j \hat y_{ij} = c_i]$ (labels as integers or one-hot rows)."""
    y_pred = _predictions(y_pred, "accuracy")
    labels = class_labels(y_true, y_pred.shape[1], y_pred.shape[0], "accuracy")
    return float(np.mean(y_pred.argmax(axis=1) == labels))


def binary_accuracy(y_pred: np.ndarray, y_true: np.ndarray, threshold: float = 0.5) -> float:
    r"""Fraction of yes/no outputs right when $\hat y > $ ``threshold`` counts as 1 (targets 0 or 1;
    for logits, as fed to ``SigmoidBinaryCrossentropy``, use ``threshold=0``)."""
    threshold = _as_number(threshold, "threshold", "binary_accuracy")
    if not np.isfinite(threshold):
        raise ValueError(f"binary_accuracy: threshold must be a finite number, got {threshold}.")
    y_pred = _predictions(y_pred, "binary_accuracy")
    y = binary_targets(y_pred, y_true, "binary_accuracy")
    return float(np.mean((y_pred > threshold) == (y == 1)))


def regression_accuracy(y_pred: np.ndarray, y_true: np.ndarray,
                        precision: float | None = None) -> float:
    r"""Fraction of predictions within ``precision`` of the target: $\frac1{NK}\sum [|\hat y - y| < p]$.

    The default $p = \operatorname{std}(y) / 250$ is a strict tolerance relative to the spread of
    the targets (a convention, not a law: say which precision you use when you report it). With
    $p = 0$ (constant targets and the default) only exact predictions count."""
    y_pred = _predictions(y_pred, "regression_accuracy")
    y = same_shape_targets(y_pred, y_true, "regression_accuracy")
    if precision is None:
        precision = float(np.std(y)) / 250
    else:
        precision = check_non_negative(precision, "precision", "regression_accuracy")
    error = np.abs(y_pred - y)
    return float(np.mean(error < precision if precision > 0 else error == 0))


#: The metrics ``Model(metric=...)`` knows by name.
METRICS = {
    "accuracy": accuracy,
    "binary_accuracy": binary_accuracy,
    "regression_accuracy": regression_accuracy,
}
