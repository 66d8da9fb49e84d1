"""Layers: values against hand-computed results, Dropout's statistics, dtypes, and every error path.

The gradients of every layer are checked against numerical ones in ``test_gradcheck.py``.
"""

import re
import warnings

import numpy as np
import pytest

import nnscratch as nn
from nnscratch import Dense, Dropout, Linear, ReLU, Sigmoid, Softmax

ACTIVATIONS = [ReLU, Softmax, Sigmoid, Linear]


def make_dense(W, b, **kwargs):
    """A Dense layer with the given weights and biases (float64)."""
    W, b = np.array(W, dtype=np.float64), np.array(b, dtype=np.float64).reshape(1, -1)
    layer = Dense(*W.shape, **kwargs)
    layer.params["W"][...] = W
    layer.params["b"][...] = b
    return layer


# ----------------------------------------------------------------------------- Dense


def test_dense_forward_hand_computed():
    layer = make_dense([[1, 2, 3], [4, 5, 6]], [0.5, -1, 0])
    x = np.array([[1.0, 1.0], [0.0, -1.0]])
    # row 1: [1+4, 2+5, 3+6] + b = [5.5, 6, 9]; row 2: -[4, 5, 6] + b = [-3.5, -6, -6]
    np.testing.assert_array_equal(layer.forward(x), [[5.5, 6.0, 9.0], [-3.5, -6.0, -6.0]])


def test_dense_backward_hand_computed():
    layer = make_dense([[1, 2, 3], [4, 5, 6]], [0, 0, 0])
    x = np.array([[1.0, 2.0], [3.0, -1.0]])
    layer.forward(x)
    G = np.array([[1.0, 0.0, -1.0], [2.0, 1.0, 0.0]])
    dx = layer.backward(G)
    # dW = X^T G, db = column sums of G, dX = G W^T
    np.testing.assert_array_equal(layer.grads["W"], [[7.0, 3.0, -1.0], [0.0, -1.0, -2.0]])
    np.testing.assert_array_equal(layer.grads["b"], [[3.0, 1.0, -1.0]])
    np.testing.assert_array_equal(dx, [[-2.0, -2.0], [4.0, 13.0]])
    assert layer.grads["b"].shape == (1, 3)


def test_dense_init_shapes_scale_and_seed():
    layer = Dense(4, 7, rng=0)
    assert layer.params["W"].shape == (4, 7) and layer.params["b"].shape == (1, 7)
    assert set(layer.params) == {"W", "b"}
    np.testing.assert_array_equal(layer.params["b"], 0)
    np.testing.assert_array_equal(layer.params["W"], Dense(4, 7, rng=0).params["W"])
    np.testing.assert_array_equal(layer.params["W"], 0.01 * np.random.default_rng(0).standard_normal((4, 7)))
    assert not np.array_equal(layer.params["W"], Dense(4, 7, rng=1).params["W"])
    he = Dense(200, 300, weight_scale="he", rng=0).params["W"]
    assert he.std() == pytest.approx(np.sqrt(2 / 200), rel=0.02)
    gen = np.random.default_rng(5)
    a, b = Dense(2, 2, rng=gen), Dense(2, 2, rng=gen)  # one generator passed on: different weights
    assert not np.array_equal(a.params["W"], b.params["W"])
    assert repr(Dense(2, 3)) == "Dense(2, 3)"


def test_dense_accepts_integer_input():
    layer = make_dense([[1.0], [2.0]], [1.0])
    np.testing.assert_array_equal(layer.forward(np.array([[1, 2]])), [[6.0]])


def test_regularization_loss_and_gradients_hand_computed():
    W, b = [[1.0, -2.0], [0.5, 0.0]], [3.0, -1.0]
    layer = make_dense(W, b, weight_regularizer_l1=0.1, weight_regularizer_l2=0.01,
                       bias_regularizer_l1=0.2, bias_regularizer_l2=0.05)
    # 0.1*3.5 + 0.01*5.25 + 0.2*4 + 0.05*10
    assert layer.regularization_loss() == pytest.approx(0.35 + 0.0525 + 0.8 + 0.5)
    assert nn.regularization_loss([layer, ReLU(), make_dense(W, b)]) == pytest.approx(1.7025)
    layer.forward(np.zeros((1, 2)))
    layer.backward(np.zeros((1, 2)))  # data gradient 0: only the penalties remain
    W, b = np.array(W), np.array([b])
    np.testing.assert_allclose(layer.grads["W"], 0.1 * np.sign(W) + 2 * 0.01 * W)
    np.testing.assert_allclose(layer.grads["b"], 0.2 * np.sign(b) + 2 * 0.05 * b)
    assert make_dense(W, b).regularization_loss() == 0.0


# ----------------------------------------------------------------------------- activations


def test_relu_forward_and_backward():
    relu = ReLU()
    x = np.array([[-1.0, 0.0, 2.0], [3.0, -0.5, 1e-9]])
    np.testing.assert_array_equal(relu.forward(x), [[0.0, 0.0, 2.0], [3.0, 0.0, 1e-9]])
    g = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    np.testing.assert_array_equal(relu.backward(g), [[0.0, 0.0, 3.0], [4.0, 0.0, 6.0]])
    assert relu.params == {} and relu.grads == {}


def test_softmax_hand_computed():
    s = Softmax().forward(np.array([[0.0, np.log(3.0)], [1.0, 1.0]]))
    np.testing.assert_allclose(s, [[0.25, 0.75], [0.5, 0.5]])


def test_softmax_rows_sum_to_one_and_shift_invariant():
    z = np.random.default_rng(0).standard_normal((6, 5)) * 3
    s = Softmax().forward(z)
    np.testing.assert_allclose(s.sum(axis=1), 1.0)
    assert (s > 0).all()
    np.testing.assert_allclose(Softmax().forward(z + 100.0), s)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_softmax_extreme_logits_stay_finite(dtype):
    z = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4], [1e4, 1e4, -1e4]], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = Softmax().forward(z)
    assert np.isfinite(s).all()
    np.testing.assert_allclose(s.sum(axis=1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(s, [[1, 0, 0], [1 / 3, 1 / 3, 1 / 3], [0.5, 0.5, 0]], atol=1e-7)


def test_softmax_backward_is_jacobian_times_gradient():
    rng = np.random.default_rng(1)
    z, g = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    layer = Softmax()
    s = layer.forward(z)
    dz = layer.backward(g)
    for i in range(4):
        J = np.diag(s[i]) - np.outer(s[i], s[i])  # ds_j / dz_k = s_j ([j = k] - s_k)
        np.testing.assert_allclose(dz[i], J @ g[i], atol=1e-15)


def test_sigmoid_hand_computed():
    s = Sigmoid()
    np.testing.assert_allclose(s.forward(np.array([[0.0, np.log(3.0), -np.log(3.0)]])), [[0.5, 0.75, 0.25]])
    np.testing.assert_allclose(s.backward(np.array([[1.0, 1.0, 2.0]])), [[0.25, 0.1875, 0.375]])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sigmoid_stable_for_large_inputs(dtype):
    x = np.array([[-1000.0, 1000.0, -50.0, 50.0]], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = Sigmoid()
        y = s.forward(x)
        g = s.backward(np.ones_like(x))
    assert np.isfinite(y).all() and np.isfinite(g).all()
    np.testing.assert_allclose(y[0, :2], [0.0, 1.0])
    assert 0 < y[0, 2] < 1e-20 and y[0, 3] == pytest.approx(1.0)


def test_linear_is_identity():
    x = np.array([[1.5, -2.0]])
    layer = Linear()
    np.testing.assert_array_equal(layer.forward(x), x)
    np.testing.assert_array_equal(layer.backward(np.array([[3.0, 4.0]])), [[3.0, 4.0]])


# ----------------------------------------------------------------------------- Dropout


def test_dropout_training_statistics():
    rate = 0.3
    x = np.full((400, 500), 2.0)
    out = Dropout(rate, rng=0).forward(x)
    dropped = np.mean(out == 0)
    assert dropped == pytest.approx(rate, abs=0.005)  # 200,000 draws: std of the fraction is 0.001
    np.testing.assert_allclose(np.unique(out), [0.0, 2.0 / (1 - rate)])
    assert out.mean() == pytest.approx(2.0, rel=0.01)  # inverted dropout keeps the expected value


def test_dropout_expected_output_equals_input():
    x = np.random.default_rng(0).uniform(-2, 2, size=(3, 4))
    layer = Dropout(0.5, rng=1)
    mean = np.mean([layer.forward(x) for _ in range(4000)], axis=0)
    np.testing.assert_allclose(mean, x, atol=0.1)  # std of each mean <= 2/sqrt(4000) = 0.032


def test_dropout_backward_multiplies_by_the_stored_mask():
    rng = np.random.default_rng(2)
    x, g = rng.standard_normal((5, 6)), rng.standard_normal((5, 6))
    layer = Dropout(0.4, rng=3)
    out = layer.forward(x)
    mask = layer.mask.copy()
    assert set(np.unique(mask)) <= {0.0, 1 / 0.6}
    np.testing.assert_array_equal(out, x * mask)
    np.testing.assert_array_equal(layer.backward(g), g * mask)


def test_dropout_reproducible_with_seed():
    x = np.ones((10, 10))
    a, b, c = Dropout(0.5, rng=7), Dropout(0.5, rng=7), Dropout(0.5, rng=8)
    out_a = a.forward(x)
    np.testing.assert_array_equal(out_a, b.forward(x))
    assert not np.array_equal(out_a, c.forward(x))
    assert not np.array_equal(out_a, a.forward(x))  # a new mask on every call


def test_dropout_eval_mode_and_rate_zero_are_identity():
    x = np.random.default_rng(0).standard_normal((4, 3))
    g = np.ones((4, 3))
    layer = Dropout(0.5, rng=0)
    assert layer.eval() is layer and layer.training is False
    np.testing.assert_array_equal(layer.forward(x), x)
    np.testing.assert_array_equal(layer.backward(g), g)
    layer.train()
    assert layer.training is True and not np.array_equal(layer.forward(x), x)
    zero = Dropout(0.0, rng=0)
    np.testing.assert_array_equal(zero.forward(x), x)
    np.testing.assert_array_equal(zero.backward(g), g)


@pytest.mark.parametrize("rate", [-0.1, 1.0, 1.5, float("nan")])
def test_dropout_rate_out_of_range(rate):
    with pytest.raises(ValueError, match=r"rate.*\[0, 1\)"):
        Dropout(rate)


# ----------------------------------------------------------------------------- modes and dtypes


def test_train_eval_switch_every_layer():
    for layer in [Dense(2, 2), *(cls() for cls in ACTIVATIONS), Dropout(0.1)]:
        assert layer.training is True
        assert layer.eval() is layer and layer.training is False
        assert layer.train() is layer and layer.training is True
        assert layer.train(False).training is False


@pytest.mark.parametrize(
    "make", [lambda: Dense(3, 4, rng=0, dtype=np.float32, weight_regularizer_l1=0.1, weight_regularizer_l2=0.1,
                           bias_regularizer_l1=0.1, bias_regularizer_l2=0.1),
             ReLU, Softmax, Sigmoid, Linear, lambda: Dropout(0.5, rng=0), lambda: Dropout(0.5, rng=0).eval()],
    ids=["Dense", "ReLU", "Softmax", "Sigmoid", "Linear", "Dropout-train", "Dropout-eval"],
)
def test_float32_preserved_through_forward_and_backward(make):
    layer = make()
    x = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    out = layer.forward(x)
    assert out.dtype == np.float32
    dx = layer.backward(np.ones_like(out))
    assert dx.dtype == np.float32
    for name, grad in layer.grads.items():
        assert grad.dtype == np.float32 and layer.params[name].dtype == np.float32


def test_dense_dtype_option():
    layer = Dense(2, 3, dtype=np.float32)
    assert layer.params["W"].dtype == np.float32 and layer.params["b"].dtype == np.float32
    with pytest.raises(TypeError, match="floating-point"):
        Dense(2, 3, dtype=np.int64)


# ----------------------------------------------------------------------------- errors


def test_dense_wrong_feature_count_names_layer_and_shape():
    with pytest.raises(ValueError) as err:
        Dense(2, 3).forward(np.zeros((5, 4)))
    assert "Dense(2, 3)" in str(err.value) and "(5, 4)" in str(err.value)


def test_dense_one_dimensional_input_suggests_reshape():
    with pytest.raises(ValueError, match=r"got shape \(2,\).*reshape\(1, -1\)"):
        Dense(2, 3).forward(np.zeros(2))


@pytest.mark.parametrize("cls", [*ACTIVATIONS, lambda: Dropout(0.5)])
def test_activation_rejects_1d_and_non_numeric_input(cls):
    with pytest.raises(ValueError, match=r"2-D array.*got shape \(3,\)"):
        cls().forward(np.zeros(3))
    with pytest.raises(TypeError, match="numbers"):
        cls().forward(np.array([["a", "b"]]))


@pytest.mark.parametrize("make", [lambda: Dense(2, 3), *ACTIVATIONS, lambda: Dropout(0.5)])
def test_backward_before_forward(make):
    layer = make()
    with pytest.raises(RuntimeError, match="before forward"):
        layer.backward(np.ones((1, 3)))


@pytest.mark.parametrize("make", [lambda: Dense(2, 3), *ACTIVATIONS, lambda: Dropout(0.5)])
def test_backward_with_gradient_of_wrong_shape(make):
    layer = make()
    out = layer.forward(np.ones((4, 2)))
    with pytest.raises(ValueError, match=re.escape(f"shape {out.shape}, got (4, 5)")):
        layer.backward(np.ones((4, 5)))


@pytest.mark.parametrize("args, kwargs", [((0, 3), {}), ((2, 0), {}), ((2, 3), {"weight_scale": "kaiming"}),
                                          ((2, 3), {"weight_regularizer_l1": -0.1}),
                                          ((2, 3), {"bias_regularizer_l2": float("nan")})])
def test_dense_bad_construction(args, kwargs):
    with pytest.raises(ValueError):
        Dense(*args, **kwargs)


def test_calling_a_layer_is_forward():
    layer = make_dense([[2.0]], [1.0])
    np.testing.assert_array_equal(layer(np.array([[3.0]])), [[7.0]])
    assert repr(ReLU()) == "ReLU()" and repr(Dropout(0.25)) == "Dropout(0.25)"
