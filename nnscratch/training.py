r"""The training loop's three moves, written once: forward through a list of layers, backward
through them in reverse, and one full step (forward, loss, backward, update)."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from .layers import Layer, regularization_loss
from .losses import Loss
from .optimizers import Optimizer


def forward(layers: Sequence[Layer], x: np.ndarray) -> np.ndarray:
    """Feed ``x`` through ``layers`` in order and return the last output."""
    for layer in layers:
        x = layer.forward(x)
    return x


def backward(layers: Sequence[Layer], grad: np.ndarray) -> np.ndarray:
    """Feed the loss gradient back through ``layers`` in reverse; return the gradient for the input."""
    for layer in reversed(layers):
        grad = layer.backward(grad)
    return grad


def train_step(layers: Sequence[Layer], loss: Loss, optimizer: Optimizer, x: np.ndarray,
               y: np.ndarray) -> tuple[float, np.ndarray]:
    """One step of gradient descent on the batch ``(x, y)``.

    Returns ``(total_loss, output)``: the data loss plus the layers' penalties, and the network's
    output *before* the update (what the loss was computed on).

    The gradient with respect to ``x`` is not used here: when the first layer is a ``Dense``, set
    ``layers[0].input_grad = False`` to skip computing it (a large saving on real data, chapter 19)."""
    for layer in layers:
        layer.train()
    output = forward(layers, x)
    total = loss.forward(output, y) + regularization_loss(layers)
    backward(layers, loss.backward())
    optimizer.step(layers)
    return total, output
