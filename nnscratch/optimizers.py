r"""Optimisers: ``step(layers)`` updates every layer's ``params`` in place from its ``grads``.

All of them share learning-rate decay: at update number $t$ (counting from 0) the step size is
$\eta_t = \eta / (1 + \text{decay} \cdot t)$, available as ``current_learning_rate``.
"""

from __future__ import annotations

import weakref
from typing import Iterable

import numpy as np

from ._validate import check_non_negative, check_positive
from .layers import Layer


class Optimizer:
    """Base class: decay, the update counter, and per-parameter state kept for each layer."""

    def __init__(self, learning_rate: float, decay: float = 0.0) -> None:
        check_positive(learning_rate, "learning_rate", type(self).__name__)
        check_non_negative(decay, "decay", type(self).__name__)
        self.learning_rate = float(learning_rate)
        self.decay = float(decay)
        self.current_learning_rate = self.learning_rate
        self.iterations = 0
        self._state: weakref.WeakKeyDictionary[Layer, dict[str, dict[str, np.ndarray]]] = (
            weakref.WeakKeyDictionary()
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}(learning_rate={self.learning_rate}, decay={self.decay})"

    def step(self, layers: Iterable[Layer]) -> None:
        """One update of every parameter of ``layers`` (layers without parameters are skipped)."""
        self.current_learning_rate = self.learning_rate / (1.0 + self.decay * self.iterations)
        for layer in layers:
            for name, param in layer.params.items():
                grad = layer.grads.get(name)
                if grad is None:
                    raise RuntimeError(
                        f"{layer!r} has no gradient for {name!r}: call backward before the optimiser step."
                    )
                if grad.shape != param.shape:
                    raise ValueError(
                        f"{layer!r}: gradient of {name!r} has shape {grad.shape}, parameter has {param.shape}."
                    )
                state = self._state.setdefault(layer, {}).setdefault(name, {})
                self._update(param, grad, state)
        self.iterations += 1

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, np.ndarray]) -> None:
        raise NotImplementedError  # pragma: no cover - interface


class SGD(Optimizer):
    r"""Stochastic gradient descent, optionally with momentum $\mu$:
    $v \leftarrow \mu v - \eta_t g$, $\theta \leftarrow \theta + v$ (plain: $\theta \leftarrow \theta - \eta_t g$)."""

    def __init__(self, learning_rate: float = 1.0, decay: float = 0.0, momentum: float = 0.0) -> None:
        super().__init__(learning_rate, decay)
        if not 0 <= momentum < 1:
            raise ValueError(f"SGD: momentum must be in [0, 1), got {momentum!r}.")
        self.momentum = float(momentum)

    def __repr__(self) -> str:
        return f"SGD(learning_rate={self.learning_rate}, decay={self.decay}, momentum={self.momentum})"

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, np.ndarray]) -> None:
        lr = param.dtype.type(self.current_learning_rate)
        if self.momentum:
            v = state.get("velocity")
            if v is None:
                v = state["velocity"] = np.zeros_like(param)
            v *= param.dtype.type(self.momentum)
            v -= lr * grad
            param += v
        else:
            param -= lr * grad


class Adagrad(Optimizer):
    r"""AdaGrad: $c \leftarrow c + g^2$, $\theta \leftarrow \theta - \eta_t\, g / (\sqrt{c} + \epsilon)$.
    Each parameter's step shrinks with the total size of its past gradients."""

    def __init__(self, learning_rate: float = 1.0, decay: float = 0.0, epsilon: float = 1e-7) -> None:
        super().__init__(learning_rate, decay)
        check_positive(epsilon, "epsilon", "Adagrad")
        self.epsilon = float(epsilon)

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, np.ndarray]) -> None:
        cache = state.setdefault("cache", np.zeros_like(param))
        cache += grad * grad
        param -= param.dtype.type(self.current_learning_rate) * grad / (np.sqrt(cache) + self.epsilon)


class RMSprop(Optimizer):
    r"""RMSProp: $c \leftarrow \rho c + (1 - \rho) g^2$, $\theta \leftarrow \theta - \eta_t\, g / (\sqrt{c} + \epsilon)$.
    Like AdaGrad, but old gradients are forgotten at the rate $1 - \rho$."""

    def __init__(self, learning_rate: float = 0.001, decay: float = 0.0, epsilon: float = 1e-7,
                 rho: float = 0.9) -> None:
        super().__init__(learning_rate, decay)
        check_positive(epsilon, "epsilon", "RMSprop")
        if not 0 <= rho < 1:
            raise ValueError(f"RMSprop: rho must be in [0, 1), got {rho!r}.")
        self.epsilon, self.rho = float(epsilon), float(rho)

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, np.ndarray]) -> None:
        cache = state.setdefault("cache", np.zeros_like(param))
        cache *= param.dtype.type(self.rho)
        cache += param.dtype.type(1 - self.rho) * grad * grad
        param -= param.dtype.type(self.current_learning_rate) * grad / (np.sqrt(cache) + self.epsilon)


class Adam(Optimizer):
    r"""Adam: momentum on the gradient and RMSProp's scaling, both bias-corrected. At step $t = 1, 2, \dots$:
    $m \leftarrow \beta_1 m + (1 - \beta_1) g$, $v \leftarrow \beta_2 v + (1 - \beta_2) g^2$,
    $\hat m = m / (1 - \beta_1^t)$, $\hat v = v / (1 - \beta_2^t)$,
    $\theta \leftarrow \theta - \eta_t\, \hat m / (\sqrt{\hat v} + \epsilon)$."""

    def __init__(self, learning_rate: float = 0.001, decay: float = 0.0, epsilon: float = 1e-7,
                 beta_1: float = 0.9, beta_2: float = 0.999) -> None:
        super().__init__(learning_rate, decay)
        check_positive(epsilon, "epsilon", "Adam")
        for name, beta in (("beta_1", beta_1), ("beta_2", beta_2)):
            if not 0 <= beta < 1:
                raise ValueError(f"Adam: {name} must be in [0, 1), got {beta!r}.")
        self.epsilon, self.beta_1, self.beta_2 = float(epsilon), float(beta_1), float(beta_2)

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, np.ndarray]) -> None:
        t = self.iterations + 1
        m = state.setdefault("m", np.zeros_like(param))
        v = state.setdefault("v", np.zeros_like(param))
        dt = param.dtype.type
        m *= dt(self.beta_1)
        m += dt(1 - self.beta_1) * grad
        v *= dt(self.beta_2)
        v += dt(1 - self.beta_2) * grad * grad
        m_hat = m / dt(1 - self.beta_1**t)
        v_hat = v / dt(1 - self.beta_2**t)
        param -= dt(self.current_learning_rate) * m_hat / (np.sqrt(v_hat) + dt(self.epsilon))
