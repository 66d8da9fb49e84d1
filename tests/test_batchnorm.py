"""Chapter 21's BatchNorm: values, running averages, train/eval, gradients against numerical ones in
float64 (input, gamma and beta, in both modes), errors, and use in a Model with save/load."""

import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import nnscratch as nn
from nnscratch import BatchNorm, Dense, Model

seeds = st.integers(min_value=0, max_value=2**32 - 1)


def test_forward_hand_computed():
    bn = BatchNorm(2, epsilon=1e-12)
    x = np.array([[1.0, 10.0], [3.0, 10.0], [5.0, 16.0], [7.0, 16.0]])
    # column 0: mean 4, variance 5; column 1: mean 13, variance 9
    want = np.array([[-3, -1], [-1, -1], [1, 1], [3, 1]]) / np.array([np.sqrt(5), 1.0])
    np.testing.assert_allclose(bn.forward(x), want)
    bn.params["gamma"][...] = [[2.0, -1.0]]
    bn.params["beta"][...] = [[0.5, 3.0]]
    np.testing.assert_allclose(bn.forward(x), 2 * want * [[1, -0.5]] + [[0.5, 3.0]])
    assert repr(bn) == "BatchNorm(2)" and set(bn.params) == {"gamma", "beta"}


def test_running_averages_and_inference():
    bn = BatchNorm(2, momentum=0.5)
    x = np.array([[1.0, 10.0], [3.0, 10.0], [5.0, 16.0], [7.0, 16.0]])
    bn.forward(x)
    np.testing.assert_allclose(bn.buffers["running_mean"], [[2.0, 6.5]])   # 0.5 * 0 + 0.5 * mean
    np.testing.assert_allclose(bn.buffers["running_var"], [[3.0, 5.0]])    # 0.5 * 1 + 0.5 * var
    bn.eval()
    single = np.array([[2.0, 6.5]])
    np.testing.assert_allclose(bn.forward(single), [[0.0, 0.0]])          # a batch of one is fine
    before = {k: v.copy() for k, v in bn.buffers.items()}
    bn.forward(x)
    for k in before:
        np.testing.assert_array_equal(bn.buffers[k], before[k])           # eval does not update
    np.testing.assert_allclose(bn.forward(x)[:, 0], (x[:, 0] - 2) / np.sqrt(3 + 1e-5))


@given(seed=seeds, batch=st.integers(3, 6), n=st.integers(1, 4), training=st.booleans())
def test_gradients(seed, batch, n, training):
    rng = np.random.default_rng(seed)
    bn = BatchNorm(n)
    bn.params["gamma"][...] = rng.uniform(0.5, 2.0, (1, n)) * rng.choice([-1.0, 1.0], (1, n))
    bn.params["beta"][...] = rng.standard_normal((1, n))
    bn.buffers["running_mean"][...] = rng.standard_normal((1, n))
    bn.buffers["running_var"][...] = rng.uniform(0.5, 2.0, (1, n))
    bn.train(training)
    x = rng.normal(1.0, 2.0, (batch, n))
    errors = nn.gradcheck(bn, x, rng=rng)
    assert set(errors) == {"x", "gamma", "beta"}
    # The gradient for x can be 0 in exact arithmetic (e.g. when G is constant per column); judge
    # it by its absolute size then.
    assert errors["gamma"] < 1e-6 and errors["beta"] < 1e-6, errors
    assert errors["x"] < 1e-6 or _x_grad_is_tiny(bn, x, rng), errors


def _x_grad_is_tiny(bn, x, rng):
    bn.forward(x)
    return np.abs(bn.backward(rng.standard_normal(x.shape))).max() < 1e-8


def test_gradient_fixed_example():
    rng = np.random.default_rng(5)
    bn = BatchNorm(3)
    bn.params["gamma"][...] = [[1.5, -0.5, 2.0]]
    errors = nn.gradcheck(bn, rng.normal(2.0, 3.0, (5, 3)), rng=11)
    assert max(errors.values()) < 1e-7, errors


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_dtype_kept(dtype):
    bn = BatchNorm(3, dtype=dtype)
    x = np.random.default_rng(0).standard_normal((4, 3)).astype(dtype)
    assert bn.forward(x).dtype == dtype
    assert bn.backward(np.ones_like(x)).dtype == dtype
    assert bn.buffers["running_var"].dtype == dtype and bn.grads["gamma"].dtype == dtype


def test_errors():
    bn = BatchNorm(3)
    with pytest.raises(RuntimeError, match="backward was called before forward"):
        bn.backward(np.ones((2, 3)))
    with pytest.raises(ValueError, match=re.escape("expects input of shape (batch, 3), got shape (4, 2)")):
        bn.forward(np.ones((4, 2)))
    with pytest.raises(ValueError, match="at least 2 samples per batch while training"):
        bn.forward(np.ones((1, 3)))
    with pytest.raises(ValueError, match="2-D array"):
        bn.forward(np.ones(3))
    bn.forward(np.random.default_rng(0).standard_normal((4, 3)))
    with pytest.raises(ValueError, match=re.escape("shape (4, 3), got (3, 4)")):
        bn.backward(np.ones((3, 4)))


@pytest.mark.parametrize("kwargs, error", [({"n_features": 0}, ValueError), ({"n_features": 2.0}, TypeError),
                                           ({"n_features": 2, "momentum": 1.0}, ValueError),
                                           ({"n_features": 2, "epsilon": 0.0}, ValueError),
                                           ({"n_features": 2, "dtype": np.int32}, TypeError)])
def test_bad_construction(kwargs, error):
    with pytest.raises(error):
        BatchNorm(**kwargs)


def test_batchnorm_in_a_model_trains_saves_and_loads(tmp_path):
    X, y = nn.spiral_data(50, 3, seed=0)
    rng = np.random.default_rng(0)
    model = Model([Dense(2, 16, rng=rng), BatchNorm(16), nn.ReLU(), Dense(16, 16, rng=rng), BatchNorm(16),
                   nn.ReLU(), Dense(16, 3, rng=rng)], loss=nn.SoftmaxCrossentropy(), optimizer=nn.Adam(0.02))
    history = model.fit(X, y, epochs=100, batch_size=50, seed=0, progress=False)
    assert history["loss"][-1] < 0.7 * history["loss"][0]
    assert "BatchNorm(16)" in model.summary() and model.count_params() == 2 * 16 + 2 * 16 + 48 + 272 + 51
    assert not np.allclose(model.layers[1].buffers["running_mean"], 0)
    path = model.save(tmp_path / "bn")
    with np.load(path) as f:
        assert {"layer1.gamma", "layer1.beta", "layer1.running_mean", "layer1.running_var"} <= set(f.files)
    loaded = Model.load(path)
    assert loaded.architecture()["layers"][1] == {"type": "BatchNorm", "n_features": 16, "momentum": 0.9,
                                                  "epsilon": 1e-5}
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    fresh = Model([Dense(2, 16, rng=1), BatchNorm(16), nn.ReLU(), Dense(16, 16, rng=1), BatchNorm(16),
                   nn.ReLU(), Dense(16, 3, rng=1)])
    fresh.load_params(path)
    np.testing.assert_array_equal(fresh.layers[4].buffers["running_var"], model.layers[4].buffers["running_var"])
    np.testing.assert_array_equal(fresh.predict(X), model.predict(X))
