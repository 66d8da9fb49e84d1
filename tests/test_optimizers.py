"""Optimisers: two steps of each against its formula on a hand-computed case, decay, dtypes, errors.

The case: one parameter vector theta = [1, -2], first gradient g1 = [0.5, -1], second g2 = [0.25, 2].
"""

import numpy as np
import pytest

from nnscratch import SGD, Adagrad, Adam, Dense, Layer, ReLU, RMSprop

THETA = np.array([1.0, -2.0])
G1 = np.array([0.5, -1.0])
G2 = np.array([0.25, 2.0])


class Param(Layer):
    """A 'layer' that is just one parameter vector, with its gradient set by hand."""

    def __init__(self, value, dtype=np.float64):
        super().__init__()
        self.params["w"] = np.array(value, dtype=dtype)

    def set_grad(self, grad):
        self.grads["w"] = np.array(grad)
        return self


def two_steps(optimizer, dtype=np.float64):
    """theta after one step with G1 and after a second with G2."""
    layer = Param(THETA, dtype)
    optimizer.step([layer.set_grad(G1)])
    first = layer.params["w"].copy()
    optimizer.step([layer.set_grad(G2)])
    return first, layer.params["w"].copy()


def test_sgd_plain():
    first, second = two_steps(SGD(learning_rate=0.1))
    np.testing.assert_allclose(first, [0.95, -1.9])  # theta - 0.1 g1
    np.testing.assert_allclose(second, [0.925, -2.1])  # - 0.1 g2


def test_sgd_with_decay():
    opt = SGD(learning_rate=1.0, decay=0.5)
    layer = Param(THETA)
    opt.step([layer.set_grad(G1)])  # eta_0 = 1
    assert opt.current_learning_rate == 1.0
    np.testing.assert_allclose(layer.params["w"], [0.5, -1.0])
    opt.step([layer.set_grad(G2)])  # eta_1 = 1 / (1 + 0.5) = 2/3
    assert opt.current_learning_rate == pytest.approx(2 / 3)
    np.testing.assert_allclose(layer.params["w"], [1 / 3, -7 / 3])


def test_sgd_with_momentum():
    first, second = two_steps(SGD(learning_rate=0.1, momentum=0.9))
    # v1 = -0.1 g1 = [-0.05, 0.1];  v2 = 0.9 v1 - 0.1 g2 = [-0.07, -0.11]
    np.testing.assert_allclose(first, [0.95, -1.9])
    np.testing.assert_allclose(second, [0.88, -2.01])


def test_adagrad():
    eps = 1e-7
    first, second = two_steps(Adagrad(learning_rate=0.1, epsilon=eps))
    c1 = G1**2
    t1 = THETA - 0.1 * G1 / (np.sqrt(c1) + eps)
    c2 = c1 + G2**2
    t2 = t1 - 0.1 * G2 / (np.sqrt(c2) + eps)
    np.testing.assert_allclose(first, t1, rtol=1e-12)
    np.testing.assert_allclose(second, t2, rtol=1e-12)
    np.testing.assert_allclose(second, [0.85527867, -1.98944273], rtol=1e-8)  # by hand: 0.9 - 0.025/sqrt(0.3125)


def test_rmsprop():
    eps, rho = 1e-7, 0.9
    first, second = two_steps(RMSprop(learning_rate=0.1, epsilon=eps, rho=rho))
    c1 = (1 - rho) * G1**2
    t1 = THETA - 0.1 * G1 / (np.sqrt(c1) + eps)
    c2 = rho * c1 + (1 - rho) * G2**2
    t2 = t1 - 0.1 * G2 / (np.sqrt(c2) + eps)
    np.testing.assert_allclose(first, t1, rtol=1e-12)
    np.testing.assert_allclose(second, t2, rtol=1e-12)
    np.testing.assert_allclose(first, [0.68377243, -1.68377233], rtol=1e-8)  # 1 - 0.1 * 0.5 / sqrt(0.025)
    np.testing.assert_allclose(second, [0.53633056, -1.96948658], rtol=1e-8)


def test_adam_with_bias_correction():
    eps, b1, b2 = 1e-7, 0.9, 0.999
    first, second = two_steps(Adam(learning_rate=0.1, epsilon=eps, beta_1=b1, beta_2=b2))
    # step 1: m_hat = g1 and v_hat = g1^2 exactly, so the step is 0.1 * sign(g1)
    np.testing.assert_allclose(first, THETA - 0.1 * np.sign(G1), rtol=1e-6)
    m = (1 - b1) * G1
    v = (1 - b2) * G1**2
    t1 = THETA - 0.1 * (m / (1 - b1)) / (np.sqrt(v / (1 - b2)) + eps)
    m = b1 * m + (1 - b1) * G2
    v = b2 * v + (1 - b2) * G2**2
    t2 = t1 - 0.1 * (m / (1 - b1**2)) / (np.sqrt(v / (1 - b2**2)) + eps)
    np.testing.assert_allclose(first, t1, rtol=1e-12)
    np.testing.assert_allclose(second, t2, rtol=1e-12)
    np.testing.assert_allclose(second, [0.80678208, -1.93661036], rtol=1e-8)


def test_adam_without_bias_correction_would_differ():
    """Guard: the bias correction matters on the first step (0.1 * 0.1 / sqrt(0.001) = 0.316 per unit sign)."""
    first, _ = two_steps(Adam(learning_rate=0.1))
    uncorrected = THETA - 0.1 * (0.1 * G1) / np.sqrt(0.001 * G1**2)
    assert not np.allclose(first, uncorrected, rtol=1e-3)


@pytest.mark.parametrize("cls", [SGD, Adagrad, RMSprop, Adam])
def test_current_learning_rate_follows_decay(cls):
    opt = cls(learning_rate=0.5, decay=0.1)
    layer = Param(THETA)
    for t in range(6):
        opt.step([layer.set_grad(G1)])
        assert opt.current_learning_rate == pytest.approx(0.5 / (1 + 0.1 * t))
        assert opt.iterations == t + 1


@pytest.mark.parametrize("make", [lambda: SGD(0.1), lambda: SGD(0.1, momentum=0.9), lambda: Adagrad(0.1),
                                  lambda: RMSprop(0.1), lambda: Adam(0.1)],
                         ids=["SGD", "SGD-momentum", "Adagrad", "RMSprop", "Adam"])
@pytest.mark.parametrize("grad_dtype", [np.float32, np.float64])
def test_float32_params_stay_float32(make, grad_dtype):
    opt = make()
    layer = Param(THETA, np.float32)
    reference = Param(THETA, np.float64)
    ref_opt = make()
    for g in (G1, G2):
        layer.grads["w"] = g.astype(grad_dtype)
        opt.step([layer])
        ref_opt.step([reference.set_grad(g)])
        assert layer.params["w"].dtype == np.float32
    np.testing.assert_allclose(layer.params["w"], reference.params["w"], rtol=1e-5)


def test_step_updates_params_in_place_and_skips_layers_without_params():
    dense = Dense(2, 2, rng=0)
    W = dense.params["W"]
    dense.forward(np.ones((3, 2)))
    dense.backward(np.ones((3, 2)))
    before = W.copy()
    SGD(0.1).step([dense, ReLU()])
    assert dense.params["W"] is W
    np.testing.assert_allclose(W, before - 0.1 * 3.0)  # dW = X^T G = 3 everywhere


def test_state_is_kept_per_layer():
    opt = SGD(0.1, momentum=0.9)
    a, b = Param(THETA), Param(THETA)
    opt.step([a.set_grad(G1), b.set_grad(-G1)])
    opt.step([a.set_grad(G2), b.set_grad(-G2)])
    np.testing.assert_allclose(a.params["w"], [0.88, -2.01])
    np.testing.assert_allclose(b.params["w"], 2 * THETA - a.params["w"])


# ----------------------------------------------------------------------------- errors


@pytest.mark.parametrize("cls", [SGD, Adagrad, RMSprop, Adam])
@pytest.mark.parametrize("lr", [0.0, -0.1, float("nan"), float("inf")])
def test_learning_rate_must_be_positive(cls, lr):
    with pytest.raises(ValueError, match=rf"{cls.__name__}: learning_rate must be a positive finite number"):
        cls(learning_rate=lr)


@pytest.mark.parametrize("cls", [SGD, Adagrad, RMSprop, Adam])
def test_decay_must_be_non_negative(cls):
    with pytest.raises(ValueError, match="decay must be zero or positive"):
        cls(learning_rate=0.1, decay=-0.01)


@pytest.mark.parametrize("momentum", [-0.1, 1.0, 1.5, float("nan")])
def test_momentum_out_of_range(momentum):
    with pytest.raises(ValueError, match=r"momentum must be in \[0, 1\)"):
        SGD(0.1, momentum=momentum)


@pytest.mark.parametrize("kwargs, name", [({"beta_1": 1.0}, "beta_1"), ({"beta_1": -0.5}, "beta_1"),
                                          ({"beta_2": 1.0}, "beta_2"), ({"beta_2": 2.0}, "beta_2")])
def test_adam_betas_out_of_range(kwargs, name):
    with pytest.raises(ValueError, match=rf"Adam: {name} must be in \[0, 1\)"):
        Adam(0.1, **kwargs)


@pytest.mark.parametrize("rho", [-0.1, 1.0])
def test_rmsprop_rho_out_of_range(rho):
    with pytest.raises(ValueError, match=r"rho must be in \[0, 1\)"):
        RMSprop(0.1, rho=rho)


@pytest.mark.parametrize("cls", [Adagrad, RMSprop, Adam])
def test_epsilon_must_be_positive(cls):
    with pytest.raises(ValueError, match="epsilon must be a positive"):
        cls(0.1, epsilon=0.0)


def test_step_before_backward():
    with pytest.raises(RuntimeError, match=r"Dense\(2, 2\) has no gradient for 'W'.*call backward"):
        SGD(0.1).step([Dense(2, 2)])


def test_step_with_gradient_of_wrong_shape():
    layer = Param(THETA)
    layer.grads["w"] = np.ones(3)
    with pytest.raises(ValueError, match=r"gradient of 'w' has shape \(3,\), parameter has \(2,\)"):
        Adam(0.1).step([layer])


def test_repr_shows_hyperparameters():
    assert repr(SGD(0.5, decay=0.1, momentum=0.9)) == "SGD(learning_rate=0.5, decay=0.1, momentum=0.9)"
    assert repr(Adam(0.01)) == "Adam(learning_rate=0.01, decay=0.0)"
