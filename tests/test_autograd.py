"""The autograd of chapter 23: every operation's gradient against the central difference (float64,
relative error < 1e-6), the diamond graph, the network against the hand-written backward passes
to 1e-12, errors."""

import math

import numpy as np
import pytest

import nnscratch as nn
from nnscratch.autograd import Tensor, Value, cross_entropy, topological_order, unbroadcast

H = 1e-6


def value_grads(f, xs):
    """The gradient of f(Value, ...) by autograd and by the central difference at the numbers xs."""
    leaves = [Value(x) for x in xs]
    f(*leaves).backward()
    numeric = []
    for i in range(len(xs)):
        up, down = list(xs), list(xs)
        up[i] += H
        down[i] -= H
        numeric.append((f(*map(Value, up)).data - f(*map(Value, down)).data) / (2 * H))
    return np.array([v.grad for v in leaves]), np.array(numeric)


VALUE_CASES = {
    "a + b": (lambda a, b: a + b, (0.7, -1.3)),
    "a * b": (lambda a, b: a * b, (0.7, -1.3)),
    "a - b": (lambda a, b: a - b, (0.7, -1.3)),
    "a / b": (lambda a, b: a / b, (0.7, -1.3)),
    "a ** 3": (lambda a: a ** 3, (0.8,)),
    "a ** -0.5": (lambda a: a ** -0.5, (1.7,)),
    "-a": (lambda a: -a, (0.4,)),
    "exp": (lambda a: a.exp(), (0.3,)),
    "log": (lambda a: a.log(), (2.5,)),
    "relu(+)": (lambda a: a.relu(), (0.9,)),
    "relu(-)": (lambda a: a.relu(), (-0.9,)),
    "tanh": (lambda a: a.tanh(), (0.6,)),
    "sigmoid": (lambda a: a.sigmoid(), (-0.8,)),
    "numbers on the left": (lambda a: 2 + 3 * a - 1 / a + (4 - a), (1.5,)),
    "a neuron": (lambda x, w, b: (x * w + b).tanh() * 2 - x.exp(), (0.5, -1.2, 0.3)),
}


@pytest.mark.parametrize("name", VALUE_CASES)
def test_value_gradients_match_the_central_difference(name):
    f, xs = VALUE_CASES[name]
    analytic, numeric = value_grads(f, xs)
    assert nn.relative_error(analytic, numeric) < 1e-6 or np.abs(analytic - numeric).max() < 1e-9


def test_forward_values():
    assert (Value(2) * 3 + 1).data == 7
    assert Value(-2).relu().data == 0
    assert Value(0.5).tanh().data == pytest.approx(math.tanh(0.5))
    assert Value(-800).sigmoid().data == pytest.approx(0.0)  # no overflow
    assert Value(800).sigmoid().data == 1.0
    assert (1 / Value(4)).data == 0.25


def test_diamond_graph_adds_both_paths():
    """a feeds b and c, both feed d: dd/da = dd/db db/da + dd/dc dc/da."""
    a = Value(3.0)
    b, c = a * 2, a ** 2   # db/da = 2, dc/da = 2a = 6
    d = b * c              # dd/db = c = 9, dd/dc = b = 6
    d.backward()
    assert a.grad == 2 * 9 + 6 * 6
    order = topological_order(d)
    assert order[-1] is d and order.index(a) < order.index(b) and order.index(a) < order.index(c)
    assert len(order) == len({id(n) for n in order})  # a appears once


def test_a_value_used_twice_in_one_operation():
    a = Value(3.0)
    (a * a).backward()
    assert a.grad == 6.0
    b = Value(2.0)
    (b + b + b).backward()
    assert b.grad == 3.0


def test_long_chain_does_not_hit_the_recursion_limit():
    x = Value(1.0)
    total = Value(0.0)
    for _ in range(5000):
        total = total + x
    total.backward()
    assert x.grad == 5000


def test_leaf_gradients_accumulate_and_zero_grad_resets():
    a = Value(2.0)
    y = a * a
    y.backward()
    y.backward()  # interior gradients are recomputed, the leaf's add up (as in PyTorch)
    assert a.grad == 8.0 and y.grad == 1.0
    a.zero_grad()
    (a * 5).backward()
    assert a.grad == 5.0


@pytest.mark.parametrize("bad", ["2", None, [1.0], True])
def test_value_rejects_what_is_not_a_number(bad):
    with pytest.raises(TypeError, match="Value: cannot combine a Value with"):
        Value(1.0) + bad
    with pytest.raises(TypeError, match="Value: data must be a number"):
        Value(bad)


def test_value_errors():
    with pytest.raises(TypeError, match="exponent of \\*\\* must be a number"):
        Value(2.0) ** Value(3.0)
    with pytest.raises(ValueError, match="Value.log: the logarithm needs a positive number"):
        Value(-1.0).log()
    with pytest.raises(TypeError, match="already a Value"):
        Value(Value(1.0))


# ---- Tensor -------------------------------------------------------------------------------------

def tensor_check(f, *arrays):
    """Relative error of every input's autograd gradient of sum(f(...) * G) against numerical."""
    rng = np.random.default_rng(1)
    G = rng.standard_normal(f(*map(Tensor, arrays)).shape)
    leaves = [Tensor(a) for a in arrays]
    (f(*leaves) * G).sum().backward()
    errors = []
    for leaf, a in zip(leaves, arrays):
        a = a.copy()

        def loss(a=a, leaf=leaf):
            args = [Tensor(a) if l is leaf else Tensor(l.data) for l in leaves]
            return float((f(*args).data * G).sum())
        numeric = nn.numerical_gradient(loss, a)
        errors.append(nn.relative_error(leaf.grad, numeric))
    return max(errors)


R = np.random.default_rng(0)
A23, B23, B13, B3 = R.standard_normal((2, 3)), R.standard_normal((2, 3)), R.standard_normal(
    (1, 3)), R.standard_normal(3)
M34 = R.standard_normal((3, 4))
POS = R.uniform(0.5, 2.0, (2, 3))
TENSOR_CASES = {
    "a + b": (lambda a, b: a + b, (A23, B23)),
    "a + bias row (1, 3)": (lambda a, b: a + b, (A23, B13)),
    "a + vector (3,)": (lambda a, b: a + b, (A23, B3)),
    "a * b broadcast": (lambda a, b: a * b, (A23, B13)),
    "a - b": (lambda a, b: a - b, (A23, B3)),
    "a / b": (lambda a, b: a / b, (A23, POS)),
    "a @ b": (lambda a, b: a @ b, (A23, M34)),
    "a ** 2": (lambda a: a ** 2, (A23,)),
    "exp": (lambda a: a.exp(), (A23,)),
    "log": (lambda a: a.log(), (POS,)),
    "relu": (lambda a: a.relu(), (A23,)),
    "sum": (lambda a: a.sum(), (A23,)),
    "sum axis 0": (lambda a: a.sum(axis=0), (A23,)),
    "sum axis 1 keepdims": (lambda a: a.sum(axis=1, keepdims=True), (A23,)),
    "mean": (lambda a: a.mean(), (A23,)),
    "log_softmax": (lambda a: a.log_softmax(), (A23 * 3,)),
    "numbers on the left": (lambda a: 2.0 - 3.0 * a + 1.0, (A23,)),
}


@pytest.mark.parametrize("name", TENSOR_CASES)
def test_tensor_gradients_match_the_central_difference(name):
    f, arrays = TENSOR_CASES[name]
    assert tensor_check(f, *arrays) < 1e-6


def test_unbroadcast():
    g = np.ones((4, 2, 3))
    assert unbroadcast(g, (2, 3)).tolist() == np.full((2, 3), 4.0).tolist()
    assert unbroadcast(g, (1, 3)).tolist() == [[8.0, 8.0, 8.0]]
    assert unbroadcast(g, (2, 1)).tolist() == [[12.0], [12.0]]
    assert unbroadcast(g, ()).tolist() == 24.0


def test_cross_entropy_equals_the_package_loss_and_is_stable():
    logits, labels = R.standard_normal((5, 3)) * 3, np.array([0, 2, 1, 1, 0])
    got = cross_entropy(Tensor(logits), labels).data
    assert got == pytest.approx(nn.SoftmaxCrossentropy().forward(logits, labels), rel=1e-12)
    huge = Tensor(np.array([[1000.0, 0.0], [0.0, 1000.0]]))
    loss = cross_entropy(huge, np.array([1, 1]))
    loss.backward()
    assert loss.data == pytest.approx(500.0) and np.isfinite(huge.grad).all()


def network_gradients(seed):
    """The gradients of a Dense-ReLU-Dense-softmax-cross-entropy network, both ways."""
    X, y = nn.spiral_data(30, 3, seed=seed)
    rng = np.random.default_rng(seed)
    dense1, relu, dense2 = nn.Dense(2, 16, weight_scale=1.0, rng=rng), nn.ReLU(), nn.Dense(
        16, 3, weight_scale=0.5, rng=rng)
    dense1.params["b"][...] = rng.standard_normal((1, 16))
    loss = nn.SoftmaxCrossentropy()
    value = loss.forward(nn.forward([dense1, relu, dense2], X), y)
    nn.backward([dense1, relu, dense2], loss.backward())
    W1, b1, W2, b2 = (Tensor(layer.params[k]) for layer in (dense1, dense2) for k in ("W", "b"))
    x = Tensor(X)
    auto = cross_entropy((x @ W1 + b1).relu() @ W2 + b2, y)
    auto.backward()
    return (value, [dense1.grads["W"], dense1.grads["b"], dense2.grads["W"], dense2.grads["b"]],
            auto.data, [W1.grad, b1.grad, W2.grad, b2.grad])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_network_gradients_equal_the_hand_written_backward_passes(seed):
    value, hand, auto_value, auto = network_gradients(seed)
    assert auto_value == pytest.approx(value, rel=1e-12)
    for h, a in zip(hand, auto):
        assert h.shape == a.shape
        np.testing.assert_allclose(a, h, rtol=1e-12, atol=1e-12)


def test_backward_needs_a_single_number():
    t = Tensor(np.ones((2, 3))) * 2.0
    with pytest.raises(ValueError, match=r"start from a single number such as a loss, got shape "
                                         r"\(2, 3\); reduce it first with .sum\(\) or .mean\(\)"):
        t.backward()


def test_tensor_errors():
    with pytest.raises(TypeError, match="Tensor: cannot combine a Tensor with str"):
        Tensor([1.0]) + "1"
    with pytest.raises(TypeError, match="Tensor: cannot combine a Tensor with Value"):
        Tensor([1.0]) * Value(1.0)
    with pytest.raises(ValueError, match=r"Tensor @: needs two matrices \(n, k\) @ \(k, m\), got "
                                         r"\(2, 3\) @ \(2, 3\)"):
        Tensor(A23) @ Tensor(B23)
    with pytest.raises(TypeError, match="Tensor: data must be numbers"):
        Tensor("abc")
    with pytest.raises(ValueError, match="cross_entropy: labels must be 2 whole numbers in 0 .. 2"):
        cross_entropy(Tensor(A23), np.array([0, 3]))
    with pytest.raises(TypeError, match="exponent of \\*\\* must be a number"):
        Tensor(A23) ** Tensor(A23)


def test_tensor_leaf_gradients_accumulate():
    w = Tensor(np.array([[1.0, 2.0]]))
    y = (w * 3.0).sum()
    y.backward()
    y.backward()
    np.testing.assert_array_equal(w.grad, [[6.0, 6.0]])
    w.zero_grad()
    np.testing.assert_array_equal(w.grad, [[0.0, 0.0]])
