r"""The self-checks of Part II, learning (chapters 7-11): numerical derivatives and gradients, the
backward passes of Dense, ReLU, softmax and the cross-entropy, SGD, the noise of a mini-batch
gradient, and Adam. (Chapter 7 reuses the checks of chapter 6.)"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
from numpy.random import default_rng

from ..gradcheck import numerical_gradient, relative_error
from ..layers import Dense, ReLU, Softmax
from ..losses import CategoricalCrossentropy
from ..optimizers import SGD, Adam
from .harness import (Checker, Failure, LearnerError, as_array, as_number, build, call, check,
                      expect_close, expect_number, expect_shape, fmt, leaves_unchanged, name_of,
                      returned_grad, set_weights)

# ================================================================================================
# Chapter 8: numerical derivatives and gradients
# ================================================================================================


@check()
def check_numerical_derivative(c: Checker, derivative: Callable) -> None:
    """Check ``derivative(f, x, h) -> float``, the central difference
    $(f(x + h) - f(x - h)) / 2h$ of a function of one number (chapter 8)."""
    hint_central = "use the central difference (f(x + h) - f(x - h)) / (2 * h)"

    def run(fn: Callable[[float], float], x: float, h: float) -> float:
        return as_number(call(derivative, fn, x, h, where=name_of(derivative)), name_of(derivative))

    def diagnose(got: float, fn: Callable[[float], float], x: float, h: float,
                 exact: float) -> None:
        forward = (fn(x + h) - fn(x)) / h
        if (np.isclose(got, forward, rtol=1e-12, atol=0)
                and not np.isclose(forward, exact, rtol=1e-9)):
            raise Failure(f"got {got:.10g}, the forward difference (exact: {exact:.10g})",
                          "the forward difference is off by about h; " + hint_central)
        for factor, fix in ((2.0, "divide by 2 * h, not h"), (0.5, "divide by 2 * h, not 4 * h")):
            if np.isclose(got, factor * exact, rtol=1e-6):
                raise Failure(f"got {got:.10g}, {factor:g} times the derivative {exact:.10g}", fix)
        raise Failure(f"got {got:.10g}, expected {exact:.10g}", hint_central)

    def case(fn: Callable[[float], float], x: float, h: float, exact: float,
             tol: float) -> Callable[[], None]:
        def test() -> None:
            got = run(fn, x, h)
            if not abs(got - exact) <= tol * max(1.0, abs(exact)):
                diagnose(got, fn, x, h, exact)
        return test

    c.prop("derivative of x^2 at x = 3 is 6 (h = 1e-5)",
           case(lambda x: x * x, 3.0, 1e-5, 6.0, 1e-8), hint_central)
    c.prop("derivative of sin at x = 0 is 1", case(np.sin, 0.0, 1e-5, 1.0, 1e-8), hint_central)
    c.prop("derivative of e^x at x = 1 is e", case(np.exp, 1.0, 1e-5, float(np.e), 1e-8),
           hint_central)
    c.prop("error shrinks like h^2: x^3 at x = 2 with h = 1e-3 is within 1e-5 of 12",
           case(lambda x: x ** 3, 2.0, 1e-3, 12.0, 1e-5 / 12), hint_central)


@check()
def check_numerical_gradient(c: Checker, gradient: Callable) -> None:
    """Check ``gradient(f, x, h) -> array``: the central-difference gradient of the scalar ``f()``
    with respect to every entry of the array ``x``, which ``f`` reads and which must be restored
    afterwards (chapter 8; the package's version is ``nnscratch.numerical_gradient``)."""
    hint = ("for each index i: set x[i] = old + h, call f(), set x[i] = old - h, call f(), "
            "put x[i] = old back")

    def run(f: Callable[[], float], x: np.ndarray) -> np.ndarray:
        return as_array(call(gradient, f, x, 1e-6, where=name_of(gradient)), name_of(gradient))

    def matrix() -> None:
        w = default_rng(15).standard_normal((2, 3))

        def f() -> float:
            return float(np.sum(w ** 2) + np.sum(np.exp(w)))
        exact = 2 * w + np.exp(w)
        got = run(f, w)
        expect_shape(got, w.shape, "the gradient has the shape of x")
        err = relative_error(got, exact)
        if not err < 1e-7:
            raise Failure(f"relative error {err:.2g}", hint)

    def restored() -> None:
        w = default_rng(16).standard_normal((3, 2))
        saved = w.copy()
        run(lambda: float(np.sum(w ** 3)), w)
        if not np.array_equal(w, saved):
            raise Failure(f"x changed by up to {np.abs(w - saved).max():.2g}",
                          "put each entry back (x[i] = old) after the two calls of f")

    def vector() -> None:
        v = np.array([0.5, -1.0, 2.0])
        got = run(lambda: float(np.sum(np.sin(v))), v)
        expect_shape(got, v.shape, "the gradient has the shape of x")
        err = relative_error(got, np.cos(v))
        if not err < 1e-7:
            raise Failure(f"relative error {err:.2g} against cos(x)", hint)

    c.prop("gradient of sum(w^2) + sum(e^w) for a 2 x 3 array w matches 2w + e^w", matrix, hint)
    c.prop("x is restored afterwards", restored, hint)
    c.prop("works for a 1-D array (sum of sin: cos)", vector, hint)


# ================================================================================================
# Chapter 9: backward passes, against numerical gradients
# ================================================================================================


def _grads_of(layer: Any) -> tuple[Any, Any]:
    """The gradients a Dense layer's backward stored in ``grads["W"]`` and ``grads["b"]``."""
    grads = getattr(layer, "grads", None)
    if isinstance(grads, dict) and "W" in grads and "b" in grads:
        return grads["W"], grads["b"]
    raise Failure("found no gradients after backward",
                  "store them as self.grads['W'] and self.grads['b']")


@check()
def check_dense_backward(c: Checker, Dense_: Any) -> None:
    """Check a Dense layer's ``backward(grad)`` against numerical gradients: it returns
    $\\partial L/\\partial X = G W^\\top$ and stores $\\partial L/\\partial W = X^\\top G$ and
    $\\partial L/\\partial b = \\sum_i G_i$ in ``grads["W"]``/``grads["b"]``. Pass the class (built
    as ``Dense(3, 4)``, with ``rng=`` when accepted) or an instance of shape (3, 4) (chapter 9)."""
    r = default_rng(17)
    X, W = r.standard_normal((5, 3)), r.standard_normal((3, 4))
    b, G = r.standard_normal((1, 4)), r.standard_normal((5, 4))
    ref = Dense(3, 4)
    ref.params["W"], ref.params["b"] = W.copy(), b.copy()

    def ref_loss() -> float:
        return float(np.sum(ref.forward(Xn) * G))

    Xn = X.copy()
    num_X = numerical_gradient(ref_loss, Xn)
    num_W = numerical_gradient(ref_loss, ref.params["W"])
    num_b = numerical_gradient(ref_loss, ref.params["b"])
    state: dict[str, Any] = {}
    name = name_of(Dense_)

    def run() -> None:
        layer = build(Dense_, 3, 4, rng=default_rng(0))
        set_weights(layer, W, b)
        call(layer.forward, X.copy(), where=f"{name}.forward")
        state["dX"] = returned_grad(call(layer.backward, G.copy(), where=f"{name}.backward"))
        dW, db = _grads_of(layer)
        state["dW"], state["db"] = np.array(dW, dtype=float), np.array(db, dtype=float)
        state["layer"] = layer

    def grad_close(key: str, numeric: np.ndarray, shape_hint: str, hint: str) -> Callable[[], None]:
        def test() -> None:
            got = as_array(state[key], key)
            if got.shape != numeric.shape:
                raise Failure(f"{key} has shape {got.shape}, expected {numeric.shape}", shape_hint)
            err = relative_error(got, numeric)
            if not err < 1e-6:
                raise Failure(f"relative error {err:.2g} against the numerical gradient", hint)
        return test

    def fresh() -> None:
        layer = state["layer"]
        call(layer.forward, X.copy(), where=f"{name}.forward")
        call(layer.backward, G.copy(), where=f"{name}.backward")
        dW = as_array(_grads_of(layer)[0], "dW")
        if dW.shape == num_W.shape and np.allclose(dW, 2 * num_W, rtol=1e-6):
            raise Failure("the second backward doubled dW",
                          "assign the gradients (=), do not add them up (+=)")

    hint_run = ("forward(x) must keep x (self.input = x) for backward; "
                "backward(grad) computes dW = x.T @ grad, db = grad.sum(axis=0, keepdims=True), "
                "dX = grad @ W.T")
    if not c.prop("forward and backward run on a batch of 5 samples (3 inputs, 4 neurons)", run,
                  hint_run):
        c.skip(4, "need forward and backward to run")
        return
    c.prop("dL/dX = grad @ W.T matches the numerical gradient", grad_close(
        "dX", num_X, "dX has the shape of x: grad @ W.T", "dX = grad @ W.T"))
    c.prop("dL/dW = x.T @ grad matches the numerical gradient", grad_close(
        "dW", num_W, "dW has the shape of W (n_inputs, n_neurons): x.T @ grad",
        "dW = x.T @ grad (the input transposed)"))
    c.prop("dL/db = the sum of grad's rows matches the numerical gradient", grad_close(
        "db", num_b, "db has the shape of b, (1, n_neurons): grad.sum(axis=0, keepdims=True)",
        "db = grad.sum(axis=0, keepdims=True)"))
    c.prop("a second forward and backward replace the gradients", fresh)


def _layer_backward(c: Checker, cls: Any, reference: Any, x: np.ndarray, hint: str,
                    cases: list[tuple[str, np.ndarray, np.ndarray]]) -> None:
    """The properties of an activation's ``backward``: the ``cases`` (a description, an input and a
    gradient) agree with ``reference``, a random batch ``x`` with the numerical gradient, and the
    incoming gradient is left unchanged."""
    name = name_of(cls)
    g = default_rng(18).standard_normal(x.shape)
    xn = x.copy()

    def ref_loss() -> float:
        return float(np.sum(reference.forward(xn) * g))
    numeric = numerical_gradient(ref_loss, xn)

    def run(inp: np.ndarray, grad: np.ndarray) -> np.ndarray:
        layer = build(cls)
        call(layer.forward, inp.copy(), where=f"{name}.forward")
        returned = call(layer.backward, grad, where=f"{name}.backward")
        return as_array(returned_grad(returned), "backward")

    def case(inp: np.ndarray, grad: np.ndarray) -> Callable[[], None]:
        reference.forward(inp)
        want = reference.backward(grad)
        return lambda: expect_close(run(inp, grad.copy()), want, hint)

    for description, inp, grad in cases:
        c.prop(description, case(inp, grad), hint)

    def numerical() -> None:
        got = run(x, g.copy())
        expect_shape(got, x.shape, "backward returns a gradient of the input's shape")
        err = relative_error(got, numeric)
        if not err < 1e-6:
            raise Failure(f"relative error {err:.2g}", hint)

    unchanged = leaves_unchanged(
        lambda grad: run(x, grad), g, changed="the incoming gradient was changed",
        hint="compute a new array (grad * mask); do not change grad in place")

    c.prop(f"matches the numerical gradient on a random batch {x.shape}", numerical, hint)
    c.prop("leaves the incoming gradient unchanged", unchanged, hint)


@check("class")
def check_relu_backward(c: Checker, ReLU_: Any) -> None:
    """Check a ReLU class's ``backward(grad)``: the gradient passes where the input was positive and
    is 0 elsewhere (chapter 9). Pass the class (built without arguments)."""
    z = np.array([[-1.0, 2.0, 0.5], [3.0, -0.5, -2.0]])
    g = np.array([[10.0, 20.0, 30.0], [40.0, 50.0, 60.0]])
    _layer_backward(c, ReLU_, ReLU(), 2 * default_rng(19).standard_normal((4, 5)),
                    "backward returns grad * (x > 0), with x the input of forward",
                    [("passes the gradient where the input was positive, 0 elsewhere", z, g)])


@check("class")
def check_softmax_backward(c: Checker, Softmax_: Any) -> None:
    """Check a Softmax class's ``backward(grad)``: $s \\odot (g - \\sum_j g_j s_j)$ row by row, with
    $s$ the output of forward (chapter 9). Pass the class (built without arguments)."""
    z = np.array([[2.0, 1.0, 0.1]])
    g = np.array([[1.0, 0.0, 0.0]])
    _layer_backward(c, Softmax_, Softmax(), default_rng(20).standard_normal((4, 3)),
                    "row by row: s * (grad - (grad * s).sum(axis=1, keepdims=True)), "
                    "with s the softmax output",
                    [("the example z = (2, 1, 0.1) with grad (1, 0, 0)", z, g)])


@check()
def check_softmax_crossentropy_backward(c: Checker, grad_fn: Callable) -> None:
    """Check ``grad_fn(probs, labels) -> dL/dz``, the gradient of the mean cross-entropy with
    respect to the logits $z$ that softmax turned into ``probs``: $(\\hat y - y)/N$ with ``labels``
    integer classes (chapter 9; the package's version is
    ``nnscratch.softmax_crossentropy_grad``)."""
    r = default_rng(21)
    z = r.standard_normal((5, 4))
    labels = r.integers(0, 4, size=5)
    probs = Softmax().forward(z)

    def loss_of_z() -> float:
        return CategoricalCrossentropy().forward(Softmax().forward(zn), labels)
    zn = z.copy()
    numeric = numerical_gradient(loss_of_z, zn)
    hint = ("(probs - one_hot(labels)) / N: copy probs, subtract 1 at each row's true class, "
            "divide by N")

    def run(p: np.ndarray) -> np.ndarray:
        return as_array(call(grad_fn, p, labels.copy(), where=name_of(grad_fn)), name_of(grad_fn))

    def numerical() -> None:
        got = run(probs.copy())
        expect_shape(got, probs.shape, "the gradient has the shape of the logits (N, K)")
        if np.allclose(got, 5 * numeric, rtol=1e-5):
            raise Failure("got N = 5 times the gradient",
                          "divide by the batch size N: the loss is a mean over the batch")
        err = relative_error(got, numeric)
        if not err < 1e-6:
            raise Failure(f"relative error {err:.2g}", hint)

    def rows_sum_zero() -> None:
        sums = run(probs.copy()).sum(axis=1)
        if not np.allclose(sums, 0, atol=1e-12):
            raise Failure(f"the row sums are {fmt(sums)}",
                          "each row of probs sums to 1 and the one-hot row too, "
                          "so their difference sums to 0")

    unchanged = leaves_unchanged(
        run, probs, changed="probs was changed",
        hint="start from probs.copy(): grad = probs; grad[...] -= 1 changes probs too")

    c.prop("matches the numerical gradient of the mean loss with respect to the logits", numerical,
           hint)
    c.prop("each row of the gradient sums to 0", rows_sum_zero, hint)
    c.prop("leaves probs unchanged", unchanged, hint)


# ================================================================================================
# Chapters 10-11: optimisers
# ================================================================================================


class _ParamLayer:
    """A stand-in layer with ``params`` and ``grads``, all an optimiser looks at."""

    def __init__(self, W: np.ndarray, b: np.ndarray) -> None:
        self.params = {"W": W.copy(), "b": b.copy()}
        self.grads: dict[str, np.ndarray] = {}
        self.training = True

    def __repr__(self) -> str:
        return "Layer"


Params = list[tuple[np.ndarray, np.ndarray]]  # W and b of each layer
Grads = list[dict[str, np.ndarray]]  # the gradients of each layer in one step


def _optimizer_run(opt: Any, steps: list[Grads], start: Params, name: str) -> list[Grads]:
    """Apply ``opt.step`` once per entry of ``steps`` (grads per layer); return the params after
    every step."""
    layers = [_ParamLayer(W, b) for W, b in start]
    history = []
    for grads in steps:
        for layer, g in zip(layers, grads):
            layer.grads = {k: v.copy() for k, v in g.items()}
        call(opt.step, layers, where=f"{name}.step")
        history.append([{k: np.array(v, dtype=float) for k, v in layer.params.items()}
                        for layer in layers])
    return history


def _optimizer_problem(seed: int, n_steps: int) -> tuple[Params, list[Grads]]:
    """Start values of two layers' parameters, and ``n_steps`` random gradients for each."""
    r = default_rng(seed)
    start = [(r.standard_normal((3, 2)), r.standard_normal((1, 2))),
             (r.standard_normal((2, 2)), r.standard_normal((1, 2)))]
    steps = [[{"W": r.standard_normal(W.shape), "b": r.standard_normal(b.shape)} for W, b in start]
             for _ in range(n_steps)]
    return start, steps


def _first_mismatch(got: list, want: list) -> tuple[int, float] | None:
    for t, (g_layers, w_layers) in enumerate(zip(got, want)):
        for g, w in zip(g_layers, w_layers):
            for k in w:
                if g[k].shape != w[k].shape or not np.allclose(g[k], w[k], rtol=1e-6, atol=1e-10):
                    diff = np.abs(g[k] - w[k]).max() if g[k].shape == w[k].shape else np.inf
                    return t + 1, float(diff)
    return None


@check()
def check_sgd(c: Checker, SGD_: type) -> None:
    """Check an SGD optimiser class ``SGD(learning_rate=..., momentum=...)`` whose ``step(layers)``
    updates every ``layer.params[k]`` from ``layer.grads[k]``: $v \\leftarrow \\mu v - \\eta g$,
    $\\theta \\leftarrow \\theta + v$ (plain: $\\theta \\leftarrow \\theta - \\eta g$) (chapter 10).
    Instead of a class, any callable that builds the optimiser from these keywords works."""
    name = name_of(SGD_)
    start, steps = _optimizer_problem(22, 3)
    hint_ctor = "the constructor takes learning_rate= and momentum= (like nnscratch.SGD)"

    def expected(momentum: float, n: int) -> list:
        return _optimizer_run(SGD(learning_rate=0.1, momentum=momentum), steps[:n], start, "SGD")

    def plain() -> None:
        opt = call(SGD_, learning_rate=0.1, where=f"{name}(learning_rate=0.1)")
        got = _optimizer_run(opt, steps[:1], start, name)
        if _first_mismatch(got, expected(0.0, 1)):
            raise Failure("the parameters after one step differ from θ - 0.1 g",
                          "subtract learning_rate * grad from every parameter, for every layer")

    def momentum() -> None:
        opt = call(SGD_, learning_rate=0.1, momentum=0.9,
                   where=f"{name}(learning_rate=0.1, momentum=0.9)")
        got = _optimizer_run(opt, steps, start, name)
        miss = _first_mismatch(got, expected(0.9, 3))
        if miss is None:
            return
        if _first_mismatch(got, expected(0.0, 3)) is None:
            raise Failure("the steps equal plain SGD, as if momentum were 0",
                          "keep a velocity for each layer and parameter between steps "
                          "(start at zeros): v = momentum * v - lr * grad, then param += v")
        step, diff = miss
        hint = ("keep the velocity between steps, one per layer and parameter (start at zeros)"
                if step > 1 else "the first step from v = 0 is v = -lr * grad, θ = θ + v")
        raise Failure(f"step {step} differs from nnscratch.SGD by up to {diff:.3g}", hint)

    def hint(where: str) -> str:
        return hint_ctor if where.endswith(")") else (
            "step(layers) updates layer.params[name] from layer.grads[name] for every layer "
            "and name; keep one velocity per layer and parameter")

    c.prop("plain step (momentum 0): θ ← θ - 0.1 g for every parameter of 2 layers", plain, hint)
    c.prop("with momentum 0.9: 3 steps match nnscratch.SGD (v ← 0.9 v - 0.1 g, θ ← θ + v)",
           momentum, hint)


def _exact_batch_noise(per_sample: np.ndarray, batch_size: int) -> float:
    """The rms of $\\lVert g_B - g \\rVert / \\lVert g \\rVert$ over *every* batch of ``batch_size``
    different rows of ``per_sample``, by enumeration (the reference of ``check_gradient_noise``)."""
    from itertools import combinations
    mean = per_sample.mean(axis=0)
    squared = [np.sum((per_sample[list(rows)].mean(axis=0) - mean) ** 2)
               for rows in combinations(range(len(per_sample)), batch_size)]
    return float(np.sqrt(np.mean(squared)) / np.linalg.norm(mean))


@check("function")
def check_gradient_noise(c: Checker, predicted_noise: Callable) -> None:
    """Check ``predicted_noise(per_sample, batch_size) -> float``: from per-sample gradients (the rows
    of an ``(N, P)`` array) with mean $g$ and $s^2$ the mean of $\\lVert g_i - g \\rVert^2$, the rms
    relative deviation of a mini-batch gradient over all batches of $B$ different samples,
    $\\sqrt{(N - B)/(N - 1)}\\, s / (\\sqrt{B}\\, \\lVert g \\rVert)$ (chapter 10). The expected
    values are averages over every possible batch of a small set of gradients."""
    r = default_rng(24)
    grads = r.standard_normal((6, 4)) + np.array([1.0, -0.5, 0.5, 2.0])
    n = len(grads)
    mean = grads.mean(axis=0)
    length = float(np.linalg.norm(mean))
    s2 = float(np.mean(np.sum((grads - mean) ** 2, axis=1)))
    s_mean_abs = float(np.mean(np.linalg.norm(grads - mean, axis=1)))
    name = name_of(predicted_noise)
    hint_formula = ("np.sqrt((N - B) / (N - 1) * s_squared / B) / np.linalg.norm(g), with g the mean "
                    "of the rows and s_squared the mean over the rows of np.sum((row - g) ** 2)")

    def run(batch_size: int, data: np.ndarray | None = None) -> float:
        data = grads.copy() if data is None else data
        return as_number(call(predicted_noise, data, batch_size, where=name), name,
                         "return one number: the relative deviation")

    def mistakes(b: int) -> list[tuple[float, str]]:
        factor = (n - b) / (n - 1)
        return [
            (np.sqrt(factor * s2 / b), "divide by the length of the mean gradient, "
             "np.linalg.norm(g): the deviation is relative"),
            (factor * s2 / b / length, "take the square root: the rms is the square root of the "
             "mean squared distance"),
            (factor * s2 / b / length ** 2, "take the square root: the rms is the square root of "
             "the mean squared distance"),
            (np.sqrt(factor * s2) / b / length, "the noise falls like 1/sqrt(B), not 1/B"),
            (np.sqrt(factor / b) * s_mean_abs / length, "square the distances before averaging "
             "them: s_squared is the mean of ||g_i - g||^2"),
            (np.sqrt(s2 / b) / length, "multiply by the factor (N - B) / (N - 1) under the "
             "square root: the samples of a batch are all different"),
            (np.sqrt((n - b) / n * s2 / b) / length, "the factor is (N - B) / (N - 1), with "
             "N - 1 below"),
        ]

    def matches(b: int) -> Callable[[], None]:
        def test() -> None:
            expect_number(run(b), _exact_batch_noise(grads, b), hint_formula, mistakes(b),
                          spec=".6g", rtol=1e-6)
        return test

    def several() -> None:
        for b in (2, 3, 5):
            matches(b)()

    def full_batch() -> None:
        got = run(n)
        if not abs(got) <= 1e-12:
            why = ("multiply by the factor (N - B) / (N - 1) under the square root: a batch of all "
                   "N different samples is the full batch and has no noise")
            raise Failure(f"got {got:.4g} for B = N = {n}, expected 0", why)

    c.prop("batch size 1 (6 gradients of 4 entries): the rms deviation of one sample's gradient",
           matches(1), hint_formula)
    c.prop("batch sizes 2, 3 and 5 match the average over every possible batch", several,
           hint_formula)
    c.prop("batch size N gives 0: the whole data set has no noise", full_batch, hint_formula)
    c.prop("leaves the per-sample gradients unchanged",
           leaves_unchanged(lambda data: run(2, data), grads,
                            changed="the array of per-sample gradients was changed",
                            hint="compute per_sample - mean into a new array, not in place (-=)"),
           hint_formula)


@check()
def check_adam(c: Checker, Adam_: type) -> None:
    """Check an Adam optimiser class
    ``Adam(learning_rate=..., beta_1=0.9, beta_2=0.999, epsilon=1e-7)`` with ``step(layers)``:
    moving averages $m$, $v$ of the gradient and its square, bias-corrected by $1 - \\beta^t$ for
    $t = 1, 2, \\dots$ (chapter 11). Instead of a class, any callable that builds the optimiser from
    these keywords works, e.g. ``functools.partial(Optimizer, adam_update)`` with chapter 11's
    ``Optimizer`` and ``adam_update``."""
    name = name_of(Adam_)
    start, steps = _optimizer_problem(23, 5)
    hint_ctor = ("the constructor takes learning_rate=, beta_1=, beta_2= and epsilon= "
                 "(like nnscratch.Adam)")

    def make() -> Any:
        try:
            return call(Adam_, learning_rate=0.01, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                        where=f"{name}(...)")
        except LearnerError as e:
            if not isinstance(e.error, TypeError):
                raise
            return call(Adam_, learning_rate=0.01, where=f"{name}(learning_rate=0.01)")

    def first_step() -> None:
        got = _optimizer_run(make(), steps[:1], start, name)
        moves = np.concatenate([np.abs(got[0][i][k] - p).ravel() for i, (W, b) in enumerate(start)
                                for k, p in (("W", W), ("b", b))])
        if not np.isfinite(moves).all():
            raise Failure("the parameters became nan or inf",
                          "t counts the steps from 1: with t = 0, 1 - beta_1**t is 0 "
                          "and m / (1 - beta_1**t) divides by 0")
        if not np.allclose(moves, 0.01, rtol=1e-3):
            ratio = float(np.median(moves) / 0.01)
            hint = ("without bias correction the first step is 0.1 / sqrt(0.001) = 3.162 times "
                    "too large: divide m by (1 - beta_1**t) and v by (1 - beta_2**t), "
                    "t = 1 on the first step"
                    if np.isclose(ratio, 3.1623, rtol=1e-2) else
                    "on the first step m_hat / sqrt(v_hat) = g / |g|, so every parameter moves by "
                    "the learning rate")
            raise Failure(f"the parameters moved by {ratio:.4g} times the learning rate", hint)

    def five_steps() -> None:
        got = _optimizer_run(make(), steps, start, name)
        want = _optimizer_run(Adam(learning_rate=0.01), steps, start, "Adam")
        miss = _first_mismatch(got, want)
        if miss:
            raise Failure(f"step {miss[0]} differs from nnscratch.Adam by up to {miss[1]:.3g}",
                          "m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2; m_hat = m / (1 - b1^t); "
                          "v_hat = v / (1 - b2^t); θ -= lr m_hat / (sqrt(v_hat) + eps), "
                          "with m, v kept per layer and parameter")

    def hint(where: str) -> str:
        return hint_ctor if where.endswith(")") else (
            "step(layers) updates layer.params[name] from layer.grads[name]; "
            "m and v are kept per layer and parameter (each of its own shape), starting at zeros")

    c.prop("the first step moves every parameter by the learning rate (bias correction)",
           first_step, hint)
    c.prop("5 steps on 2 layers match nnscratch.Adam", five_steps, hint)
