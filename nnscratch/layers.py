r"""Layers: each has ``forward(x)`` returning its output and ``backward(grad)`` returning the gradient
of the loss with respect to its input.

Every layer follows one interface, fixed from the first chapter on:

* ``forward(x)``: ``x`` has shape ``(batch, features)``; returns the output and remembers what
  ``backward`` needs.
* ``backward(grad)``: ``grad`` is $\partial L / \partial \text{output}$, same shape as the output;
  fills ``self.grads`` (same keys as ``self.params``) and returns $\partial L / \partial x$.
* ``params`` / ``grads``: dicts of arrays, empty for layers without parameters. Optimisers update
  ``params`` in place from ``grads``, so one optimiser works for every layer.
* ``training``: ``True`` while training, ``False`` for inference (``train()`` / ``eval()``); only
  layers that behave differently, like ``Dropout``, look at it.
"""

from __future__ import annotations

from typing import Iterable

import numpy as np

from ._validate import (as_2d_float, check_count, check_fraction, check_non_negative,
                        check_positive, make_rng)


#: The initialisation schemes ``Dense(..., weight_scale=...)`` knows by name (chapter 20);
#: ``"xavier"`` is another name for ``"glorot"``.
INIT_SCHEMES = ("glorot", "he", "lecun", "xavier")


def init_scale(weight_scale: float | str, n_inputs: int, n_neurons: int) -> float:
    r"""The standard deviation $s$ of a Dense layer's initial weights: $w = s \cdot$ a standard
    normal number.

    A number is used as it is. The schemes keep the spread of the signal the same from layer to
    layer (chapter 20), with $n_\text{in}$ = ``n_inputs`` and $n_\text{out}$ = ``n_neurons``:

    * ``"lecun"``: $s = \sqrt{1/n_\text{in}}$, for layers followed by tanh or nothing;
    * ``"glorot"``, also called ``"xavier"``: $s = \sqrt{2/(n_\text{in} + n_\text{out})}$, the
      compromise between the forward pass ($1/n_\text{in}$) and the backward pass
      ($1/n_\text{out}$);
    * ``"he"``: $s = \sqrt{2/n_\text{in}}$, for layers followed by ReLU, which zeroes half its
      inputs.
    """
    n_inputs = check_count(n_inputs, "n_inputs", "init_scale")
    n_neurons = check_count(n_neurons, "n_neurons", "init_scale")
    if isinstance(weight_scale, str):
        if weight_scale == "lecun":
            return float(np.sqrt(1.0 / n_inputs))
        if weight_scale in ("glorot", "xavier"):
            return float(np.sqrt(2.0 / (n_inputs + n_neurons)))
        if weight_scale == "he":
            return float(np.sqrt(2.0 / n_inputs))
        also = (" (the names are lower case)" if weight_scale.lower() in INIT_SCHEMES else "")
        raise ValueError(f"Dense: weight_scale must be a number or one of {list(INIT_SCHEMES)}, "
                         f"got {weight_scale!r}{also}.")
    return check_non_negative(weight_scale, "weight_scale", "Dense")


class Layer:
    """Base class of all layers (see the module docstring for the interface)."""

    def __init__(self) -> None:
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self.training: bool = True
        self.output: np.ndarray | None = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return self.forward(x)

    def forward(self, x: np.ndarray) -> np.ndarray:  # pragma: no cover - interface
        raise NotImplementedError

    def backward(self, grad: np.ndarray) -> np.ndarray:  # pragma: no cover - interface
        raise NotImplementedError

    def train(self, mode: bool = True) -> "Layer":
        """Switch to training (``mode=True``) or inference (``mode=False``) behaviour."""
        self.training = bool(mode)
        return self

    def eval(self) -> "Layer":
        """Switch to inference behaviour (same as ``train(False)``)."""
        return self.train(False)

    def regularization_loss(self) -> float:
        """The layer's penalty term added to the data loss (0 for layers without one)."""
        return 0.0

    def _check_grad(self, grad: np.ndarray) -> np.ndarray:
        if self.output is None:
            raise RuntimeError(
                f"{self!r}.backward was called before forward: call forward(x) first, "
                "then backward with the gradient of the loss with respect to its output."
            )
        grad = np.asarray(grad)
        if grad.shape != self.output.shape:
            raise ValueError(
                f"{self!r}.backward expects a gradient of the output's shape {self.output.shape}, "
                f"got {grad.shape}."
            )
        return grad


class Dense(Layer):
    r"""A fully connected layer: $Y = XW + b$.

    ``X``: ``(batch, n_inputs)``, ``W``: ``(n_inputs, n_neurons)``, ``b``: ``(1, n_neurons)``.
    Backward: $\partial L/\partial W = X^\top G$, $\partial L/\partial b = \sum_i G_i$,
    $\partial L/\partial X = G W^\top$, where $G = \partial L/\partial Y$.

    Weights start as ``weight_scale`` times standard normal numbers, biases at zero;
    ``weight_scale`` may also name a scheme that depends on the layer's size: ``"he"``,
    ``"glorot"`` (or ``"xavier"``) or ``"lecun"`` (see :func:`init_scale`, chapter 20). Optional
    penalties add
    $\lambda_1 \sum|w| + \lambda_2 \sum w^2$ to the loss (``regularization_loss``) and their
    derivatives $\lambda_1 \operatorname{sign}(w) + 2\lambda_2 w$ to the gradients.
    """

    def __init__(
        self,
        n_inputs: int,
        n_neurons: int,
        *,
        weight_scale: float | str = 0.01,
        rng: np.random.Generator | int | None = None,
        dtype: type | np.dtype = np.float64,
        weight_regularizer_l1: float = 0.0,
        weight_regularizer_l2: float = 0.0,
        bias_regularizer_l1: float = 0.0,
        bias_regularizer_l2: float = 0.0,
    ) -> None:
        super().__init__()
        self.n_inputs = check_count(n_inputs, "n_inputs", "Dense")
        self.n_neurons = check_count(n_neurons, "n_neurons", "Dense")
        scale = init_scale(weight_scale, self.n_inputs, self.n_neurons)
        dtype = np.dtype(dtype)
        if dtype.kind != "f":
            raise TypeError("Dense: dtype must be a floating-point type such as np.float64, "
                            f"got {dtype}.")
        W = scale * make_rng(rng).standard_normal((self.n_inputs, self.n_neurons))
        self.params["W"] = W.astype(dtype)
        self.params["b"] = np.zeros((1, self.n_neurons), dtype=dtype)
        self.regularizers = {
            name: check_non_negative(value, name, f"Dense({n_inputs}, {n_neurons})")
            for name, value in (("weight_regularizer_l1", weight_regularizer_l1),
                                ("weight_regularizer_l2", weight_regularizer_l2),
                                ("bias_regularizer_l1", bias_regularizer_l1),
                                ("bias_regularizer_l2", bias_regularizer_l2))
        }
        self.input: np.ndarray | None = None

    def __repr__(self) -> str:
        return f"Dense({self.n_inputs}, {self.n_neurons})"

    def forward(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x)
        if x.ndim != 2 or x.shape[1] != self.n_inputs:
            raise ValueError(
                f"{self!r} expects input of shape (batch, {self.n_inputs}), got shape {x.shape}. "
                + (
                    "Reshape a single sample with x.reshape(1, -1)."
                    if x.ndim == 1 and x.shape[0] == self.n_inputs
                    else f"The previous layer or the data must give {self.n_inputs} features "
                    "per sample."
                )
            )
        self.input = as_2d_float(x, repr(self))
        self.output = self.input @ self.params["W"] + self.params["b"]
        return self.output

    def backward(self, grad: np.ndarray, *, input_grad: bool = True) -> np.ndarray | None:
        r"""Fill ``grads`` and return $\partial L/\partial X = G W^\top$.

        ``input_grad=False`` skips that product and returns ``None``: for the first layer of a
        network, whose input is the data, nobody needs it (chapter 19: one of the step's largest
        products). The parameter gradients are the same either way.
        """
        grad = self._check_grad(grad)
        self.grads["W"] = self.input.T @ grad
        self.grads["b"] = grad.sum(axis=0, keepdims=True)
        for name in ("W", "b"):
            l1, l2 = self._penalties(name)
            if l1 or l2:  # the penalty's derivative: lambda_1 sign(p) + 2 lambda_2 p
                p = self.params[name]
                self.grads[name] = self.grads[name] + l1 * np.sign(p) + 2 * l2 * p
        return grad @ self.params["W"].T if input_grad else None

    def regularization_loss(self) -> float:
        total = 0.0
        for name in ("W", "b"):
            l1, l2 = self._penalties(name)
            p = self.params[name]
            if l1:
                total += l1 * float(np.abs(p).sum())
            if l2:
                total += l2 * float((p * p).sum())
        return total

    def _penalties(self, name: str) -> tuple[float, float]:
        r"""$(\lambda_1, \lambda_2)$ of the weights (``"W"``) or the biases (``"b"``)."""
        kind = "weight" if name == "W" else "bias"
        r = self.regularizers
        return r[f"{kind}_regularizer_l1"], r[f"{kind}_regularizer_l2"]


class _Activation(Layer):
    """An element-wise or row-wise function without parameters; keeps the input dtype.

    Element-wise ones (``elementwise = True``) also take 4-D images ``(batch, channels, height,
    width)``, the output of a convolution (chapter 22); ``Softmax`` works on rows only."""

    elementwise = True

    def forward(self, x: np.ndarray) -> np.ndarray:
        x = as_2d_float(x, repr(self), images=self.elementwise)
        self.input = x
        self.output = self._f(x)
        return self.output

    def _f(self, x: np.ndarray) -> np.ndarray:  # pragma: no cover - interface
        raise NotImplementedError


class ReLU(_Activation):
    r"""Rectified linear unit: $\operatorname{relu}(x) = \max(0, x)$; derivative $1$ where $x > 0$, else $0$."""

    def _f(self, x: np.ndarray) -> np.ndarray:
        return np.maximum(x, 0)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        grad = self._check_grad(grad)
        return grad * (self.input > 0)


class Softmax(_Activation):
    r"""Softmax over each row: $s_j = e^{z_j - m} / \sum_k e^{z_k - m}$ with $m = \max_k z_k$.

    Subtracting the row maximum $m$ changes nothing mathematically but keeps $e^{(\cdot)}$ from
    overflowing. Backward (Jacobian times gradient, row by row):
    $\partial L/\partial z = s \odot (g - \sum_j g_j s_j)$.
    """

    elementwise = False

    def _f(self, x: np.ndarray) -> np.ndarray:
        e = np.exp(x - x.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        grad = self._check_grad(grad)
        s = self.output
        return s * (grad - (grad * s).sum(axis=1, keepdims=True))


class Sigmoid(_Activation):
    r"""Logistic sigmoid: $\sigma(x) = 1 / (1 + e^{-x})$; derivative $\sigma(x)(1 - \sigma(x))$."""

    def _f(self, x: np.ndarray) -> np.ndarray:
        # exp(-log(1 + e^{-x})) never overflows, unlike 1 / (1 + exp(-x)) for x << 0.
        return np.exp(-np.logaddexp(0, -x))

    def backward(self, grad: np.ndarray) -> np.ndarray:
        grad = self._check_grad(grad)
        s = self.output
        return grad * s * (1 - s)


class Tanh(_Activation):
    r"""Hyperbolic tangent: $\tanh(x) = (e^x - e^{-x}) / (e^x + e^{-x})$, between $-1$ and $1$;
    derivative $1 - \tanh^2(x)$ (chapter 20)."""

    def _f(self, x: np.ndarray) -> np.ndarray:
        return np.tanh(x)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        grad = self._check_grad(grad)
        return grad * (1 - self.output**2)


class Linear(_Activation):
    r"""The identity, $f(x) = x$, used as the output of a regression network; derivative $1$."""

    def _f(self, x: np.ndarray) -> np.ndarray:
        return x

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return self._check_grad(grad)


class Dropout(Layer):
    r"""Inverted dropout: while training, zero each value with probability ``rate`` and scale the
    rest by $1/(1 - \text{rate})$, so the expected output equals the input; at inference
    (``eval()``), pass the input through unchanged. Backward multiplies by the same mask.
    """

    def __init__(self, rate: float, *, rng: np.random.Generator | int | None = None) -> None:
        super().__init__()
        self.rate = check_fraction(rate, "rate (the fraction of values dropped)", "Dropout")
        self.rng = make_rng(rng)
        self.mask: np.ndarray | None = None

    def __repr__(self) -> str:
        return f"Dropout({self.rate})"

    def forward(self, x: np.ndarray) -> np.ndarray:
        x = as_2d_float(x, repr(self), images=True)
        if self.training and self.rate > 0:
            keep = self.rng.random(x.shape, dtype=x.dtype) >= self.rate
            self.mask = keep * x.dtype.type(1 / (1 - self.rate))
            self.output = x * self.mask
        else:
            self.mask = None
            self.output = x
        return self.output

    def backward(self, grad: np.ndarray) -> np.ndarray:
        grad = self._check_grad(grad)
        return grad if self.mask is None else grad * self.mask


class BatchNorm(Layer):
    r"""Batch normalisation of each feature (chapter 21).

    Training (``train()``): with the batch's mean $\mu$ and variance $\sigma^2$ of each column,
    $\hat x = (x - \mu) / \sqrt{\sigma^2 + \epsilon}$ and $y = \gamma \hat x + \beta$; the running
    averages are updated as $m \leftarrow \text{momentum} \cdot m + (1 - \text{momentum})\,\mu$
    (the same for the variance). Inference (``eval()``): the running averages replace $\mu$ and
    $\sigma^2$. ``params``: ``gamma`` (ones) and ``beta`` (zeros), shape ``(1, n_features)``;
    ``buffers``: ``running_mean`` and ``running_var``, saved with the model but not trained.

    Backward in training mode, with $G = \partial L/\partial y$, $N$ rows and
    $\hat G = G \odot \gamma$: $\partial L/\partial \gamma = \sum_i G_i \odot \hat x_i$,
    $\partial L/\partial \beta = \sum_i G_i$ and
    $\partial L/\partial x = \frac{1}{N \sqrt{\sigma^2 + \epsilon}}\,(N \hat G - \sum_i \hat G_i
    - \hat x \odot \sum_i \hat G_i \odot \hat x_i)$. In inference mode $\mu$ and $\sigma^2$ are
    constants and $\partial L/\partial x = \hat G / \sqrt{\sigma^2 + \epsilon}$.
    """

    def __init__(self, n_features: int, *, momentum: float = 0.9, epsilon: float = 1e-5,
                 dtype: type | np.dtype = np.float64) -> None:
        super().__init__()
        self.n_features = check_count(n_features, "n_features", "BatchNorm")
        self.momentum = check_fraction(momentum, "momentum", "BatchNorm")
        self.epsilon = check_positive(epsilon, "epsilon", "BatchNorm")
        dtype = np.dtype(dtype)
        if dtype.kind != "f":
            raise TypeError("BatchNorm: dtype must be a floating-point type such as np.float64, "
                            f"got {dtype}.")
        self.params["gamma"] = np.ones((1, self.n_features), dtype=dtype)
        self.params["beta"] = np.zeros((1, self.n_features), dtype=dtype)
        self.buffers: dict[str, np.ndarray] = {
            "running_mean": np.zeros((1, self.n_features), dtype=dtype),
            "running_var": np.ones((1, self.n_features), dtype=dtype)}
        self.x_hat: np.ndarray | None = None
        self.inv_std: np.ndarray | None = None
        self.batch_statistics = True  # whether the last forward used the batch's mean and variance

    def __repr__(self) -> str:
        return f"BatchNorm({self.n_features})"

    def forward(self, x: np.ndarray) -> np.ndarray:
        x = as_2d_float(x, repr(self))
        if x.shape[1] != self.n_features:
            raise ValueError(f"{self!r} expects input of shape (batch, {self.n_features}), got "
                             f"shape {x.shape}. Give it as many features as the layer before "
                             "outputs.")
        gamma, beta = self.params["gamma"], self.params["beta"]
        if self.training:
            if len(x) < 2:
                raise ValueError(f"{self!r} needs at least 2 samples per batch while training, "
                                 f"got {len(x)}: a batch of one has no variance. Use larger "
                                 "batches, or call eval() for inference.")
            mean, var = x.mean(axis=0, keepdims=True), x.var(axis=0, keepdims=True)
            m = x.dtype.type(self.momentum)
            self.buffers["running_mean"] = m * self.buffers["running_mean"] + (1 - m) * mean
            self.buffers["running_var"] = m * self.buffers["running_var"] + (1 - m) * var
        else:
            mean, var = self.buffers["running_mean"], self.buffers["running_var"]
        self.batch_statistics = self.training
        self.inv_std = 1 / np.sqrt(var + x.dtype.type(self.epsilon))
        self.x_hat = (x - mean) * self.inv_std
        self.output = gamma * self.x_hat + beta
        return self.output

    def backward(self, grad: np.ndarray) -> np.ndarray:
        grad = self._check_grad(grad)
        x_hat = self.x_hat
        self.grads["gamma"] = (grad * x_hat).sum(axis=0, keepdims=True)
        self.grads["beta"] = grad.sum(axis=0, keepdims=True)
        g_hat = grad * self.params["gamma"]
        if not self.batch_statistics:
            return g_hat * self.inv_std
        n = len(grad)
        return self.inv_std / n * (n * g_hat - g_hat.sum(axis=0, keepdims=True)
                                   - x_hat * (g_hat * x_hat).sum(axis=0, keepdims=True))


def regularization_loss(layers: Iterable[Layer]) -> float:
    """Sum of the layers' penalty terms (L1/L2 on weights and biases)."""
    return float(sum(layer.regularization_loss() for layer in layers))
