"""The fast paths of chapter 19, *Making it fast*: they are fast without being wrong.

* float32 stays float32 everywhere (no silent conversion to float64 doubles the work);
* ``Dense.input_grad = False`` skips only $\\partial L/\\partial X$, never a parameter gradient;
* the optimisers' in-place updates give bit for bit the plain formulas in float64;
* float32 Adam (bias corrections folded, subnormals flushed) stays within float32 rounding of the formula;
* ``flush_subnormals`` zeroes exactly the subnormal float32 values and nothing else.
"""

from __future__ import annotations

import numpy as np
import pytest

import nnscratch as nn
from nnscratch.optimizers import FLOAT32_TINY, FLUSH_EVERY, flush_subnormals

SUBNORMAL = np.float32(1e-40)  # below FLOAT32_TINY (about 1.18e-38), above zero


def mlp(dtype=np.float32, seed=0, **dense_kwargs) -> list[nn.Layer]:
    """A small Dense-ReLU-Dense-ReLU-Dense network of the benchmark's shape (scaled down)."""
    rng = np.random.default_rng(seed)
    return [nn.Dense(12, 8, rng=rng, dtype=dtype, weight_scale="he", **dense_kwargs), nn.ReLU(),
            nn.Dense(8, 8, rng=rng, dtype=dtype, weight_scale="he", **dense_kwargs), nn.ReLU(),
            nn.Dense(8, 3, rng=rng, dtype=dtype, weight_scale="he", **dense_kwargs)]


def batch(dtype=np.float32, n=16, seed=1):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, 12)).astype(dtype), rng.integers(0, 3, n).astype(np.uint8)


OPTIMIZERS = {
    "SGD": lambda: nn.SGD(0.1, decay=1e-2),
    "SGD-momentum": lambda: nn.SGD(0.1, decay=1e-2, momentum=0.9),
    "Adagrad": lambda: nn.Adagrad(0.1, decay=1e-2),
    "RMSprop": lambda: nn.RMSprop(0.01, decay=1e-2, rho=0.9),
    "Adam": lambda: nn.Adam(0.01, decay=1e-2),
}


# ----------------------------------------------------------------------------- dtypes


@pytest.mark.parametrize("make_optimizer", OPTIMIZERS.values(), ids=OPTIMIZERS.keys())
def test_float32_stays_float32_through_forward_backward_and_step(make_optimizer):
    layers, loss, optimizer = mlp(), nn.SoftmaxCrossentropy(), make_optimizer()
    layers[0].input_grad = False
    x, y = batch()
    for _ in range(FLUSH_EVERY + 1):  # includes a step that flushes the decaying state
        total, output = nn.train_step(layers, loss, optimizer, x, y)
    assert isinstance(total, float) and output.dtype == np.float32
    assert loss.backward().dtype == np.float32
    for layer in layers:
        assert layer.output.dtype == np.float32
        for name, param in layer.params.items():
            assert param.dtype == np.float32 and layer.grads[name].dtype == np.float32
            for array in optimizer._state[layer][name].values():
                assert array.dtype == np.float32


def test_float64_input_to_a_float32_layer_still_gives_float64():
    """The in-place bias addition must not change the dtype that x @ W + b has."""
    layer = nn.Dense(3, 2, rng=0, dtype=np.float32)
    x = np.random.default_rng(0).standard_normal((4, 3))
    out = layer.forward(x)
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, x @ layer.params["W"] + layer.params["b"])


def test_dense_forward_in_place_bias_is_the_plain_sum_in_float64():
    layer = nn.Dense(5, 4, rng=0, weight_scale=1.0)
    layer.params["b"][...] = np.random.default_rng(1).standard_normal((1, 4))
    x = np.random.default_rng(2).standard_normal((7, 5))
    np.testing.assert_array_equal(layer.forward(x), x @ layer.params["W"] + layer.params["b"])


# ----------------------------------------------------------------------------- input_grad


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dense_without_input_grad_gives_the_same_parameter_gradients(dtype):
    x, y = batch(dtype)
    grads = []
    for input_grad in (True, False):
        layers, loss = mlp(dtype, weight_regularizer_l2=1e-3, bias_regularizer_l1=1e-3), nn.SoftmaxCrossentropy()
        layers[0].input_grad = input_grad
        loss.forward(nn.forward(layers, x), y)
        dx = nn.backward(layers, loss.backward())
        assert (dx is None) == (not input_grad)
        grads.append([g for layer in layers for g in layer.grads.values()])
    for with_dx, without_dx in zip(*grads):
        np.testing.assert_array_equal(with_dx, without_dx)


def test_input_grad_is_on_by_default_and_the_input_gradient_is_g_times_w_transposed():
    layer = nn.Dense(3, 2, rng=0)
    assert layer.input_grad is True
    x, g = np.ones((4, 3)), np.arange(8.0).reshape(4, 2)
    layer.forward(x)
    np.testing.assert_array_equal(layer.backward(g), g @ layer.params["W"].T)
    layer.input_grad = False
    layer.forward(x)
    assert layer.backward(g) is None
    np.testing.assert_array_equal(layer.grads["W"], x.T @ g)


# ----------------------------------------------------------------------------- optimisers, float64


def plain_update(name, opt, param, grad, state):
    """The optimisers' formulas written the plain way: a new array for every intermediate result."""
    lr, t = opt.learning_rate / (1.0 + opt.decay * opt.iterations), opt.iterations + 1  # before step()
    if name == "SGD":
        return param - lr * grad
    if name == "SGD-momentum":
        state["v"] = opt.momentum * state.get("v", 0.0) - lr * grad
        return param + state["v"]
    if name == "Adagrad":
        state["c"] = state.get("c", 0.0) + grad * grad
        return param - lr * grad / (np.sqrt(state["c"]) + opt.epsilon)
    if name == "RMSprop":
        state["c"] = opt.rho * state.get("c", 0.0) + (1 - opt.rho) * grad * grad
        return param - lr * grad / (np.sqrt(state["c"]) + opt.epsilon)
    state["m"] = opt.beta_1 * state.get("m", 0.0) + (1 - opt.beta_1) * grad
    state["v"] = opt.beta_2 * state.get("v", 0.0) + (1 - opt.beta_2) * grad * grad
    m_hat, v_hat = state["m"] / (1 - opt.beta_1**t), state["v"] / (1 - opt.beta_2**t)
    return param - lr * m_hat / (np.sqrt(v_hat) + opt.epsilon)


class Param(nn.Layer):
    """A 'layer' that is one parameter array whose gradient is set by hand."""

    def __init__(self, value):
        super().__init__()
        self.params["w"] = np.array(value)


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_in_place_updates_are_bit_for_bit_the_plain_formula_in_float64(name):
    rng = np.random.default_rng(0)
    opt, layer = OPTIMIZERS[name](), Param(rng.standard_normal((6, 5)))
    expected, state = layer.params["w"].copy(), {}
    for _ in range(40):
        grad = rng.standard_normal((6, 5)) * 10.0 ** rng.integers(-3, 3)
        expected = plain_update(name, opt, expected, grad, state)
        layer.grads["w"] = grad
        opt.step([layer])
        np.testing.assert_array_equal(layer.params["w"], expected)


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_optimisers_allocate_their_state_once(name):
    opt, layer = OPTIMIZERS[name](), Param(np.ones((3, 2), dtype=np.float32))
    layer.grads["w"] = np.full((3, 2), 0.5, dtype=np.float32)
    opt.step([layer])
    arrays = dict(opt._state[layer]["w"])
    for _ in range(3):
        opt.step([layer])
    assert all(opt._state[layer]["w"][k] is a for k, a in arrays.items())


# ----------------------------------------------------------------------------- float32 Adam, subnormals


def test_flush_subnormals_zeroes_exactly_the_subnormal_float32_values():
    a = np.array([SUBNORMAL, -SUBNORMAL, FLOAT32_TINY, -FLOAT32_TINY, 1.0, 0.0, -3e-30], dtype=np.float32)
    flush_subnormals(a)
    np.testing.assert_array_equal(a, np.array([0, 0, FLOAT32_TINY, -FLOAT32_TINY, 1, 0, -3e-30], dtype=np.float32))
    assert np.signbit(a[1]) == np.signbit(np.float32(0))  # zeroed, not -0.0 (no matter for the maths)
    b = np.array([1e-310, 1.0])  # float64 (1e-310 is a float64 subnormal): left alone
    flush_subnormals(b)
    assert b[0] == 1e-310


def test_adam_state_of_a_parameter_whose_gradient_stops_is_flushed():
    """m decays by beta_1 = 0.9 per step once the gradient is 0: without flushing it spends hundreds of
    steps among the subnormals (and v tens of thousands); flushed, it holds no subnormal after a flush."""
    opt, layer = nn.Adam(1e-3), Param(np.ones(4, dtype=np.float32))
    layer.grads["w"] = np.array([1e-3, -1e-3, 1.0, 0.0], dtype=np.float32)
    opt.step([layer])
    layer.grads["w"] = np.zeros(4, dtype=np.float32)
    for _ in range(1200):
        opt.step([layer])
        if opt.iterations % FLUSH_EVERY == 1:  # the step that just ran flushed
            for a in (opt._state[layer]["w"]["m"], opt._state[layer]["w"]["v"]):
                assert not np.any((a != 0) & (np.abs(a) < FLOAT32_TINY))
    assert np.all(opt._state[layer]["w"]["m"] == 0)  # without the flush, m would still be subnormal here


def test_float32_adam_follows_the_float64_formula_within_float32_rounding():
    """Folded bias corrections and flushed subnormals: each step within float32 rounding of the formula.
    Gradients of very different sizes, some exactly zero for long stretches (whose m and v decay into
    the subnormal range and are flushed)."""
    rng = np.random.default_rng(0)
    start = rng.standard_normal(200)
    fast, exact = Param(start.astype(np.float32)), Param(start.copy())
    opt32, opt64 = nn.Adam(1e-2, decay=1e-3), nn.Adam(1e-2, decay=1e-3)
    scale = 10.0 ** rng.integers(-20, 1, size=200)
    for t in range(600):
        grad = rng.standard_normal(200) * scale
        grad[: 50 if t > 20 else 0] = 0.0  # the first 50 gradients stop after 20 steps
        fast.grads["w"], exact.grads["w"] = grad.astype(np.float32), grad
        opt32.step([fast])
        opt64.step([exact])
    moved = np.abs(exact.params["w"] - start)
    assert moved.max() > 0.1  # the test moved the parameters
    np.testing.assert_allclose(fast.params["w"], exact.params["w"], rtol=0, atol=1e-5)


def test_float32_network_trains_like_the_float64_one():
    x64, y = batch(np.float64, n=64)
    results = []
    for dtype in (np.float32, np.float64):
        layers, loss, opt = mlp(dtype), nn.SoftmaxCrossentropy(), nn.Adam(0.01)
        for _ in range(50):
            total, _ = nn.train_step(layers, loss, opt, x64.astype(dtype), y)
        results.append(np.concatenate([p.ravel() for layer in layers for p in layer.params.values()]))
    np.testing.assert_allclose(results[0], results[1], rtol=0, atol=2e-4)


# ----------------------------------------------------------------------------- losses


def test_loss_value_is_the_mean_and_backward_with_grad_one_needs_no_extra_pass():
    rng = np.random.default_rng(0)
    z, y = rng.standard_normal((9, 4)), rng.integers(0, 4, 9)
    loss = nn.SoftmaxCrossentropy()
    value = loss.forward(z, y)
    assert value == float(loss.sample_losses.mean())
    np.testing.assert_array_equal(loss.backward(), nn.softmax_crossentropy_grad(loss.output, y))
    np.testing.assert_array_equal(loss.backward(2.0), 2.0 * nn.softmax_crossentropy_grad(loss.output, y))


def test_fused_gradient_equals_softmax_then_crossentropy_backward():
    rng = np.random.default_rng(3)
    z, y = rng.standard_normal((16, 5)), rng.integers(0, 5, 16)
    softmax, cce = nn.Softmax(), nn.CategoricalCrossentropy()
    cce.forward(softmax.forward(z), y)
    two_step = softmax.backward(cce.backward())
    fused = nn.SoftmaxCrossentropy()
    fused.forward(z, y)
    np.testing.assert_allclose(fused.backward(), two_step, rtol=1e-10, atol=1e-15)


# ----------------------------------------------------------------------------- Model.fit


def test_fit_skips_the_first_layers_input_gradient_and_switches_it_back_on():
    layers = mlp(np.float64)
    first = layers[0]
    returned = []
    plain_backward = first.backward
    first.backward = lambda grad: returned.append(plain_backward(grad)) or returned[-1]
    model = nn.Model([*layers, nn.Softmax()], loss=nn.CategoricalCrossentropy(), optimizer=nn.Adam(0.01))
    X, y = batch(np.float64, n=32)
    model.fit(X, y, epochs=2, batch_size=8, seed=0, progress=False)
    assert len(returned) == 8 and all(r is None for r in returned), "fit never computes dL/dX of the data"
    assert first.input_grad is True, "after fit the layer is as the user built it"


def test_fit_switches_the_input_gradient_back_on_when_training_fails():
    layers = mlp(np.float64)
    model = nn.Model([*layers, nn.Softmax()], loss=nn.CategoricalCrossentropy(), optimizer=nn.Adam(0.01))
    X, y = batch(np.float64, n=32)
    X[20, 3] = np.nan  # the third batch's loss raises, inside the training loop
    with pytest.raises(ValueError, match="NaN"):
        model.fit(X, y, epochs=1, batch_size=8, shuffle=False, progress=False)
    assert layers[0].input_grad is True
