r"""Optimisers: ``step(layers)`` updates every layer's ``params`` in place from its ``grads``.

Each optimiser is the ``update(param, grad, state, t, ...)`` function of chapter 11, *Optimisers*,
written as a method ``update(param, grad, state)``: the hyper-parameters and the step counter $t$
are attributes of the optimiser, and ``state`` is the parameter's own dictionary (``m``, ``v``,
``cache``, ``velocity``), created empty and filled on the first update.

All of them share learning-rate decay: at update number ``iterations`` (counting from 0) the step
size is $\eta_t = \eta / (1 + \text{decay} \cdot \text{iterations})$, available as
``current_learning_rate`` (chapter 10). A ``schedule`` (:mod:`nnscratch.schedules`), a function of
``iterations`` that returns a factor, multiplies it:
$\eta_t = \eta / (1 + \text{decay} \cdot t) \cdot \text{schedule}(t)$.

Every line here is the formula; the versions that write into preallocated arrays, fold Adam's bias
corrections and keep float32 state out of the subnormal range are in :mod:`nnscratch.fast`
(chapter 19, *Making it fast*).
"""

from __future__ import annotations

import weakref
from typing import Iterable

import numpy as np

from ._validate import check_fraction, check_non_negative, check_positive
from .layers import Layer
from .schedules import Schedule


class Optimizer:
    """Apply ``update(param, grad, state)`` to every parameter of every layer, once per step."""

    def __init__(self, learning_rate: float, decay: float = 0.0, *,
                 schedule: Schedule | None = None) -> None:
        who = type(self).__name__
        self.learning_rate = check_positive(learning_rate, "learning_rate", who)
        self.decay = check_non_negative(decay, "decay", who)
        if schedule is not None and not callable(schedule):
            raise TypeError(f"{who}: schedule must be a function of the step that returns a "
                            "factor, such as nn.CosineDecay(1000), or None; got "
                            f"{type(schedule).__name__}.")
        self.schedule = schedule
        self.current_learning_rate = self.learning_rate
        self.iterations = 0  # the number of steps taken so far
        # One state dictionary per parameter; a layer that is deleted takes its state with it.
        self.states: weakref.WeakKeyDictionary[Layer, dict[str, dict]] = (
            weakref.WeakKeyDictionary()
        )

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(learning_rate={self.learning_rate}, decay={self.decay}"
                f"{self._schedule_repr()})")

    def _schedule_repr(self) -> str:
        return "" if self.schedule is None else f", schedule={self.schedule!r}"

    def step(self, layers: Iterable[Layer]) -> None:
        """One update of every parameter of ``layers`` (layers without parameters are skipped)."""
        self.current_learning_rate = self.learning_rate / (1.0 + self.decay * self.iterations)
        if self.schedule is not None:
            self.current_learning_rate *= self._schedule_factor()
        for layer in layers:
            for name, param in layer.params.items():
                grad = layer.grads.get(name)
                if grad is None:
                    raise RuntimeError(f"{layer!r} has no gradient for {name!r}: call backward "
                                       "before the optimiser step.")
                if grad.shape != param.shape:
                    raise ValueError(f"{layer!r}: gradient of {name!r} has shape {grad.shape}, "
                                     f"parameter has {param.shape}.")
                state = self.states.setdefault(layer, {}).setdefault(name, {})
                self.update(param, grad, state)
        self.iterations += 1

    def _schedule_factor(self) -> float:
        factor = self.schedule(self.iterations)
        number = isinstance(factor, (int, float, np.number)) and not isinstance(factor, bool)
        if not (number and factor >= 0 and np.isfinite(factor)):
            raise ValueError(f"{type(self).__name__}: the schedule {self.schedule!r} returned "
                             f"{factor!r} at step {self.iterations}; it must return a finite "
                             "factor >= 0.")
        return float(factor)

    def update(self, param: np.ndarray, grad: np.ndarray, state: dict) -> None:
        """Change ``param`` in place from its gradient ``grad`` and its ``state``."""
        raise NotImplementedError  # pragma: no cover - interface


class SGD(Optimizer):
    r"""Stochastic gradient descent: $\theta \leftarrow \theta - \eta_t g$.

    With momentum $\mu > 0$: $v \leftarrow \mu v - \eta_t g$, then $\theta \leftarrow \theta + v$.
    """

    def __init__(self, learning_rate: float = 1.0, decay: float = 0.0,
                 momentum: float = 0.0, *, schedule: Schedule | None = None) -> None:
        super().__init__(learning_rate, decay, schedule=schedule)
        self.momentum = check_fraction(momentum, "momentum", "SGD")

    def __repr__(self) -> str:
        return (f"SGD(learning_rate={self.learning_rate}, decay={self.decay}, "
                f"momentum={self.momentum}{self._schedule_repr()})")

    def update(self, param: np.ndarray, grad: np.ndarray, state: dict) -> None:
        if not self.momentum:
            param -= self.current_learning_rate * grad
            return
        if not state:
            state["velocity"] = np.zeros_like(param)
        v = state["velocity"]
        v *= self.momentum
        v -= self.current_learning_rate * grad
        param += v


class Adagrad(Optimizer):
    r"""AdaGrad: $c \leftarrow c + g^2$, $\theta \leftarrow \theta - \eta_t\, g / (\sqrt{c} + \epsilon)$.

    Each parameter's step shrinks with the total size of its past gradients.
    """

    def __init__(self, learning_rate: float = 1.0, decay: float = 0.0,
                 epsilon: float = 1e-7, *, schedule: Schedule | None = None) -> None:
        super().__init__(learning_rate, decay, schedule=schedule)
        self.epsilon = check_positive(epsilon, "epsilon", "Adagrad")

    def update(self, param: np.ndarray, grad: np.ndarray, state: dict) -> None:
        if not state:
            state["cache"] = np.zeros_like(param)
        state["cache"] += grad * grad
        param -= self.current_learning_rate * grad / (np.sqrt(state["cache"]) + self.epsilon)


class RMSprop(Optimizer):
    r"""RMSProp: $c \leftarrow \rho c + (1 - \rho) g^2$,
    $\theta \leftarrow \theta - \eta_t\, g / (\sqrt{c} + \epsilon)$.

    Like AdaGrad, but old gradients are forgotten at the rate $1 - \rho$.
    """

    def __init__(self, learning_rate: float = 0.001, decay: float = 0.0, epsilon: float = 1e-7,
                 rho: float = 0.9, *, schedule: Schedule | None = None) -> None:
        super().__init__(learning_rate, decay, schedule=schedule)
        self.epsilon = check_positive(epsilon, "epsilon", "RMSprop")
        self.rho = check_fraction(rho, "rho", "RMSprop")

    def update(self, param: np.ndarray, grad: np.ndarray, state: dict) -> None:
        if not state:
            state["cache"] = np.zeros_like(param)
        state["cache"] *= self.rho
        state["cache"] += (1 - self.rho) * grad * grad
        param -= self.current_learning_rate * grad / (np.sqrt(state["cache"]) + self.epsilon)


class Adam(Optimizer):
    r"""Adam: momentum on the gradient and RMSProp's scaling, both bias-corrected.

    At step $t = 1, 2, \dots$ (``iterations + 1``):
    $m \leftarrow \beta_1 m + (1 - \beta_1) g$, $v \leftarrow \beta_2 v + (1 - \beta_2) g^2$,
    $\hat m = m / (1 - \beta_1^t)$, $\hat v = v / (1 - \beta_2^t)$,
    $\theta \leftarrow \theta - \eta_t\, \hat m / (\sqrt{\hat v} + \epsilon)$.
    """

    def __init__(self, learning_rate: float = 0.001, decay: float = 0.0, epsilon: float = 1e-7,
                 beta_1: float = 0.9, beta_2: float = 0.999, *,
                 schedule: Schedule | None = None) -> None:
        super().__init__(learning_rate, decay, schedule=schedule)
        self.epsilon = check_positive(epsilon, "epsilon", "Adam")
        self.beta_1 = check_fraction(beta_1, "beta_1", "Adam")
        self.beta_2 = check_fraction(beta_2, "beta_2", "Adam")

    def update(self, param: np.ndarray, grad: np.ndarray, state: dict) -> None:
        if not state:
            state["m"], state["v"] = np.zeros_like(param), np.zeros_like(param)
        m, v, t = state["m"], state["v"], self.iterations + 1
        m *= self.beta_1
        m += (1 - self.beta_1) * grad
        v *= self.beta_2
        v += (1 - self.beta_2) * grad * grad
        m_hat = m / (1 - self.beta_1**t)
        v_hat = v / (1 - self.beta_2**t)
        param -= self.current_learning_rate * m_hat / (np.sqrt(v_hat) + self.epsilon)


class AdamW(Adam):
    r"""Adam with decoupled weight decay (Loshchilov and Hutter, 2019):
    $\theta \leftarrow \theta - \eta_t \bigl(\hat m / (\sqrt{\hat v} + \epsilon)
    + \lambda \theta\bigr)$, with $\hat m$, $\hat v$ as in :class:`Adam` and $\lambda$ =
    ``weight_decay``.

    The decay $\lambda \theta$ is added to the *step*, not to the gradient: Adam's scaling
    $1/(\sqrt{\hat v} + \epsilon)$ does not touch it, so every weight shrinks by the same fraction
    $\eta_t \lambda$ per step. (An L2 penalty, ``weight_regularizer_l2`` of ``Dense``, adds
    $2\lambda\theta$ to the gradient instead, which Adam then rescales.) $\lambda$ is multiplied by
    the step size $\eta_t$, as in PyTorch's ``AdamW``; the paper multiplies it by the schedule's
    factor only. Every parameter decays, biases included.
    """

    def __init__(self, learning_rate: float = 0.001, decay: float = 0.0, epsilon: float = 1e-7,
                 beta_1: float = 0.9, beta_2: float = 0.999, weight_decay: float = 0.01, *,
                 schedule: Schedule | None = None) -> None:
        super().__init__(learning_rate, decay, epsilon, beta_1, beta_2, schedule=schedule)
        self.weight_decay = check_non_negative(weight_decay, "weight_decay", "AdamW")

    def __repr__(self) -> str:
        return (f"AdamW(learning_rate={self.learning_rate}, decay={self.decay}, "
                f"weight_decay={self.weight_decay}{self._schedule_repr()})")

    def update(self, param: np.ndarray, grad: np.ndarray, state: dict) -> None:
        shrink = self.current_learning_rate * self.weight_decay * param  # eta_t lambda theta
        super().update(param, grad, state)                                # - eta_t m_hat / (...)
        param -= shrink
