"""The exercise self-checks (``nnscratch.checks``): every check passes the package's own pieces (and the
chapters' versions), fails the typical mistakes with the right message, and reports, never raises, the
exceptions of unfinished or broken code."""

from __future__ import annotations

import ast
import functools
import sys
from pathlib import Path

import numpy as np
import pytest

import nnscratch as nn
from nnscratch import checks

from check_helpers import FAIL, assert_reference_passes, failed_lines, run


# =========================================================================== reference solutions
# The package's pieces, adapted to the signature each check expects, and the chapters' own versions.


def ref_neuron(inputs, weights, bias):
    layer = nn.Dense(len(weights), 1)
    layer.params["W"][...] = np.reshape(weights, (-1, 1))
    layer.params["b"][...] = bias
    return float(layer.forward(np.reshape(np.asarray(inputs, dtype=float), (1, -1)))[0, 0])


def ch1_neuron(inputs, weights, bias):
    total = bias
    for x, w in zip(inputs, weights):
        total += w * x
    return total


def ref_layer(inputs, weights, biases):
    layer = nn.Dense(*np.shape(weights))
    layer.params["W"][...] = weights
    layer.params["b"][...] = biases
    return layer.forward(np.asarray(inputs, dtype=float))


class Ch3Dense:
    def __init__(self, n_inputs, n_neurons, *, weight_scale=0.01, rng=None):
        rng = np.random.default_rng(rng)
        self.weights = weight_scale * rng.standard_normal((n_inputs, n_neurons))
        self.biases = np.zeros((1, n_neurons))

    def forward(self, x):
        self.output = x @ self.weights + self.biases
        return self.output


class Ch9Dense:
    def __init__(self, n_inputs, n_neurons, rng):
        self.params = {"W": 0.01 * rng.standard_normal((n_inputs, n_neurons)), "b": np.zeros((1, n_neurons))}
        self.grads = {}

    def forward(self, x):
        self.input = x
        return x @ self.params["W"] + self.params["b"]

    def backward(self, grad):
        self.grads["W"] = self.input.T @ grad
        self.grads["b"] = grad.sum(axis=0, keepdims=True)
        return grad @ self.params["W"].T


class Ch4ReLU:
    def forward(self, x):
        self.input = x
        self.output = np.maximum(0, x)
        return self.output


def stable_sigmoid(z):
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


class Ch5Softmax:
    def forward(self, x):
        exp_x = np.exp(x - x.max(axis=1, keepdims=True))
        self.output = exp_x / exp_x.sum(axis=1, keepdims=True)
        return self.output


class Ch6CategoricalCrossentropy:
    def forward(self, y_pred, y_true):
        y_pred = np.clip(y_pred, 1e-7, 1 - 1e-7)
        if y_true.ndim == 1:
            correct = y_pred[np.arange(len(y_pred)), y_true]
        else:
            correct = np.sum(y_pred * y_true, axis=1)
        return float(np.mean(-np.log(correct)))


def ch6_accuracy(y_pred, y_true):
    if y_true.ndim == 2:
        y_true = y_true.argmax(axis=1)
    return float(np.mean(y_pred.argmax(axis=1) == y_true))


def ch6_sigmoid(z):
    return 1 / (1 + np.exp(-z))


def ch6_mse_slope(z, y):
    s = ch6_sigmoid(z)
    return 2 * (s - y) * s * (1 - s)


def ch6_ce_slope(z, y):
    return ch6_sigmoid(z) - y


def ref_mse_slope(z, y):
    """The package's Sigmoid and MeanSquaredError, backward: dL/dz of the batch mean, times N."""
    z2, y2 = np.reshape(z, (-1, 1)), np.reshape(y, (-1, 1)).astype(float)
    sigmoid, loss = nn.Sigmoid(), nn.MeanSquaredError()
    loss.forward(sigmoid.forward(z2), y2)
    return (len(z2) * sigmoid.backward(loss.backward())).reshape(np.shape(z))


def ref_ce_slope(z, y):
    """The package's SigmoidBinaryCrossentropy (from the logits), backward, times N."""
    z2, y2 = np.reshape(z, (-1, 1)), np.reshape(y, (-1, 1)).astype(float)
    loss = nn.SigmoidBinaryCrossentropy()
    loss.forward(z2, y2)
    return (len(z2) * loss.backward()).reshape(np.shape(z))


def ref_derivative(f, x, h):
    arr = np.array([x], dtype=np.float64)
    return float(nn.numerical_gradient(lambda: f(arr[0]), arr, h)[0])


def ch8_central_difference(f, x, h):
    return (f(x + h) - f(x - h)) / (2 * h)


def ref_l2_penalty(weights, lam):
    layer = nn.Dense(*weights.shape, weight_regularizer_l2=lam)
    layer.params["W"][...] = weights
    return layer.regularization_loss()


def ref_l2_gradient(weights, lam):
    layer = nn.Dense(*weights.shape, weight_regularizer_l2=lam)
    layer.params["W"][...] = weights
    x = np.zeros((1, weights.shape[0]))
    layer.forward(x)
    layer.backward(np.zeros((1, weights.shape[1])))  # data gradient 0: only the penalty's remains
    return layer.grads["W"]


def ch11_adam_update(param, grad, state, t, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    if "m" not in state:
        state["m"], state["v"] = np.zeros_like(param), np.zeros_like(param)
    m, v = state["m"], state["v"]
    m *= beta_1
    m += (1 - beta_1) * grad
    v *= beta_2
    v += (1 - beta_2) * grad * grad
    param -= learning_rate * (m / (1 - beta_1**t)) / (np.sqrt(v / (1 - beta_2**t)) + epsilon)


class Ch11Optimizer:
    """Chapter 11's optimiser: applies an update function to every parameter of every layer."""

    def __init__(self, update, **hyperparameters):
        self.update, self.hyperparameters = update, hyperparameters
        self.t, self.states = 0, {}

    def step(self, layers):
        self.t += 1
        for layer in layers:
            for name, param in layer.params.items():
                state = self.states.setdefault((id(layer), name), {})
                self.update(param, layer.grads[name], state, self.t, **self.hyperparameters)


def ch13_penalty(values, l1, l2):
    return l1 * np.abs(values).sum() + l2 * (values**2).sum()


def ch13_penalty_grad(values, l1, l2):
    return l1 * np.sign(values) + 2 * l2 * values


class Ch13Dropout(nn.Layer):
    def __init__(self, rate, rng):
        super().__init__()
        self.rate, self.rng = rate, rng

    def forward(self, x):
        if self.training:
            self.mask = (self.rng.random(x.shape) >= self.rate) / (1 - self.rate)
        else:
            self.mask = np.ones_like(x)
        self.output = x * self.mask
        return self.output

    def backward(self, grad):
        return grad * self.mask


REFERENCES = [
    ("neuron", checks.check_neuron, (ref_neuron,)),
    ("neuron-ch1", checks.check_neuron, (ch1_neuron,)),
    ("layer", checks.check_layer, (ref_layer,)),
    ("dense", checks.check_dense, (nn.Dense,)),
    ("dense-ch3", checks.check_dense, (Ch3Dense,)),
    ("dense-ch9", checks.check_dense, (Ch9Dense,)),
    ("relu", checks.check_relu, (nn.ReLU,)),
    ("relu-instance", checks.check_relu, (nn.ReLU(),)),
    ("relu-ch4", checks.check_relu, (Ch4ReLU,)),
    ("relu-function", checks.check_relu, (lambda z: np.maximum(0, z),)),
    ("sigmoid", checks.check_sigmoid, (nn.Sigmoid,)),
    ("sigmoid-function", checks.check_sigmoid, (stable_sigmoid,)),
    ("softmax", checks.check_softmax, (nn.Softmax,)),
    ("softmax-ch5", checks.check_softmax, (Ch5Softmax,)),
    ("crossentropy", checks.check_categorical_crossentropy, (nn.CategoricalCrossentropy,)),
    ("crossentropy-function", checks.check_categorical_crossentropy,
     (lambda p, y: nn.CategoricalCrossentropy().forward(p, y),)),
    ("crossentropy-ch6", checks.check_categorical_crossentropy, (Ch6CategoricalCrossentropy,)),
    ("accuracy", checks.check_accuracy, (nn.accuracy,)),
    ("accuracy-ch6", checks.check_accuracy, (ch6_accuracy,)),
    ("logit-slopes", checks.check_logit_slopes, (ref_mse_slope, ref_ce_slope)),
    ("logit-slopes-ch6", checks.check_logit_slopes, (ch6_mse_slope, ch6_ce_slope)),
    ("derivative", checks.check_numerical_derivative, (ref_derivative,)),
    ("derivative-ch8", checks.check_numerical_derivative, (ch8_central_difference,)),
    ("gradient", checks.check_numerical_gradient, (nn.numerical_gradient,)),
    ("dense-backward", checks.check_dense_backward, (nn.Dense,)),
    ("dense-backward-ch9", checks.check_dense_backward, (Ch9Dense,)),
    ("dense-backward-instance", checks.check_dense_backward, (nn.Dense(3, 4),)),
    ("relu-backward", checks.check_relu_backward, (nn.ReLU,)),
    ("softmax-backward", checks.check_softmax_backward, (nn.Softmax,)),
    ("softmax-crossentropy-backward", checks.check_softmax_crossentropy_backward, (nn.softmax_crossentropy_grad,)),
    ("sgd", checks.check_sgd, (nn.SGD,)),
    ("adam", checks.check_adam, (nn.Adam,)),
    ("adam-ch11", checks.check_adam, (functools.partial(Ch11Optimizer, ch11_adam_update),)),
    ("l2", checks.check_l2_penalty, (ref_l2_penalty, ref_l2_gradient)),
    ("l2-penalty-only", checks.check_l2_penalty, (ref_l2_penalty,)),
    ("l2-ch13", checks.check_l2_penalty,
     (lambda w, lam: ch13_penalty(w, 0.0, lam), lambda w, lam: ch13_penalty_grad(w, 0.0, lam))),
    ("dropout", checks.check_dropout, (nn.Dropout,)),
    ("dropout-ch13", checks.check_dropout, (Ch13Dropout,)),
    ("mse", checks.check_mse, (nn.MeanSquaredError,)),
    ("mse-function", checks.check_mse, (lambda p, y: nn.MeanSquaredError().forward(p, y),)),
]


@pytest.mark.parametrize("check, args", [r[1:] for r in REFERENCES], ids=[r[0] for r in REFERENCES])
def test_reference_solution_passes(check, args, capsys):
    # the optimiser checks test two properties: the first step, and several steps against the package
    min_checks = 2 if check in (checks.check_adam, checks.check_sgd) else 3
    assert_reference_passes(check, args, capsys, min_checks)


def referenced_checks(path: Path) -> set[str]:
    """The checks named in the ``REFERENCES`` list of a test file (this one, and those of Parts III and IV)."""
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "REFERENCES" for t in node.targets):
            return {n.attr for n in ast.walk(node.value) if isinstance(n, ast.Attribute) and n.attr.startswith("check_")}
    return set()


def test_every_check_is_tested():
    """Every check in ``checks.__all__`` passes a reference solution in one of the test files."""
    tested = set().union(*(referenced_checks(p) for p in Path(__file__).parent.glob("test_checks*.py")))
    assert tested == {name for name in checks.__all__ if name.startswith("check_")}


# =========================================================================== typical mistakes


def neuron_bias_per_input(inputs, weights, bias):
    return sum(w * x + bias for w, x in zip(weights, inputs))


def neuron_no_sum(inputs, weights, bias):
    return np.asarray(weights) * np.asarray(inputs) + bias


def layer_weights_by_neuron(inputs, weights, biases):
    return np.asarray(inputs) @ np.asarray(weights).T + biases  # treats W as (n_neurons, n_inputs)


def layer_bias_column(inputs, weights, biases):
    return np.asarray(inputs) @ weights + np.reshape(biases, (-1, 1))


class DenseTransposed(Ch3Dense):
    def __init__(self, n_inputs, n_neurons, *, rng=None):
        rng = np.random.default_rng(rng)
        self.weights = 0.01 * rng.standard_normal((n_neurons, n_inputs))
        self.biases = np.zeros((1, n_neurons))

    def forward(self, x):
        return x @ self.weights.T + self.biases


class DenseScaleOne(Ch3Dense):
    def __init__(self, n_inputs, n_neurons, *, rng=None):
        super().__init__(n_inputs, n_neurons, weight_scale=1.0, rng=rng)


class DenseFlatBias(Ch3Dense):
    def __init__(self, n_inputs, n_neurons, *, rng=None):
        super().__init__(n_inputs, n_neurons, rng=rng)
        self.biases = np.zeros(n_neurons)


def relu_in_place(z):
    z[z < 0] = 0
    return z


def naive_sigmoid(z):
    return 1 / (1 + np.exp(-z))


def naive_softmax(z):
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def softmax_columns(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


def softmax_global_max(z):
    e = np.exp(z - z.max())
    return e / e.sum(axis=1, keepdims=True)


def softmax_in_place(z):
    z -= z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def crossentropy_unclipped(y_pred, y_true):
    if y_true.ndim == 2:
        y_true = y_true.argmax(axis=1)
    return float(np.mean(-np.log(y_pred[np.arange(len(y_pred)), y_true])))


def crossentropy_sum(y_pred, y_true):
    y_pred = np.clip(y_pred, 1e-7, 1 - 1e-7)
    return float(np.sum(-np.log(y_pred[np.arange(len(y_pred)), y_true])))


def crossentropy_integer_labels_only(y_pred, y_true):
    y_pred = np.clip(y_pred, 1e-7, 1 - 1e-7)
    return float(np.mean(-np.log(y_pred[np.arange(len(y_pred)), y_true])))


def crossentropy_per_sample(y_pred, y_true):
    y_pred = np.clip(y_pred, 1e-7, 1 - 1e-7)
    return -np.log(y_pred[np.arange(len(y_pred)), y_true])


def accuracy_count(y_pred, y_true):
    return int(np.sum(y_pred.argmax(axis=1) == y_true))


def mse_slope_wrt_s(z, y):
    return 2 * (ch6_sigmoid(z) - y)


def mse_slope_without_2(z, y):
    s = ch6_sigmoid(z)
    return (s - y) * s * (1 - s)


def mse_slope_label_ignored(z, y):
    s = ch6_sigmoid(z)
    return 2 * (s - 1) * s * (1 - s)


def mse_slope_sign(z, y):
    s = ch6_sigmoid(z)
    return 2 * (y - s) * s * (1 - s)


def ce_slope_wrt_s(z, y):
    s = ch6_sigmoid(z)
    return -y / s + (1 - y) / (1 - s)


def ce_slope_sign(z, y):
    return y - ch6_sigmoid(z)


def ce_slope_label_ignored(z, y):
    return ch6_sigmoid(z) - 1


def ce_loss_not_slope(z, y):
    s = ch6_sigmoid(z)
    return -(y * np.log(s) + (1 - y) * np.log(1 - s))


def ce_slope_scalar_label(z, y):
    if y == 1:
        return ch6_sigmoid(z) - 1
    return ch6_sigmoid(z)


def ce_slope_in_place(z, y):
    z *= -1
    np.exp(z, out=z)
    z += 1
    np.reciprocal(z, out=z)
    return z - y


def forward_difference(f, x, h):
    return (f(x + h) - f(x)) / h


def central_over_h(f, x, h):
    return (f(x + h) - f(x - h)) / h


def gradient_not_restored(f, x, h=1e-6):
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        f_plus = f()
        x[i] = old - h
        f_minus = f()
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad


class DenseBackwardNoTranspose(Ch9Dense):
    def backward(self, grad):
        self.grads["W"] = self.input @ grad  # should be self.input.T @ grad
        self.grads["b"] = grad.sum(axis=0, keepdims=True)
        return grad @ self.params["W"].T


class DenseBackwardWrongOrder(Ch9Dense):
    def backward(self, grad):
        self.grads["W"] = grad.T @ self.input  # the transpose of dW
        self.grads["b"] = grad.sum(axis=0, keepdims=True)
        return grad @ self.params["W"].T


class DenseBackwardFlatBias(Ch9Dense):
    def backward(self, grad):
        self.grads["W"] = self.input.T @ grad
        self.grads["b"] = grad.sum(axis=0)
        return grad @ self.params["W"].T


class DenseBackwardAccumulates(Ch9Dense):
    def backward(self, grad):
        self.grads["W"] = self.grads.get("W", 0) + self.input.T @ grad
        self.grads["b"] = grad.sum(axis=0, keepdims=True)
        return grad @ self.params["W"].T


class DenseBackwardNoReturn(Ch9Dense):
    def backward(self, grad):
        super().backward(grad)


class ReLUBackwardPassThrough(nn.ReLU):
    def backward(self, grad):
        return grad


class ReLUBackwardInPlace(nn.ReLU):
    def backward(self, grad):
        grad[self.input <= 0] = 0
        return grad


class SoftmaxBackwardDiagonalOnly(nn.Softmax):
    def backward(self, grad):
        return grad * self.output * (1 - self.output)


def sce_grad_no_mean(probs, labels):
    grad = probs.copy()
    grad[np.arange(len(labels)), labels] -= 1
    return grad


def sce_grad_in_place(probs, labels):
    grad = probs
    grad[np.arange(len(labels)), labels] -= 1
    return grad / len(labels)


class SGDIgnoresMomentum(nn.SGD):
    def __init__(self, learning_rate=1.0, momentum=0.0):
        super().__init__(learning_rate)


class SGDForgetsVelocity:
    def __init__(self, learning_rate=1.0, momentum=0.0):
        self.learning_rate, self.momentum = learning_rate, momentum

    def step(self, layers):
        for layer in layers:
            for k in layer.params:
                v = np.zeros_like(layer.params[k])  # a fresh velocity every step
                v = self.momentum * v - self.learning_rate * layer.grads[k]
                layer.params[k] += v


class SGDWrongArguments:
    def __init__(self, lr, mu=0.0):
        self.lr, self.mu = lr, mu

    def step(self, layers):
        pass


class AdamNoBiasCorrection:
    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
        self.lr, self.b1, self.b2, self.eps = learning_rate, beta_1, beta_2, epsilon
        self.m, self.v = {}, {}

    def step(self, layers):
        for layer in layers:
            for k, p in layer.params.items():
                key = (id(layer), k)
                g = layer.grads[k]
                self.m[key] = self.b1 * self.m.get(key, 0) + (1 - self.b1) * g
                self.v[key] = self.b2 * self.v.get(key, 0) + (1 - self.b2) * g * g
                p -= self.lr * self.m[key] / (np.sqrt(self.v[key]) + self.eps)


class AdamStepFromZero(AdamNoBiasCorrection):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.t = 0

    def step(self, layers):
        for layer in layers:
            for k, p in layer.params.items():
                key = (id(layer), k)
                g = layer.grads[k]
                self.m[key] = self.b1 * self.m.get(key, 0) + (1 - self.b1) * g
                self.v[key] = self.b2 * self.v.get(key, 0) + (1 - self.b2) * g * g
                m_hat = self.m[key] / (1 - self.b1 ** self.t)  # t should start at 1
                v_hat = self.v[key] / (1 - self.b2 ** self.t)
                p -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)
        self.t += 1


class AdamSharedState(AdamNoBiasCorrection):
    """One m and v for every parameter of every layer (only works while all shapes agree)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.t = 0

    def step(self, layers):
        self.t += 1
        for layer in layers:
            for k, p in layer.params.items():
                g = layer.grads[k]
                m = self.m.get(k, 0) * self.b1 + (1 - self.b1) * g
                v = self.v.get(k, 0) * self.b2 + (1 - self.b2) * g * g
                self.m[k], self.v[k] = m, v
                p -= self.lr * (m / (1 - self.b1 ** self.t)) / (np.sqrt(v / (1 - self.b2 ** self.t)) + self.eps)


def l2_as_l1(weights, lam):
    return lam * float(np.abs(weights).sum())


def l2_mean(weights, lam):
    return lam * float((weights ** 2).mean())


def l2_gradient_without_2(weights, lam):
    return lam * weights


class DropoutNoScaling(nn.Dropout):
    def forward(self, x):
        out = super().forward(x)
        return out * (1 - self.rate) if self.training else out


class DropoutAtInference(nn.Dropout):
    def eval(self):
        return self  # keeps dropping


class DropoutKeepRate(nn.Dropout):
    """Treats rate as the probability of keeping a value."""

    def __init__(self, rate, *, rng=None):
        super().__init__(1 - rate, rng=rng)


class DropoutFixedMask:
    def __init__(self, rate, rng=None):
        self.rate, self.training = rate, True
        self.mask = None
        self.rng = np.random.default_rng(rng)

    def forward(self, x):
        if not self.training:
            return x
        if self.mask is None or self.mask.shape != x.shape:
            self.mask = (self.rng.random(x.shape) >= self.rate) / (1 - self.rate)
        return x * self.mask

    def backward(self, grad):
        return grad * self.mask


class DropoutGlobalRandom:
    """No rng argument: draws from NumPy's global generator (accepted, and made repeatable by the check)."""

    def __init__(self, rate):
        self.rate, self.training = rate, True

    def forward(self, x):
        if not self.training:
            return x
        self.mask = (np.random.random_sample(x.shape) >= self.rate) / (1 - self.rate)
        return x * self.mask

    def backward(self, grad):
        return grad * self.mask


def mse_sum(y_pred, y_true):
    return float(np.sum((y_true - y_pred) ** 2))


def mse_absolute(y_pred, y_true):
    return float(np.mean(np.abs(y_true - y_pred)))


def mse_no_reshape(y_pred, y_true):
    return float(np.mean((y_true - y_pred) ** 2))


def mse_sum_over_outputs(y_pred, y_true):
    y_true = np.reshape(y_true, y_pred.shape)
    return float(np.mean(np.sum((y_true - y_pred) ** 2, axis=1)))


MISTAKES = [
    # (id, check, args, the property that fails, words of the hint)
    ("neuron-bias-per-input", checks.check_neuron, (neuron_bias_per_input,), "adds the bias once",
     "not to every product"),
    ("neuron-no-sum", checks.check_neuron, (neuron_no_sum,), "gives 4.8", "add the products up"),
    ("layer-weights-by-neuron", checks.check_layer, (layer_weights_by_neuron,), "gives shape (7, 2)",
     "(n_inputs, n_neurons)"),
    ("layer-bias-column", checks.check_layer, (layer_bias_column,), "adds neuron j's bias", "same bias row"),
    ("dense-transposed", checks.check_dense, (DenseTransposed,), "weights of shape (3, 4)", "W transposed"),
    ("dense-scale-one", checks.check_dense, (DenseScaleOne,), "small random numbers", "multiply them by 0.01"),
    ("dense-flat-bias", checks.check_dense, (DenseFlatBias,), "zero biases of shape (1, 4)",
     "np.zeros((1, n_neurons))"),
    ("relu-abs", checks.check_relu, (np.abs,), "negative inputs give 0", "absolute value"),
    ("relu-in-place", checks.check_relu, (relu_in_place,), "leaves its input unchanged", "do not overwrite the input"),
    ("sigmoid-naive", checks.check_sigmoid, (naive_sigmoid,), "without overflow", "e^z / (1 + e^z)"),
    ("sigmoid-sign", checks.check_sigmoid, (lambda z: 1 / (1 + np.exp(z)),), "matches 1 / (1 + e^-z)",
     "1 / (1 + np.exp(-z))"),
    ("softmax-no-max", checks.check_softmax, (naive_softmax,), "stable for large logits",
     "subtract the row maximum first"),
    ("softmax-columns", checks.check_softmax, (softmax_columns,), "rows sum to 1", "e.sum(axis=1, keepdims=True)"),
    ("softmax-global-max", checks.check_softmax, (softmax_global_max,), "stable for large logits",
     "each row's own maximum"),
    ("softmax-in-place", checks.check_softmax, (softmax_in_place,), "leaves its input unchanged",
     "overwrites the caller's logits"),
    ("crossentropy-unclipped", checks.check_categorical_crossentropy, (crossentropy_unclipped,), "finite loss",
     "clip the probabilities"),
    ("crossentropy-sum", checks.check_categorical_crossentropy, (crossentropy_sum,), "book's example",
     "the mean over the samples, not the sum"),
    ("crossentropy-integer-only", checks.check_categorical_crossentropy, (crossentropy_integer_labels_only,),
     "one-hot labels", "raised IndexError"),
    ("crossentropy-per-sample", checks.check_categorical_crossentropy, (crossentropy_per_sample,), "book's example",
     "(np.mean), one number"),
    ("accuracy-count", checks.check_accuracy, (accuracy_count,), "3 of 4 right", "divide by the number of samples"),
    ("slopes-mse-wrt-s", checks.check_logit_slopes, (mse_slope_wrt_s, ch6_ce_slope), "squared error, label 1",
     "multiply by the sigmoid's slope s(1 - s)"),
    ("slopes-mse-without-2", checks.check_logit_slopes, (mse_slope_without_2, ch6_ce_slope), "squared error, label 1",
     "keep the factor 2"),
    ("slopes-mse-label-ignored", checks.check_logit_slopes, (mse_slope_label_ignored, ch6_ce_slope),
     "squared error, label 0", "use the label"),
    ("slopes-mse-sign", checks.check_logit_slopes, (mse_slope_sign, ch6_ce_slope), "squared error, label 1",
     "mind the sign"),
    ("slopes-ce-wrt-s", checks.check_logit_slopes, (ch6_mse_slope, ce_slope_wrt_s), "cross-entropy, label 1",
     "slope with respect to s"),
    ("slopes-ce-sign", checks.check_logit_slopes, (ch6_mse_slope, ce_slope_sign), "cross-entropy, label 1",
     "mind the sign"),
    ("slopes-ce-label-ignored", checks.check_logit_slopes, (ch6_mse_slope, ce_slope_label_ignored),
     "cross-entropy, label 0", "use the label"),
    ("slopes-ce-loss", checks.check_logit_slopes, (ch6_mse_slope, ce_loss_not_slope), "cross-entropy, label 1",
     "the loss itself"),
    ("slopes-ce-scalar-label", checks.check_logit_slopes, (ch6_mse_slope, ce_slope_scalar_label),
     "cross-entropy, label 1", "compute element-wise"),
    ("slopes-ce-in-place", checks.check_logit_slopes, (ch6_mse_slope, ce_slope_in_place), "leave z and y unchanged",
     "do not write into z"),
    ("derivative-forward", checks.check_numerical_derivative, (forward_difference,), "x^2 at x = 3",
     "central difference"),
    ("derivative-over-h", checks.check_numerical_derivative, (central_over_h,), "e^x at x = 1", "divide by 2 * h"),
    ("gradient-not-restored", checks.check_numerical_gradient, (gradient_not_restored,), "x is restored",
     "put each entry back"),
    ("dense-backward-no-transpose", checks.check_dense_backward, (DenseBackwardNoTranspose,),
     "forward and backward run", "raised ValueError"),
    ("dense-backward-wrong-order", checks.check_dense_backward, (DenseBackwardWrongOrder,), "dL/dW", "x.T @ grad"),
    ("dense-backward-flat-bias", checks.check_dense_backward, (DenseBackwardFlatBias,), "dL/db", "keepdims=True"),
    ("dense-backward-accumulates", checks.check_dense_backward, (DenseBackwardAccumulates,), "replace the gradients",
     "(+=)"),
    ("dense-backward-no-return", checks.check_dense_backward, (DenseBackwardNoReturn,), "forward and backward run",
     "backward returned None"),
    ("relu-backward-pass-through", checks.check_relu_backward, (ReLUBackwardPassThrough,), "0 elsewhere",
     "grad * (x > 0)"),
    ("relu-backward-in-place", checks.check_relu_backward, (ReLUBackwardInPlace,), "incoming gradient unchanged",
     "in place"),
    ("softmax-backward-diagonal", checks.check_softmax_backward, (SoftmaxBackwardDiagonalOnly,), "numerical gradient",
     "row by row"),
    ("sce-no-mean", checks.check_softmax_crossentropy_backward, (sce_grad_no_mean,), "numerical gradient",
     "divide by the batch size N"),
    ("sce-in-place", checks.check_softmax_crossentropy_backward, (sce_grad_in_place,), "leaves probs unchanged",
     "probs.copy()"),
    ("sgd-ignores-momentum", checks.check_sgd, (SGDIgnoresMomentum,), "with momentum 0.9", "as if momentum were 0"),
    ("sgd-forgets-velocity", checks.check_sgd, (SGDForgetsVelocity,), "with momentum 0.9", "between steps"),
    ("sgd-wrong-arguments", checks.check_sgd, (SGDWrongArguments,), "plain step", "learning_rate= and momentum="),
    ("adam-no-bias-correction", checks.check_adam, (AdamNoBiasCorrection,), "first step", "3.162 times too large"),
    ("adam-t-from-zero", checks.check_adam, (AdamStepFromZero,), "first step", "t counts the steps from 1"),
    ("adam-shared-state", checks.check_adam, (AdamSharedState,), "first step", "kept per layer and"),
    ("l2-as-l1", checks.check_l2_penalty, (l2_as_l1,), "gives 0.01 * 14.25", "not their absolute values"),
    ("l2-mean", checks.check_l2_penalty, (l2_mean,), "gives 0.01 * 14.25", "do not average"),
    ("l2-gradient-without-2", checks.check_l2_penalty, (ref_l2_penalty, l2_gradient_without_2), "gradient: 2 * lam * W",
     "2 * lam * w"),
    ("dropout-no-scaling", checks.check_dropout, (DropoutNoScaling,), "scales the kept values",
     "divide the kept values by (1 - rate)"),
    ("dropout-at-inference", checks.check_dropout, (DropoutAtInference,), "at inference",
     "dropout is for training only"),
    ("dropout-keep-rate", checks.check_dropout, (DropoutKeepRate,), "drops about 30%", "rate is the fraction dropped"),
    ("dropout-fixed-mask", checks.check_dropout, (DropoutFixedMask,), "new mask",
     "draw a new mask in every forward call"),
    ("mse-sum", checks.check_mse, (mse_sum,), "give 1.4167", "the mean, not the sum"),
    ("mse-absolute", checks.check_mse, (mse_absolute,), "give 1.4167", "square the differences"),
    ("mse-no-reshape", checks.check_mse, (mse_no_reshape,), "targets of shape (5,)", "broadcasts to (5, 5)"),
    ("mse-sum-over-outputs", checks.check_mse, (mse_sum_over_outputs,), "2 outputs", "average over the outputs too"),
]


@pytest.mark.parametrize("check, args, prop, hint", [m[1:] for m in MISTAKES], ids=[m[0] for m in MISTAKES])
def test_typical_mistake_fails_with_the_right_message(check, args, prop, hint, capsys):
    result, out = run(check, *args, capsys=capsys)
    assert not result and result.passed is False
    bad = [line for line in failed_lines(out) if prop in line]
    assert bad, f"expected a ✗ on the property '{prop}':\n{out}"
    assert hint in bad[0], f"expected the hint '{hint}' in:\n{bad[0]}"
    assert result.n_failed == len(failed_lines(out)) or "more check" in out
    assert repr(result).endswith(f"of {result.n_checks} checks failed {FAIL}")


def test_messages_are_in_plain_words(capsys):
    _, out = run(checks.check_softmax, naive_softmax, capsys=capsys)
    line = failed_lines(out)[0]
    assert line == ("  stable for large logits (±1000): got [nan nan nan] for logits (1000, 999, 998) ✗ — "
                    "subtract the row maximum first: e^1000 overflows to inf and inf / inf is nan")
    assert "  rows sum to 1 ✓" in out.splitlines()


def test_dropout_with_the_global_generator_passes_and_leaves_it_alone(capsys):
    np.random.seed(123)
    expected_next = np.random.random_sample()
    np.random.seed(123)
    result, out = run(checks.check_dropout, DropoutGlobalRandom, capsys=capsys)
    assert result, out
    assert np.random.random_sample() == expected_next, "the check restores NumPy's global random state"


# =========================================================================== unfinished and broken code


def raise_not_implemented(*args, **kwargs):
    raise NotImplementedError("Exercise ex-00-demo: write your code here")


class NotImplementedLayer:
    def __init__(self, *args, **kwargs):
        self.params = {"W": np.zeros((3, 4)), "b": np.zeros((1, 4))}
        self.grads = {}
        self.weights = self.params["W"]

    forward = backward = step = raise_not_implemented


class NotImplementedClass:
    """What the student edition makes of a solution that defines a class: every method raises."""

    def __init__(self, *args, **kwargs):
        raise NotImplementedError("Exercise ex-00-demo: write your code here")


STUBS = {
    "check_neuron": (raise_not_implemented,),
    "check_layer": (raise_not_implemented,),
    "check_dense": (NotImplementedClass,),
    "check_relu": (raise_not_implemented,),
    "check_sigmoid": (raise_not_implemented,),
    "check_softmax": (raise_not_implemented,),
    "check_categorical_crossentropy": (raise_not_implemented,),
    "check_accuracy": (raise_not_implemented,),
    "check_logit_slopes": (raise_not_implemented, raise_not_implemented),
    "check_numerical_derivative": (raise_not_implemented,),
    "check_numerical_gradient": (raise_not_implemented,),
    "check_dense_backward": (NotImplementedLayer,),
    "check_relu_backward": (NotImplementedLayer,),
    "check_softmax_backward": (NotImplementedLayer,),
    "check_softmax_crossentropy_backward": (raise_not_implemented,),
    "check_sgd": (NotImplementedLayer,),
    "check_adam": (NotImplementedLayer,),
    "check_l2_penalty": (raise_not_implemented, raise_not_implemented),
    "check_dropout": (NotImplementedLayer,),
    "check_mse": (raise_not_implemented,),
}


@pytest.mark.parametrize("name", sorted(STUBS))
@pytest.mark.parametrize("kind", ["stub", "class-stub"])
def test_not_implemented_stub_is_reported_not_raised(name, kind, capsys):
    args = STUBS[name]
    if kind == "class-stub":
        args = tuple(NotImplementedClass if isinstance(a, type) else a for a in args)
    result, out = run(getattr(checks, name), *args, capsys=capsys)
    assert not result
    lines = failed_lines(out)
    assert len(lines) == 1, "one line for an unfinished exercise, not one per property"
    assert "is not written yet (NotImplementedError: Exercise ex-00-demo: write your code here)" in lines[0]
    assert "replace" not in out or "raise NotImplementedError" in out
    assert result.n_failed == result.n_checks


@pytest.mark.parametrize("name", sorted(STUBS))
def test_broken_code_is_reported_not_raised(name, capsys):
    def broken(*args, **kwargs):
        raise ZeroDivisionError("division by zero")

    class Broken:
        def __init__(self, *args, **kwargs):
            raise ZeroDivisionError("division by zero")

    args = tuple(Broken if isinstance(a, type) else broken for a in STUBS[name])
    result, out = run(getattr(checks, name), *args, capsys=capsys)
    assert not result
    assert "raised ZeroDivisionError: division by zero" in out


@pytest.mark.parametrize("name", sorted(STUBS))
def test_sys_exit_is_reported_not_raised(name, capsys):
    """SystemExit is no Exception: a check that caught only Exception let sys.exit() end it."""
    def exits(*args, **kwargs):
        sys.exit(1)

    class Exits:
        def __init__(self, *args, **kwargs):
            sys.exit("stop")

    args = tuple(Exits if isinstance(a, type) else exits for a in STUBS[name])
    result, out = run(getattr(checks, name), *args, capsys=capsys)
    assert not result
    assert "called sys.exit() (SystemExit: " in out and "return the result instead" in out


def test_other_base_exceptions_are_reported_but_keyboard_interrupt_stops_the_check(capsys):
    class Stop(BaseException):
        pass

    def stops(z):
        raise Stop("here")

    result, out = run(checks.check_softmax, stops, capsys=capsys)
    assert not result and "stops raised Stop: here" in out

    def interrupted(z):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        checks.check_softmax(interrupted)


@pytest.mark.parametrize("name", sorted(STUBS))
@pytest.mark.parametrize("value", [None, 3, "softmax"], ids=["None", "int", "str"])
def test_something_that_is_not_code_is_reported(name, value, capsys):
    args = (value,) + STUBS[name][1:]
    result, out = run(getattr(checks, name), *args, capsys=capsys)
    assert not result
    assert FAIL in out


@pytest.mark.parametrize("value", [None, "probabilities", [[1, 2]], np.zeros((2, 2))])
def test_odd_return_values_are_reported(value, capsys):
    result, out = run(checks.check_softmax, lambda z: value, capsys=capsys)
    assert not result
    if value is None:
        assert "returned None ✗ — add a `return` statement" in out


def test_learners_prints_are_hidden_and_reports_are_repeatable(capsys):
    def chatty_softmax(z):
        print("debugging:", z.shape)
        return naive_softmax(z)

    first, out1 = run(checks.check_softmax, chatty_softmax, capsys=capsys)
    second, out2 = run(checks.check_softmax, chatty_softmax, capsys=capsys)
    assert "debugging" not in out1
    assert out1 == out2 and first.lines == second.lines


def test_result_object():
    result = checks.CheckResult("check_x(f)", ["check_x(f):", "  a ✓", "  b ✗ — fix"], n_checks=2, n_failed=1)
    assert not result and result.passed is False
    assert repr(result) == "check_x(f): 1 of 2 checks failed ✗"
    assert str(result).splitlines() == result.lines + [repr(result)]
    assert checks.CheckResult("check_x(f)", [], 2, 0)
