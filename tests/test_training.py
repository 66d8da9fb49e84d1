"""Training on the spiral data: the claims of chapters 10 and 11, and reproducibility.

The settings are those of the chapters: ``spiral_data(100, 3, seed=0)``, He-initialised networks built from
``np.random.default_rng(0)``, full-batch training with ``train_step``.

* Chapter 10: ``Dense(2, 64) -> ReLU -> Dense(64, 3)``, ``SGD(1.0, decay=1e-3, momentum=0.9)``, 3000 epochs:
  training accuracy at least 0.93 (without momentum it stays below 0.8).
* Chapter 11: ``Dense(2, 64) -> ReLU -> Dense(64, 64) -> ReLU -> Dense(64, 3)``, ``Adam(0.01)``, 300 epochs:
  training accuracy at least 0.95.

Long float64 runs are not bit-identical across BLAS kernels (rounding differences grow during training), so
these tests check the claims with a margin, not the printed digits; on one machine, the same seeds must give
identical parameters.
"""

from __future__ import annotations

import numpy as np
import pytest

import nnscratch as nn

X, Y = nn.spiral_data(100, 3, seed=0)


def spiral_network(hidden: tuple[int, ...], seed: int = 0) -> list[nn.Layer]:
    """Dense(2, h1) -> ReLU -> ... -> Dense(h_last, 3), He-initialised from one seeded generator."""
    rng = np.random.default_rng(seed)
    layers: list[nn.Layer] = []
    n_inputs = 2
    for n in hidden:
        layers += [nn.Dense(n_inputs, n, weight_scale="he", rng=rng), nn.ReLU()]
        n_inputs = n
    layers.append(nn.Dense(n_inputs, 3, weight_scale="he", rng=rng))
    return layers


def train(layers: list[nn.Layer], optimizer: nn.Optimizer, epochs: int) -> tuple[float, float]:
    """Full-batch training; returns (loss, accuracy) after the last update."""
    loss_fn = nn.SoftmaxCrossentropy()
    for _ in range(epochs):
        nn.train_step(layers, loss_fn, optimizer, X, Y)
    logits = nn.forward(layers, X)
    return loss_fn.forward(logits, Y), nn.accuracy(logits, Y)


def parameters(layers: list[nn.Layer]) -> list[np.ndarray]:
    return [p for layer in layers for p in layer.params.values()]


# ---------------------------------------------------------------- the chapters' claims


def test_chapter_10_sgd_with_momentum_reaches_093():
    loss, accuracy = train(spiral_network((64,)), nn.SGD(1.0, decay=1e-3, momentum=0.9), epochs=3000)
    assert accuracy >= 0.93
    assert loss < 0.2


def test_chapter_10_sgd_without_momentum_stays_below_08():
    _, accuracy = train(spiral_network((64,)), nn.SGD(1.0, decay=1e-3), epochs=3000)
    assert accuracy < 0.8


def test_chapter_11_adam_reaches_095():
    loss, accuracy = train(spiral_network((64, 64)), nn.Adam(0.01), epochs=300)
    assert accuracy >= 0.95
    assert loss < 0.2


# ---------------------------------------------------------------- the training loop itself


def test_train_step_is_the_hand_written_loop():
    """Chapter 10: forward, loss, backward and p -= lr * g give bit-identical results to train_step + SGD."""
    mine, theirs = spiral_network((64,)), spiral_network((64,))
    loss_mine, loss_theirs = nn.SoftmaxCrossentropy(), nn.SoftmaxCrossentropy()
    optimizer = nn.SGD(1.0)
    for _ in range(5):
        logits = nn.forward(mine, X)
        expected_loss = loss_mine.forward(logits, Y)
        nn.backward(mine, loss_mine.backward())
        for layer in mine:
            for name in layer.params:
                layer.params[name] -= 1.0 * layer.grads[name]
        loss, output = nn.train_step(theirs, loss_theirs, optimizer, X, Y)
        assert loss == expected_loss
        np.testing.assert_array_equal(output, logits)  # the output before the update
    for a, b in zip(parameters(mine), parameters(theirs)):
        np.testing.assert_array_equal(a, b)


def test_train_step_adds_the_regularization_penalty_of_the_same_weights():
    rng = np.random.default_rng(0)
    layers = [nn.Dense(2, 8, weight_scale="he", rng=rng, weight_regularizer_l2=1e-3), nn.ReLU(),
              nn.Dense(8, 3, weight_scale="he", rng=rng)]
    penalty = 1e-3 * float((layers[0].params["W"] ** 2).sum())
    data_loss = nn.SoftmaxCrossentropy().forward(nn.forward(layers, X), Y)
    loss, _ = nn.train_step(layers, nn.SoftmaxCrossentropy(), nn.SGD(0.1), X, Y)
    assert loss == pytest.approx(data_loss + penalty, rel=1e-12)


def test_training_lowers_the_loss_with_every_optimizer():
    for optimizer in (nn.SGD(1.0), nn.SGD(0.1, momentum=0.9), nn.Adagrad(0.1), nn.RMSprop(0.01), nn.Adam(0.01)):
        layers = spiral_network((64,))
        start = nn.SoftmaxCrossentropy().forward(nn.forward(layers, X), Y)
        loss, _ = train(layers, optimizer, epochs=50)
        assert loss < start, optimizer


# ---------------------------------------------------------------- reproducibility

OPTIMIZERS = {
    "sgd-momentum-decay": lambda: nn.SGD(1.0, decay=1e-3, momentum=0.9),
    "adagrad": lambda: nn.Adagrad(0.1),
    "rmsprop": lambda: nn.RMSprop(0.01),
    "adam": lambda: nn.Adam(0.01),
}


@pytest.mark.parametrize("make_optimizer", OPTIMIZERS.values(), ids=OPTIMIZERS.keys())
def test_same_seeds_give_identical_parameters(make_optimizer):
    first, second = spiral_network((64,)), spiral_network((64,))
    train(first, make_optimizer(), epochs=200)
    train(second, make_optimizer(), epochs=200)
    for a, b in zip(parameters(first), parameters(second)):
        np.testing.assert_array_equal(a, b)


def test_same_seeds_give_identical_parameters_for_the_deeper_network():
    first, second = spiral_network((64, 64)), spiral_network((64, 64))
    train(first, nn.Adam(0.01), epochs=20)
    train(second, nn.Adam(0.01), epochs=20)
    for a, b in zip(parameters(first), parameters(second)):
        np.testing.assert_array_equal(a, b)


def test_different_seeds_give_different_parameters():
    first, second = spiral_network((64,), seed=0), spiral_network((64,), seed=1)
    train(first, nn.Adam(0.01), epochs=20)
    train(second, nn.Adam(0.01), epochs=20)
    assert not np.array_equal(first[0].params["W"], second[0].params["W"])


def test_spiral_data_is_reproducible():
    X2, Y2 = nn.spiral_data(100, 3, seed=0)
    np.testing.assert_array_equal(X2, X)
    np.testing.assert_array_equal(Y2, Y)
