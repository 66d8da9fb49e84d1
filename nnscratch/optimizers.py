r"""Optimisers: ``step(layers)`` updates every layer's ``params`` in place from its ``grads``.

All of them share learning-rate decay: at update number $t$ (counting from 0) the step size is
$\eta_t = \eta / (1 + \text{decay} \cdot t)$, available as ``current_learning_rate``.

Written for speed (chapter 19): each update writes its intermediate results into arrays kept in
the optimiser's state (``out=`` and in-place operators such as ``+=``) instead of allocating new
arrays at every step, in the same order of operations as the formula, so that float64 results are
bit for bit those of the plain formula. Numbers such as the learning rate stay Python floats:
NumPy computes ``float32_array * 0.9`` in float32 (a NumPy scalar such as ``np.float64(0.9)``
would make the result float64), and a Python float is also the quickest scalar to hand to NumPy.
In float32, the state that decays step after step (momentum, RMSProp's cache, Adam's $m$ and $v$)
is kept out of the slow *subnormal* range (:func:`flush_subnormals`), and Adam folds its bias
corrections into two numbers, which rounds differently from the formula (see ``Adam``).
"""

from __future__ import annotations

import weakref
from typing import Iterable

import numpy as np

from ._validate import check_non_negative, check_positive
from .layers import Layer

#: The smallest positive *normal* float32, about 1.18e-38; nonzero magnitudes below it are subnormal.
FLOAT32_TINY = np.finfo(np.float32).tiny

#: The optimisers flush the subnormals of their decaying float32 state once every this many steps.
FLUSH_EVERY = 16


def flush_subnormals(a: np.ndarray) -> None:
    """Set the subnormal values of a float32 array (nonzero, ``|a| < FLOAT32_TINY``) to zero, in place.

    State that is multiplied by a factor below 1 at every step (Adam's $m$ and $v$, momentum,
    RMSProp's cache) shrinks towards zero wherever the gradient stays zero, e.g. for the weights of
    a pixel that is black in every image of the batch, and passes through the subnormal numbers on
    its way to zero (Adam's $m$ for a few hundred steps, $v$ for tens of thousands). x86 processors
    compute with those in slow microcode, tens of times slower than with normal numbers, and every
    pass over the array pays for it. Values that small change no update by more than float32
    rounding (they are some 30 orders of magnitude below ``epsilon``), so zeroing them is safe.
    Other dtypes are left alone: float64 reaches its subnormals (below 2.2e-308) only after far more
    steps, and float16's smallest normal number, 6e-5, is not negligible.
    """
    if a.dtype == np.float32:
        np.copyto(a, 0, where=np.abs(a) < FLOAT32_TINY)


class Optimizer:
    """Base class: decay, the update counter, and per-parameter state kept for each layer."""

    #: Names of the state arrays that decay at every step (flushed of float32 subnormals).
    decaying_state: tuple[str, ...] = ()

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
        flush = self.iterations % FLUSH_EVERY == 0
        for layer in layers:
            if not layer.params:
                continue
            layer_state = self._state.get(layer)
            if layer_state is None:
                layer_state = self._state[layer] = {}
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
                state = layer_state.setdefault(name, {})
                self._update(param, grad, state)
                if flush:
                    for key in self.decaying_state:
                        if key in state:
                            flush_subnormals(state[key])
        self.iterations += 1

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, np.ndarray]) -> None:
        raise NotImplementedError  # pragma: no cover - interface


def _arrays(state: dict[str, np.ndarray], like: np.ndarray, zeros: tuple[str, ...],
            scratch: tuple[str, ...]) -> list[np.ndarray]:
    """The state arrays ``zeros + scratch``, created on the first step with ``like``'s shape and dtype:
    ``zeros`` start at zero (the optimiser's memory), ``scratch`` are work space for intermediate
    results, so that later steps allocate nothing."""
    if not state:
        state.update({name: np.zeros_like(like) for name in zeros})
        state.update({name: np.empty_like(like) for name in scratch})
    return [state[name] for name in zeros + scratch]


class SGD(Optimizer):
    r"""Stochastic gradient descent, optionally with momentum $\mu$:
    $v \leftarrow \mu v - \eta_t g$, $\theta \leftarrow \theta + v$ (plain: $\theta \leftarrow \theta - \eta_t g$)."""

    decaying_state = ("velocity",)

    def __init__(self, learning_rate: float = 1.0, decay: float = 0.0, momentum: float = 0.0) -> None:
        super().__init__(learning_rate, decay)
        if not 0 <= momentum < 1:
            raise ValueError(f"SGD: momentum must be in [0, 1), got {momentum!r}.")
        self.momentum = float(momentum)

    def __repr__(self) -> str:
        return f"SGD(learning_rate={self.learning_rate}, decay={self.decay}, momentum={self.momentum})"

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, np.ndarray]) -> None:
        lr = self.current_learning_rate
        if self.momentum:
            v, step = _arrays(state, param, ("velocity",), ("step",))
            v *= self.momentum
            v -= np.multiply(lr, grad, out=step)                          # mu v - eta_t g
            param += v
        else:
            (step,) = _arrays(state, param, (), ("step",))
            param -= np.multiply(lr, grad, out=step)                      # eta_t g


class Adagrad(Optimizer):
    r"""AdaGrad: $c \leftarrow c + g^2$, $\theta \leftarrow \theta - \eta_t\, g / (\sqrt{c} + \epsilon)$.
    Each parameter's step shrinks with the total size of its past gradients."""

    def __init__(self, learning_rate: float = 1.0, decay: float = 0.0, epsilon: float = 1e-7) -> None:
        super().__init__(learning_rate, decay)
        check_positive(epsilon, "epsilon", "Adagrad")
        self.epsilon = float(epsilon)

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, np.ndarray]) -> None:
        cache, step, denominator = _arrays(state, param, ("cache",), ("step", "denominator"))
        cache += np.multiply(grad, grad, out=step)                        # c + g^2
        np.sqrt(cache, out=denominator)
        denominator += self.epsilon                                       # sqrt(c) + eps
        np.multiply(self.current_learning_rate, grad, out=step)
        step /= denominator                                               # eta_t g / (sqrt(c) + eps)
        param -= step


class RMSprop(Optimizer):
    r"""RMSProp: $c \leftarrow \rho c + (1 - \rho) g^2$, $\theta \leftarrow \theta - \eta_t\, g / (\sqrt{c} + \epsilon)$.
    Like AdaGrad, but old gradients are forgotten at the rate $1 - \rho$."""

    decaying_state = ("cache",)

    def __init__(self, learning_rate: float = 0.001, decay: float = 0.0, epsilon: float = 1e-7,
                 rho: float = 0.9) -> None:
        super().__init__(learning_rate, decay)
        check_positive(epsilon, "epsilon", "RMSprop")
        if not 0 <= rho < 1:
            raise ValueError(f"RMSprop: rho must be in [0, 1), got {rho!r}.")
        self.epsilon, self.rho = float(epsilon), float(rho)

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, np.ndarray]) -> None:
        cache, step, denominator = _arrays(state, param, ("cache",), ("step", "denominator"))
        cache *= self.rho
        np.multiply(1 - self.rho, grad, out=step)
        step *= grad
        cache += step                                                     # rho c + (1 - rho) g^2
        np.sqrt(cache, out=denominator)
        denominator += self.epsilon                                       # sqrt(c) + eps
        np.multiply(self.current_learning_rate, grad, out=step)
        step /= denominator                                               # eta_t g / (sqrt(c) + eps)
        param -= step


class Adam(Optimizer):
    r"""Adam: momentum on the gradient and RMSProp's scaling, both bias-corrected. At step $t = 1, 2, \dots$:
    $m \leftarrow \beta_1 m + (1 - \beta_1) g$, $v \leftarrow \beta_2 v + (1 - \beta_2) g^2$,
    $\hat m = m / (1 - \beta_1^t)$, $\hat v = v / (1 - \beta_2^t)$,
    $\theta \leftarrow \theta - \eta_t\, \hat m / (\sqrt{\hat v} + \epsilon)$.

    float64 parameters follow these formulas operation by operation. Other dtypes (float32) get the
    same step computed as $k\, m / (\sqrt{v} + \epsilon c)$ with $c = \sqrt{1 - \beta_2^t}$ and
    $k = \eta_t c / (1 - \beta_1^t)$: fewer passes over the arrays, rounded differently."""

    decaying_state = ("m", "v")

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
        m, v, work = _arrays(state, param, ("m", "v"), ("work",))
        m *= self.beta_1
        m += np.multiply(1 - self.beta_1, grad, out=work)                 # beta_1 m + (1 - beta_1) g
        v *= self.beta_2
        np.multiply(1 - self.beta_2, grad, out=work)
        work *= grad
        v += work                                                         # beta_2 v + (1 - beta_2) g^2
        if param.dtype == np.float64:
            # The formula as written above, operation by operation (float64 is for the small
            # toy-data problems, whose printed digits this keeps).
            m_hat = m / (1 - self.beta_1**t)
            v_hat = v / (1 - self.beta_2**t)
            param -= self.current_learning_rate * m_hat / (np.sqrt(v_hat) + self.epsilon)
        else:
            # The same step with the bias corrections moved into two numbers, as PyTorch does; with
            # c = sqrt(1 - beta_2^t):  eta_t m_hat / (sqrt(v_hat) + eps) = k m / (sqrt(v) + eps c),
            # k = eta_t c / (1 - beta_1^t). Two passes over the arrays fewer, all in one work array.
            c = (1 - self.beta_2**t) ** 0.5
            np.sqrt(v, out=work)
            work += self.epsilon * c                                      # sqrt(v) + eps c
            np.divide(m, work, out=work)
            work *= self.current_learning_rate * c / (1 - self.beta_1**t)
            param -= work
