"""The image layers of chapter 22: values against hand-computed results and plain loops, every
error path, and their use through ``Model`` (fit, predict, save and load).

Their gradients are checked against numerical ones in ``test_gradcheck.py``.
"""

import numpy as np
import pytest

import nnscratch as nn
from nnscratch import Conv2D, Flatten, MaxPool2D, Reshape


def conv_loops(x, W, b, stride=1, padding=0):
    """The definition, with plain loops: Y[n,f,i,j] = b[f] + sum W[f,c,u,v] X[n,c,si+u,sj+v]."""
    x = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    n, c, h, w = x.shape
    f, _, kh, kw = W.shape
    oh, ow = (h - kh) // stride + 1, (w - kw) // stride + 1
    y = np.zeros((n, f, oh, ow))
    for i in range(oh):
        for j in range(ow):
            window = x[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw]
            y[:, :, i, j] = np.tensordot(window, W, axes=([1, 2, 3], [1, 2, 3])) + b.ravel()
    return y


def pool_loops(x, k, s):
    n, c, h, w = x.shape
    oh, ow = (h - k) // s + 1, (w - k) // s + 1
    y = np.zeros((n, c, oh, ow))
    for i in range(oh):
        for j in range(ow):
            y[:, :, i, j] = x[:, :, i * s:i * s + k, j * s:j * s + k].max(axis=(2, 3))
    return y


def make_conv(W, b=None, **kwargs):
    W = np.asarray(W, dtype=np.float64)
    layer = Conv2D(W.shape[1], W.shape[0], W.shape[2:], **kwargs)
    layer.params["W"][...] = W
    if b is not None:
        layer.params["b"][...] = np.reshape(b, (1, -1))
    return layer


# ----------------------------------------------------------------------------- Conv2D values


def test_conv_hand_computed():
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    layer = make_conv([[[[1, 0], [0, -1]]]], [0.5])
    # every window: x[i, j] - x[i+1, j+1] = -5, plus the bias
    np.testing.assert_array_equal(layer.forward(x), np.full((1, 1, 3, 3), -4.5))
    strided = make_conv([[[[1, 0], [0, -1]]]], stride=2)
    np.testing.assert_array_equal(strided.forward(x), np.full((1, 1, 2, 2), -5.0))


def test_conv_padding_counts_the_pixels_inside():
    layer = make_conv(np.ones((1, 1, 3, 3)), padding=1)
    out = layer.forward(np.ones((1, 1, 3, 3)))
    np.testing.assert_array_equal(out[0, 0], [[4, 6, 4], [6, 9, 6], [4, 6, 4]])


def test_conv_is_a_cross_correlation_not_a_flipped_convolution():
    x = np.zeros((1, 1, 3, 3))
    x[0, 0, 0, 0] = 1.0
    W = np.arange(1.0, 10.0).reshape(1, 1, 3, 3)
    # the only window holds x at its top-left corner, so the output is W[0, 0, 0, 0], not W[..., 2, 2]
    np.testing.assert_array_equal(make_conv(W).forward(x), [[[[1.0]]]])


@pytest.mark.parametrize("stride,padding,kernel", [(1, 0, 3), (2, 1, 3), (1, 2, (2, 3)), (3, 0, 2)])
def test_conv_matches_plain_loops(stride, padding, kernel):
    rng = np.random.default_rng(1)
    layer = Conv2D(3, 4, kernel, stride=stride, padding=padding, rng=rng)
    layer.params["b"][...] = rng.standard_normal((1, 4))
    x = rng.standard_normal((2, 3, 7, 8))
    out = layer.forward(x)
    np.testing.assert_allclose(out, conv_loops(x, layer.params["W"], layer.params["b"], stride,
                                               padding), rtol=1e-12, atol=1e-12)
    assert out.shape == (2, 4, *layer.output_shape(7, 8))


def test_conv_backward_hand_computed():
    layer = make_conv([[[[1.0, 2.0], [3.0, 4.0]]]])
    x = np.arange(9.0).reshape(1, 1, 3, 3)
    layer.forward(x)
    G = np.zeros((1, 1, 2, 2))
    G[0, 0, 1, 1] = 1.0  # only the bottom-right window counts: x[1:3, 1:3] = [[4, 5], [7, 8]]
    dx = layer.backward(G)
    np.testing.assert_array_equal(layer.grads["W"][0, 0], [[4, 5], [7, 8]])
    np.testing.assert_array_equal(layer.grads["b"], [[1.0]])
    np.testing.assert_array_equal(dx[0, 0], [[0, 0, 0], [0, 1, 2], [0, 3, 4]])
    assert layer.grads["b"].shape == (1, 1) and layer.grads["W"].shape == (1, 1, 2, 2)


def test_conv_init_dtype_seed_and_repr():
    layer = Conv2D(3, 8, 5, rng=0, dtype=np.float32)
    assert layer.params["W"].shape == (8, 3, 5, 5) and layer.params["b"].shape == (1, 8)
    assert layer.params["W"].dtype == np.float32
    np.testing.assert_array_equal(layer.params["W"], Conv2D(3, 8, 5, rng=0, dtype=np.float32).params["W"])
    big = Conv2D(16, 32, 3, rng=0).params["W"]
    assert big.std() == pytest.approx(np.sqrt(2 / (16 * 9)), rel=0.05)
    out = layer.forward(np.ones((2, 3, 6, 6), dtype=np.float32))
    assert out.dtype == np.float32 and out.flags.c_contiguous
    assert repr(layer) == "Conv2D(3, 8, 5)"
    assert repr(Conv2D(1, 2, (3, 1), stride=2, padding=1)) == "Conv2D(1, 2, (3, 1), stride=2, padding=1)"
    assert Conv2D(1, 1, 3, weight_scale=0.0).params["W"].sum() == 0


# ----------------------------------------------------------------------------- MaxPool2D, Reshape, Flatten


def test_maxpool_hand_computed():
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    layer = MaxPool2D(2)
    np.testing.assert_array_equal(layer.forward(x), [[[[5, 7], [13, 15]]]])
    dx = layer.backward(np.array([[[[1.0, 2.0], [3.0, 4.0]]]]))
    want = np.zeros((4, 4))
    want[1, 1], want[1, 3], want[3, 1], want[3, 3] = 1, 2, 3, 4
    np.testing.assert_array_equal(dx[0, 0], want)


def test_maxpool_ties_go_to_the_first_maximum():
    layer = MaxPool2D(2)
    layer.forward(np.ones((1, 1, 2, 2)))
    np.testing.assert_array_equal(layer.backward(np.ones((1, 1, 1, 1)))[0, 0], [[1, 0], [0, 0]])


@pytest.mark.parametrize("k,s", [(2, None), (3, 2), (2, 1), (3, 3)])
def test_maxpool_matches_plain_loops(k, s):
    x = np.random.default_rng(2).standard_normal((2, 3, 7, 6))
    layer = MaxPool2D(k, stride=s)
    np.testing.assert_array_equal(layer.forward(x), pool_loops(x, k, s or k))
    assert repr(layer) == (f"MaxPool2D({k})" if s in (None, k) else f"MaxPool2D({k}, stride={s})")


def test_maxpool_keeps_float32():
    out = MaxPool2D(2).forward(np.ones((1, 2, 4, 4), dtype=np.float32))
    assert out.dtype == np.float32 and out.shape == (1, 2, 2, 2)


def test_reshape_and_flatten_round_trip():
    x = np.arange(24.0).reshape(2, 12)
    r = Reshape((3, 2, 2))
    images = r.forward(x)
    assert images.shape == (2, 3, 2, 2) and repr(r) == "Reshape((3, 2, 2))"
    f = Flatten()
    np.testing.assert_array_equal(f.forward(images), x)
    np.testing.assert_array_equal(f.backward(x + 1), images + 1)
    np.testing.assert_array_equal(r.backward(images + 1), x + 1)
    assert Reshape([1, 28, 28]).shape == (1, 28, 28)


def test_relu_and_dropout_take_images():
    x = np.random.default_rng(0).standard_normal((2, 3, 4, 4))
    np.testing.assert_array_equal(nn.ReLU().forward(x), np.maximum(x, 0))
    np.testing.assert_array_equal(nn.Dropout(0.5).eval().forward(x), x)
    with pytest.raises(ValueError, match="2-D array"):
        nn.Softmax().forward(x)
    with pytest.raises(ValueError, match="4-D array"):
        nn.ReLU().forward(np.zeros((2, 3, 4)))


# ----------------------------------------------------------------------------- errors


@pytest.mark.parametrize("args,kwargs,error,match", [
    ((0, 4, 3), {}, ValueError, "in_channels must be at least 1"),
    ((1, 4.5, 3), {}, TypeError, "out_channels must be a whole number"),
    ((1, 4, 0), {}, ValueError, "kernel_size must be at least 1"),
    ((1, 4, (3, 3, 3)), {}, ValueError, "kernel_size must be one whole number or two"),
    ((1, 4, "3"), {}, TypeError, "kernel_size must be a number"),
    ((1, 4, 3), {"stride": 0}, ValueError, "stride must be at least 1"),
    ((1, 4, 3), {"stride": 1.5}, TypeError, "stride must be a whole number"),
    ((1, 4, 3), {"padding": -1}, ValueError, "padding must be zero or positive"),
    ((1, 4, 3), {"padding": 0.5}, TypeError, "padding must be a whole number"),
    ((1, 4, 3), {"weight_scale": "glorot"}, ValueError, "weight_scale must be a number or 'he'"),
    ((1, 4, 3), {"weight_scale": -1.0}, ValueError, "weight_scale must be zero or positive"),
    ((1, 4, 3), {"dtype": np.int32}, TypeError, "floating-point"),
])
def test_conv_constructor_errors(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        Conv2D(*args, **kwargs)


def test_conv_wrong_number_of_dimensions_suggests_reshape():
    with pytest.raises(ValueError, match=r"4-D array.*got shape \(5, 784\).*Reshape\(\(1, 28, 28\)\)"):
        Conv2D(1, 4, 3).forward(np.zeros((5, 784)))
    with pytest.raises(TypeError, match="numbers"):
        Conv2D(1, 4, 3).forward(np.array([[[["a"]]]]))


def test_conv_wrong_channels_names_both_numbers():
    with pytest.raises(ValueError, match=r"Conv2D\(3, 4, 3\) expects 3 input channel\(s\), got 1"):
        Conv2D(3, 4, 3).forward(np.zeros((2, 1, 8, 8)))


def test_conv_kernel_larger_than_padded_input():
    with pytest.raises(ValueError, match=r"kernel 5x5 is larger than the padded input 4x4"):
        Conv2D(1, 1, 5).forward(np.zeros((1, 1, 4, 4)))
    assert Conv2D(1, 1, 5, padding=1).forward(np.zeros((1, 1, 4, 4))).shape == (1, 1, 2, 2)


def test_maxpool_errors():
    with pytest.raises(ValueError, match="pool_size must be at least 1"):
        MaxPool2D(0)
    with pytest.raises(TypeError, match="stride must be a whole number"):
        MaxPool2D(2, stride=2.0)
    with pytest.raises(ValueError, match=r"window 3x3 is larger than the input 2x2"):
        MaxPool2D(3).forward(np.zeros((1, 1, 2, 2)))
    with pytest.raises(ValueError, match="4-D array"):
        MaxPool2D(2).forward(np.zeros((4, 16)))


def test_reshape_and_flatten_errors():
    with pytest.raises(ValueError, match=r"Reshape\(\(1, 28, 28\)\) needs 784 values per sample, got shape \(5, 700\)"):
        Reshape((1, 28, 28)).forward(np.zeros((5, 700)))
    with pytest.raises(TypeError, match="tuple of sizes"):
        Reshape(784)
    with pytest.raises(ValueError, match="at least 1"):
        Reshape((0, 28))
    with pytest.raises(ValueError, match="batch"):
        Flatten().forward(np.zeros(3))


@pytest.mark.parametrize("make,shape", [(lambda: Conv2D(1, 2, 3), (1, 1, 5, 5)),
                                         (lambda: MaxPool2D(2), (1, 1, 4, 4)),
                                         (Flatten, (1, 1, 4, 4)), (lambda: Reshape((1, 2, 2)), (1, 4))])
def test_backward_before_forward_and_wrong_gradient_shape(make, shape):
    layer = make()
    with pytest.raises(RuntimeError, match="before forward"):
        layer.backward(np.ones(shape))
    out = layer.forward(np.ones(shape))
    with pytest.raises(ValueError, match="gradient of the output's shape"):
        layer.backward(np.ones(out.shape + (1,)))


# ----------------------------------------------------------------------------- through Model


def small_cnn(seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    layers = [Reshape((1, 8, 8)), Conv2D(1, 4, 3, padding=1, rng=rng, dtype=dtype), nn.ReLU(),
              MaxPool2D(2), Conv2D(4, 6, 3, stride=2, rng=rng, dtype=dtype), nn.ReLU(), Flatten(),
              nn.Dense(6, 3, weight_scale="he", rng=rng, dtype=dtype), nn.Softmax()]
    return nn.Model(layers, loss=nn.CategoricalCrossentropy(), optimizer=nn.Adam(learning_rate=0.01))


def stripes(n, seed=0):
    """Images of 8x8 with a horizontal (0), vertical (1) or no (2) bright stripe, anywhere."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    X = 0.1 * rng.standard_normal((n, 8, 8))
    pos = rng.integers(0, 8, n)
    X[(y == 0), pos[y == 0], :] += 1.0
    X[(y == 1), :, pos[y == 1]] += 1.0
    return X.reshape(n, 64), y


def test_model_learns_stripes_and_saves_and_loads(tmp_path):
    X, y = stripes(300)
    model = small_cnn()
    history = model.fit(X, y, epochs=15, batch_size=32, seed=0, progress=False)
    assert history["accuracy"][-1] > 0.9
    X_test, y_test = stripes(200, seed=1)
    assert model.evaluate(X_test, y_test)["accuracy"] > 0.9
    path = model.save(tmp_path / "cnn")
    loaded = nn.Model.load(path)
    assert [repr(layer) for layer in loaded.layers] == [repr(layer) for layer in model.layers]
    np.testing.assert_array_equal(loaded.predict(X_test), model.predict(X_test))
    again = small_cnn(seed=5)
    again.load_params(path)
    np.testing.assert_allclose(again.predict(X_test, batch_size=7), model.predict(X_test), rtol=1e-12)


def test_model_load_keeps_float32_and_stride(tmp_path):
    model = small_cnn(dtype=np.float32)
    path = model.save(tmp_path / "cnn32.npz")
    loaded = nn.Model.load(path)
    conv = loaded.layers[4]
    assert isinstance(conv, Conv2D) and conv.stride == 2 and conv.params["W"].dtype == np.float32
    assert loaded.layers[1].padding == 1 and loaded.layers[0].shape == (1, 8, 8)
    assert loaded.layers[3].pool_size == 2 and loaded.layers[3].stride == 2
    assert "Conv2D(1, 4, 3, padding=1)" in loaded.summary()
