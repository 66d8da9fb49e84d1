"""The speed-ups of chapter 19, *Making it fast* (``nnscratch.fast``), give the plain pieces' numbers.

* float32 stays float32 everywhere (no silent conversion to float64 doubles the work);
* ``backward(..., input_grad=False)`` skips only $\\partial L/\\partial X$, never a parameter gradient;
* ``nn.fast``'s in-place SGD, AdaGrad and RMSProp give bit for bit the plain optimisers' results in
  float64, and its Adam (bias corrections folded, subnormals flushed) stays within rounding of the formula;
* ``flush_subnormals`` zeroes exactly the subnormal float32 values and nothing else.
"""

from __future__ import annotations

import numpy as np
import pytest

import nnscratch as nn
from nnscratch.fast import FLOAT32_TINY, FLUSH_EVERY, flush_subnormals

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


SETTINGS = {
    "SGD": ("SGD", dict(learning_rate=0.1, decay=1e-2)),
    "SGD-momentum": ("SGD", dict(learning_rate=0.1, decay=1e-2, momentum=0.9)),
    "Adagrad": ("Adagrad", dict(learning_rate=0.1, decay=1e-2)),
    "RMSprop": ("RMSprop", dict(learning_rate=0.01, decay=1e-2, rho=0.9)),
    "Adam": ("Adam", dict(learning_rate=0.01, decay=1e-2)),
}


def plain(name):
    cls, kwargs = SETTINGS[name]
    return getattr(nn, cls)(**kwargs)


def fast(name):
    cls, kwargs = SETTINGS[name]
    return getattr(nn.fast, cls)(**kwargs)


OPTIMIZERS = {name: (lambda name=name: plain(name)) for name in SETTINGS}
OPTIMIZERS.update({f"fast-{name}": (lambda name=name: fast(name)) for name in SETTINGS})


# ----------------------------------------------------------------------------- dtypes


@pytest.mark.parametrize("make_optimizer", OPTIMIZERS.values(), ids=OPTIMIZERS.keys())
def test_float32_stays_float32_through_forward_backward_and_step(make_optimizer):
    layers, loss, optimizer = mlp(), nn.SoftmaxCrossentropy(), make_optimizer()
    x, y = batch()
    for _ in range(FLUSH_EVERY + 1):  # includes a step that flushes the decaying state
        total, output = nn.train_step(layers, loss, optimizer, x, y, input_grad=False)
    assert isinstance(total, float) and output.dtype == np.float32
    assert loss.backward().dtype == np.float32
    for layer in layers:
        assert layer.output.dtype == np.float32
        for name, param in layer.params.items():
            assert param.dtype == np.float32 and layer.grads[name].dtype == np.float32
            for array in optimizer.states[layer][name].values():
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


# ----------------------------------------------------------------------------- input_grad=False


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dense_without_input_grad_gives_the_same_parameter_gradients(dtype):
    x, y = batch(dtype)
    grads = []
    for input_grad in (True, False):
        layers, loss = mlp(dtype, weight_regularizer_l2=1e-3, bias_regularizer_l1=1e-3), nn.SoftmaxCrossentropy()
        loss.forward(nn.forward(layers, x), y)
        dx = nn.backward(layers, loss.backward(), input_grad=input_grad)
        assert (dx is None) == (not input_grad)
        grads.append([g for layer in layers for g in layer.grads.values()])
    for with_dx, without_dx in zip(*grads):
        np.testing.assert_array_equal(with_dx, without_dx)


def test_input_grad_is_on_by_default_and_the_input_gradient_is_g_times_w_transposed():
    layer = nn.Dense(3, 2, rng=0)
    x, g = np.ones((4, 3)), np.arange(8.0).reshape(4, 2)
    layer.forward(x)
    np.testing.assert_array_equal(layer.backward(g), g @ layer.params["W"].T)
    layer.forward(x)
    assert layer.backward(g, input_grad=False) is None
    np.testing.assert_array_equal(layer.grads["W"], x.T @ g)


def test_backward_without_input_grad_needs_a_dense_first_layer():
    layers = [nn.ReLU(), nn.Dense(3, 2, rng=0)]
    nn.forward(layers, np.ones((4, 3)))
    with pytest.raises(ValueError, match="needs a Dense first layer.*input_grad=True"):
        nn.backward(layers, np.ones((4, 2)), input_grad=False)


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


BIT_FOR_BIT = [(make, name) for make in (plain, fast) for name in SETTINGS
               if not (make is fast and name == "Adam")]


@pytest.mark.parametrize("make, name", BIT_FOR_BIT,
                         ids=[f"{make.__name__}-{name}" for make, name in BIT_FOR_BIT])
def test_updates_are_bit_for_bit_the_formula_in_float64(make, name):
    """Plain and fast optimisers both, except fast Adam (folded corrections: the next test)."""
    rng = np.random.default_rng(0)
    opt, layer = make(name), Param(rng.standard_normal((6, 5)))
    expected, state = layer.params["w"].copy(), {}
    for _ in range(40):
        grad = rng.standard_normal((6, 5)) * 10.0 ** rng.integers(-3, 3)
        expected = plain_update(SETTINGS[name][1].get("momentum") and "SGD-momentum" or name,
                                opt, expected, grad, state)
        layer.grads["w"] = grad
        opt.step([layer])
        np.testing.assert_array_equal(layer.params["w"], expected)


def test_fast_adam_is_the_plain_adam_within_rounding_in_float64():
    rng = np.random.default_rng(0)
    start = rng.standard_normal((6, 5))
    a, b = Param(start.copy()), Param(start.copy())
    plain_opt, fast_opt = plain("Adam"), fast("Adam")
    for _ in range(100):
        a.grads["w"] = b.grads["w"] = rng.standard_normal((6, 5)) * 10.0 ** rng.integers(-3, 3)
        plain_opt.step([a])
        fast_opt.step([b])
    assert np.abs(a.params["w"] - start).max() > 0.1  # the parameters moved
    np.testing.assert_allclose(b.params["w"], a.params["w"], rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("name", SETTINGS)
def test_fast_optimisers_allocate_their_state_once(name):
    opt, layer = fast(name), Param(np.ones((3, 2), dtype=np.float32))
    layer.grads["w"] = np.full((3, 2), 0.5, dtype=np.float32)
    opt.step([layer])
    arrays = dict(opt.states[layer]["w"])
    for _ in range(3):
        opt.step([layer])
    assert all(opt.states[layer]["w"][k] is a for k, a in arrays.items())


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
    opt, layer = nn.fast.Adam(1e-3), Param(np.ones(4, dtype=np.float32))
    layer.grads["w"] = np.array([1e-3, -1e-3, 1.0, 0.0], dtype=np.float32)
    opt.step([layer])
    layer.grads["w"] = np.zeros(4, dtype=np.float32)
    for _ in range(1200):
        opt.step([layer])
        if opt.iterations % FLUSH_EVERY == 1:  # the step that just ran flushed
            for a in (opt.states[layer]["w"]["m_sum"], opt.states[layer]["w"]["v_sum"]):
                assert not np.any((a != 0) & (np.abs(a) < FLOAT32_TINY))
    assert np.all(opt.states[layer]["w"]["m_sum"] == 0)  # without the flush, it would still be subnormal here


def test_float32_adam_follows_the_float64_formula_within_float32_rounding():
    """Folded bias corrections and flushed subnormals: each step within float32 rounding of the formula.
    Gradients of very different sizes, some exactly zero for long stretches (whose m and v decay into
    the subnormal range and are flushed)."""
    rng = np.random.default_rng(0)
    start = rng.standard_normal(200)
    fast, exact = Param(start.astype(np.float32)), Param(start.copy())
    opt32, opt64 = nn.fast.Adam(1e-2, decay=1e-3), nn.Adam(1e-2, decay=1e-3)
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


def test_loss_value_is_the_mean_and_backward_scales_by_grad():
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


def test_fit_skips_the_first_layers_input_gradient():
    layers = mlp(np.float64)
    first = layers[0]
    returned = []
    plain_backward = first.backward

    def spy(grad, **kwargs):
        returned.append((kwargs, plain_backward(grad, **kwargs)))
        return returned[-1][1]

    first.backward = spy
    model = nn.Model([*layers, nn.Softmax()], loss=nn.CategoricalCrossentropy(),
                     optimizer=nn.Adam(0.01))
    X, y = batch(np.float64, n=32)
    model.fit(X, y, epochs=2, batch_size=8, seed=0, progress=False)
    assert len(returned) == 8, "one backward per batch"
    assert all(kw == {"input_grad": False} and r is None for kw, r in returned), (
        "fit never computes dL/dX of the data")


def test_fit_and_train_step_take_the_same_steps():
    """Model.fit on one full batch per epoch is train_step in a loop, to the last bit."""
    X, y = batch(np.float64, n=32)
    by_hand, loss, opt = mlp(np.float64), nn.SoftmaxCrossentropy(), nn.fast.Adam(0.01)
    totals = [nn.train_step(by_hand, loss, opt, X, y)[0] for _ in range(5)]
    model = nn.Model(mlp(np.float64), loss=nn.SoftmaxCrossentropy(), optimizer=nn.fast.Adam(0.01))
    history = model.fit(X, y, epochs=5, progress=False)
    assert history["loss"] == totals
    for a, b in zip(by_hand, model.layers):
        for key in a.params:
            np.testing.assert_array_equal(a.params[key], b.params[key])
