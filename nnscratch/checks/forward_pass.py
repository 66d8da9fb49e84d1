r"""The self-checks of Part I, the forward pass (chapters 1-6): a neuron, a layer, the Dense class,
ReLU, the sigmoid, softmax, the cross-entropy loss and accuracy, and the slopes of the squared error
and the cross-entropy with respect to a sigmoid's logit."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
from numpy.random import default_rng

from ..layers import Sigmoid, Softmax
from ..losses import CategoricalCrossentropy
from ..metrics import accuracy as _ref_accuracy
from .harness import (Checker, Failure, as_array, as_number, build, call, check, expect_close,
                      expect_number, expect_shape, expect_unchanged, fmt, forward_fn,
                      leaves_unchanged, name_of, record_warnings, set_weights, weights_of)

# ================================================================================================
# Chapters 1-3: a neuron, a layer, the Dense class
# ================================================================================================


@check()
def check_neuron(c: Checker, neuron: Callable) -> None:
    """Check ``neuron(inputs, weights, bias) -> float``: $z = \\sum_i w_i x_i + b$ (chapter 1)."""
    f = forward_fn(neuron)

    def number(out: Any) -> float:
        return as_number(out, name_of(neuron), "add the products up into one number (sum)")

    def book_example() -> None:
        got = number(f([1.0, 2.0, 3.0, 2.5], [0.2, 0.8, -0.5, 1.0], 2.0))
        expect_number(got, 4.8, "multiply each input by its weight, add them up, add the bias",
                      spec=".4g", rtol=1e-9)

    def arrays() -> None:
        r = default_rng(1)
        x, w, b = r.standard_normal(5), r.standard_normal(5), float(r.standard_normal())
        expect_close(number(f(x, w, b)), float(w @ x + b),
                     "the output is the sum of w_i * x_i over all inputs, plus b")

    def bias_once() -> None:
        got = number(f([0.0, 0.0, 0.0], [1.0, 2.0, 3.0], 0.5))
        if np.isclose(got, 1.5):
            raise Failure("got 1.5 for zero inputs and bias 0.5",
                          "add the bias once, after the sum, not to every product")
        if not np.isclose(got, 0.5):
            raise Failure(f"got {fmt(got)} for zero inputs and bias 0.5, expected 0.5",
                          "with all inputs zero the output is the bias")

    c.prop("the book's example (inputs 1, 2, 3, 2.5) gives 4.8", book_example,
           "it must accept Python lists; np.dot(weights, inputs) + bias does")
    c.prop("works on NumPy arrays of 5 inputs", arrays)
    c.prop("adds the bias once", bias_once)


_CH2_X = np.array([[1.0, 2.0, 3.0, 2.5], [2.0, 5.0, -1.0, 2.0], [-1.5, 2.7, 3.3, -0.8]])
_CH2_W = np.array([[0.2, 0.8, -0.5, 1.0], [0.5, -0.91, 0.26, -0.5], [-0.26, -0.27, 0.17, 0.87]]).T
_CH2_B = np.array([2.0, 3.0, 0.5])


@check()
def check_layer(c: Checker, layer_output: Callable) -> None:
    """Check ``layer_output(inputs, weights, biases)``: $Z = XW + b$ for a batch ``inputs`` of shape
    ``(batch, n_inputs)``, ``weights`` of shape ``(n_inputs, n_neurons)`` and ``biases`` of shape
    ``(n_neurons,)``; returns ``(batch, n_neurons)`` (chapter 2)."""
    f = forward_fn(layer_output)
    hint_layout = "compute inputs @ weights + biases, with weights of shape (n_inputs, n_neurons)"

    def book_example() -> None:
        expect_close(f(_CH2_X, _CH2_W, _CH2_B), _CH2_X @ _CH2_W + _CH2_B, hint_layout)

    def random_batch() -> None:
        r = default_rng(2)
        X, W, b = r.standard_normal((7, 3)), r.standard_normal((3, 2)), r.standard_normal(2)
        out = as_array(f(X, W, b), name_of(layer_output))
        expect_shape(out, (7, 2), "the output has one row per sample and one column per neuron: "
                                  "(batch, n_neurons)")
        expect_close(out, X @ W + b, hint_layout)

    def bias_per_neuron() -> None:
        b = np.array([1.0, 2.0, 3.0])
        out = as_array(f(np.zeros((3, 2)), np.ones((2, 3)), b), name_of(layer_output))
        expect_close(out, np.tile(b, (3, 1)),
                     "every sample (row) gets the same bias row added; keep biases of shape "
                     "(n_neurons,)")

    def one_sample() -> None:
        x = _CH2_X[:1]
        expect_close(f(x, _CH2_W, _CH2_B), x @ _CH2_W + _CH2_B, hint_layout)

    c.prop("the book's example (chapter 2) gives its outputs", book_example, hint_layout)
    c.prop("a batch of 7 samples, 3 inputs, 2 neurons gives shape (7, 2) and X @ W + b",
           random_batch, hint_layout)
    c.prop("adds neuron j's bias to column j of every row", bias_per_neuron, hint_layout)
    c.prop("works for one sample given as a row of shape (1, 4)", one_sample, hint_layout)


@check()
def check_dense(c: Checker, Dense_: type) -> None:
    """Check a ``Dense`` class: ``Dense(n_inputs, n_neurons)`` (``rng=`` is passed when accepted)
    with weights of shape ``(n_inputs, n_neurons)`` scaled by 0.01, zero biases of shape
    ``(1, n_neurons)`` (in ``params["W"]``/``params["b"]`` or ``weights``/``biases``), and
    ``forward(x) = x @ W + b`` (chapter 3)."""
    r = default_rng(3)
    hint_forward = "forward must return x @ W + b, with W of shape (n_inputs, n_neurons)"

    def shapes() -> None:
        layer = build(Dense_, 3, 4, rng=default_rng(0))
        W, b = weights_of(layer)
        W, b = as_array(W, "weights"), as_array(b, "biases")
        if W.shape == (4, 3):
            raise Failure("weights have shape (4, 3) for Dense(3, 4)",
                          "that is W transposed: one row per input, one column per neuron, "
                          "shape (n_inputs, n_neurons)")
        expect_shape(W, (3, 4), "weights have shape (n_inputs, n_neurons)")
        if b.shape != (1, 4):
            raise Failure(f"biases have shape {b.shape}, expected (1, 4)",
                          "use np.zeros((1, n_neurons))")
        if np.any(b != 0):
            raise Failure(f"biases are {fmt(b)}", "biases start at zero")

    def scale() -> None:
        layer = build(Dense_, 200, 50, rng=default_rng(1))
        W = as_array(weights_of(layer)[0], "weights")
        std = float(W.std())
        if not 0.008 < std < 0.012 or abs(float(W.mean())) > 0.002:
            raise Failure(f"the weights have mean {float(W.mean()):.4f} "
                          f"and standard deviation {std:.4f}",
                          "draw standard normal numbers (rng.standard_normal) "
                          "and multiply them by 0.01")

    def forward() -> None:
        layer = build(Dense_, 3, 4, rng=default_rng(0))
        W, b, X = r.standard_normal((3, 4)), r.standard_normal((1, 4)), r.standard_normal((5, 3))
        set_weights(layer, W, b)
        out = as_array(call(layer.forward, X, where=f"{name_of(Dense_)}.forward"), "forward")
        expect_shape(out, (5, 4), "the output has shape (batch, n_neurons)")
        expect_close(out, X @ W + b, hint_forward)

    def batch_sizes() -> None:
        layer = build(Dense_, 3, 4, rng=default_rng(0))
        W, b = r.standard_normal((3, 4)), r.standard_normal((1, 4))
        set_weights(layer, W, b)
        for n in (1, 64):
            X = r.standard_normal((n, 3))
            out = call(layer.forward, X, where=f"{name_of(Dense_)}.forward")
            expect_close(out, X @ W + b, hint_forward)

    c.prop("Dense(3, 4) has weights of shape (3, 4) and zero biases of shape (1, 4)", shapes,
           "the constructor takes (n_inputs, n_neurons), like Dense(3, 4)")
    c.prop("weights start as small random numbers (standard deviation 0.01)", scale)
    c.prop("forward(x) returns x @ W + b, shape (5, 4) for 5 samples", forward, hint_forward)
    c.prop("works for batches of 1 and 64 samples", batch_sizes, hint_forward)


# ================================================================================================
# Chapters 4-6: activations, softmax, loss and accuracy
# ================================================================================================


@check()
def check_relu(c: Checker, relu: Any) -> None:
    """Check ReLU, $\\max(0, z)$ element-wise: a function of a 2-D array, or a class with
    ``forward`` (chapter 4)."""
    f = forward_fn(relu)

    def negatives() -> None:
        z = np.array([[-3.0, -0.5, -0.001]])
        out = as_array(f(z.copy()), name_of(relu))
        if out.shape == z.shape and np.allclose(out, -z):
            raise Failure(f"got {fmt(out)} for {fmt(z)}",
                          "that is the absolute value: ReLU sets negative numbers to 0 "
                          "(np.maximum(0, z))")
        expect_close(out, np.zeros_like(z), "ReLU sets negative numbers to 0: np.maximum(0, z)")

    def positives() -> None:
        z = np.array([[0.5, 2.0, 1000.0]])
        expect_close(f(z.copy()), z, "ReLU keeps positive numbers as they are")

    def zero() -> None:
        expect_close(f(np.zeros((1, 3))), np.zeros((1, 3)), "relu(0) = max(0, 0) = 0")

    def batch() -> None:
        z = 2 * default_rng(4).standard_normal((4, 3))
        expect_close(f(z.copy()), np.maximum(0, z),
                     "apply max(0, z) to every entry; the shape stays (4, 3)")

    unchanged = leaves_unchanged(
        f, 2 * default_rng(5).standard_normal((4, 3)), changed="the input was changed",
        hint="do not overwrite the input; np.maximum(0, z) makes a new array")

    c.prop("negative inputs give 0", negatives)
    c.prop("positive inputs pass through unchanged", positives)
    c.prop("relu(0) = 0", zero)
    c.prop("a batch of shape (4, 3) keeps its shape and matches max(0, z)", batch)
    c.prop("leaves its input unchanged", unchanged)


@check()
def check_sigmoid(c: Checker, sigmoid: Any) -> None:
    """Check the sigmoid $1/(1 + e^{-z})$ element-wise, also that it never overflows: a function of
    a 2-D array, or a class with ``forward`` (chapter 4)."""
    f = forward_fn(sigmoid)
    ref = Sigmoid()

    def half() -> None:
        expect_close(f(np.zeros((1, 1))), np.full((1, 1), 0.5), "sigmoid(0) = 1 / (1 + e^0) = 0.5")

    def matches() -> None:
        z = 3 * default_rng(6).standard_normal((4, 3))
        expect_close(f(z.copy()), ref.forward(z), "compute 1 / (1 + np.exp(-z)) for every entry")

    def between() -> None:
        z = np.linspace(-30, 30, 13).reshape(1, -1)
        out = as_array(f(z), name_of(sigmoid))
        expect_shape(out, z.shape, "the output has the input's shape")
        if np.any(out < 0) or np.any(out > 1) or np.any(np.diff(out[0]) < 0):
            raise Failure(f"got {fmt(out)}", "the sigmoid rises from 0 to 1")

    def no_overflow() -> None:
        z = np.array([[-1000.0, -750.0, 0.0, 750.0, 1000.0]])
        with record_warnings() as caught:
            out = as_array(f(z.copy()), name_of(sigmoid))
        expect_close(out, ref.forward(z), "the sigmoid of -1000 is 0 and of 1000 is 1"
                     + ("" if np.isfinite(out).all() else
                         "; for z < 0 compute e^z / (1 + e^z), which cannot overflow"))
        overflow = [m for m in caught if "overflow" in m]
        if overflow:
            raise Failure(f"NumPy warned '{overflow[0]}'",
                          "np.exp(-z) overflows for z < -709; "
                          "for negative z use e^z / (1 + e^z) instead")

    unchanged = leaves_unchanged(f, default_rng(7).standard_normal((3, 3)),
                                 changed="the input was changed", hint="do not overwrite the input")

    c.prop("sigmoid(0) = 0.5", half)
    c.prop("matches 1 / (1 + e^-z) on random inputs", matches)
    c.prop("outputs rise from 0 to 1 and keep the input's shape", between)
    c.prop("z = ±750 and ±1000 give 0 and 1 without overflow", no_overflow)
    c.prop("leaves its input unchanged", unchanged)


@check()
def check_softmax(c: Checker, softmax: Any) -> None:
    """Check softmax over each row of a batch of logits ``(N, K)``: a function, or a class with
    ``forward`` (chapter 5)."""
    f = forward_fn(softmax)
    ref = Softmax()
    hint_rows = "divide each row by its own sum: e / e.sum(axis=1, keepdims=True)"

    def rows_sum() -> None:
        z = 3 * default_rng(8).standard_normal((4, 3))
        out = as_array(f(z.copy()), name_of(softmax))
        expect_shape(out, z.shape, "the output has the shape of the logits")
        sums = out.sum(axis=1)
        if not np.allclose(sums, 1.0, rtol=1e-9, atol=1e-9):
            raise Failure(f"the row sums are {fmt(sums)}", hint_rows)

    def matches() -> None:
        z = 3 * default_rng(9).standard_normal((5, 5))
        expect_close(f(z.copy()), ref.forward(z), hint_rows)

    def in_range() -> None:
        out = as_array(f(3 * default_rng(10).standard_normal((6, 4))), name_of(softmax))
        if np.any(out < 0) or np.any(out > 1):
            raise Failure(f"got values from {out.min():.4g} to {out.max():.4g}",
                          "exponentiate first: np.exp(z) is positive")

    def stable() -> None:
        z = np.array([[1000.0, 999.0, 998.0], [-1000.0, -1000.0, -1001.0]])
        out = as_array(f(z.copy()), name_of(softmax))
        want = ref.forward(z)
        if out.shape == want.shape and not np.isfinite(out).all():
            if np.isfinite(out[0]).all():
                raise Failure(f"got {fmt(out)} for the row (-1000, -1000, -1001)",
                              "subtract each row's own maximum (max(axis=1, keepdims=True)), "
                              "not the batch's")
            raise Failure(f"got {fmt(out[0])} for logits (1000, 999, 998)",
                          "subtract the row maximum first: "
                          "e^1000 overflows to inf and inf / inf is nan")
        if out.shape == want.shape and not np.allclose(out.sum(axis=1), 1.0):
            raise Failure(f"got {fmt(out)}, expected {fmt(want)}", hint_rows)
        expect_close(out, want, "subtract each row's maximum before np.exp")

    def rows_independent() -> None:
        z = 3 * default_rng(11).standard_normal((4, 3))
        batch = as_array(f(z.copy()), name_of(softmax))
        one_by_one = np.vstack([as_array(f(z[i:i + 1].copy()), name_of(softmax)).reshape(1, -1)
                                for i in range(4)])
        expect_close(batch, one_by_one,
                     "each row is normalised on its own; nothing may mix the rows")

    def single_row() -> None:
        z = np.array([[2.0, 1.0, 0.1]])
        expect_close(f(z.copy()), ref.forward(z),
                     "a single sample is a batch of one row, shape (1, K)")

    unchanged = leaves_unchanged(
        f, 3 * default_rng(12).standard_normal((4, 3)), changed="the logits were changed",
        hint="z = z - z.max(...) makes a new array; z -= ... overwrites the caller's logits")

    c.prop("rows sum to 1", rows_sum, hint_rows)
    c.prop("matches nnscratch.Softmax on random logits (5 x 5)", matches, hint_rows)
    c.prop("all probabilities lie between 0 and 1", in_range)
    c.prop("stable for large logits (±1000)", stable, "subtract each row's maximum before np.exp")
    c.prop("a batch gives the same rows as one sample at a time", rows_independent, hint_rows)
    c.prop("works for a single row of shape (1, 3)", single_row)
    c.prop("leaves its input unchanged", unchanged)


_CH6_PRED = np.array([[0.7, 0.1, 0.2], [0.1, 0.5, 0.4], [0.02, 0.9, 0.08]])
_CH6_LABELS = np.array([0, 1, 1])


@check()
def check_categorical_crossentropy(c: Checker, loss: Any) -> None:
    """Check the mean categorical cross-entropy ``loss(y_pred, y_true) -> float`` for integer labels
    ``(N,)`` and one-hot labels ``(N, K)``, with probabilities clipped to $[10^{-7}, 1 - 10^{-7}]$:
    a function, or a class with ``forward`` (chapter 6)."""
    f = forward_fn(loss)
    ref = CategoricalCrossentropy()
    want = float(-np.mean(np.log([0.7, 0.5, 0.9])))
    hint_pick = ("take -log of each row's probability of its true class: "
                 "y_pred[np.arange(N), labels]")
    hint_mean = "return the mean over the samples, not the sum"

    def number(out: Any) -> float:
        return as_number(out, name_of(loss),
                         "return the mean over the samples (np.mean), one number")

    def integer_labels() -> None:
        got = number(f(_CH6_PRED.copy(), _CH6_LABELS.copy()))
        if np.isclose(got, 3 * want):
            raise Failure(f"got {got:.4f}, the sum over the samples", hint_mean)
        expect_number(got, want, hint_pick)

    def one_hot_labels() -> None:
        got = number(f(_CH6_PRED.copy(), np.eye(3)[_CH6_LABELS]))
        expect_number(got, want, "for one-hot rows y, use -sum(y * log(y_pred), axis=1) "
                                 "or turn them into labels with argmax(axis=1)")

    def random_batch() -> None:
        r = default_rng(13)
        probs = Softmax().forward(3 * r.standard_normal((20, 4)))
        labels = r.integers(0, 4, size=20)
        got = number(f(probs.copy(), labels))
        expected = ref.forward(probs, labels)
        if np.isclose(got, 20 * expected, rtol=1e-6):
            raise Failure(f"got {got:.4f}, the sum over the samples", hint_mean)
        expect_number(got, expected, hint_pick)

    def clipped() -> None:
        pred = np.array([[1.0, 0.0, 0.0], [0.1, 0.5, 0.4]])
        got = number(f(pred.copy(), np.array([1, 1])))
        expected = ref.forward(pred, np.array([1, 1]))
        if not np.isfinite(got):
            raise Failure(f"got {fmt(got)}",
                          "clip the probabilities to [1e-7, 1 - 1e-7] before the log: "
                          "-log(0) is infinite")
        if np.isclose(got, 2 * expected, rtol=1e-6):
            raise Failure(f"got {got:.4f}, the sum over the samples", hint_mean)
        if not np.isclose(got, expected, rtol=1e-6):
            raise Failure(f"got {got:.4f}, expected {expected:.4f} (a zero probability costs "
                          "-log(1e-7) = 16.1181)",
                          "clip with np.clip(y_pred, 1e-7, 1 - 1e-7), as the book does")

    unchanged = leaves_unchanged(
        lambda pred: f(pred, np.array([0, 1])), np.array([[1.0, 0.0, 0.0], [0.1, 0.5, 0.4]]),
        changed="y_pred was changed",
        hint="np.clip(y_pred, ...) returns a new array; do not clip with out=y_pred")

    c.prop(f"integer labels: the book's example gives {want:.4f}", integer_labels, hint_pick)
    c.prop("one-hot labels give the same loss", one_hot_labels,
           "handle y_true.ndim == 2 (one-hot rows) too")
    c.prop("matches nnscratch.CategoricalCrossentropy on 20 random samples", random_batch,
           hint_pick)
    c.prop("a probability of 0 for the true class gives a finite loss (clipping)", clipped)
    c.prop("leaves y_pred unchanged", unchanged)


@check()
def check_accuracy(c: Checker, accuracy: Callable) -> None:
    """Check ``accuracy(y_pred, y_true) -> float``, the fraction of rows whose largest probability
    is at the true class, for integer and one-hot labels (chapter 6)."""
    f = forward_fn(accuracy)
    pred = np.array([[0.7, 0.2, 0.1], [0.1, 0.5, 0.4], [0.3, 0.3, 0.4], [0.2, 0.3, 0.5]])
    labels = np.array([0, 1, 0, 2])
    hint = "compare y_pred.argmax(axis=1) with the labels and take the mean"

    def number(out: Any) -> float:
        return as_number(out, name_of(accuracy), "return one number: the mean of the comparisons")

    def integer_labels() -> None:
        got = number(f(pred.copy(), labels.copy()))
        if np.isclose(got, 3):
            raise Failure("got 3, the number of correct samples",
                          "divide by the number of samples (np.mean of the comparisons)")
        expect_number(got, 0.75, hint, spec=".4g", rtol=1e-5)

    def one_hot() -> None:
        got = number(f(pred.copy(), np.eye(3)[labels]))
        expect_number(got, 0.75, "turn one-hot rows into labels first: y_true.argmax(axis=1)",
                      spec=".4g", rtol=1e-5)

    def random_batch() -> None:
        r = default_rng(14)
        probs = Softmax().forward(r.standard_normal((50, 4)))
        y = r.integers(0, 4, size=50)
        got, expected = number(f(probs.copy(), y)), _ref_accuracy(probs, y)
        expect_number(got, expected, hint, spec=".4g", rtol=1e-5)

    c.prop("integer labels: 3 of 4 right gives 0.75", integer_labels, hint)
    c.prop("one-hot labels give the same accuracy", one_hot,
           "handle y_true.ndim == 2 (one-hot rows) too")
    c.prop("matches nnscratch.accuracy on 50 random samples", random_batch, hint)


# The logits of chapter 6's table of slopes (one sigmoid output, "Why not the squared error?").
_CH6_Z = np.array([-10.0, -5.0, -2.0, 0.0, 2.0, 5.0])


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))


def _fmt_slopes(values: Any) -> str:
    """Slopes as 3 significant digits each: they range from 1e-5 to 1 in size."""
    arr = np.atleast_1d(np.asarray(values, dtype=np.float64))
    return "[" + " ".join(f"{x:.3g}" for x in arr.ravel()) + "]"


@check("function", "function")
def check_logit_slopes(c: Checker, mse_slope: Callable, ce_slope: Callable) -> None:
    r"""Check ``mse_slope(z, y)`` and ``ce_slope(z, y)``: for one sigmoid output $s = \sigma(z)$ with
    label ``y`` (0 or 1), the slopes with respect to the logit ``z`` of the squared error
    $(s - y)^2$ and of the cross-entropy $-[y \log s + (1 - y) \log(1 - s)]$, that is
    $2(s - y)\,s(1 - s)$ and $s - y$, entry by entry for arrays ``z`` and ``y`` of the same shape
    (chapter 6)."""
    f_mse, f_ce = forward_fn(mse_slope), forward_fn(ce_slope)
    hint_arrays = ("z and y are arrays of the same shape: compute element-wise with NumPy "
                   "(np.exp, +, *), without if, float() or math.exp")
    hint_sign = ("mind the sign: the loss falls as s moves towards the label y, so the slope is "
                 "(s - y) times a positive factor, not (y - s)")
    hint_loss = "that is the loss itself; return its slope with respect to z"

    def compare(f: Callable, name: str, z: np.ndarray, y: np.ndarray, want: np.ndarray,
                mistakes: list[tuple[np.ndarray, str]], hint: str) -> None:
        got = as_array(f(z.copy(), y.copy()), name)
        if got.shape != want.shape:
            raise Failure(f"got shape {got.shape} for logits of shape {want.shape}", hint_arrays)
        if np.allclose(got, want, rtol=1e-6, atol=1e-12):
            return
        why = next((why for wrong, why in mistakes
                    if np.allclose(got, wrong, rtol=1e-6, atol=1e-12)), hint)
        raise Failure(f"got {_fmt_slopes(got)}, expected {_fmt_slopes(want)}", why)

    z = _CH6_Z
    s = _sigmoid(z)
    hint_mse = ("the slope of (s - y)^2 with respect to z is 2(s - y) s(1 - s), "
                "with s = sigmoid(z)")
    hint_ce = "the slope of the cross-entropy with respect to z is s - y, with s = sigmoid(z)"
    hint_label = ("use the label: (s - y), not (s - 1) for every label; with label 0 the loss is "
                  "the mirror image of label 1's")

    def mse_mistakes(y: float) -> list[tuple[np.ndarray, str]]:
        return [
            (2 * (s - y), "2(s - y) is the slope with respect to s; z acts on the loss through "
                          "the sigmoid, so multiply by the sigmoid's slope s(1 - s)"),
            ((s - y) * s * (1 - s), "the slope of (s - y)^2 with respect to s is 2(s - y): "
                                    "keep the factor 2"),
            (-2 * (s - y) * s * (1 - s), hint_sign),
            (2 * (s - 1) * s * (1 - s), hint_label),
            ((s - y) ** 2, hint_loss),
        ]

    def ce_mistakes(y: float) -> list[tuple[np.ndarray, str]]:
        return [
            (-y / s + (1 - y) / (1 - s), "that is the slope with respect to s; multiply by the "
                                         "sigmoid's slope s(1 - s), which gives s - y"),
            (y - s, hint_sign),
            (s - 1, hint_label),
            (-(y * np.log(s) + (1 - y) * np.log(1 - s)), hint_loss),
        ]

    def mse_label(y: float) -> Callable[[], None]:
        return lambda: compare(f_mse, name_of(mse_slope), z, np.full_like(z, y),
                               2 * (s - y) * s * (1 - s), mse_mistakes(y), hint_mse)

    def ce_label(y: float) -> Callable[[], None]:
        return lambda: compare(f_ce, name_of(ce_slope), z, np.full_like(z, y), s - y,
                               ce_mistakes(y), hint_ce)

    def measured() -> None:
        # the slopes measured by nudging z by h both ways (central differences of the losses)
        r = default_rng(15)
        zr, yr = 4 * r.standard_normal(20), r.integers(0, 2, size=20)
        h = 1e-5

        def mse(zz: np.ndarray) -> np.ndarray:
            return (_sigmoid(zz) - yr) ** 2

        def ce(zz: np.ndarray) -> np.ndarray:
            sz = _sigmoid(zz)
            return -(yr * np.log(sz) + (1 - yr) * np.log(1 - sz))

        for f, fn, loss, hint in ((f_mse, mse_slope, mse, hint_mse),
                                  (f_ce, ce_slope, ce, hint_ce)):
            want = (loss(zr + h) - loss(zr - h)) / (2 * h)
            got = as_array(f(zr.copy(), yr.copy()), name_of(fn))
            if got.shape != want.shape:
                raise Failure(f"{name_of(fn)} gave shape {got.shape} for 20 logits", hint_arrays)
            if not np.allclose(got, want, rtol=1e-5, atol=1e-9):
                i = int(np.argmax(np.abs(got - want)))
                raise Failure(f"{name_of(fn)} gave {got[i]:.4g} at z = {zr[i]:.4g}, label "
                              f"{yr[i]}; the measured slope is {want[i]:.4g}", hint)

    def unchanged() -> None:
        zr, yr = np.array([-3.0, 0.5, 4.0]), np.array([1.0, 0.0, 1.0])
        for f, fn in ((f_mse, mse_slope), (f_ce, ce_slope)):
            zc, yc = zr.copy(), yr.copy()
            f(zc, yc)
            expect_unchanged(zr, zc, f"{name_of(fn)} changed z", "compute s = sigmoid(z) into a "
                             "new array; do not write into z (z -= ..., out=z)")
            expect_unchanged(yr, yc, f"{name_of(fn)} changed y", "do not write into y")

    c.prop("squared error, label 1: 2(s - 1) s(1 - s) at z = -10, -5, -2, 0, 2, 5",
           mse_label(1.0), hint_arrays)
    c.prop("squared error, label 0: 2(s - 0) s(1 - s) at the same z", mse_label(0.0), hint_arrays)
    c.prop("cross-entropy, label 1: s - 1 at z = -10, -5, -2, 0, 2, 5", ce_label(1.0), hint_arrays)
    c.prop("cross-entropy, label 0: s - 0 at the same z", ce_label(0.0), hint_arrays)
    c.prop("both match the slopes measured by nudging z (20 random logits, labels 0 and 1)",
           measured, hint_arrays)
    c.prop("both leave z and y unchanged", unchanged, hint_arrays)
