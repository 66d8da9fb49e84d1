"""Learning-rate schedules and AdamW: hand-computed sequences, how a schedule combines with decay,
the same steps through train_step and Model.fit, errors."""

import math

import numpy as np
import pytest

import nnscratch as nn
from nnscratch import SGD, Adam, AdamW, CosineDecay, Layer, LinearWarmup, StepDecay

THETA = np.array([1.0, -2.0])
G1 = np.array([0.5, -1.0])
G2 = np.array([0.25, 2.0])


class Param(Layer):
    """A 'layer' that is one parameter vector whose gradient is set by hand."""

    def __init__(self, value):
        super().__init__()
        self.params["w"] = np.array(value, dtype=float)

    def set_grad(self, grad):
        self.grads["w"] = np.array(grad, dtype=float)
        return self


def rates(optimizer, n):
    """The step sizes of the first n steps."""
    layer, out = Param(THETA), []
    for _ in range(n):
        optimizer.step([layer.set_grad(G1)])
        out.append(optimizer.current_learning_rate)
    return out


# ---- schedules, step by step ------------------------------------------------------------------

def test_step_decay_halves_every_two_steps():
    assert [StepDecay(2)(t) for t in range(6)] == [1, 1, 0.5, 0.5, 0.25, 0.25]
    assert [StepDecay(3, factor=0.1)(t) for t in (0, 2, 3, 6)] == pytest.approx([1, 1, 0.1, 0.01])


def test_cosine_decay_by_hand():
    s = CosineDecay(4)
    # 0.5 (1 + cos(pi t / 4)) for t = 0..4: 1, (2 + sqrt 2)/4, 1/2, (2 - sqrt 2)/4, 0; then 0
    want = [1, (2 + math.sqrt(2)) / 4, 0.5, (2 - math.sqrt(2)) / 4, 0, 0]
    assert [s(t) for t in range(6)] == pytest.approx(want, abs=1e-15)
    floor = CosineDecay(4, min_factor=0.2)
    assert [floor(t) for t in (0, 2, 4, 9)] == pytest.approx([1, 0.6, 0.2, 0.2])


def test_linear_warmup_alone_and_followed_by_a_schedule():
    assert [LinearWarmup(4)(t) for t in range(6)] == [0.25, 0.5, 0.75, 1, 1, 1]
    s = LinearWarmup(2, then=StepDecay(1, factor=0.5))
    assert [s(t) for t in range(5)] == [0.5, 1, 1, 0.5, 0.25]  # the decay starts at its step 0


# ---- schedules in the optimiser ---------------------------------------------------------------

def test_sgd_with_a_schedule_takes_the_hand_computed_steps():
    opt = SGD(learning_rate=0.1, schedule=LinearWarmup(2))
    layer = Param(THETA)
    opt.step([layer.set_grad(G1)])  # eta_0 = 0.1 * 1/2
    np.testing.assert_allclose(layer.params["w"], [0.975, -1.95])
    opt.step([layer.set_grad(G2)])  # eta_1 = 0.1
    np.testing.assert_allclose(layer.params["w"], [0.95, -2.15])


def test_schedule_multiplies_decay():
    got = rates(SGD(learning_rate=1.0, decay=1.0, schedule=StepDecay(2)), 4)
    assert got == pytest.approx([1, 0.5, 0.5 / 3, 0.5 / 4])  # 1/(1 + t) * 0.5^(t // 2)


@pytest.mark.parametrize("cls", [nn.SGD, nn.Adagrad, nn.RMSprop, nn.Adam, nn.AdamW, nn.fast.SGD,
                                 nn.fast.Adagrad, nn.fast.RMSprop, nn.fast.Adam, nn.fast.AdamW])
def test_every_optimiser_follows_a_schedule(cls):
    assert rates(cls(0.5, schedule=CosineDecay(2)), 3) == pytest.approx([0.5, 0.25, 0.0], abs=1e-16)


def test_without_a_schedule_nothing_changes():
    a, b = Param(THETA), Param(THETA)
    plain, scheduled = Adam(0.1), Adam(0.1, schedule=lambda t: 1.0)
    for g in (G1, G2, G1):
        plain.step([a.set_grad(g)])
        scheduled.step([b.set_grad(g)])
    np.testing.assert_array_equal(a.params["w"], b.params["w"])


def test_fit_and_train_step_follow_the_schedule_the_same_way():
    X, y = nn.spiral_data(20, 3, seed=0)

    def make():
        layers = [nn.Dense(2, 8, rng=1), nn.ReLU(), nn.Dense(8, 3, rng=2)]
        return layers, Adam(0.05, schedule=LinearWarmup(3, then=CosineDecay(5)))

    layers, opt = make()
    for _ in range(8):
        nn.train_step(layers, nn.SoftmaxCrossentropy(), opt, X, y, input_grad=False)
    model_layers, model_opt = make()
    model = nn.Model(model_layers, loss=nn.SoftmaxCrossentropy(), optimizer=model_opt)
    model.fit(X, y, epochs=8, progress=False)
    for a, b in zip(layers, model_layers):
        for k in a.params:
            np.testing.assert_array_equal(a.params[k], b.params[k])
    assert model_opt.current_learning_rate == opt.current_learning_rate == pytest.approx(
        0.05 * CosineDecay(5)(4))


# ---- AdamW ------------------------------------------------------------------------------------

def test_adamw_by_hand():
    eps, b1, b2, lam, lr = 1e-7, 0.9, 0.999, 0.1, 0.1
    opt = AdamW(learning_rate=lr, epsilon=eps, beta_1=b1, beta_2=b2, weight_decay=lam)
    layer = Param(THETA)
    opt.step([layer.set_grad(G1)])
    first = layer.params["w"].copy()
    opt.step([layer.set_grad(G2)])
    # step 1: m_hat / (sqrt(v_hat) + eps) is sign(g1) up to eps; decay 0.1 * 0.1 * theta
    np.testing.assert_allclose(first, THETA - 0.1 * np.sign(G1) - 0.01 * THETA, rtol=1e-6)
    m, v = (1 - b1) * G1, (1 - b2) * G1**2
    t1 = THETA - lr * ((m / (1 - b1)) / (np.sqrt(v / (1 - b2)) + eps) + lam * THETA)
    m, v = b1 * m + (1 - b1) * G2, b2 * v + (1 - b2) * G2**2
    t2 = t1 - lr * ((m / (1 - b1**2)) / (np.sqrt(v / (1 - b2**2)) + eps) + lam * t1)
    np.testing.assert_allclose(first, t1, rtol=1e-12)
    np.testing.assert_allclose(layer.params["w"], t2, rtol=1e-12)
    np.testing.assert_allclose(first, [0.89, -1.88], rtol=1e-6)  # 1 - 0.1 - 0.01, -2 + 0.1 + 0.02


def test_adamw_without_weight_decay_is_adam():
    a, b = Param(THETA), Param(THETA)
    adam, adamw = Adam(0.1), AdamW(0.1, weight_decay=0.0)
    for g in (G1, G2):
        adam.step([a.set_grad(g)])
        adamw.step([b.set_grad(g)])
    np.testing.assert_array_equal(a.params["w"], b.params["w"])


def test_adamw_decay_is_not_rescaled_like_an_l2_gradient():
    """With a zero gradient Adam's step is 0 and only the decay acts: theta (1 - eta lambda)."""
    layer = Param(THETA)
    AdamW(0.1, weight_decay=0.5).step([layer.set_grad([0.0, 0.0])])
    np.testing.assert_allclose(layer.params["w"], THETA * 0.95)


def test_fast_adamw_is_the_plain_adamw_within_rounding():
    rng = np.random.default_rng(0)
    start = rng.standard_normal((6, 5))
    a, b = Param(start), Param(start)
    plain, fast = AdamW(0.01, weight_decay=0.1), nn.fast.AdamW(0.01, weight_decay=0.1)
    for _ in range(100):
        a.grads["w"] = b.grads["w"] = rng.standard_normal((6, 5))
        plain.step([a])
        fast.step([b])
    assert np.abs(a.params["w"] - start).max() > 0.1
    np.testing.assert_allclose(b.params["w"], a.params["w"], rtol=1e-12, atol=1e-14)
    assert isinstance(fast, AdamW)


def test_repr():
    assert repr(AdamW(0.01)) == "AdamW(learning_rate=0.01, decay=0.0, weight_decay=0.01)"
    assert repr(SGD(0.1, schedule=StepDecay(10))) == (
        "SGD(learning_rate=0.1, decay=0.0, momentum=0.0, schedule=StepDecay(every=10, factor=0.5))")
    assert repr(Adam(0.1, schedule=CosineDecay(5))) == (
        "Adam(learning_rate=0.1, decay=0.0, schedule=CosineDecay(total_steps=5, min_factor=0.0))")


# ---- errors -----------------------------------------------------------------------------------

def test_schedule_must_be_callable():
    with pytest.raises(TypeError, match="Adam: schedule must be a function of the step"):
        Adam(0.1, schedule=0.5)


@pytest.mark.parametrize("bad", [-0.5, float("nan"), "1", None])
def test_schedule_must_return_a_factor(bad):
    opt = SGD(0.1, schedule=lambda t: bad)
    with pytest.raises(ValueError, match="returned .* at step 0; it must return a finite factor"):
        opt.step([Param(THETA).set_grad(G1)])


@pytest.mark.parametrize("make, error, match", [
    (lambda: StepDecay(0), ValueError, "StepDecay: every must be at least 1"),
    (lambda: StepDecay(2, factor=0), ValueError, "StepDecay: factor must be a positive"),
    (lambda: CosineDecay(2.5), TypeError, "CosineDecay: total_steps must be a whole number"),
    (lambda: CosineDecay(5, min_factor=1.5), ValueError, r"min_factor must be in \[0, 1\)"),
    (lambda: LinearWarmup(3, then=2), TypeError, "LinearWarmup: then must be a schedule"),
    (lambda: AdamW(weight_decay=-1), ValueError, "AdamW: weight_decay must be zero or positive"),
])
def test_bad_arguments(make, error, match):
    with pytest.raises(error, match=match):
        make()
