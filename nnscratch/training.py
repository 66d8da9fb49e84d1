r"""The training loop's moves, written once: forward through a list of layers, backward through
them in reverse, and one full step (forward, loss, backward, update), which ``train_step`` and
``Model.fit`` both use.
"""

from __future__ import annotations

from typing import NamedTuple, Sequence

import numpy as np

from ._validate import check_positive
from .layers import Dense, Layer, Sigmoid, Softmax, regularization_loss
from .losses import (
    CategoricalCrossentropy,
    Loss,
    SigmoidBinaryCrossentropy,
    SoftmaxCrossentropy,
    softmax_crossentropy_grad,
)
from .optimizers import Optimizer


def forward(layers: Sequence[Layer], x: np.ndarray) -> np.ndarray:
    """Feed ``x`` through ``layers`` in order and return the last output."""
    for layer in layers:
        x = layer.forward(x)
    return x


def backward(layers: Sequence[Layer], grad: np.ndarray, *,
             input_grad: bool = True) -> np.ndarray | None:
    r"""Feed the loss gradient back through ``layers`` in reverse; return the gradient for the
    input, $\partial L/\partial x$.

    ``input_grad=False`` asks the first layer, a ``Dense``, not to compute that gradient (nobody
    needs the gradient of the data) and returns ``None``; every parameter gradient is the same.
    """
    first, rest = layers[0], layers[1:]
    for layer in reversed(rest):
        grad = layer.backward(grad)
    if input_grad:
        return first.backward(grad)
    if not isinstance(first, Dense):
        raise ValueError(f"backward(..., input_grad=False) needs a Dense first layer, got "
                         f"{first!r}; pass input_grad=True.")
    return first.backward(grad, input_grad=False)


def grad_norm(layers: Sequence[Layer]) -> float:
    r"""The norm of all the layers' gradients together, $\sqrt{\sum g^2}$ over every entry of
    every array in every layer's ``grads``."""
    return float(np.sqrt(sum(float(np.sum(g.astype(np.float64) ** 2))
                             for layer in layers for g in layer.grads.values())))


def clip_grad_norm(layers: Sequence[Layer], max_norm: float) -> float:
    r"""Scale every gradient of ``layers`` by $\min(1, c / \lVert g \rVert)$, where
    $\lVert g \rVert$ is :func:`grad_norm` and $c$ = ``max_norm``, so that the norm of the whole
    gradient is at most $c$ and its direction is kept (chapter 20). Call it between ``backward``
    and ``optimizer.step``. Returns the norm before clipping."""
    max_norm = check_positive(max_norm, "max_norm", "clip_grad_norm")
    norm = grad_norm(layers)
    if norm > max_norm:
        factor = max_norm / norm
        for layer in layers:
            for name, g in layer.grads.items():
                layer.grads[name] = g * g.dtype.type(factor)
    return norm


def is_fused(layers: Sequence[Layer], loss: Loss) -> bool:
    r"""True when the network ends in ``Softmax`` and the loss is ``CategoricalCrossentropy``.

    Backpropagation then starts at the softmax's *input* with $(\hat y - y)/N$ (chapter 9) and
    skips ``Softmax.backward``: the gradient of the two separate steps, cheaper and more accurate.
    """
    return bool(layers) and isinstance(layers[-1], Softmax) and isinstance(
        loss, CategoricalCrossentropy)


def check_pairing(layers: Sequence[Layer], loss: Loss) -> None:
    """Refuse a network that ends in the activation its loss applies itself: ``Softmax`` before
    ``SoftmaxCrossentropy`` (or ``Sigmoid`` before ``SigmoidBinaryCrossentropy``) would apply it
    twice, and training gets stuck without a word."""
    for activation, fused, plain in ((Softmax, SoftmaxCrossentropy, "CategoricalCrossentropy"),
                                     (Sigmoid, SigmoidBinaryCrossentropy, "BinaryCrossentropy")):
        if layers and isinstance(layers[-1], activation) and isinstance(loss, fused):
            raise ValueError(
                f"The network ends in {layers[-1]!r}, but {loss!r} takes logits and applies "
                f"{activation.__name__.lower()} itself, so it would be applied twice. Remove the "
                f"last {activation.__name__}(), or use {plain}() with it."
            )


class StepResult(NamedTuple):
    """What one step measured, before its update."""

    data_loss: float            #: the loss of the batch
    regularization_loss: float  #: the layers' penalties
    output: np.ndarray          #: the network's output for the batch


def step(layers: Sequence[Layer], loss: Loss, optimizer: Optimizer, x: np.ndarray, y: np.ndarray,
         *, input_grad: bool = True) -> StepResult:
    """One step of gradient descent on the batch ``(x, y)``: the layers in training mode,
    forward, loss, backward and one update. ``input_grad=False``: see :func:`backward`."""
    check_pairing(layers, loss)
    for layer in layers:
        layer.train()
    output = forward(layers, x)
    data_loss = loss.forward(output, y)
    penalty = regularization_loss(layers)  # of the weights the loss was computed with
    if is_fused(layers, loss):
        grad = softmax_crossentropy_grad(output, loss.y_true)
        backward(layers[:-1], grad, input_grad=input_grad)
    else:
        backward(layers, loss.backward(), input_grad=input_grad)
    optimizer.step(layers)
    return StepResult(data_loss, penalty, output)


def train_step(layers: Sequence[Layer], loss: Loss, optimizer: Optimizer, x: np.ndarray,
               y: np.ndarray, *, input_grad: bool = True) -> tuple[float, np.ndarray]:
    """One step of gradient descent on the batch ``(x, y)`` (see :func:`step`).

    Returns ``(total_loss, output)``: the data loss plus the layers' penalties, and the network's
    output *before* the update (what the loss was computed on)."""
    data_loss, penalty, output = step(layers, loss, optimizer, x, y, input_grad=input_grad)
    return data_loss + penalty, output
