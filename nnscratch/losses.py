r"""Losses: ``forward(y_pred, y_true)`` returns the mean loss over the batch (a float);
``backward()`` returns $\partial L / \partial \hat y$, the gradient of that mean with respect to
``y_pred``, which is where backpropagation through the layers starts.
"""

from __future__ import annotations

import numpy as np

from ._validate import as_2d_float, check_finite

#: Predicted probabilities are clipped to $[\epsilon, 1 - \epsilon]$ before the logarithm.
EPSILON = 1e-7


def class_labels(y_true: object, n_classes: int, n_samples: int, who: str) -> np.ndarray:
    """Integer class labels from integer labels of shape ``(n,)`` or one-hot rows ``(n, n_classes)``.

    Raises ``ValueError`` for any other shape, for labels outside ``0 .. n_classes - 1`` and for
    one-hot rows that are not exactly one 1 and zeros.
    """
    y = np.asarray(y_true)
    if y.ndim == 2 and y.shape == (n_samples, n_classes):
        if not (np.isin(y, (0, 1)).all() and (y.sum(axis=1) == 1).all()):
            raise ValueError(f"{who}: one-hot labels must have exactly one 1 per row and zeros elsewhere.")
        return y.argmax(axis=1)
    if y.ndim != 1 or y.shape[0] != n_samples:
        raise ValueError(
            f"{who}: labels must be integers of shape ({n_samples},) or one-hot of shape "
            f"({n_samples}, {n_classes}) to match the predictions, got shape {y.shape}."
        )
    if y.dtype.kind not in "iuf":
        raise TypeError(f"{who}: class labels must be whole numbers, got dtype {y.dtype}.")
    if y.dtype.kind == "f" and not np.array_equal(y, np.round(y)):  # NaN fails here too
        bad = y[y != np.round(y)][0]
        raise ValueError(f"{who}: class labels must be whole numbers, got {bad} "
                         f"(dtype {y.dtype}).")
    if n_samples and (y.min() < 0 or y.max() >= n_classes):  # before a cast could wrap 1e20
        bad = y[(y < 0) | (y >= n_classes)][0]
        raise ValueError(
            f"{who}: label {bad} is out of range; with {n_classes} outputs the labels must be "
            f"0 .. {n_classes - 1}. Check the number of neurons in the last layer."
        )
    return y.astype(np.int64, copy=False)


def same_shape_targets(y_pred: np.ndarray, y_true: object, who: str) -> np.ndarray:
    """Finite numeric targets of the predictions' shape (``(n,)`` is accepted for one output)."""
    y = np.asarray(y_true)
    if y.dtype.kind not in "iufb":
        raise TypeError(f"{who}: targets must be numbers, got an array of dtype {y.dtype}.")
    if y.ndim == 1 and y_pred.shape[1] == 1 and y.shape[0] == y_pred.shape[0]:
        y = y.reshape(-1, 1)
    if y.shape != y_pred.shape:
        raise ValueError(
            f"{who}: targets must have the predictions' shape {y_pred.shape}, got {y.shape}."
        )
    check_finite(y.astype(np.float64, copy=False), who, "targets")
    return y


class Loss:
    """Base class: ``forward(y_pred, y_true) -> float`` and ``backward(grad=1.0) -> ndarray``."""

    def __init__(self) -> None:
        self.y_pred: np.ndarray | None = None
        self.sample_losses: np.ndarray | None = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    def __call__(self, y_pred: np.ndarray, y_true: np.ndarray) -> float:
        return self.forward(y_pred, y_true)

    def forward(self, y_pred: np.ndarray, y_true: np.ndarray) -> float:
        y_pred = as_2d_float(y_pred, repr(self))
        if y_pred.size == 0:
            raise ValueError(f"{self!r}: the batch is empty (shape {y_pred.shape}); pass at least "
                             "one sample with at least one output.")
        check_finite(y_pred, repr(self), "predictions")
        self.y_pred = None  # a failed call below must not leave an earlier batch for backward()
        y_true = self._prepare_targets(y_pred, y_true)
        self.sample_losses = self._sample_losses(y_pred, y_true)
        self.y_pred, self.y_true = y_pred, y_true
        return float(np.mean(self.sample_losses))

    def backward(self, grad: float = 1.0) -> np.ndarray:
        """Gradient of ``grad * mean loss`` with respect to the predictions."""
        if self.y_pred is None:
            raise RuntimeError(f"{self!r}.backward was called before forward: compute the loss "
                               "first.")
        return self._grad(self.y_pred, self.y_true) * float(grad)

    def _prepare_targets(self, y_pred: np.ndarray, y_true: object) -> np.ndarray:
        """Regression-style targets: same shape as the predictions ((n,) for one output)."""
        return same_shape_targets(y_pred, y_true, repr(self))

    def _sample_losses(self, y_pred: np.ndarray, y_true: np.ndarray) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def _grad(self, y_pred: np.ndarray, y_true: np.ndarray) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError


def check_probabilities(y_pred: np.ndarray, who: str, logits_loss: str) -> None:
    """Raise if ``y_pred`` has values outside [0, 1]: those are logits, which need ``logits_loss``."""
    outside = (y_pred < 0) | (y_pred > 1)
    if outside.any():
        raise ValueError(
            f"{who} expects probabilities in [0, 1], got {y_pred[outside][0]}: these look like "
            f"logits (a Dense output without the activation). Use {logits_loss}, which takes the "
            "logits, or end the network with the activation."
        )


class CategoricalCrossentropy(Loss):
    r"""Categorical cross-entropy of predicted probabilities: $L_i = -\log \hat y_{i, c_i}$,
    where $c_i$ is sample $i$'s class; labels are integers or one-hot rows.

    Probabilities are clipped to $[10^{-7}, 1 - 10^{-7}]$ so that $\log 0 = -\infty$ cannot occur.
    Backward: $\partial L/\partial \hat y_{ij} = -[j = c_i] / (N \hat y_{ij})$ for a batch of $N$.
    """

    def _prepare_targets(self, y_pred: np.ndarray, y_true: object) -> np.ndarray:
        check_probabilities(y_pred, repr(self), "SoftmaxCrossentropy()")
        return class_labels(y_true, y_pred.shape[1], y_pred.shape[0], repr(self))

    def _sample_losses(self, y_pred: np.ndarray, y_true: np.ndarray) -> np.ndarray:
        p = y_pred[np.arange(len(y_true)), y_true]
        return -np.log(np.clip(p, EPSILON, 1 - EPSILON))

    def _grad(self, y_pred: np.ndarray, y_true: np.ndarray) -> np.ndarray:
        n = len(y_true)
        rows = np.arange(n)
        grad = np.zeros_like(y_pred)
        grad[rows, y_true] = -1 / (n * np.clip(y_pred[rows, y_true], EPSILON, 1 - EPSILON))
        return grad


def softmax_crossentropy_grad(probs: np.ndarray, labels: np.ndarray) -> np.ndarray:
    r"""Gradient of the mean cross-entropy with respect to the logits $z$ that softmax turned into
    ``probs``: $(\hat y - y) / N$, with $y$ the one-hot labels (``labels`` are integer classes)."""
    n = len(labels)
    grad = probs / probs.dtype.type(n)
    grad[np.arange(n), labels] -= probs.dtype.type(1 / n)
    return grad


class SoftmaxCrossentropy(Loss):
    r"""Softmax and categorical cross-entropy in one step, fed the *logits* $z$ (the last Dense
    layer's output, before softmax).

    Forward: $\hat y = \operatorname{softmax}(z)$ (kept in ``self.output``) and the cross-entropy
    straight from the logits, $L_i = -\log \hat y_{i, c_i} = \log \sum_j e^{z_{ij}} - z_{i, c_i}$,
    computed as $m + \log \sum_j e^{z_{ij} - m} - z_{i, c_i}$ with $m = \max_j z_{ij}$ (the
    log-sum-exp form): no overflow, no $\log 0$, so no clipping, and a confident mistake costs
    its full loss. Backward: the famously simple $\partial L / \partial z = (\hat y - y)/N$,
    cheaper and more accurate than going back through the loss and the softmax separately.
    """

    def __init__(self) -> None:
        super().__init__()
        self.output: np.ndarray | None = None

    def _prepare_targets(self, y_pred: np.ndarray, y_true: object) -> np.ndarray:
        return class_labels(y_true, y_pred.shape[1], y_pred.shape[0], repr(self))

    def _sample_losses(self, y_pred: np.ndarray, y_true: np.ndarray) -> np.ndarray:
        shifted = y_pred - y_pred.max(axis=1, keepdims=True)  # z - m: the largest is 0
        e = np.exp(shifted)
        self.output = e / e.sum(axis=1, keepdims=True)
        return np.log(e.sum(axis=1)) - shifted[np.arange(len(y_true)), y_true]

    def _grad(self, y_pred: np.ndarray, y_true: np.ndarray) -> np.ndarray:
        return softmax_crossentropy_grad(self.output, y_true)


def binary_targets(y_pred: np.ndarray, y_true: object, who: str) -> np.ndarray:
    """Targets of the predictions' shape (``(n,)`` for one output) that are all 0 or 1."""
    y = same_shape_targets(y_pred, y_true, who)
    if not np.isin(y, (0, 1)).all():
        bad = y[~np.isin(y, (0, 1))][0]
        raise ValueError(f"{who}: targets must be 0 or 1, got {bad}.")
    return y


class BinaryCrossentropy(Loss):
    r"""Binary cross-entropy for $K$ independent yes/no outputs (each a sigmoid probability):
    $L_i = -\frac1K \sum_j [y_{ij} \log \hat y_{ij} + (1 - y_{ij}) \log(1 - \hat y_{ij})]$,
    probabilities clipped to $[10^{-7}, 1 - 10^{-7}]$.
    Backward: $-\frac{1}{NK}\left(\frac{y}{\hat y} - \frac{1 - y}{1 - \hat y}\right)$.
    """

    def _prepare_targets(self, y_pred: np.ndarray, y_true: object) -> np.ndarray:
        check_probabilities(y_pred, repr(self), "SigmoidBinaryCrossentropy()")
        return binary_targets(y_pred, y_true, repr(self))

    def _sample_losses(self, y_pred: np.ndarray, y_true: np.ndarray) -> np.ndarray:
        p = np.clip(y_pred, EPSILON, 1 - EPSILON)
        return -(y_true * np.log(p) + (1 - y_true) * np.log(1 - p)).mean(axis=1)

    def _grad(self, y_pred: np.ndarray, y_true: np.ndarray) -> np.ndarray:
        p = np.clip(y_pred, EPSILON, 1 - EPSILON)
        n, k = y_pred.shape
        return (-(y_true / p - (1 - y_true) / (1 - p)) / (n * k)).astype(y_pred.dtype, copy=False)


class SigmoidBinaryCrossentropy(Loss):
    r"""Sigmoid and binary cross-entropy in one step, fed the *logits* $z$ (the last Dense layer's
    output, before the sigmoid), as ``SoftmaxCrossentropy`` is for softmax.

    With $\hat y = \sigma(z)$, $-\log \hat y = \log(1 + e^{-z})$ and
    $-\log(1 - \hat y) = \log(1 + e^{z})$, so the loss of one output is
    $\log(1 + e^{z}) - z y$, computed as $\max(z, 0) - z y + \log(1 + e^{-|z|})$: $e^{-|z|}$
    never overflows, nothing is clipped, and a confident mistake costs its full loss
    ($\approx |z|$). $L_i$ is the mean over the $K$ outputs.
    Backward: $\partial L/\partial z = (\sigma(z) - y)/(NK)$. The probabilities are in
    ``self.output``.
    """

    def __init__(self) -> None:
        super().__init__()
        self.output: np.ndarray | None = None

    def _prepare_targets(self, y_pred: np.ndarray, y_true: object) -> np.ndarray:
        return binary_targets(y_pred, y_true, repr(self))

    def _sample_losses(self, y_pred: np.ndarray, y_true: np.ndarray) -> np.ndarray:
        z = y_pred
        self.output = np.exp(-np.logaddexp(0, -z))  # sigmoid(z), without overflow
        return (np.maximum(z, 0) - z * y_true + np.log1p(np.exp(-np.abs(z)))).mean(axis=1)

    def _grad(self, y_pred: np.ndarray, y_true: np.ndarray) -> np.ndarray:
        n, k = y_pred.shape
        return ((self.output - y_true) / (n * k)).astype(y_pred.dtype, copy=False)


class MeanSquaredError(Loss):
    r"""Mean squared error: $L_i = \frac1K \sum_j (y_{ij} - \hat y_{ij})^2$;
    backward $-\frac{2}{NK}(y - \hat y)$."""

    def _sample_losses(self, y_pred: np.ndarray, y_true: np.ndarray) -> np.ndarray:
        return ((y_true - y_pred) ** 2).mean(axis=1)

    def _grad(self, y_pred: np.ndarray, y_true: np.ndarray) -> np.ndarray:
        n, k = y_pred.shape
        return (-2 * (y_true - y_pred) / (n * k)).astype(y_pred.dtype, copy=False)


class MeanAbsoluteError(Loss):
    r"""Mean absolute error: $L_i = \frac1K \sum_j |y_{ij} - \hat y_{ij}|$;
    backward $\frac{1}{NK}\operatorname{sign}(\hat y - y)$."""

    def _sample_losses(self, y_pred: np.ndarray, y_true: np.ndarray) -> np.ndarray:
        return np.abs(y_true - y_pred).mean(axis=1)

    def _grad(self, y_pred: np.ndarray, y_true: np.ndarray) -> np.ndarray:
        n, k = y_pred.shape
        return (np.sign(y_pred - y_true) / (n * k)).astype(y_pred.dtype, copy=False)
