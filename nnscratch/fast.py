r"""The speed-ups of chapter 19, *Making it fast*, in one place.

Each class here is the optimiser of the same name in :mod:`nnscratch.optimizers` with its
``update`` rewritten for speed, and is used the same way::

    optimizer = nn.fast.Adam(learning_rate=1e-3)      # instead of nn.Adam(learning_rate=1e-3)
    model = nn.Model(layers, loss=..., optimizer=optimizer)

What they change (chapter 19 measures what each one buys):

* **In place.** Every intermediate result is written into arrays allocated once, at the first
  step, with ``out=`` arguments and operators such as ``+=``, instead of a new array for each
  operation. The order of operations is the formula's, so SGD, AdaGrad and RMSProp give bit for
  bit the results of :mod:`nnscratch.optimizers` in float64 (the tests check it).
* **Adam's constant factors moved out of the arrays.** Its bias corrections fold into two numbers,
  as PyTorch does: with $c = \sqrt{1 - \beta_2^t}$ and $k = \eta_t c / (1 - \beta_1^t)$,
  $\eta_t \hat m / (\sqrt{\hat v} + \epsilon) = k\, m / (\sqrt{v} + \epsilon c)$. And it keeps
  the sums $\tilde m = m / (1 - \beta_1)$ and $\tilde v = v / (1 - \beta_2)$ instead of $m$ and
  $v$, so that their updates $\tilde m \leftarrow \beta_1 \tilde m + g$ and
  $\tilde v \leftarrow \beta_2 \tilde v + g^2$ need no multiplication by $1 - \beta$; the
  factors $1 - \beta_1$ and $\sqrt{1 - \beta_2}$ join $k$ and $\epsilon c$. Ten passes over
  the arrays per step, against twelve with the bias corrections folded alone; rounded differently
  (within rounding of the formula).
* **Subnormal numbers flushed.** State that decays at every step (momentum, RMSProp's cache,
  Adam's sums) is cleared of float32 subnormal values once every ``FLUSH_EVERY`` steps
  (:func:`flush_subnormals`).

The other speed-ups of chapter 19 are not here because they need no second version: float32
(every layer keeps the dtype it is given), the fused softmax-cross-entropy gradient
(``SoftmaxCrossentropy``) and skipping the data's gradient (``backward(..., input_grad=False)``,
which ``Model.fit`` uses).
"""

from __future__ import annotations

import numpy as np

from . import optimizers

#: The smallest positive *normal* float32, about 1.18e-38; nonzero magnitudes below it are
#: subnormal.
FLOAT32_TINY = np.finfo(np.float32).tiny

#: The optimisers flush their decaying float32 state at every step whose number (``iterations``,
#: counted from 0) is a multiple of this.
FLUSH_EVERY = 16


def flush_subnormals(a: np.ndarray) -> None:
    """Set the subnormal values of a float32 array (nonzero, ``|a| < FLOAT32_TINY``) to 0 in place.

    State that is multiplied by a factor below 1 at every step shrinks towards zero wherever the
    gradient stays zero (for example the weights of a pixel that is black in every image of the
    batch) and ends up among the subnormal numbers, where x86 processors compute tens of times
    more slowly. It never leaves them by itself: rounding keeps it there (0.9 times 4 of the
    smallest subnormal rounds back to 4 of them, chapter 19). Values that small change no update
    by more than float32 rounding, so zeroing them is safe. Other dtypes are left alone: float64
    reaches its subnormals (below 2.2e-308) only after far more steps.
    """
    if a.dtype == np.float32:
        np.copyto(a, 0, where=np.abs(a) < FLOAT32_TINY)


class SGD(optimizers.SGD):
    r"""``nnscratch.SGD`` in place: $s = \eta_t g$ into a work array; $v \leftarrow \mu v - s$,
    $\theta \leftarrow \theta + v$ (plain: $\theta \leftarrow \theta - s$); $v$ flushed."""

    def update(self, param: np.ndarray, grad: np.ndarray, state: dict) -> None:
        if not state:
            state["step"] = np.empty_like(param)
            if self.momentum:
                state["velocity"] = np.zeros_like(param)
        step = np.multiply(self.current_learning_rate, grad, out=state["step"])   # eta_t g
        if not self.momentum:
            param -= step
            return
        v = state["velocity"]
        v *= self.momentum
        v -= step                                                                 # mu v - eta_t g
        param += v
        if self.iterations % FLUSH_EVERY == 0:
            flush_subnormals(v)


class Adagrad(optimizers.Adagrad):
    r"""``nnscratch.Adagrad`` in place: $c \leftarrow c + g^2$,
    $\theta \leftarrow \theta - \eta_t g / (\sqrt{c} + \epsilon)$."""

    def update(self, param: np.ndarray, grad: np.ndarray, state: dict) -> None:
        if not state:
            state["cache"] = np.zeros_like(param)
            state["step"], state["denominator"] = np.empty_like(param), np.empty_like(param)
        cache, step, denominator = state["cache"], state["step"], state["denominator"]
        cache += np.multiply(grad, grad, out=step)                          # c + g^2
        np.sqrt(cache, out=denominator)
        denominator += self.epsilon                                         # sqrt(c) + eps
        np.multiply(self.current_learning_rate, grad, out=step)
        step /= denominator                                                 # eta_t g / (...)
        param -= step


class RMSprop(optimizers.RMSprop):
    r"""``nnscratch.RMSprop`` in place: $c \leftarrow \rho c + (1 - \rho) g^2$,
    $\theta \leftarrow \theta - \eta_t g / (\sqrt{c} + \epsilon)$; $c$ flushed."""

    def update(self, param: np.ndarray, grad: np.ndarray, state: dict) -> None:
        if not state:
            state["cache"] = np.zeros_like(param)
            state["step"], state["denominator"] = np.empty_like(param), np.empty_like(param)
        cache, step, denominator = state["cache"], state["step"], state["denominator"]
        cache *= self.rho
        np.multiply(1 - self.rho, grad, out=step)
        step *= grad
        cache += step                                                       # rho c + (1-rho) g^2
        np.sqrt(cache, out=denominator)
        denominator += self.epsilon                                         # sqrt(c) + eps
        np.multiply(self.current_learning_rate, grad, out=step)
        step /= denominator                                                 # eta_t g / (...)
        param -= step
        if self.iterations % FLUSH_EVERY == 0:
            flush_subnormals(cache)


class Adam(optimizers.Adam):
    r"""``nnscratch.Adam`` in place, with its constant factors moved out of the arrays.

    State: the sums $\tilde m = m / (1 - \beta_1)$ and $\tilde v = v / (1 - \beta_2)$,
    $\tilde m \leftarrow \beta_1 \tilde m + g$, $\tilde v \leftarrow \beta_2 \tilde v + g^2$;
    update $\theta \leftarrow \theta - k\, \tilde m / (\sqrt{\tilde v} + \epsilon c)$ with
    $c = \sqrt{(1 - \beta_2^t) / (1 - \beta_2)}$ and $k = \eta_t (1 - \beta_1) c / (1 - \beta_1^t)$,
    which is $\eta_t \hat m / (\sqrt{\hat v} + \epsilon)$ of ``nnscratch.Adam``; the sums are
    flushed."""

    def update(self, param: np.ndarray, grad: np.ndarray, state: dict) -> None:
        if not state:
            state["m_sum"], state["v_sum"] = np.zeros_like(param), np.zeros_like(param)
            state["work"] = np.empty_like(param)
        m, v, work = state["m_sum"], state["v_sum"], state["work"]
        t = self.iterations + 1
        m *= self.beta_1
        m += grad                                                           # beta_1 m + g
        v *= self.beta_2
        v += np.multiply(grad, grad, out=work)                              # beta_2 v + g^2
        c = ((1 - self.beta_2**t) / (1 - self.beta_2)) ** 0.5
        k = self.current_learning_rate * (1 - self.beta_1) * c / (1 - self.beta_1**t)
        np.sqrt(v, out=work)
        work += self.epsilon * c                                            # sqrt(v) + eps c
        np.divide(m, work, out=work)
        work *= k                                                           # k m / (...)
        param -= work
        if self.iterations % FLUSH_EVERY == 0:
            flush_subnormals(m)
            flush_subnormals(v)


class AdamW(Adam, optimizers.AdamW):
    r"""``nnscratch.AdamW`` with the fast ``Adam`` update: first the decoupled decay in place,
    $\theta \leftarrow (1 - \eta_t \lambda)\,\theta$ (as PyTorch), then the step of ``Adam``."""

    def update(self, param: np.ndarray, grad: np.ndarray, state: dict) -> None:
        param *= 1 - self.current_learning_rate * self.weight_decay
        super().update(param, grad, state)                                  # fast Adam's step


__all__ = ["FLOAT32_TINY", "FLUSH_EVERY", "SGD", "Adagrad", "Adam", "AdamW", "RMSprop",
           "flush_subnormals"]
