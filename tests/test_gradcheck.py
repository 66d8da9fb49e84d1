"""Every layer's and every loss's analytic gradient against a central-difference one, in float64.

Inputs are kept away from the kinks of ReLU and |x| (L1 penalties, MAE) and from the clipping
boundaries of the cross-entropies, where the derivative does not exist or is cut off; there the
check would compare two different one-sided answers and mean nothing.
"""

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import nnscratch as nn
from nnscratch import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    Dense,
    Dropout,
    Linear,
    MeanAbsoluteError,
    MeanSquaredError,
    ReLU,
    Sigmoid,
    Softmax,
    SoftmaxCrossentropy,
)

TOL = 1e-6
sizes = st.integers(min_value=1, max_value=5)
seeds = st.integers(min_value=0, max_value=2**32 - 1)


def away_from_zero(rng, shape, low=0.1, high=2.0):
    """Random numbers with |x| in [low, high] and a random sign."""
    return rng.uniform(low, high, shape) * rng.choice([-1.0, 1.0], shape)


def assert_all_small(errors):
    assert all(e < TOL for e in errors.values()), errors


# ----------------------------------------------------------------------------- the checker itself


def test_numerical_gradient_of_known_functions():
    x = np.array([[1.0, -2.0, 0.5]])
    np.testing.assert_allclose(nn.numerical_gradient(lambda: float(np.sum(x**2)), x), 2 * x, rtol=1e-8)
    np.testing.assert_allclose(nn.numerical_gradient(lambda: float(np.sum(np.sin(x))), x), np.cos(x), rtol=1e-8)
    np.testing.assert_array_equal(x, [[1.0, -2.0, 0.5]])  # restored after the check


def test_numerical_gradient_needs_float64():
    with pytest.raises(TypeError, match="float64"):
        nn.numerical_gradient(lambda: 0.0, np.zeros(3, dtype=np.float32))


def test_relative_error():
    assert nn.relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert nn.relative_error(np.array([1.0, 0.0]), np.array([1.0, 0.0])) == 0.0
    assert nn.relative_error(np.array([3.0, 4.0]), np.array([0.0, 0.0])) == 1.0
    assert nn.relative_error(np.array([1.0]), np.array([1.1])) == pytest.approx(0.1 / 2.1)


class WrongReLU(ReLU):
    """A deliberately wrong backward (forgets the mask): gradcheck must notice."""

    def backward(self, grad):
        self._check_grad(grad)
        return grad


def test_gradcheck_catches_a_wrong_backward():
    x = away_from_zero(np.random.default_rng(0), (4, 3))
    assert nn.gradcheck(WrongReLU(), x)["x"] > 1e-2
    assert nn.gradcheck(ReLU(), x)["x"] < TOL


def test_gradcheck_returns_one_entry_per_parameter():
    errors = nn.gradcheck(Dense(3, 2, rng=0, weight_scale=1.0), np.random.default_rng(0).standard_normal((4, 3)))
    assert set(errors) == {"x", "W", "b"}


# ----------------------------------------------------------------------------- layers


REGULARIZERS = [{}, {"weight_regularizer_l1": 0.3}, {"weight_regularizer_l2": 0.3},
                {"bias_regularizer_l1": 0.3}, {"bias_regularizer_l2": 0.3},
                {"weight_regularizer_l1": 0.1, "weight_regularizer_l2": 0.2,
                 "bias_regularizer_l1": 0.3, "bias_regularizer_l2": 0.4}]


@pytest.mark.parametrize("regularizer", REGULARIZERS, ids=lambda r: "+".join(r) or "none")
@given(batch=sizes, n_in=sizes, n_out=sizes, seed=seeds)
def test_dense_gradients(regularizer, batch, n_in, n_out, seed):
    rng = np.random.default_rng(seed)
    layer = Dense(n_in, n_out, rng=rng, **regularizer)
    # weights and biases away from 0, where |w| (the L1 penalty) has its kink
    layer.params["W"][...] = away_from_zero(rng, (n_in, n_out))
    layer.params["b"][...] = away_from_zero(rng, (1, n_out))
    errors = nn.gradcheck(layer, rng.standard_normal((batch, n_in)), rng=rng)
    assert set(errors) == {"x", "W", "b"}
    assert_all_small(errors)


@pytest.mark.parametrize("cls", [ReLU, Softmax, Sigmoid, Linear])
@given(batch=sizes, n=sizes, seed=seeds)
def test_activation_gradients(cls, batch, n, seed):
    rng = np.random.default_rng(seed)
    x = away_from_zero(rng, (batch, n), high=3.0)  # ReLU's kink is at 0
    assert_all_small(nn.gradcheck(cls(), x, rng=rng))


@given(batch=sizes, n=sizes, seed=seeds, rate=st.floats(0.0, 0.9))
def test_dropout_gradients_eval_mode(batch, n, seed, rate):
    rng = np.random.default_rng(seed)
    assert_all_small(nn.gradcheck(Dropout(rate, rng=rng).eval(), rng.standard_normal((batch, n)), rng=rng))


@given(batch=sizes, n=sizes, seed=seeds, rate=st.floats(0.05, 0.9))
def test_dropout_gradients_training_mode_with_fixed_mask(batch, n, seed, rate):
    """gradcheck resets the layer's generator before every forward, so each call draws the same mask."""
    rng = np.random.default_rng(seed)
    layer = Dropout(rate, rng=seed)
    x, g = rng.standard_normal((batch, n)), rng.standard_normal((batch, n))
    assert_all_small(nn.gradcheck(layer, x, rng=rng))
    # and directly: with the mask fixed, L = sum(x * mask * g), so dL/dx = mask * g
    layer.forward(x)
    mask = layer.mask.copy()
    np.testing.assert_array_equal(layer.backward(g), g * mask)
    numeric = nn.numerical_gradient(lambda: float(np.sum(x * mask * g)), x)
    assert nn.relative_error(layer.backward(g), numeric) < TOL


# ----------------------------------------------------------------------------- losses


@given(batch=sizes, k=st.integers(2, 5), seed=seeds, one_hot=st.booleans())
def test_categorical_crossentropy_gradient(batch, k, seed, one_hot):
    rng = np.random.default_rng(seed)
    probs = Softmax().forward(rng.standard_normal((batch, k)))  # far from the clip at 1e-7 and 1 - 1e-7
    labels = rng.integers(0, k, batch)
    y = np.eye(k)[labels] if one_hot else labels
    assert nn.gradcheck_loss(CategoricalCrossentropy(), probs, y) < TOL


@given(batch=sizes, k=st.integers(2, 5), seed=seeds, one_hot=st.booleans())
def test_softmax_crossentropy_gradient(batch, k, seed, one_hot):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, k, batch)
    y = np.eye(k)[labels] if one_hot else labels
    assert nn.gradcheck_loss(SoftmaxCrossentropy(), 2 * rng.standard_normal((batch, k)), y) < TOL


@given(batch=sizes, k=sizes, seed=seeds)
def test_binary_crossentropy_gradient(batch, k, seed):
    rng = np.random.default_rng(seed)
    probs = rng.uniform(0.05, 0.95, (batch, k))
    assert nn.gradcheck_loss(BinaryCrossentropy(), probs, rng.integers(0, 2, (batch, k))) < TOL


@given(batch=sizes, k=sizes, seed=seeds)
def test_mean_squared_error_gradient(batch, k, seed):
    rng = np.random.default_rng(seed)
    assert nn.gradcheck_loss(MeanSquaredError(), rng.standard_normal((batch, k)), rng.standard_normal((batch, k))) < TOL


@given(batch=sizes, k=sizes, seed=seeds)
def test_mean_absolute_error_gradient(batch, k, seed):
    rng = np.random.default_rng(seed)
    y = rng.standard_normal((batch, k))
    y_pred = y + away_from_zero(rng, (batch, k))  # |y_hat - y| has its kink at 0
    assert nn.gradcheck_loss(MeanAbsoluteError(), y_pred, y) < TOL


@given(seed=seeds)
def test_whole_network_gradient(seed):
    """Dense -> ReLU -> Dense -> SoftmaxCrossentropy: the chain of backward calls gives dL/dW1."""
    rng = np.random.default_rng(seed)
    layers = [Dense(2, 4, rng=rng, weight_scale=1.0), ReLU(), Dense(4, 3, rng=rng, weight_scale=1.0)]
    x, y = rng.standard_normal((6, 2)), rng.integers(0, 3, 6)
    loss = SoftmaxCrossentropy()
    loss.forward(nn.forward(layers, x), y)
    nn.backward(layers, loss.backward())
    assume(np.min(np.abs(layers[0].output)) > 1e-4)  # no hidden unit on ReLU's kink
    assume(loss.output[np.arange(6), y].min() > 1e-6)  # no probability clipped at 1e-7
    for layer in (layers[0], layers[2]):
        for name in ("W", "b"):
            analytic = layer.grads[name].copy()
            numeric = nn.numerical_gradient(lambda: loss.forward(nn.forward(layers, x), y), layer.params[name])
            assert nn.relative_error(analytic, numeric) < TOL


# ----------------------------------------------------------------------------- image layers (chapter 22)


@given(batch=st.integers(1, 3), c_in=st.integers(1, 3), c_out=st.integers(1, 3),
       kernel=st.integers(1, 3), stride=st.integers(1, 3), padding=st.integers(0, 2),
       size=st.integers(3, 6), seed=seeds)
def test_conv2d_gradients(batch, c_in, c_out, kernel, stride, padding, size, seed):
    rng = np.random.default_rng(seed)
    layer = nn.Conv2D(c_in, c_out, kernel, stride=stride, padding=padding, rng=rng)
    layer.params["b"][...] = rng.standard_normal((1, c_out))
    errors = nn.gradcheck(layer, rng.standard_normal((batch, c_in, size, size + 1)), rng=rng)
    assert set(errors) == {"x", "W", "b"}
    assert_all_small(errors)


@given(batch=st.integers(1, 3), channels=st.integers(1, 3), pool=st.integers(1, 3),
       stride=st.integers(1, 3), size=st.integers(3, 6), seed=seeds)
def test_maxpool2d_gradients(batch, channels, pool, stride, size, seed):
    rng = np.random.default_rng(seed)
    # distinct values at least 0.01 apart: no ties, so every window's maximum has a clear derivative
    n = batch * channels * size * (size + 1)
    x = (rng.permutation(n) * 0.01).reshape(batch, channels, size, size + 1)
    assert_all_small(nn.gradcheck(nn.MaxPool2D(pool, stride=stride), x, rng=rng))


@pytest.mark.parametrize("layer,shape", [(nn.Flatten(), (2, 3, 4, 5)), (nn.Reshape((2, 3, 2)), (4, 12)),
                                         (ReLU(), (2, 3, 4, 4)), (Sigmoid(), (2, 3, 4, 4))])
def test_shape_and_elementwise_layers_on_images(layer, shape):
    x = away_from_zero(np.random.default_rng(0), shape)
    assert_all_small(nn.gradcheck(layer, x))


@given(seed=seeds)
def test_whole_convolutional_network_gradient(seed):
    """Reshape -> Conv2D -> MaxPool2D -> Flatten -> Dense -> SoftmaxCrossentropy: dL/dW of both.

    (ReLU is left out: its zeros would tie in the pooling windows, where max has no derivative.)"""
    rng = np.random.default_rng(seed)
    layers = [nn.Reshape((2, 5, 5)), nn.Conv2D(2, 3, 3, padding=1, rng=rng), nn.MaxPool2D(2),
              nn.Flatten(), Dense(12, 3, rng=rng, weight_scale=0.3)]
    x, y = rng.standard_normal((4, 50)), rng.integers(0, 3, 4)
    loss = SoftmaxCrossentropy()
    loss.forward(nn.forward(layers, x), y)
    nn.backward(layers, loss.backward())
    conv_out = layers[1].output[:, :, :4, :4]  # the 2x2 windows of the pooling, as rows of 4
    windows = np.sort(conv_out.reshape(4, 3, 2, 2, 2, 2).transpose(0, 1, 2, 4, 3, 5)
                      .reshape(4, 3, 2, 2, 4), axis=-1)
    assume(np.min(windows[..., -1] - windows[..., -2]) > 1e-4)  # no tie for a window's maximum
    assume(loss.output[np.arange(4), y].min() > 1e-6)  # no probability clipped at 1e-7
    for layer in (layers[1], layers[4]):
        for name in ("W", "b"):
            analytic = layer.grads[name].copy()
            numeric = nn.numerical_gradient(lambda: loss.forward(nn.forward(layers, x), y),
                                            layer.params[name])
            assert nn.relative_error(analytic, numeric) < TOL
