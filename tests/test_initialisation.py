"""Chapter 20's additions: ``init_scale`` and the named schemes of ``Dense``, and the ``Tanh`` layer
(values, gradients against numerical ones in float64, errors, ``Model`` and ``save``/``load``)."""

import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import nnscratch as nn
from nnscratch import Dense, Model, Tanh, init_scale

sizes = st.integers(min_value=1, max_value=5)
seeds = st.integers(min_value=0, max_value=2**32 - 1)


# ----------------------------------------------------------------------------- init_scale


def test_init_scale_hand_computed():
    assert init_scale("lecun", 16, 4) == pytest.approx(0.25)
    assert init_scale("he", 8, 3) == pytest.approx(0.5)
    assert init_scale("glorot", 30, 20) == pytest.approx(0.2)
    assert init_scale(0.01, 5, 5) == 0.01
    assert init_scale(0, 5, 5) == 0.0
    assert isinstance(init_scale("he", 8, 3), float)


@pytest.mark.parametrize("scheme", ["glorot", "he", "lecun", 0.3])
def test_dense_draws_scale_times_standard_normal(scheme):
    layer = Dense(6, 4, weight_scale=scheme, rng=3)
    want = init_scale(scheme, 6, 4) * np.random.default_rng(3).standard_normal((6, 4))
    np.testing.assert_array_equal(layer.params["W"], want)
    np.testing.assert_array_equal(layer.params["b"], 0)


@pytest.mark.parametrize("scheme, std", [("lecun", np.sqrt(1 / 400)), ("he", np.sqrt(2 / 400)),
                                         ("glorot", np.sqrt(2 / 700))])
def test_dense_scheme_standard_deviation(scheme, std):
    W = Dense(400, 300, weight_scale=scheme, rng=0).params["W"]
    assert W.std() == pytest.approx(std, rel=0.01)
    assert abs(W.mean()) < 0.1 * std


def test_he_keeps_the_spread_through_deep_relu_layers():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((500, 200))
    for _ in range(20):
        x = np.maximum(Dense(200, 200, weight_scale="he", rng=rng).forward(x), 0)
    assert 0.5 < np.sqrt((x**2).mean()) < 2  # 0.01 gives ~1e-23 here, 1.0 gives ~1e+22


def test_unknown_scheme_names_the_known_ones():
    with pytest.raises(ValueError, match=re.escape(
            "one of ['glorot', 'he', 'lecun', 'xavier'], got 'kaiming'")):
        Dense(3, 2, weight_scale="kaiming")
    with pytest.raises(ValueError, match="the names are lower case"):
        init_scale("Glorot", 3, 2)


def test_xavier_is_glorot():
    assert init_scale("xavier", 30, 20) == init_scale("glorot", 30, 20)
    np.testing.assert_array_equal(Dense(5, 4, weight_scale="xavier", rng=1).params["W"],
                                  Dense(5, 4, weight_scale="glorot", rng=1).params["W"])


@pytest.mark.parametrize("args, error", [((-0.5, 3, 2), ValueError), ((None, 3, 2), TypeError),
                                         (("he", 0, 2), ValueError), (("he", 3, 2.5), TypeError)])
def test_init_scale_bad_arguments(args, error):
    with pytest.raises(error, match=r"weight_scale|n_inputs|n_neurons"):
        init_scale(*args)


# ----------------------------------------------------------------------------- Tanh


def test_tanh_hand_computed():
    t = Tanh()
    x = np.array([[0.0, 1.0, -2.0]])
    np.testing.assert_allclose(t.forward(x), [[0.0, 0.7615941559557649, -0.9640275800758169]])
    g = np.array([[1.0, 2.0, -1.0]])
    # 1 - tanh^2: 1 at 0, 0.41997 at 1, 0.07065 at -2
    np.testing.assert_allclose(t.backward(g), [[1.0, 2 * 0.41997434161402614, -0.07065082485316443]])
    assert repr(t) == "Tanh()" and t.params == {} and t.grads == {}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_tanh_saturates_without_overflow_and_keeps_dtype(dtype):
    t = Tanh()
    x = np.array([[-1000.0, 1000.0]], dtype=dtype)
    out = t.forward(x)
    assert out.dtype == dtype
    np.testing.assert_array_equal(out, [[-1.0, 1.0]])
    back = t.backward(np.ones_like(x))
    assert back.dtype == dtype
    np.testing.assert_array_equal(back, 0)


def test_tanh_does_not_change_the_gradient_it_is_given():
    t = Tanh()
    t.forward(np.array([[0.5, -0.5]]))
    g = np.array([[1.0, 1.0]])
    t.backward(g)
    np.testing.assert_array_equal(g, [[1.0, 1.0]])


@given(batch=sizes, n=sizes, seed=seeds)
def test_tanh_gradient(batch, n, seed):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-3, 3, (batch, n))
    errors = nn.gradcheck(Tanh(), x, rng=rng)
    assert set(errors) == {"x"} and errors["x"] < 1e-6, errors


def test_tanh_errors():
    t = Tanh()
    with pytest.raises(RuntimeError, match="backward was called before forward"):
        t.backward(np.ones((2, 3)))
    with pytest.raises(ValueError, match="2-D array"):
        t.forward(np.ones(3))
    with pytest.raises(TypeError, match="expects numbers"):
        t.forward(np.array([["a", "b"]]))
    t.forward(np.ones((2, 3)))
    with pytest.raises(ValueError, match=re.escape("shape (2, 3), got (3, 2)")):
        t.backward(np.ones((3, 2)))


# ----------------------------------------------------------------------------- Model, save, load


@pytest.fixture
def tanh_model():
    rng = np.random.default_rng(0)
    return Model([Dense(2, 16, weight_scale="glorot", rng=rng), Tanh(),
                  Dense(16, 16, weight_scale="glorot", rng=rng), Tanh(),
                  Dense(16, 3, weight_scale="glorot", rng=rng)],
                 loss=nn.SoftmaxCrossentropy(), optimizer=nn.Adam(0.02))


def test_tanh_network_trains_in_a_model(tanh_model):
    X, y = nn.spiral_data(50, 3, seed=0)
    history = tanh_model.fit(X, y, epochs=300, batch_size=50, seed=0, progress=False)
    assert history["loss"][-1] < 0.7 * history["loss"][0]
    assert tanh_model.evaluate(X, y)["accuracy"] > 0.6
    assert tanh_model.predict(X).shape == (150, 3)
    lines = tanh_model.summary().splitlines()
    assert any("Tanh()" in line and "(batch, 16)" in line for line in lines)


def test_tanh_model_save_and_load(tmp_path, tanh_model):
    X, _ = nn.spiral_data(20, 3, seed=1)
    path = tanh_model.save(tmp_path / "tanh")
    assert tanh_model.architecture()["layers"][1] == {"type": "Tanh"}
    loaded = Model.load(path)
    assert [repr(layer) for layer in loaded.layers] == [repr(layer) for layer in tanh_model.layers]
    np.testing.assert_array_equal(loaded.predict(X), tanh_model.predict(X))


# ----------------------------------------------------------------------------- clipping by norm


def layers_with_grads(dtype=np.float64):
    """Two layers whose gradients are set by hand: norm sqrt(9 + 16 + 144) = 13."""
    a, b = Dense(1, 2, rng=0, dtype=dtype), Dense(1, 1, rng=0, dtype=dtype)
    a.grads = {"W": np.array([[3.0, 4.0]], dtype=dtype), "b": np.zeros((1, 2), dtype=dtype)}
    b.grads = {"W": np.array([[12.0]], dtype=dtype), "b": np.zeros((1, 1), dtype=dtype)}
    return [a, nn.ReLU(), b]


def test_grad_norm_hand_computed():
    assert nn.grad_norm(layers_with_grads()) == pytest.approx(13.0)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_clip_grad_norm_scales_to_the_limit_and_keeps_the_direction(dtype):
    layers = layers_with_grads(dtype)
    assert nn.clip_grad_norm(layers, 6.5) == pytest.approx(13.0)
    np.testing.assert_allclose(layers[0].grads["W"], [[1.5, 2.0]], rtol=1e-6)
    np.testing.assert_allclose(layers[2].grads["W"], [[6.0]], rtol=1e-6)
    assert layers[0].grads["W"].dtype == dtype
    assert nn.grad_norm(layers) == pytest.approx(6.5, rel=1e-6)


def test_clip_grad_norm_leaves_small_gradients_alone():
    layers = layers_with_grads()
    before = layers[0].grads["W"]
    assert nn.clip_grad_norm(layers, 13.0) == pytest.approx(13.0)
    assert layers[0].grads["W"] is before
    np.testing.assert_array_equal(before, [[3.0, 4.0]])


def test_clipped_training_step():
    """Clipping between backward and step: the update is the clipped gradient times the rate."""
    rng = np.random.default_rng(0)
    layers = [Dense(2, 4, weight_scale=3.0, rng=rng), nn.ReLU(), Dense(4, 3, weight_scale=3.0, rng=rng)]
    X, y = nn.spiral_data(10, 3, seed=0)
    loss = nn.SoftmaxCrossentropy()
    W = layers[0].params["W"].copy()
    loss.forward(nn.forward(layers, X), y)
    nn.backward(layers, loss.backward())
    norm = nn.clip_grad_norm(layers, 0.01)
    assert norm > 0.01
    grad = layers[0].grads["W"].copy()
    nn.SGD(0.5).step(layers)
    np.testing.assert_allclose(layers[0].params["W"], W - 0.5 * grad)
    assert nn.grad_norm(layers) == pytest.approx(0.01)


@pytest.mark.parametrize("max_norm, error", [(0, ValueError), (-1.0, ValueError),
                                             (float("inf"), ValueError), ("1", TypeError)])
def test_clip_grad_norm_bad_limit(max_norm, error):
    with pytest.raises(error, match="max_norm"):
        nn.clip_grad_norm(layers_with_grads(), max_norm)
