r"""Self-checks for the exercises: run *your* function or class on prepared cases and read, in plain
words, which of its properties hold.

    from nnscratch import checks
    checks.check_softmax(my_softmax)

prints one line per property, for example::

    check_softmax(my_softmax):
      rows sum to 1 ✓
      stable for large logits (±1000): got [nan nan nan] for logits (1000, 999, 998) ✗ — subtract the row
      maximum first: e^1000 overflows to inf and inf / inf is nan

and returns a :class:`CheckResult`, true when every property holds, with ``.passed`` and ``.lines``; its
``repr`` is a one-line summary, so a notebook cell that ends with the call shows it. A check never raises
because of the code it checks: an exception in your code (also the ``NotImplementedError`` of an unfinished
exercise) is reported as ✗ with its message and a hint. The expected answers come from the package's own
tested pieces (``nnscratch.Softmax`` and so on), compared with a tolerance.

Where a check takes "a function or a class", you may pass a function, a class with a ``forward`` method
(instantiated without arguments), or an object with a ``forward`` method. What each check expects
(chapter in brackets):

* ``check_neuron(neuron)``: ``neuron(inputs, weights, bias) -> float`` (1).
* ``check_layer(layer_output)``: ``layer_output(inputs, weights, biases) -> (batch, n_neurons)`` with
  ``weights`` of shape ``(n_inputs, n_neurons)`` (2).
* ``check_dense(Dense)``: a class ``Dense(n_inputs, n_neurons)`` (``rng=`` passed when accepted) with
  ``forward(x)``, weights in ``params["W"]``/``params["b"]`` or ``weights``/``biases`` (3).
* ``check_relu(relu)``, ``check_sigmoid(sigmoid)``: a function or class, ``(batch, n) -> (batch, n)`` (4).
* ``check_softmax(softmax)``: a function or class, logits ``(N, K)`` -> probabilities (5).
* ``check_categorical_crossentropy(loss)``: ``loss(y_pred, y_true) -> float``, integer or one-hot labels (6).
* ``check_accuracy(accuracy)``: ``accuracy(y_pred, y_true) -> float`` (6).
* ``check_numerical_derivative(derivative)``: ``derivative(f, x, h) -> float`` (8).
* ``check_numerical_gradient(gradient)``: ``gradient(f, x, h) -> array``, where ``f()`` reads ``x`` (8).
* ``check_dense_backward(Dense)``: a class with ``forward(x)``, ``backward(grad) -> dX`` and
  ``grads["W"]``/``grads["b"]`` (or ``dweights``/``dbiases``) (9).
* ``check_relu_backward(ReLU)``, ``check_softmax_backward(Softmax)``: a class with ``forward`` and
  ``backward`` (9).
* ``check_softmax_crossentropy_backward(grad)``: ``grad(probs, labels) -> dL/dz`` (9).
* ``check_sgd(SGD)``: ``SGD(learning_rate=, momentum=)`` with ``step(layers)`` (10).
* ``check_adam(Adam)``: ``Adam(learning_rate=, beta_1=, beta_2=, epsilon=)`` with ``step(layers)`` (11).
* ``check_l2_penalty(penalty, gradient=None)``: ``penalty(weights, lam) -> float`` and
  ``gradient(weights, lam) -> array`` (13).
* ``check_dropout(Dropout)``: ``Dropout(rate)`` (``rng=`` passed when accepted) with ``forward``,
  ``backward`` and ``train()``/``eval()`` or a ``training`` attribute (13).
* ``check_mse(mse)``: ``mse(y_pred, y_true) -> float`` (14).
* ``check_train_val_split(split)``: ``split(X, y, val_fraction, rng) -> (X_fit, y_fit, X_val, y_val)``, a
  shuffled split drawn from ``rng`` (12).
* ``check_binary_crossentropy(loss)``: ``loss(y_pred, y_true) -> float`` for sigmoid outputs (14).
* ``check_minibatches(minibatches)``: ``minibatches(n, batch_size, rng)`` -> the index arrays of one epoch's
  shuffled mini-batches (15).
* ``check_parse_idx(parse_idx)``: ``parse_idx(data) -> array`` from the bytes of an IDX file of any type and
  number of dimensions, ``ValueError`` for a damaged or foreign file (16).
* ``check_precision_recall(precision_recall)``: ``precision_recall(cm) -> (precision, recall)`` per class
  from a confusion matrix, 0 where nothing was predicted or present (17).
* ``check_save_load(save, load)``: ``save(path, model)`` and ``load(path, model)`` for a model's parameters
  in an ``.npz`` file, loaded safely (18).
* ``check_flush_subnormals(flush)``: ``flush(a)`` sets the subnormal values of a float array to 0 in
  place (19).
"""

from __future__ import annotations

import contextlib
import io
import warnings
from typing import Any, Callable

import numpy as np

from .gradcheck import numerical_gradient, relative_error
from .layers import Dense, ReLU, Sigmoid, Softmax
from .losses import CategoricalCrossentropy, MeanSquaredError
from .metrics import accuracy as _ref_accuracy
from .optimizers import SGD, Adam

__all__ = [
    "CheckResult", "check_accuracy", "check_adam", "check_categorical_crossentropy", "check_dense",
    "check_dense_backward", "check_dropout", "check_l2_penalty", "check_layer", "check_mse", "check_neuron",
    "check_numerical_derivative", "check_numerical_gradient", "check_relu", "check_relu_backward", "check_sgd",
    "check_sigmoid", "check_softmax", "check_softmax_backward", "check_softmax_crossentropy_backward",
    # Part III (chapters 12-15)
    "check_binary_crossentropy", "check_minibatches", "check_train_val_split",
    # Part IV (chapters 16-19)
    "check_flush_subnormals", "check_parse_idx", "check_precision_recall", "check_save_load",
]

PASS, FAIL = "✓", "✗"


# ================================================================================================
# The machinery: results, failures, calling the learner's code safely
# ================================================================================================


class CheckResult:
    """What a check found: true when every property holds.

    ``passed`` (bool), ``lines`` (the printed report), ``n_checks`` and ``n_failed``."""

    def __init__(self, name: str, lines: list[str], n_checks: int, n_failed: int) -> None:
        self.name, self.lines = name, lines
        self.n_checks, self.n_failed = n_checks, n_failed
        self.passed = n_failed == 0 and n_checks > 0

    def __bool__(self) -> bool:
        return self.passed

    @property
    def summary(self) -> str:
        if self.passed:
            return f"{self.name}: all {self.n_checks} checks passed {PASS}"
        return f"{self.name}: {self.n_failed} of {self.n_checks} checks failed {FAIL}"

    def __repr__(self) -> str:
        return self.summary

    def __str__(self) -> str:
        return "\n".join(self.lines + [self.summary])


class _Failure(Exception):
    """A property does not hold: ``detail`` says what was found, ``hint`` how to fix it."""

    def __init__(self, detail: str, hint: str = "") -> None:
        super().__init__(detail)
        self.detail, self.hint = detail, hint


class _LearnerError(Exception):
    """The checked code raised ``error``."""

    def __init__(self, error: BaseException, where: str) -> None:
        super().__init__(str(error))
        self.error, self.where = error, where


def _describe_error(error: BaseException) -> str:
    message = str(error).strip().splitlines()[0] if str(error).strip() else ""
    if len(message) > 160:
        message = message[:157] + "..."
    return f"{type(error).__name__}: {message}" if message else type(error).__name__


@contextlib.contextmanager
def _global_random_state_kept():
    """Restore NumPy's global random state after the ``with`` block (the learner's code may seed or draw
    from ``np.random``; a check must not change the notebook's random numbers)."""
    saved = np.random.get_state()
    try:
        yield
    finally:
        np.random.set_state(saved)


_recording: list[list[str]] = []


@contextlib.contextmanager
def _record_warnings():
    """Collect the messages of the warnings the learner's code gives inside the ``with`` block."""
    messages: list[str] = []
    _recording.append(messages)
    try:
        yield messages
    finally:
        _recording.remove(messages)


def _call(fn: Callable, *args: Any, where: str = "", **kwargs: Any) -> Any:
    """Run the learner's ``fn``: its prints are hidden, NumPy's warnings are collected (see
    ``_record_warnings``), and any exception it raises becomes a ``_LearnerError``."""
    with warnings.catch_warnings(record=True) as caught, np.errstate(over="warn", invalid="warn",
                                                                      divide="warn", under="ignore"):
        warnings.simplefilter("always")
        sink = io.StringIO()
        try:
            with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
                out = fn(*args, **kwargs)
        except (_Failure, _LearnerError):
            raise
        except Exception as error:  # the learner's code: report it, never crash
            raise _LearnerError(error, where or _name_of(fn)) from error
    for messages in _recording:
        messages.extend(str(w.message) for w in caught)
    return out


class _Checker:
    """Runs the properties of one check and collects the report lines."""

    def __init__(self, check: str, subject: Any) -> None:
        self.subject = _name_of(subject)
        self.name = f"{check}({self.subject})"
        self.lines = [f"{self.name}:"]
        self.n_checks = self.n_failed = self.n_skipped = 0
        self.not_written = False

    def usable(self, obj: Any, what: str = "function or class") -> bool:
        """False (and one ✗ line) when ``obj`` cannot be what the check needs, e.g. ``None``."""
        if obj is not None and (callable(obj) or callable(getattr(obj, "forward", None))):
            return True
        self.n_checks += 1
        self._fail(f"expected your {what}, got {_name_of(obj)}",
                   "pass the name itself, without parentheses, after running the cell that defines it")
        return False

    def prop(self, description: str, test: Callable[[], None], hint: str | Callable[[str], str] = "") -> bool:
        """Check one property: ``test()`` returns normally when it holds and raises ``_Failure`` when not.
        ``hint`` is shown when the learner's code raised an exception; it may be a function of where
        the exception came from (say ``"SGD.step"`` or ``"SGD(...)"``)."""
        self.n_checks += 1
        if self.not_written:
            self.n_failed += 1
            self.n_skipped += 1
            return False
        try:
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                test()
        except _Failure as f:
            self._fail(f"{description}: {f.detail}", f.hint)
            return False
        except _LearnerError as e:
            if isinstance(e.error, NotImplementedError):
                self.not_written = True
                self._fail(f"{description}: {e.where} is not written yet ({_describe_error(e.error)})",
                           "write its body in place of the `raise NotImplementedError`, then run this check again")
                return False
            self._fail(f"{description}: {e.where} raised {_describe_error(e.error)}",
                       hint(e.where) if callable(hint) else hint)
            return False
        except Exception as e:  # something the check did not foresee (an odd return value, say)
            self._fail(f"{description}: could not check it ({_describe_error(e)})", "" if callable(hint) else hint)
            return False
        self.lines.append(f"  {description} {PASS}")
        return True

    def _fail(self, text: str, hint: str) -> None:
        self.n_failed += 1
        self.lines.append(f"  {text} {FAIL}" + (f" — {hint}" if hint else ""))

    def skip(self, n: int, reason: str) -> None:
        """Count ``n`` properties that cannot be checked (because an earlier one failed) as failed."""
        self.n_checks += n
        self.n_failed += n
        if self.not_written:
            self.n_skipped += n
        else:
            self.lines.append(f"  ({n} more check{'s' if n > 1 else ''} {reason})")

    def result(self) -> CheckResult:
        if self.n_skipped:
            self.lines.append(f"  ({self.n_skipped} more check{'s' if self.n_skipped > 1 else ''} "
                              "will run once it is written)")
        res = CheckResult(self.name, self.lines, self.n_checks, self.n_failed)
        print("\n".join(self.lines), flush=True)
        return res


def _name_of(obj: Any) -> str:
    if obj is None:
        return "None"
    name = getattr(obj, "__name__", None)
    if isinstance(name, str) and name != "<lambda>":
        return name
    if name == "<lambda>":
        return "lambda"
    return f"{type(obj).__name__} object"


# ---------------------------------------------------------------- formatting numbers in messages


def _fmt(value: Any) -> str:
    """Short, rounded text for a number or an array (4 significant digits)."""
    if value is None:
        return "None"
    arr = np.asarray(value)
    if arr.dtype.kind not in "biuf":
        return repr(value)[:80]
    if arr.ndim == 0:
        x = float(arr)
        return "nan" if np.isnan(x) else ("inf" if x == np.inf else "-inf" if x == -np.inf else f"{x:.4g}")
    if arr.size > 12:
        return f"an array of shape {arr.shape} starting {_fmt(arr.ravel()[:6])[:-1]} ...]"
    with np.printoptions(precision=4, suppress=True, floatmode="maxprec"):
        return np.array2string(arr, separator=" ", max_line_width=1000).replace("\n", "")


def _as_array(out: Any, what: str = "it") -> np.ndarray:
    """The learner's output as a float array; None, strings and the like are a failure."""
    if out is None:
        raise _Failure(f"{what} returned None", "add a `return` statement")
    try:
        arr = np.asarray(out, dtype=np.float64)
    except (TypeError, ValueError):
        raise _Failure(f"{what} returned {type(out).__name__} {str(out)[:40]!r}, not numbers") from None
    return arr


def _as_number(out: Any, what: str = "it", hint: str = "") -> float:
    arr = _as_array(out, what)
    if arr.size != 1:
        raise _Failure(f"{what} returned an array of shape {arr.shape}, not one number", hint)
    return float(arr.reshape(()))


def _expect_shape(arr: np.ndarray, shape: tuple, hint: str = "") -> None:
    if arr.shape != tuple(shape):
        raise _Failure(f"got shape {arr.shape}, expected {tuple(shape)}", hint)


def _expect_close(got: Any, want: np.ndarray, hint: str = "", rtol: float = 1e-6, atol: float = 1e-9,
                  what: str = "it") -> np.ndarray:
    """``got`` must have ``want``'s shape and values; returns ``got`` as an array."""
    want = np.asarray(want, dtype=np.float64)
    arr = _as_array(got, what)
    if arr.shape != want.shape:
        if arr.size != 1 or want.size != 1:
            raise _Failure(f"got shape {arr.shape}, expected {want.shape}", hint)
        arr = arr.reshape(want.shape)
    if not np.allclose(arr, want, rtol=rtol, atol=atol, equal_nan=False):
        if arr.size <= 6:
            raise _Failure(f"got {_fmt(arr)}, expected {_fmt(want)}", hint)
        rows_got, rows_want = arr.reshape(arr.shape[0], -1), want.reshape(want.shape[0], -1)
        bad = np.abs(rows_got - rows_want)
        bad[np.isnan(bad)] = np.inf
        i = int(np.argmax(bad.max(axis=1)))
        if rows_got.shape[1] <= 6:
            raise _Failure(f"row {i} is {_fmt(rows_got[i])}, expected {_fmt(rows_want[i])}", hint)
        j = int(np.argmax(bad[i]))
        raise _Failure(f"entry ({i}, {j}) is {_fmt(rows_got[i, j])}, expected {_fmt(rows_want[i, j])}", hint)
    return arr


def _expect_unchanged(before: np.ndarray, after: np.ndarray, what: str, hint: str) -> None:
    """``what`` says what changed, e.g. "the input was changed"."""
    if before.shape != np.shape(after) or not np.array_equal(before, np.asarray(after), equal_nan=True):
        raise _Failure(what, hint)


# ---------------------------------------------------------------- the learner's function or class


def _forward_fn(obj: Any, method: str = "forward") -> Callable[..., Any]:
    """A function from a function, a class with ``method`` (a fresh instance per call), or an object with it."""
    if isinstance(obj, type):
        def fresh(*args: Any) -> Any:
            instance = _call(obj, where=f"{obj.__name__}()")
            fn = getattr(instance, method, None)
            if fn is None:
                raise _Failure(f"{obj.__name__} has no {method}() method", f"add a method `def {method}(self, ...)`")
            return _call(fn, *args, where=f"{obj.__name__}.{method}")
        fresh.__name__ = obj.__name__
        return fresh
    fn = getattr(obj, method, None)
    if callable(fn):
        def bound(*args: Any) -> Any:
            return _call(fn, *args, where=f"{_name_of(obj)}.{method}")
        return bound
    if callable(obj):
        def plain(*args: Any) -> Any:
            return _call(obj, *args, where=_name_of(obj))
        return plain

    def not_callable(*args: Any) -> Any:
        raise _Failure(f"{_name_of(obj)} is neither a function nor has a {method}() method",
                       "pass your function itself (without calling it), e.g. check(my_function)")
    return not_callable


def _build(cls: Any, *args: Any, rng: np.random.Generator | None = None, **kwargs: Any) -> Any:
    """An instance of the learner's class: tries ``rng=`` first, then without it. An instance is used as is."""
    if not isinstance(cls, type):
        return cls
    if rng is not None:
        try:
            return _call(cls, *args, rng=rng, where=f"{cls.__name__}(...)", **kwargs)
        except _LearnerError as e:
            if not isinstance(e.error, TypeError):
                raise
    return _call(cls, *args, where=f"{cls.__name__}(...)", **kwargs)


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


# ================================================================================================
# Chapters 1-3: a neuron, a layer, the Dense class
# ================================================================================================


def check_neuron(neuron: Callable) -> CheckResult:
    """Check ``neuron(inputs, weights, bias) -> float``: $z = \\sum_i w_i x_i + b$ (chapter 1)."""
    c = _Checker("check_neuron", neuron)
    if not c.usable(neuron):
        return c.result()
    f = _forward_fn(neuron)

    def book_example() -> None:
        out = f([1.0, 2.0, 3.0, 2.5], [0.2, 0.8, -0.5, 1.0], 2.0)
        got = _as_number(out, _name_of(neuron), "add the products up into one number (sum)")
        if not np.isclose(got, 4.8, rtol=1e-9):
            raise _Failure(f"got {_fmt(got)}, expected 4.8",
                           "multiply each input by its weight, add them up, add the bias")

    def arrays() -> None:
        r = _rng(1)
        x, w, b = r.standard_normal(5), r.standard_normal(5), float(r.standard_normal())
        _expect_close(_as_number(f(x, w, b), _name_of(neuron), "add the products up into one number (sum)"),
                      float(w @ x + b),
                      "the output is the sum of w_i * x_i over all inputs, plus b")

    def bias_once() -> None:
        got = _as_number(f([0.0, 0.0, 0.0], [1.0, 2.0, 3.0], 0.5), _name_of(neuron),
                         "add the products up into one number (sum)")
        if np.isclose(got, 1.5):
            raise _Failure("got 1.5 for zero inputs and bias 0.5",
                           "add the bias once, after the sum, not to every product")
        if not np.isclose(got, 0.5):
            raise _Failure(f"got {_fmt(got)} for zero inputs and bias 0.5, expected 0.5",
                           "with all inputs zero the output is the bias")

    c.prop("the book's example (inputs 1, 2, 3, 2.5) gives 4.8", book_example,
           "it must accept Python lists; np.dot(weights, inputs) + bias does")
    c.prop("works on NumPy arrays of 5 inputs", arrays)
    c.prop("adds the bias once", bias_once)
    return c.result()


_CH2_X = np.array([[1.0, 2.0, 3.0, 2.5], [2.0, 5.0, -1.0, 2.0], [-1.5, 2.7, 3.3, -0.8]])
_CH2_W = np.array([[0.2, 0.8, -0.5, 1.0], [0.5, -0.91, 0.26, -0.5], [-0.26, -0.27, 0.17, 0.87]]).T
_CH2_B = np.array([2.0, 3.0, 0.5])


def check_layer(layer_output: Callable) -> CheckResult:
    """Check ``layer_output(inputs, weights, biases)``: $Z = XW + b$ for a batch ``inputs`` of shape
    ``(batch, n_inputs)``, ``weights`` of shape ``(n_inputs, n_neurons)`` and ``biases`` of shape
    ``(n_neurons,)``; returns ``(batch, n_neurons)`` (chapter 2)."""
    c = _Checker("check_layer", layer_output)
    if not c.usable(layer_output):
        return c.result()
    f = _forward_fn(layer_output)
    hint_layout = "compute inputs @ weights + biases, with weights of shape (n_inputs, n_neurons)"

    def book_example() -> None:
        _expect_close(f(_CH2_X, _CH2_W, _CH2_B), _CH2_X @ _CH2_W + _CH2_B, hint_layout)

    def random_batch() -> None:
        r = _rng(2)
        X, W, b = r.standard_normal((7, 3)), r.standard_normal((3, 2)), r.standard_normal(2)
        out = _as_array(f(X, W, b), _name_of(layer_output))
        _expect_shape(out, (7, 2), "the output has one row per sample and one column per neuron: (batch, n_neurons)")
        _expect_close(out, X @ W + b, hint_layout)

    def bias_per_neuron() -> None:
        b = np.array([1.0, 2.0, 3.0])
        out = _as_array(f(np.zeros((3, 2)), np.ones((2, 3)), b), _name_of(layer_output))
        _expect_close(out, np.tile(b, (3, 1)),
                      "every sample (row) gets the same bias row added; keep biases of shape (n_neurons,)")

    def one_sample() -> None:
        x = _CH2_X[:1]
        _expect_close(f(x, _CH2_W, _CH2_B), x @ _CH2_W + _CH2_B, hint_layout)

    c.prop("the book's example (chapter 2) gives its outputs", book_example, hint_layout)
    c.prop("a batch of 7 samples, 3 inputs, 2 neurons gives shape (7, 2) and X @ W + b", random_batch, hint_layout)
    c.prop("adds neuron j's bias to column j of every row", bias_per_neuron, hint_layout)
    c.prop("works for one sample given as a row of shape (1, 4)", one_sample, hint_layout)
    return c.result()


def _get_wb(layer: Any) -> tuple[np.ndarray, np.ndarray]:
    params = getattr(layer, "params", None)
    if isinstance(params, dict) and "W" in params and "b" in params:
        return params["W"], params["b"]
    if hasattr(layer, "weights") and hasattr(layer, "biases"):
        return layer.weights, layer.biases
    raise _Failure("found no weights",
                   "keep them in self.weights and self.biases (or self.params['W'], self.params['b'])")


def _set_wb(layer: Any, W: np.ndarray, b: np.ndarray) -> None:
    params = getattr(layer, "params", None)
    if isinstance(params, dict) and "W" in params and "b" in params:
        params["W"], params["b"] = W.copy(), b.copy()
    elif hasattr(layer, "weights") and hasattr(layer, "biases"):
        try:
            layer.weights, layer.biases = W.copy(), b.copy()
        except AttributeError:  # read-only properties: write into the arrays
            layer.weights[...], layer.biases[...] = W, b
    else:
        _get_wb(layer)


def check_dense(Dense_: type) -> CheckResult:
    """Check a ``Dense`` class: ``Dense(n_inputs, n_neurons)`` (``rng=`` is passed when accepted) with
    weights of shape ``(n_inputs, n_neurons)`` scaled by 0.01, zero biases of shape ``(1, n_neurons)``
    (in ``params["W"]``/``params["b"]`` or ``weights``/``biases``), and ``forward(x) = x @ W + b`` (chapter 3)."""
    c = _Checker("check_dense", Dense_)
    if not c.usable(Dense_):
        return c.result()
    r = _rng(3)
    hint_forward = "forward must return x @ W + b, with W of shape (n_inputs, n_neurons)"

    def shapes() -> None:
        layer = _build(Dense_, 3, 4, rng=_rng(0))
        W, b = _get_wb(layer)
        W, b = _as_array(W, "weights"), _as_array(b, "biases")
        if W.shape == (4, 3):
            raise _Failure("weights have shape (4, 3) for Dense(3, 4)",
                           "that is W transposed: one row per input, one column per neuron, "
                           "shape (n_inputs, n_neurons)")
        _expect_shape(W, (3, 4), "weights have shape (n_inputs, n_neurons)")
        if b.shape != (1, 4):
            raise _Failure(f"biases have shape {b.shape}, expected (1, 4)", "use np.zeros((1, n_neurons))")
        if np.any(b != 0):
            raise _Failure(f"biases are {_fmt(b)}", "biases start at zero")

    def scale() -> None:
        layer = _build(Dense_, 200, 50, rng=_rng(1))
        W = _as_array(_get_wb(layer)[0], "weights")
        std = float(W.std())
        if not 0.008 < std < 0.012 or abs(float(W.mean())) > 0.002:
            raise _Failure(f"the weights have mean {float(W.mean()):.4f} and standard deviation {std:.4f}",
                           "draw standard normal numbers (rng.standard_normal) and multiply them by 0.01")

    def forward() -> None:
        layer = _build(Dense_, 3, 4, rng=_rng(0))
        W, b, X = r.standard_normal((3, 4)), r.standard_normal((1, 4)), r.standard_normal((5, 3))
        _set_wb(layer, W, b)
        out = _as_array(_call(layer.forward, X, where=f"{_name_of(Dense_)}.forward"), "forward")
        _expect_shape(out, (5, 4), "the output has shape (batch, n_neurons)")
        _expect_close(out, X @ W + b, hint_forward)

    def batch_sizes() -> None:
        layer = _build(Dense_, 3, 4, rng=_rng(0))
        W, b = r.standard_normal((3, 4)), r.standard_normal((1, 4))
        _set_wb(layer, W, b)
        for n in (1, 64):
            X = r.standard_normal((n, 3))
            _expect_close(_call(layer.forward, X, where=f"{_name_of(Dense_)}.forward"), X @ W + b, hint_forward)

    c.prop("Dense(3, 4) has weights of shape (3, 4) and zero biases of shape (1, 4)", shapes,
           "the constructor takes (n_inputs, n_neurons), like Dense(3, 4)")
    c.prop("weights start as small random numbers (standard deviation 0.01)", scale)
    c.prop("forward(x) returns x @ W + b, shape (5, 4) for 5 samples", forward, hint_forward)
    c.prop("works for batches of 1 and 64 samples", batch_sizes, hint_forward)
    return c.result()


# ================================================================================================
# Chapters 4-6: activations, softmax, loss and accuracy
# ================================================================================================


def check_relu(relu: Any) -> CheckResult:
    """Check ReLU, $\\max(0, z)$ element-wise: a function of a 2-D array, or a class with ``forward`` (chapter 4)."""
    c = _Checker("check_relu", relu)
    if not c.usable(relu):
        return c.result()
    f = _forward_fn(relu)

    def negatives() -> None:
        z = np.array([[-3.0, -0.5, -0.001]])
        out = _as_array(f(z.copy()), _name_of(relu))
        if out.shape == z.shape and np.allclose(out, -z):
            raise _Failure(f"got {_fmt(out)} for {_fmt(z)}",
                           "that is the absolute value: ReLU sets negative numbers to 0 (np.maximum(0, z))")
        _expect_close(out, np.zeros_like(z), "ReLU sets negative numbers to 0: np.maximum(0, z)")

    def positives() -> None:
        z = np.array([[0.5, 2.0, 1000.0]])
        _expect_close(f(z.copy()), z, "ReLU keeps positive numbers as they are")

    def zero() -> None:
        _expect_close(f(np.zeros((1, 3))), np.zeros((1, 3)), "relu(0) = max(0, 0) = 0")

    def batch() -> None:
        z = 2 * _rng(4).standard_normal((4, 3))
        _expect_close(f(z.copy()), np.maximum(0, z), "apply max(0, z) to every entry; the shape stays (4, 3)")

    def unchanged() -> None:
        z = 2 * _rng(5).standard_normal((4, 3))
        z_in = z.copy()
        f(z_in)
        _expect_unchanged(z, z_in, "the input was changed",
                          "do not overwrite the input; np.maximum(0, z) makes a new array")

    c.prop("negative inputs give 0", negatives)
    c.prop("positive inputs pass through unchanged", positives)
    c.prop("relu(0) = 0", zero)
    c.prop("a batch of shape (4, 3) keeps its shape and matches max(0, z)", batch)
    c.prop("leaves its input unchanged", unchanged)
    return c.result()


def check_sigmoid(sigmoid: Any) -> CheckResult:
    """Check the sigmoid $1/(1 + e^{-z})$ element-wise, also that it never overflows: a function of a 2-D
    array, or a class with ``forward`` (chapter 4)."""
    c = _Checker("check_sigmoid", sigmoid)
    if not c.usable(sigmoid):
        return c.result()
    f = _forward_fn(sigmoid)
    ref = Sigmoid()

    def half() -> None:
        _expect_close(f(np.zeros((1, 1))), np.full((1, 1), 0.5), "sigmoid(0) = 1 / (1 + e^0) = 0.5")

    def matches() -> None:
        z = 3 * _rng(6).standard_normal((4, 3))
        _expect_close(f(z.copy()), ref.forward(z), "compute 1 / (1 + np.exp(-z)) for every entry")

    def between() -> None:
        z = np.linspace(-30, 30, 13).reshape(1, -1)
        out = _as_array(f(z), _name_of(sigmoid))
        _expect_shape(out, z.shape, "the output has the input's shape")
        if np.any(out < 0) or np.any(out > 1) or np.any(np.diff(out[0]) < 0):
            raise _Failure(f"got {_fmt(out)}", "the sigmoid rises from 0 to 1")

    def no_overflow() -> None:
        z = np.array([[-1000.0, -750.0, 0.0, 750.0, 1000.0]])
        with _record_warnings() as caught:
            out = _as_array(f(z.copy()), _name_of(sigmoid))
        _expect_close(out, ref.forward(z), "the sigmoid of -1000 is 0 and of 1000 is 1"
                      + ("" if np.isfinite(out).all() else
                         "; for z < 0 compute e^z / (1 + e^z), which cannot overflow"))
        overflow = [m for m in caught if "overflow" in m]
        if overflow:
            raise _Failure(f"NumPy warned '{overflow[0]}'",
                           "np.exp(-z) overflows for z < -709; for negative z use e^z / (1 + e^z) instead")

    def unchanged() -> None:
        z = _rng(7).standard_normal((3, 3))
        z_in = z.copy()
        f(z_in)
        _expect_unchanged(z, z_in, "the input was changed", "do not overwrite the input")

    c.prop("sigmoid(0) = 0.5", half)
    c.prop("matches 1 / (1 + e^-z) on random inputs", matches)
    c.prop("outputs rise from 0 to 1 and keep the input's shape", between)
    c.prop("z = ±750 and ±1000 give 0 and 1 without overflow", no_overflow)
    c.prop("leaves its input unchanged", unchanged)
    return c.result()


def check_softmax(softmax: Any) -> CheckResult:
    """Check softmax over each row of a batch of logits ``(N, K)``: a function, or a class with
    ``forward`` (chapter 5)."""
    c = _Checker("check_softmax", softmax)
    if not c.usable(softmax):
        return c.result()
    f = _forward_fn(softmax)
    ref = Softmax()
    hint_rows = "divide each row by its own sum: e / e.sum(axis=1, keepdims=True)"

    def rows_sum() -> None:
        z = 3 * _rng(8).standard_normal((4, 3))
        out = _as_array(f(z.copy()), _name_of(softmax))
        _expect_shape(out, z.shape, "the output has the shape of the logits")
        sums = out.sum(axis=1)
        if not np.allclose(sums, 1.0, rtol=1e-9, atol=1e-9):
            raise _Failure(f"the row sums are {_fmt(sums)}", hint_rows)

    def matches() -> None:
        z = 3 * _rng(9).standard_normal((5, 5))
        _expect_close(f(z.copy()), ref.forward(z), hint_rows)

    def in_range() -> None:
        out = _as_array(f(3 * _rng(10).standard_normal((6, 4))), _name_of(softmax))
        if np.any(out < 0) or np.any(out > 1):
            raise _Failure(f"got values from {out.min():.4g} to {out.max():.4g}",
                           "exponentiate first: np.exp(z) is positive")

    def stable() -> None:
        z = np.array([[1000.0, 999.0, 998.0], [-1000.0, -1000.0, -1001.0]])
        out = _as_array(f(z.copy()), _name_of(softmax))
        want = ref.forward(z)
        if out.shape == want.shape and not np.isfinite(out).all():
            if np.isfinite(out[0]).all():
                raise _Failure(f"got {_fmt(out)} for the row (-1000, -1000, -1001)",
                               "subtract each row's own maximum (max(axis=1, keepdims=True)), not the batch's")
            raise _Failure(f"got {_fmt(out[0])} for logits (1000, 999, 998)",
                           "subtract the row maximum first: e^1000 overflows to inf and inf / inf is nan")
        if out.shape == want.shape and not np.allclose(out.sum(axis=1), 1.0):
            raise _Failure(f"got {_fmt(out)}, expected {_fmt(want)}", hint_rows)
        _expect_close(out, want, "subtract each row's maximum before np.exp")

    def rows_independent() -> None:
        z = 3 * _rng(11).standard_normal((4, 3))
        batch = _as_array(f(z.copy()), _name_of(softmax))
        one_by_one = np.vstack([_as_array(f(z[i:i + 1].copy()), _name_of(softmax)).reshape(1, -1) for i in range(4)])
        _expect_close(batch, one_by_one, "each row is normalised on its own; nothing may mix the rows")

    def single_row() -> None:
        z = np.array([[2.0, 1.0, 0.1]])
        _expect_close(f(z.copy()), ref.forward(z), "a single sample is a batch of one row, shape (1, K)")

    def unchanged() -> None:
        z = 3 * _rng(12).standard_normal((4, 3))
        z_in = z.copy()
        f(z_in)
        _expect_unchanged(z, z_in, "the logits were changed",
                          "z = z - z.max(...) makes a new array; z -= ... overwrites the caller's logits")

    c.prop("rows sum to 1", rows_sum, hint_rows)
    c.prop("matches nnscratch.Softmax on random logits (5 x 5)", matches, hint_rows)
    c.prop("all probabilities lie between 0 and 1", in_range)
    c.prop("stable for large logits (±1000)", stable, "subtract each row's maximum before np.exp")
    c.prop("a batch gives the same rows as one sample at a time", rows_independent, hint_rows)
    c.prop("works for a single row of shape (1, 3)", single_row)
    c.prop("leaves its input unchanged", unchanged)
    return c.result()


_CH6_PRED = np.array([[0.7, 0.1, 0.2], [0.1, 0.5, 0.4], [0.02, 0.9, 0.08]])
_CH6_LABELS = np.array([0, 1, 1])


def check_categorical_crossentropy(loss: Any) -> CheckResult:
    """Check the mean categorical cross-entropy ``loss(y_pred, y_true) -> float`` for integer labels
    ``(N,)`` and one-hot labels ``(N, K)``, with probabilities clipped to $[10^{-7}, 1 - 10^{-7}]$: a
    function, or a class with ``forward`` (chapter 6)."""
    c = _Checker("check_categorical_crossentropy", loss)
    if not c.usable(loss):
        return c.result()
    f = _forward_fn(loss)
    ref = CategoricalCrossentropy()
    want = float(-np.mean(np.log([0.7, 0.5, 0.9])))
    hint_pick = "take -log of each row's probability of its true class: y_pred[np.arange(N), labels]"

    def number(out: Any) -> float:
        return _as_number(out, _name_of(loss), "return the mean over the samples (np.mean), one number")

    def integer_labels() -> None:
        got = number(f(_CH6_PRED.copy(), _CH6_LABELS.copy()))
        if np.isclose(got, 3 * want):
            raise _Failure(f"got {got:.4f}, the sum over the samples", "return the mean over the samples, not the sum")
        if not np.isclose(got, want, rtol=1e-6):
            raise _Failure(f"got {got:.4f}, expected {want:.4f}", hint_pick)

    def one_hot_labels() -> None:
        got = number(f(_CH6_PRED.copy(), np.eye(3)[_CH6_LABELS]))
        if not np.isclose(got, want, rtol=1e-6):
            raise _Failure(f"got {got:.4f}, expected {want:.4f}",
                           "for one-hot rows y, use -sum(y * log(y_pred), axis=1) "
                           "or turn them into labels with argmax(axis=1)")

    def random_batch() -> None:
        r = _rng(13)
        probs = Softmax().forward(3 * r.standard_normal((20, 4)))
        labels = r.integers(0, 4, size=20)
        got = number(f(probs.copy(), labels))
        expected = ref.forward(probs, labels)
        if np.isclose(got, 20 * expected, rtol=1e-6):
            raise _Failure(f"got {got:.4f}, the sum over the samples", "return the mean over the samples, not the sum")
        if not np.isclose(got, expected, rtol=1e-6):
            raise _Failure(f"got {got:.4f}, expected {expected:.4f}", hint_pick)

    def clipped() -> None:
        pred = np.array([[1.0, 0.0, 0.0], [0.1, 0.5, 0.4]])
        got = number(f(pred.copy(), np.array([1, 1])))
        expected = ref.forward(pred, np.array([1, 1]))
        if not np.isfinite(got):
            raise _Failure(f"got {_fmt(got)}",
                           "clip the probabilities to [1e-7, 1 - 1e-7] before the log: -log(0) is infinite")
        if np.isclose(got, 2 * expected, rtol=1e-6):
            raise _Failure(f"got {got:.4f}, the sum over the samples", "return the mean over the samples, not the sum")
        if not np.isclose(got, expected, rtol=1e-6):
            raise _Failure(f"got {got:.4f}, expected {expected:.4f} (a zero probability costs -log(1e-7) = 16.1181)",
                           "clip with np.clip(y_pred, 1e-7, 1 - 1e-7), as the book does")

    def unchanged() -> None:
        pred = np.array([[1.0, 0.0, 0.0], [0.1, 0.5, 0.4]])
        pred_in = pred.copy()
        f(pred_in, np.array([0, 1]))
        _expect_unchanged(pred, pred_in, "y_pred was changed",
                          "np.clip(y_pred, ...) returns a new array; do not clip with out=y_pred")

    c.prop(f"integer labels: the book's example gives {want:.4f}", integer_labels, hint_pick)
    c.prop("one-hot labels give the same loss", one_hot_labels, "handle y_true.ndim == 2 (one-hot rows) too")
    c.prop("matches nnscratch.CategoricalCrossentropy on 20 random samples", random_batch, hint_pick)
    c.prop("a probability of 0 for the true class gives a finite loss (clipping)", clipped)
    c.prop("leaves y_pred unchanged", unchanged)
    return c.result()


def check_accuracy(accuracy: Callable) -> CheckResult:
    """Check ``accuracy(y_pred, y_true) -> float``, the fraction of rows whose largest probability is at
    the true class, for integer and one-hot labels (chapter 6)."""
    c = _Checker("check_accuracy", accuracy)
    if not c.usable(accuracy):
        return c.result()
    f = _forward_fn(accuracy)
    pred = np.array([[0.7, 0.2, 0.1], [0.1, 0.5, 0.4], [0.3, 0.3, 0.4], [0.2, 0.3, 0.5]])
    labels = np.array([0, 1, 0, 2])
    hint = "compare y_pred.argmax(axis=1) with the labels and take the mean"

    def number(out: Any) -> float:
        return _as_number(out, _name_of(accuracy), "return one number: the mean of the comparisons")

    def integer_labels() -> None:
        got = number(f(pred.copy(), labels.copy()))
        if np.isclose(got, 3):
            raise _Failure("got 3, the number of correct samples",
                           "divide by the number of samples (np.mean of the comparisons)")
        if not np.isclose(got, 0.75):
            raise _Failure(f"got {_fmt(got)}, expected 0.75", hint)

    def one_hot() -> None:
        got = number(f(pred.copy(), np.eye(3)[labels]))
        if not np.isclose(got, 0.75):
            raise _Failure(f"got {_fmt(got)}, expected 0.75",
                           "turn one-hot rows into labels first: y_true.argmax(axis=1)")

    def random_batch() -> None:
        r = _rng(14)
        probs = Softmax().forward(r.standard_normal((50, 4)))
        y = r.integers(0, 4, size=50)
        got, expected = number(f(probs.copy(), y)), _ref_accuracy(probs, y)
        if not np.isclose(got, expected):
            raise _Failure(f"got {_fmt(got)}, expected {_fmt(expected)}", hint)

    c.prop("integer labels: 3 of 4 right gives 0.75", integer_labels, hint)
    c.prop("one-hot labels give the same accuracy", one_hot, "handle y_true.ndim == 2 (one-hot rows) too")
    c.prop("matches nnscratch.accuracy on 50 random samples", random_batch, hint)
    return c.result()


# ================================================================================================
# Chapter 8: numerical derivatives
# ================================================================================================


def check_numerical_derivative(derivative: Callable) -> CheckResult:
    """Check ``derivative(f, x, h) -> float``, the central difference $(f(x + h) - f(x - h)) / 2h$ of a
    function of one number (chapter 8)."""
    c = _Checker("check_numerical_derivative", derivative)
    if not c.usable(derivative):
        return c.result()
    hint_central = "use the central difference (f(x + h) - f(x - h)) / (2 * h)"

    def run(fn: Callable[[float], float], x: float, h: float) -> float:
        return _as_number(_call(derivative, fn, x, h, where=_name_of(derivative)), _name_of(derivative))

    def diagnose(got: float, fn: Callable[[float], float], x: float, h: float, exact: float) -> None:
        forward = (fn(x + h) - fn(x)) / h
        if np.isclose(got, forward, rtol=1e-12, atol=0) and not np.isclose(forward, exact, rtol=1e-9):
            raise _Failure(f"got {got:.10g}, the forward difference (exact: {exact:.10g})",
                           "the forward difference is off by about h; " + hint_central)
        for factor, fix in ((2.0, "divide by 2 * h, not h"), (0.5, "divide by 2 * h, not 4 * h")):
            if np.isclose(got, factor * exact, rtol=1e-6):
                raise _Failure(f"got {got:.10g}, {factor:g} times the derivative {exact:.10g}", fix)
        raise _Failure(f"got {got:.10g}, expected {exact:.10g}", hint_central)

    def case(fn: Callable[[float], float], x: float, h: float, exact: float, tol: float) -> Callable[[], None]:
        def test() -> None:
            got = run(fn, x, h)
            if not abs(got - exact) <= tol * max(1.0, abs(exact)):
                diagnose(got, fn, x, h, exact)
        return test

    c.prop("derivative of x^2 at x = 3 is 6 (h = 1e-5)", case(lambda x: x * x, 3.0, 1e-5, 6.0, 1e-8), hint_central)
    c.prop("derivative of sin at x = 0 is 1", case(np.sin, 0.0, 1e-5, 1.0, 1e-8), hint_central)
    c.prop("derivative of e^x at x = 1 is e", case(np.exp, 1.0, 1e-5, float(np.e), 1e-8), hint_central)
    c.prop("error shrinks like h^2: x^3 at x = 2 with h = 1e-3 is within 1e-5 of 12",
           case(lambda x: x ** 3, 2.0, 1e-3, 12.0, 1e-5 / 12), hint_central)
    return c.result()


def check_numerical_gradient(gradient: Callable) -> CheckResult:
    """Check ``gradient(f, x, h) -> array``: the central-difference gradient of the scalar ``f()`` with
    respect to every entry of the array ``x``, which ``f`` reads and which must be restored afterwards
    (chapter 8; the package's version is ``nnscratch.numerical_gradient``)."""
    c = _Checker("check_numerical_gradient", gradient)
    if not c.usable(gradient):
        return c.result()
    hint = "for each index i: set x[i] = old + h, call f(), set x[i] = old - h, call f(), put x[i] = old back"

    def run(f: Callable[[], float], x: np.ndarray) -> np.ndarray:
        return _as_array(_call(gradient, f, x, 1e-6, where=_name_of(gradient)), _name_of(gradient))

    def matrix() -> None:
        w = _rng(15).standard_normal((2, 3))

        def f() -> float:
            return float(np.sum(w ** 2) + np.sum(np.exp(w)))
        exact = 2 * w + np.exp(w)
        got = run(f, w)
        _expect_shape(got, w.shape, "the gradient has the shape of x")
        err = relative_error(got, exact)
        if not err < 1e-7:
            raise _Failure(f"relative error {err:.2g}", hint)

    def restored() -> None:
        w = _rng(16).standard_normal((3, 2))
        saved = w.copy()
        run(lambda: float(np.sum(w ** 3)), w)
        if not np.array_equal(w, saved):
            raise _Failure(f"x changed by up to {np.abs(w - saved).max():.2g}",
                           "put each entry back (x[i] = old) after the two calls of f")

    def vector() -> None:
        v = np.array([0.5, -1.0, 2.0])
        got = run(lambda: float(np.sum(np.sin(v))), v)
        _expect_shape(got, v.shape, "the gradient has the shape of x")
        err = relative_error(got, np.cos(v))
        if not err < 1e-7:
            raise _Failure(f"relative error {err:.2g} against cos(x)", hint)

    c.prop("gradient of sum(w^2) + sum(e^w) for a 2 x 3 array w matches 2w + e^w", matrix, hint)
    c.prop("x is restored afterwards", restored, hint)
    c.prop("works for a 1-D array (sum of sin: cos)", vector, hint)
    return c.result()


# ================================================================================================
# Chapter 9: backward passes, against numerical gradients
# ================================================================================================


def _grads_of(layer: Any) -> tuple[Any, Any]:
    grads = getattr(layer, "grads", None)
    if isinstance(grads, dict) and "W" in grads and "b" in grads:
        return grads["W"], grads["b"]
    if hasattr(layer, "dweights") and hasattr(layer, "dbiases"):
        return layer.dweights, layer.dbiases
    raise _Failure("found no gradients after backward",
                   "store them as self.grads['W'] and self.grads['b'] (or self.dweights, self.dbiases)")


def _input_grad(layer: Any, returned: Any) -> Any:
    if returned is None and getattr(layer, "dinputs", None) is not None:
        return layer.dinputs
    if returned is None:
        raise _Failure("backward returned None", "return the gradient with respect to the input, dL/dX")
    return returned


def check_dense_backward(Dense_: Any) -> CheckResult:
    """Check a Dense layer's ``backward(grad)`` against numerical gradients: it returns
    $\\partial L/\\partial X = G W^\\top$ and stores $\\partial L/\\partial W = X^\\top G$ and
    $\\partial L/\\partial b = \\sum_i G_i$ in ``grads["W"]``/``grads["b"]`` (or ``dweights``/``dbiases``).
    Pass the class (built as ``Dense(3, 4)``, with ``rng=`` when accepted) or an instance of shape (3, 4)
    (chapter 9)."""
    c = _Checker("check_dense_backward", Dense_)
    if not c.usable(Dense_):
        return c.result()
    r = _rng(17)
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
    name = _name_of(Dense_)

    def run() -> None:
        layer = _build(Dense_, 3, 4, rng=_rng(0))
        _set_wb(layer, W, b)
        _call(layer.forward, X.copy(), where=f"{name}.forward")
        state["dX"] = _input_grad(layer, _call(layer.backward, G.copy(), where=f"{name}.backward"))
        state["dW"], state["db"] = _grads_of(layer)
        state["dW"], state["db"] = np.array(state["dW"], dtype=float), np.array(state["db"], dtype=float)
        state["layer"] = layer

    def grad_close(key: str, numeric: np.ndarray, shape_hint: str, hint: str) -> Callable[[], None]:
        def test() -> None:
            got = _as_array(state[key], key)
            if got.shape != numeric.shape:
                raise _Failure(f"{key} has shape {got.shape}, expected {numeric.shape}", shape_hint)
            err = relative_error(got, numeric)
            if not err < 1e-6:
                raise _Failure(f"relative error {err:.2g} against the numerical gradient", hint)
        return test

    def fresh() -> None:
        layer = state["layer"]
        _call(layer.forward, X.copy(), where=f"{name}.forward")
        _call(layer.backward, G.copy(), where=f"{name}.backward")
        dW = _as_array(_grads_of(layer)[0], "dW")
        if dW.shape == num_W.shape and np.allclose(dW, 2 * num_W, rtol=1e-6):
            raise _Failure("the second backward doubled dW", "assign the gradients (=), do not add them up (+=)")

    hint_run = ("forward(x) must keep x (self.input = x) for backward; "
                "backward(grad) computes dW = x.T @ grad, db = grad.sum(axis=0, keepdims=True), dX = grad @ W.T")
    if not c.prop("forward and backward run on a batch of 5 samples (3 inputs, 4 neurons)", run, hint_run):
        c.skip(4, "need forward and backward to run")
        return c.result()
    c.prop("dL/dX = grad @ W.T matches the numerical gradient", grad_close(
        "dX", num_X, "dX has the shape of x: grad @ W.T", "dX = grad @ W.T"))
    c.prop("dL/dW = x.T @ grad matches the numerical gradient", grad_close(
        "dW", num_W, "dW has the shape of W (n_inputs, n_neurons): x.T @ grad",
        "dW = x.T @ grad (the input transposed)"))
    c.prop("dL/db = the sum of grad's rows matches the numerical gradient", grad_close(
        "db", num_b, "db has the shape of b, (1, n_neurons): grad.sum(axis=0, keepdims=True)",
        "db = grad.sum(axis=0, keepdims=True)"))
    c.prop("a second forward and backward replace the gradients", fresh)
    return c.result()


def _check_layer_backward(check: str, cls: Any, reference: Any, x: np.ndarray, hint: str,
                          cases: list[tuple[str, np.ndarray, np.ndarray]]) -> CheckResult:
    c = _Checker(check, cls)
    if not c.usable(cls, "class"):
        return c.result()
    name = _name_of(cls)
    g = _rng(18).standard_normal(x.shape)
    xn = x.copy()

    def ref_loss() -> float:
        return float(np.sum(reference.forward(xn) * g))
    numeric = numerical_gradient(ref_loss, xn)

    def run(inp: np.ndarray, grad: np.ndarray) -> np.ndarray:
        layer = _build(cls)
        _call(layer.forward, inp.copy(), where=f"{name}.forward")
        return _as_array(_input_grad(layer, _call(layer.backward, grad, where=f"{name}.backward")), "backward")

    for description, inp, grad in cases:
        want = (reference.forward(inp), reference.backward(grad))[1]
        c.prop(description, lambda inp=inp, grad=grad, want=want: _expect_close(run(inp, grad.copy()), want, hint),
               hint)

    def numerical() -> None:
        got = run(x, g.copy())
        _expect_shape(got, x.shape, "backward returns a gradient of the input's shape")
        err = relative_error(got, numeric)
        if not err < 1e-6:
            raise _Failure(f"relative error {err:.2g}", hint)

    def unchanged() -> None:
        grad = g.copy()
        run(x, grad)
        _expect_unchanged(g, grad, "the incoming gradient was changed",
                          "compute a new array (grad * mask); do not change grad in place")

    c.prop(f"matches the numerical gradient on a random batch {x.shape}", numerical, hint)
    c.prop("leaves the incoming gradient unchanged", unchanged, hint)
    return c.result()


def check_relu_backward(ReLU_: Any) -> CheckResult:
    """Check a ReLU class's ``backward(grad)``: the gradient passes where the input was positive and is 0
    elsewhere (chapter 9). Pass the class (built without arguments)."""
    z = np.array([[-1.0, 2.0, 0.5], [3.0, -0.5, -2.0]])
    g = np.array([[10.0, 20.0, 30.0], [40.0, 50.0, 60.0]])
    return _check_layer_backward(
        "check_relu_backward", ReLU_, ReLU(), 2 * _rng(19).standard_normal((4, 5)),
        "backward returns grad * (x > 0), with x the input of forward",
        [("passes the gradient where the input was positive, 0 elsewhere", z, g)])


def check_softmax_backward(Softmax_: Any) -> CheckResult:
    """Check a Softmax class's ``backward(grad)``: $s \\odot (g - \\sum_j g_j s_j)$ row by row, with $s$ the
    output of forward (chapter 9). Pass the class (built without arguments)."""
    z = np.array([[2.0, 1.0, 0.1]])
    g = np.array([[1.0, 0.0, 0.0]])
    return _check_layer_backward(
        "check_softmax_backward", Softmax_, Softmax(), _rng(20).standard_normal((4, 3)),
        "row by row: s * (grad - (grad * s).sum(axis=1, keepdims=True)), with s the softmax output",
        [("the example z = (2, 1, 0.1) with grad (1, 0, 0)", z, g)])


def check_softmax_crossentropy_backward(grad_fn: Callable) -> CheckResult:
    """Check ``grad_fn(probs, labels) -> dL/dz``, the gradient of the mean cross-entropy with respect to
    the logits $z$ that softmax turned into ``probs``: $(\\hat y - y)/N$ with ``labels`` integer classes
    (chapter 9; the package's version is ``nnscratch.softmax_crossentropy_grad``)."""
    c = _Checker("check_softmax_crossentropy_backward", grad_fn)
    if not c.usable(grad_fn):
        return c.result()
    r = _rng(21)
    z = r.standard_normal((5, 4))
    labels = r.integers(0, 4, size=5)
    probs = Softmax().forward(z)

    def loss_of_z() -> float:
        return CategoricalCrossentropy().forward(Softmax().forward(zn), labels)
    zn = z.copy()
    numeric = numerical_gradient(loss_of_z, zn)
    hint = "(probs - one_hot(labels)) / N: copy probs, subtract 1 at each row's true class, divide by N"

    def run(p: np.ndarray) -> np.ndarray:
        return _as_array(_call(grad_fn, p, labels.copy(), where=_name_of(grad_fn)), _name_of(grad_fn))

    def numerical() -> None:
        got = run(probs.copy())
        _expect_shape(got, probs.shape, "the gradient has the shape of the logits (N, K)")
        if np.allclose(got, 5 * numeric, rtol=1e-5):
            raise _Failure("got N = 5 times the gradient",
                           "divide by the batch size N: the loss is a mean over the batch")
        err = relative_error(got, numeric)
        if not err < 1e-6:
            raise _Failure(f"relative error {err:.2g}", hint)

    def rows_sum_zero() -> None:
        sums = run(probs.copy()).sum(axis=1)
        if not np.allclose(sums, 0, atol=1e-12):
            raise _Failure(f"the row sums are {_fmt(sums)}",
                           "each row of probs sums to 1 and the one-hot row too, so their difference sums to 0")

    def unchanged() -> None:
        p = probs.copy()
        run(p)
        _expect_unchanged(probs, p, "probs was changed",
                          "start from probs.copy(): grad = probs; grad[...] -= 1 changes probs too")

    c.prop("matches the numerical gradient of the mean loss with respect to the logits", numerical, hint)
    c.prop("each row of the gradient sums to 0", rows_sum_zero, hint)
    c.prop("leaves probs unchanged", unchanged, hint)
    return c.result()


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


def _optimizer_run(opt: Any, steps: list[list[dict[str, np.ndarray]]], start: list[tuple[np.ndarray, np.ndarray]],
                   name: str) -> list[list[dict[str, np.ndarray]]]:
    """Apply ``opt.step`` once per entry of ``steps`` (grads per layer); return the params after every step."""
    layers = [_ParamLayer(W, b) for W, b in start]
    history = []
    for grads in steps:
        for layer, g in zip(layers, grads):
            layer.grads = {k: v.copy() for k, v in g.items()}
        _call(opt.step, layers, where=f"{name}.step")
        history.append([{k: np.array(v, dtype=float) for k, v in layer.params.items()} for layer in layers])
    return history


Problem = tuple[list[tuple[np.ndarray, np.ndarray]], list[list[dict[str, np.ndarray]]]]


def _optimizer_problem(seed: int, n_steps: int) -> Problem:
    """Start values of two layers' parameters, and ``n_steps`` random gradients for each."""
    r = _rng(seed)
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


def check_sgd(SGD_: type) -> CheckResult:
    """Check an SGD optimiser class ``SGD(learning_rate=..., momentum=...)`` whose ``step(layers)`` updates
    every ``layer.params[k]`` from ``layer.grads[k]``: $v \\leftarrow \\mu v - \\eta g$,
    $\\theta \\leftarrow \\theta + v$ (plain: $\\theta \\leftarrow \\theta - \\eta g$) (chapter 10). Instead of a
    class, any callable that builds the optimiser from these keywords works."""
    c = _Checker("check_sgd", SGD_)
    if not c.usable(SGD_):
        return c.result()
    name = _name_of(SGD_)
    start, steps = _optimizer_problem(22, 3)
    hint_ctor = "the constructor takes learning_rate= and momentum= (like nnscratch.SGD)"

    def expected(momentum: float, n: int) -> list:
        return _optimizer_run(SGD(learning_rate=0.1, momentum=momentum), steps[:n], start, "SGD")

    def plain() -> None:
        opt = _call(SGD_, learning_rate=0.1, where=f"{name}(learning_rate=0.1)")
        got = _optimizer_run(opt, steps[:1], start, name)
        if _first_mismatch(got, expected(0.0, 1)):
            raise _Failure("the parameters after one step differ from θ - 0.1 g",
                           "subtract learning_rate * grad from every parameter, for every layer")

    def momentum() -> None:
        opt = _call(SGD_, learning_rate=0.1, momentum=0.9, where=f"{name}(learning_rate=0.1, momentum=0.9)")
        got = _optimizer_run(opt, steps, start, name)
        miss = _first_mismatch(got, expected(0.9, 3))
        if miss is None:
            return
        if _first_mismatch(got, expected(0.0, 3)) is None:
            raise _Failure("the steps equal plain SGD, as if momentum were 0",
                           "keep a velocity for each layer and parameter between steps (start at zeros): "
                           "v = momentum * v - lr * grad, then param += v")
        step, diff = miss
        hint = ("keep the velocity between steps, one per layer and parameter (start at zeros)" if step > 1
                else "the first step from v = 0 is v = -lr * grad, θ = θ + v")
        raise _Failure(f"step {step} differs from nnscratch.SGD by up to {diff:.3g}", hint)

    def hint(where: str) -> str:
        return hint_ctor if where.endswith(")") else (
            "step(layers) updates layer.params[name] from layer.grads[name] for every layer and name; "
            "keep one velocity per layer and parameter")

    c.prop("plain step (momentum 0): θ ← θ - 0.1 g for every parameter of 2 layers", plain, hint)
    c.prop("with momentum 0.9: 3 steps match nnscratch.SGD (v ← 0.9 v - 0.1 g, θ ← θ + v)", momentum, hint)
    return c.result()


def check_adam(Adam_: type) -> CheckResult:
    """Check an Adam optimiser class ``Adam(learning_rate=..., beta_1=0.9, beta_2=0.999, epsilon=1e-7)`` with
    ``step(layers)``: moving averages $m$, $v$ of the gradient and its square, bias-corrected by
    $1 - \\beta^t$ for $t = 1, 2, \\dots$ (chapter 11). Instead of a class, any callable that builds the
    optimiser from these keywords works, e.g. ``functools.partial(Optimizer, adam_update)`` with chapter 11's
    ``Optimizer`` and ``adam_update``."""
    c = _Checker("check_adam", Adam_)
    if not c.usable(Adam_):
        return c.result()
    name = _name_of(Adam_)
    start, steps = _optimizer_problem(23, 5)
    hint_ctor = "the constructor takes learning_rate=, beta_1=, beta_2= and epsilon= (like nnscratch.Adam)"

    def make() -> Any:
        try:
            return _call(Adam_, learning_rate=0.01, beta_1=0.9, beta_2=0.999, epsilon=1e-7, where=f"{name}(...)")
        except _LearnerError as e:
            if not isinstance(e.error, TypeError):
                raise
            return _call(Adam_, learning_rate=0.01, where=f"{name}(learning_rate=0.01)")

    def first_step() -> None:
        got = _optimizer_run(make(), steps[:1], start, name)
        moves = np.concatenate([np.abs(got[0][i][k] - p).ravel() for i, (W, b) in enumerate(start)
                                for k, p in (("W", W), ("b", b))])
        if not np.isfinite(moves).all():
            raise _Failure("the parameters became nan or inf",
                           "t counts the steps from 1: with t = 0, 1 - beta_1**t is 0 "
                           "and m / (1 - beta_1**t) divides by 0")
        if not np.allclose(moves, 0.01, rtol=1e-3):
            ratio = float(np.median(moves) / 0.01)
            hint = ("without bias correction the first step is 0.1 / sqrt(0.001) = 3.162 times too large: "
                    "divide m by (1 - beta_1**t) and v by (1 - beta_2**t), t = 1 on the first step"
                    if np.isclose(ratio, 3.1623, rtol=1e-2) else
                    "on the first step m_hat / sqrt(v_hat) = g / |g|, so every parameter moves by the learning rate")
            raise _Failure(f"the parameters moved by {ratio:.4g} times the learning rate", hint)

    def five_steps() -> None:
        got = _optimizer_run(make(), steps, start, name)
        want = _optimizer_run(Adam(learning_rate=0.01), steps, start, "Adam")
        miss = _first_mismatch(got, want)
        if miss:
            raise _Failure(f"step {miss[0]} differs from nnscratch.Adam by up to {miss[1]:.3g}",
                           "m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2; m_hat = m / (1 - b1^t); "
                           "v_hat = v / (1 - b2^t); θ -= lr m_hat / (sqrt(v_hat) + eps), "
                           "with m, v kept per layer and parameter")

    def hint(where: str) -> str:
        return hint_ctor if where.endswith(")") else (
            "step(layers) updates layer.params[name] from layer.grads[name]; m and v are kept per layer and "
            "parameter (each of its own shape), starting at zeros")

    c.prop("the first step moves every parameter by the learning rate (bias correction)", first_step, hint)
    c.prop("5 steps on 2 layers match nnscratch.Adam", five_steps, hint)
    return c.result()


# ================================================================================================
# Chapters 13-14: regularisation, dropout, mean squared error
# ================================================================================================


def check_l2_penalty(penalty: Callable, gradient: Callable | None = None) -> CheckResult:
    """Check ``penalty(weights, lam) -> float`` $= \\lambda \\sum w^2$ and, if given,
    ``gradient(weights, lam) -> array`` $= 2\\lambda W$ (chapter 13)."""
    c = _Checker("check_l2_penalty", penalty)
    if not c.usable(penalty):
        return c.result()
    W = np.array([[1.0, -2.0], [3.0, 0.5]])
    lam = 0.01

    def value(fn: Callable, w: np.ndarray, lam_: float) -> float:
        return _as_number(_call(fn, w, lam_, where=_name_of(fn)), _name_of(fn),
                          "return one number: lam * np.sum(w ** 2)")

    def example() -> None:
        got = value(penalty, W.copy(), lam)
        for wrong, hint in ((lam * np.abs(W).sum(), "square the weights (L2), not their absolute values (L1)"),
                            (lam * (W ** 2).mean(), "sum the squares, do not average them"),
                            ((W ** 2).sum(), "multiply by lam")):
            if np.isclose(got, wrong):
                raise _Failure(f"got {got:.6g}, expected 0.1425", hint)
        if not np.isclose(got, 0.1425):
            raise _Failure(f"got {got:.6g}, expected 0.1425", "lam * np.sum(w ** 2)")

    def matches() -> None:
        w = _rng(24).standard_normal((4, 3))
        ref = Dense(4, 3, weight_regularizer_l2=0.05)
        ref.params["W"] = w.copy()
        got, want = value(penalty, w.copy(), 0.05), ref.regularization_loss()
        if not np.isclose(got, want, rtol=1e-9):
            raise _Failure(f"got {got:.6g}, expected {want:.6g}", "lam * np.sum(w ** 2)")

    def unchanged() -> None:
        w = W.copy()
        value(penalty, w, lam)
        _expect_unchanged(W, w, "the weights were changed", "compute w ** 2 into a new array; do not square w in place")

    c.prop("W = [[1, -2], [3, 0.5]], lam = 0.01 gives 0.01 * 14.25 = 0.1425", example, "lam * np.sum(w ** 2)")
    c.prop("matches nnscratch's Dense(weight_regularizer_l2=0.05) penalty on random weights", matches)
    c.prop("leaves the weights unchanged", unchanged)
    if gradient is not None:
        def grad_value() -> None:
            got = _as_array(_call(gradient, W.copy(), lam, where=_name_of(gradient)), _name_of(gradient))
            if got.shape == W.shape and np.allclose(got, lam * W):
                raise _Failure(f"got {_fmt(got)} = lam * W", "the derivative of lam * w^2 is 2 * lam * w")
            _expect_close(got, 2 * lam * W, "the derivative of lam * w^2 is 2 * lam * w")

        def grad_numeric() -> None:
            w = _rng(25).standard_normal((3, 2))
            wn = w.copy()
            numeric = numerical_gradient(lambda: 0.05 * float(np.sum(wn ** 2)), wn)
            got = _as_array(_call(gradient, w.copy(), 0.05, where=_name_of(gradient)), _name_of(gradient))
            _expect_shape(got, w.shape, "the gradient has the shape of the weights")
            err = relative_error(got, numeric)
            if not err < 1e-6:
                raise _Failure(f"relative error {err:.2g}", "2 * lam * w")

        c.prop("gradient: 2 * lam * W for the example", grad_value, "2 * lam * w")
        c.prop("gradient matches the numerical gradient of the penalty", grad_numeric, "2 * lam * w")
    return c.result()


def check_dropout(Dropout_: type) -> CheckResult:
    """Check an inverted-dropout class ``Dropout(rate)`` (``rng=`` is passed when accepted): while training,
    ``forward`` zeroes about a fraction ``rate`` of the values and scales the rest by $1/(1 - \\text{rate})$;
    after ``eval()`` (or with ``training = False``) it passes the input unchanged; ``backward`` multiplies by
    the same mask (chapter 13)."""
    c = _Checker("check_dropout", Dropout_)
    if not c.usable(Dropout_):
        return c.result()
    name = _name_of(Dropout_)
    rate = 0.3
    ones = np.ones((500, 200))

    def make(seed: int) -> Any:
        np.random.seed(seed)  # for a class that draws from NumPy's global generator
        layer = _build(Dropout_, rate, rng=_rng(seed))
        if hasattr(layer, "train") and callable(layer.train):
            _call(layer.train, where=f"{name}.train")
        else:
            layer.training = True
        return layer

    def forward(layer: Any, x: np.ndarray) -> np.ndarray:
        return _as_array(_call(layer.forward, x, where=f"{name}.forward"), "forward")

    def fraction() -> None:
        out = forward(make(0), ones.copy())
        _expect_shape(out, ones.shape, "the output has the input's shape")
        dropped = float(np.mean(out == 0))
        if abs(dropped - rate) > 0.01:
            hint = ("rate is the fraction dropped: keep a value when rng.random(x.shape) >= rate"
                    if abs(dropped - (1 - rate)) < 0.01 else "zero each value with probability rate")
            raise _Failure(f"dropped {dropped:.1%} of the values, expected about {rate:.0%}", hint)

    def scaled() -> None:
        out = forward(make(1), ones.copy())
        kept = out[out != 0]
        if kept.size == 0:
            raise _Failure("every value was dropped", "zero each value with probability rate")
        want = 1 / (1 - rate)
        if not np.allclose(kept, want, rtol=1e-6):
            value = float(np.median(kept))
            hint = ("divide the kept values by (1 - rate), so the expected output equals the input (inverted dropout)"
                    if np.isclose(value, 1.0) else "the kept values are multiplied by 1 / (1 - rate)")
            raise _Failure(f"kept values are {value:.4g}, expected 1 / (1 - {rate}) = {want:.4f}", hint)

    def inference() -> None:
        layer = make(2)
        if hasattr(layer, "eval") and callable(layer.eval):
            _call(layer.eval, where=f"{name}.eval")
        else:
            layer.training = False
        x = _rng(26).standard_normal((50, 20))
        out = forward(layer, x.copy())
        if out.shape != x.shape or not np.allclose(out, x):
            raise _Failure("the output differs from the input after eval()",
                           "dropout is for training only: when self.training is False, return x unchanged")

    def backward() -> None:
        layer = make(3)
        x = _rng(27).uniform(1, 2, size=(40, 30))
        out = forward(layer, x.copy())
        mask = out / x
        g = _rng(28).standard_normal(x.shape)
        got = _as_array(_input_grad(layer, _call(layer.backward, g.copy(), where=f"{name}.backward")), "backward")
        _expect_close(got, g * mask, "backward returns grad times the same mask (with its scaling) that forward used")

    def new_mask() -> None:
        layer = make(4)
        a, b = forward(layer, ones[:50].copy()), forward(layer, ones[:50].copy())
        if np.array_equal(a, b):
            raise _Failure("two forward calls dropped the same values", "draw a new mask in every forward call")

    with _global_random_state_kept():
        c.prop(f"drops about {rate:.0%} of the values while training (rate = {rate})", fraction)
        c.prop("scales the kept values by 1 / (1 - rate)", scaled)
        c.prop("passes the input unchanged at inference (after eval())", inference,
               "add train()/eval() methods that set self.training, or subclass nnscratch.Layer")
        c.prop("backward multiplies the gradient by the same mask", backward)
        c.prop("draws a new mask on every forward call", new_mask)
    return c.result()


def check_mse(mse: Any) -> CheckResult:
    """Check the mean squared error ``mse(y_pred, y_true) -> float``, averaged over samples and outputs;
    targets of shape ``(n,)`` must work with predictions of shape ``(n, 1)``: a function, or a class with
    ``forward`` (chapter 14)."""
    c = _Checker("check_mse", mse)
    if not c.usable(mse):
        return c.result()
    f = _forward_fn(mse)
    ref = MeanSquaredError()

    def number(out: Any) -> float:
        return _as_number(out, _name_of(mse), "return one number: the mean over samples and outputs")

    def example() -> None:
        pred, true = np.array([[1.0], [2.0], [3.0]]), np.array([[1.5], [2.0], [1.0]])
        got = number(f(pred.copy(), true.copy()))
        for wrong, hint in ((0.8333333333, "square the differences (the mean absolute error does not)"),
                            (4.25, "take the mean, not the sum"),
                            (float(np.sqrt(4.25 / 3)), "no square root: that is the root mean squared error")):
            if np.isclose(got, wrong, rtol=1e-6):
                raise _Failure(f"got {got:.4f}, expected 1.4167", hint)
        if not np.isclose(got, 4.25 / 3, rtol=1e-6):
            raise _Failure(f"got {got:.4f}, expected 1.4167", "np.mean((y_true - y_pred) ** 2)")

    def several_outputs() -> None:
        r = _rng(29)
        pred, true = r.standard_normal((6, 2)), r.standard_normal((6, 2))
        got, want = number(f(pred.copy(), true.copy())), ref.forward(pred, true)
        if np.isclose(got, 2 * want, rtol=1e-6):
            raise _Failure(f"got {got:.4f}, twice {want:.4f}",
                           "average over the outputs too, not only over the samples")
        if not np.isclose(got, want, rtol=1e-6):
            raise _Failure(f"got {got:.4f}, expected {want:.4f}", "np.mean((y_true - y_pred) ** 2)")

    def flat_targets() -> None:
        r = _rng(30)
        pred, true = r.standard_normal((5, 1)), r.standard_normal(5)
        got, want = number(f(pred.copy(), true.copy())), ref.forward(pred, true)
        if not np.isclose(got, want, rtol=1e-6):
            broadcast = float(np.mean((true - pred) ** 2))
            raise _Failure(f"got {got:.4f}, expected {want:.4f}",
                           "(5, 1) - (5,) broadcasts to (5, 5): reshape y_true to y_pred's shape first"
                           if np.isclose(got, broadcast, rtol=1e-6) else "np.mean((y_true - y_pred) ** 2)")

    def perfect() -> None:
        y = _rng(31).standard_normal((4, 3))
        got = number(f(y.copy(), y.copy()))
        if not np.isclose(got, 0.0, atol=1e-12):
            raise _Failure(f"got {got:.4g}", "identical predictions and targets cost 0")

    c.prop("3 samples, 1 output: squared errors 0.25, 0, 4 give 1.4167", example, "np.mean((y_true - y_pred) ** 2)")
    c.prop("2 outputs: matches nnscratch.MeanSquaredError", several_outputs)
    c.prop("targets of shape (5,) with predictions of shape (5, 1)", flat_targets,
           "reshape y_true to y_pred's shape first")
    c.prop("a perfect prediction costs 0", perfect)
    return c.result()


# ================================================================================================
# Part III: chapters 12-15
# ================================================================================================


def _ids_of(X_part: np.ndarray, n: int, what: str) -> np.ndarray:
    """The sample numbers of the rows of ``X_part`` (column 0 of the check's data holds them)."""
    ids = X_part[:, 0]
    if not np.all(np.isfinite(ids)) or np.any(ids != np.round(ids)) or np.any(ids < 0) or np.any(ids >= n):
        raise _Failure(f"{what} holds rows that are not rows of X",
                       "take whole rows of X, unchanged: X[indices] with integer indices")
    return ids.astype(np.int64)


def check_train_val_split(split: Callable) -> CheckResult:
    """Check ``split(X, y, val_fraction, rng) -> (X_fit, y_fit, X_val, y_val)``: the samples (rows of ``X``
    with their labels ``y``) in a random order drawn from the generator ``rng``, about ``val_fraction`` of
    them in the validation part and the rest in the training part, each sample in exactly one part, with its
    own label, and ``X``, ``y`` left unchanged (chapter 12)."""
    c = _Checker("check_train_val_split", split)
    if not c.usable(split, "function"):
        return c.result()
    name = _name_of(split)
    hint_order = "return four arrays, in the order X_fit, y_fit, X_val, y_val"
    hint_pairs = ("index X and y with the same indices, X[idx] and y[idx]; shuffling X and y separately "
                  "breaks the pairs")

    def data(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
        """``n`` samples of 3 classes stored class by class, like ``spiral_data``; column 0 of ``X`` is the
        sample's number, so the check can tell which samples a part holds."""
        X = np.column_stack([np.arange(n, dtype=np.float64), _rng(seed).standard_normal(n)])
        return X, np.arange(n) * 3 // n

    def run(X: np.ndarray, y: np.ndarray, fraction: float, seed: int, copy: bool = True) -> tuple[np.ndarray, ...]:
        out = _call(split, X.copy() if copy else X, y.copy() if copy else y, fraction, _rng(seed), where=name)
        if out is None:
            raise _Failure(f"{name} returned None", "add `return X_fit, y_fit, X_val, y_val`")
        if isinstance(out, np.ndarray) or not isinstance(out, (tuple, list)):
            raise _Failure(f"{name} returned {type(out).__name__}, not four arrays", hint_order)
        if len(out) != 4:
            raise _Failure(f"{name} returned {len(out)} values, expected 4", hint_order)
        parts = tuple(_as_array(p, name) for p in out)
        if parts[1].ndim == 2 and parts[2].ndim == 1:
            raise _Failure("the second value is 2-D and the third 1-D, as in the order X_fit, X_val, y_fit, y_val",
                           hint_order)
        for part, what, ndim in zip(parts, ("X_fit", "y_fit", "X_val", "y_val"), (2, 1, 2, 1)):
            if part.ndim != ndim or (ndim == 2 and part.shape[1] != X.shape[1]):
                expected = "(samples, features)" if ndim == 2 else "(samples,), like y"
                raise _Failure(f"{what} has shape {part.shape}, expected {expected}", hint_order)
        if len(parts[0]) != len(parts[1]) or len(parts[2]) != len(parts[3]):
            raise _Failure(f"X_fit, y_fit, X_val, y_val have {', '.join(str(len(p)) for p in parts)} rows",
                           "X_fit and y_fit (and X_val and y_val) need one row per sample: " + hint_pairs)
        return parts

    def sizes() -> None:
        for n, fraction in ((300, 0.2), (7, 0.3)):
            X, y = data(n, 40)
            X_fit, _, X_val, _ = run(X, y, fraction, 0)
            low, high = int(np.floor(fraction * n + 1e-9)), int(np.ceil(fraction * n - 1e-9))
            want = f"{n - low} + {low}" if low == high else f"{n - low} + {low} or {n - high} + {high}"
            if len(X_fit) + len(X_val) == n and low <= len(X_fit) <= high:
                raise _Failure(f"{n} samples, val_fraction {fraction}: the validation part has {len(X_val)} "
                               f"samples and the training part {len(X_fit)}",
                               f"val_fraction is the validation part's share: {fraction} of {n} samples go to "
                               "validation, the rest to training")
            if len(X_fit) + len(X_val) != n or not low <= len(X_val) <= high:
                raise _Failure(f"{n} samples, val_fraction {fraction}: got {len(X_fit)} + {len(X_val)} samples, "
                               f"expected {want}",
                               "n_val = round(val_fraction * len(X)) samples for validation, the rest for training")

    def one_part_each() -> None:
        X, y = data(300, 41)
        X_fit, _, X_val, _ = run(X, y, 0.2, 1)
        fit_ids, val_ids = _ids_of(X_fit, 300, "X_fit"), _ids_of(X_val, 300, "X_val")
        both = np.intersect1d(fit_ids, val_ids)
        counts = np.bincount(np.concatenate([fit_ids, val_ids]), minlength=300)
        if both.size:
            raise _Failure(f"{both.size} samples are in both parts",
                           "cut one permutation in two: order[:n_fit] for training, order[n_fit:] for validation")
        if np.any(counts > 1):
            raise _Failure(f"{int(np.sum(counts > 1))} samples appear more than once",
                           "draw the order without repeats: rng.permutation(len(X)), not rng.integers or "
                           "rng.choice with replacement")
        if np.any(counts == 0):
            raise _Failure(f"{int(np.sum(counts == 0))} samples are in neither part", "every sample goes into one part")

    def pairs() -> None:
        X, y = data(300, 42)
        X_fit, y_fit, X_val, y_val = run(X, y, 0.2, 2)
        ids = np.concatenate([_ids_of(X_fit, 300, "X_fit"), _ids_of(X_val, 300, "X_val")])
        labels = np.concatenate([y_fit, y_val])
        wrong = int(np.sum(labels != y[ids]))
        if wrong:
            raise _Failure(f"{wrong} of the {len(ids)} samples have another sample's label", hint_pairs)

    def shuffled() -> None:
        X, y = data(300, 43)
        _, _, X_val, y_val = run(X, y, 0.2, 3)
        counts = np.bincount(y[_ids_of(X_val, 300, "X_val")], minlength=3)
        if np.any(counts == 0):
            raise _Failure(f"the validation part has {', '.join(map(str, counts))} samples of classes 0, 1, 2",
                           "shuffle before you cut: the samples are stored class by class, so the last 20 % are "
                           "all of class 2; cut rng.permutation(len(X)), not the rows in their stored order")

    def from_rng() -> None:
        X, y = data(50, 44)

        def val_ids(seed: int) -> np.ndarray:
            return np.sort(_ids_of(run(X, y, 0.2, seed)[2], 50, "X_val"))

        first, again, other = val_ids(5), val_ids(5), val_ids(6)
        if not np.array_equal(first, again):
            raise _Failure("two generators with the same seed gave different splits",
                           "draw the order from the rng argument (rng.permutation), not from np.random: "
                           "then the same seed gives the same split")
        if np.array_equal(first, other):
            raise _Failure("generators with different seeds gave the same split",
                           "use the rng you are given; do not make a new generator with a fixed seed inside")

    def unchanged() -> None:
        X, y = data(40, 45)
        X_in, y_in = X.copy(), y.copy()
        run(X_in, y_in, 0.25, 7, copy=False)
        hint = "rng.shuffle(X) shuffles the caller's array in place; index with a permutation instead (X[order])"
        _expect_unchanged(X, X_in, "X was changed", hint)
        _expect_unchanged(y, y_in, "y was changed", hint)

    with _global_random_state_kept():
        if not c.prop("returns four arrays, X_fit, y_fit, X_val, y_val, with one row per sample",
                      lambda: run(*data(30, 39), 0.2, 0), hint_order):
            c.skip(6, "need the four arrays")
            return c.result()
        c.prop("300 samples, val_fraction 0.2: 240 for training, 60 for validation; 7 samples, 0.3: 2 or 3 "
               "for validation", sizes)
        c.prop("every sample is in exactly one of the two parts", one_part_each)
        c.prop("every sample keeps its own label", pairs)
        c.prop("shuffled: samples stored class by class give a validation part with every class", shuffled)
        c.prop("the split comes from rng: the same seed gives the same split, another seed another", from_rng)
        c.prop("leaves X and y unchanged", unchanged)
    return c.result()


# ---------------------------------------------------------------- chapter 14: binary cross-entropy


def check_binary_crossentropy(loss: Any) -> CheckResult:
    """Check the binary cross-entropy ``loss(y_pred, y_true) -> float`` of sigmoid probabilities,
    $-[y \\log \\hat y + (1 - y) \\log(1 - \\hat y)]$ averaged over the outputs and the samples, with
    $\\hat y$ clipped to $[10^{-7}, 1 - 10^{-7}]$; targets of shape ``(n,)`` must work with predictions of
    shape ``(n, 1)``: a function, or a class with ``forward`` (chapter 14)."""
    from .losses import BinaryCrossentropy

    c = _Checker("check_binary_crossentropy", loss)
    if not c.usable(loss):
        return c.result()
    f = _forward_fn(loss)
    ref = BinaryCrossentropy()
    hint_formula = "-np.mean(y_true * np.log(p) + (1 - y_true) * np.log(1 - p)), with p = np.clip(y_pred, 1e-7, 1 - 1e-7)"
    hint_clip = ("clip the probabilities at both ends, to [1e-7, 1 - 1e-7], before the logarithms: log(0) is "
                 "-inf (and so is log(1 - y_pred) for y_pred = 1), and 0 * log(0) is nan")

    def number(out: Any) -> float:
        return _as_number(out, _name_of(loss), "return one number: the mean over the samples and the outputs")

    def example() -> None:
        pred, true = np.array([[0.9, 0.2]]), np.array([[1.0, 0.0]])
        got = number(f(pred.copy(), true.copy()))
        want = -(np.log(0.9) + np.log(0.8)) / 2
        for wrong, hint in ((2 * want, "average over the K outputs, do not add them up"),
                            (-want, "put a minus sign in front: the logarithm of a probability is negative"),
                            (-(np.log(0.1) + np.log(0.2)) / 2,
                             "y multiplies log(y_pred) and (1 - y) multiplies log(1 - y_pred), not the other way round"),
                            (-np.log(0.9) / 2,
                             "add the term (1 - y) log(1 - y_pred): a 'no' answered with y_pred costs -log(1 - y_pred)"),
                            (want / np.log(10), "use np.log, the natural logarithm, not np.log10")):
            if np.isclose(got, wrong, rtol=1e-6):
                raise _Failure(f"got {got:.4f}, expected {want:.4f}", hint)
        if not np.isclose(got, want, rtol=1e-6):
            raise _Failure(f"got {got:.4f}, expected {want:.4f}", hint_formula)

    def several() -> None:
        r = _rng(32)
        pred, true = r.uniform(0.05, 0.95, size=(6, 3)), r.integers(0, 2, size=(6, 3)).astype(np.float64)
        got, want = number(f(pred.copy(), true.copy())), ref.forward(pred, true)
        for factor, hint in ((3, "average over the outputs too, not only over the samples"),
                             (6, "average over the samples, do not add them up"),
                             (18, "take the mean over samples and outputs, not the sum")):
            if np.isclose(got, factor * want, rtol=1e-6):
                raise _Failure(f"got {got:.4f}, {factor} times {want:.4f}", hint)
        if not np.isclose(got, want, rtol=1e-6):
            raise _Failure(f"got {got:.4f}, expected {want:.4f}", hint_formula)

    def clipped() -> None:
        pred, true = np.array([[1.0, 0.0, 0.0, 1.0]]), np.array([[1.0, 0.0, 1.0, 0.0]])
        got, want = number(f(pred.copy(), true.copy())), ref.forward(pred, true)
        if not np.isfinite(got):
            raise _Failure(f"got {_fmt(got)}", hint_clip)
        if not np.isclose(got, want, rtol=1e-6):
            raise _Failure(f"got {got:.4f}, expected {want:.4f} (two right answers cost about 0, two wrong ones "
                           f"-log(1e-7) = 16.1181 each)", "clip with 1e-7, as chapter 6 did: np.clip(y_pred, 1e-7, 1 - 1e-7)")

    def flat_targets() -> None:
        r = _rng(33)
        pred, true = r.uniform(0.05, 0.95, size=(5, 1)), r.integers(0, 2, size=5).astype(np.float64)
        got, want = number(f(pred.copy(), true.copy())), ref.forward(pred, true)
        if not np.isclose(got, want, rtol=1e-6):
            broadcast = -float(np.mean(true * np.log(pred) + (1 - true) * np.log(1 - pred)))
            raise _Failure(f"got {got:.4f}, expected {want:.4f}",
                           "(5, 1) and (5,) broadcast to (5, 5): reshape y_true to y_pred's shape first"
                           if np.isclose(got, broadcast, rtol=1e-6) else hint_formula)

    def unchanged() -> None:
        pred = np.array([[1.0, 0.3], [0.0, 0.6]])
        pred_in = pred.copy()
        f(pred_in, np.array([[1.0, 0.0], [0.0, 1.0]]))
        _expect_unchanged(pred, pred_in, "the predictions were changed",
                          "np.clip(y_pred, ...) makes a new array; do not clip in place (out=y_pred)")

    c.prop("predictions (0.9, 0.2) for answers (1, 0) give (-log 0.9 - log 0.8) / 2 = 0.1643", example, hint_formula)
    c.prop("6 samples, 3 outputs: matches nnscratch.BinaryCrossentropy", several, hint_formula)
    c.prop("probabilities of exactly 0 and 1 give a finite loss (clipping)", clipped, hint_clip)
    c.prop("targets of shape (5,) with predictions of shape (5, 1)", flat_targets,
           "reshape y_true to y_pred's shape first")
    c.prop("leaves the predictions unchanged", unchanged)
    return c.result()


# ---------------------------------------------------------------- chapter 15: mini-batches


def check_minibatches(minibatches: Callable) -> CheckResult:
    """Check ``minibatches(n, batch_size, rng)``: the batches of one epoch, as arrays of sample indices
    (a list, or a generator that yields them): a new random permutation of $0, \\dots, n-1$ from the
    generator ``rng``, cut into pieces of ``batch_size``, the last one smaller when ``batch_size`` does not
    divide ``n`` (chapter 15)."""
    c = _Checker("check_minibatches", minibatches)
    if not c.usable(minibatches, "function"):
        return c.result()
    name = _name_of(minibatches)
    hint_cut = ("cut the permutation at 0, batch_size, 2 * batch_size, ...: "
                "[order[start:start + batch_size] for start in range(0, n, batch_size)]")

    def batches(n: int, size: int, rng: np.random.Generator) -> list[np.ndarray]:
        out = _call(minibatches, n, size, rng, where=name)
        if out is None:
            raise _Failure(f"{name} returned None", "return the list of batches (or yield each batch)")
        if not hasattr(out, "__iter__") or isinstance(out, (str, bytes)):
            raise _Failure(f"{name} returned {type(out).__name__}, not a list of batches",
                           "return a list of index arrays, one per batch")

        def take() -> list[Any]:  # at most n + 2 batches, in case the generator never ends
            items = []
            for item in out:
                items.append(item)
                if len(items) > n + 1:
                    break
            return items

        result = []
        for i, item in enumerate(_call(take, where=name)):
            arr = np.asarray(item)
            if arr.ndim != 1 or arr.dtype.kind not in "iu":
                what = (f"the number {_fmt(arr)}" if arr.ndim == 0 else f"an array of shape {arr.shape} and type "
                        f"{arr.dtype}")
                raise _Failure(f"batch {i} is {what}, not a 1-D array of integer indices",
                               "each batch is an array of sample indices, like order[start:start + batch_size]")
            result.append(arr)
        return result

    def flat(bs: list[np.ndarray]) -> np.ndarray:
        return np.concatenate(bs) if bs else np.array([], dtype=np.int64)

    def sizes() -> None:
        got = [len(b) for b in batches(10, 4, _rng(0))]
        if got == [4, 4]:
            raise _Failure("10 samples in batches of 4 gave sizes [4, 4]: the last 2 samples were left out",
                           "keep the last, smaller batch: for start in range(0, n, batch_size)")
        if got == [4, 3, 3]:
            raise _Failure("10 samples in batches of 4 gave sizes [4, 3, 3]",
                           "np.array_split spreads the remainder over the batches; " + hint_cut)
        if got != [4, 4, 2]:
            raise _Failure(f"10 samples in batches of 4 gave sizes {got}, expected [4, 4, 2]", hint_cut)

    def each_once() -> None:
        order = flat(batches(103, 10, _rng(1)))
        if np.any(order < 0) or np.any(order >= 103):
            raise _Failure(f"indices from {order.min()} to {order.max()} for n = 103",
                           "the indices of n samples run from 0 to n - 1")
        counts = np.bincount(order, minlength=103)
        if np.any(counts > 1):
            raise _Failure(f"{int(np.sum(counts > 1))} of the 103 samples appear more than once",
                           "draw the order without repeats: rng.permutation(n), not rng.integers or rng.choice "
                           "with replacement")
        if np.any(counts == 0):
            raise _Failure(f"{int(np.sum(counts == 0))} of the 103 samples are in no batch", hint_cut)

    def shuffled() -> None:
        order = flat(batches(103, 10, _rng(2)))
        if np.array_equal(order, np.arange(len(order))):
            raise _Failure("the batches hold the samples in their stored order 0, 1, 2, ...",
                           "cut a random permutation, rng.permutation(n), not np.arange(n): data stored class "
                           "by class would give batches of a single class")

    def new_order() -> None:
        rng = _rng(3)
        first, second = flat(batches(60, 16, rng)), flat(batches(60, 16, rng))
        if np.array_equal(first, second):
            raise _Failure("two epochs (two calls with the same generator) gave the same batches",
                           "draw a new permutation from rng at every call; do not make a new generator with a "
                           "fixed seed inside the function")

    def from_rng() -> None:
        first, again = flat(batches(60, 16, _rng(4))), flat(batches(60, 16, _rng(4)))
        if not np.array_equal(first, again):
            raise _Failure("two generators with the same seed gave different batches",
                           "draw the order from the rng argument (rng.permutation(n)), not from np.random: "
                           "then the same seed gives the same batches")

    def edge_cases() -> None:
        for n, size, want in ((5, 8, [5]), (5, 5, [5]), (5, 1, [1] * 5)):
            got = [len(b) for b in batches(n, size, _rng(5))]
            if got != want:
                raise _Failure(f"{n} samples in batches of {size} gave sizes {got}, expected {want}", hint_cut)

    with _global_random_state_kept():
        if not c.prop("returns the batches as 1-D arrays of integer indices", lambda: batches(10, 4, _rng(0)),
                      "return a list of index arrays, one per batch (or yield them one by one)"):
            c.skip(6, "need the batches as arrays of indices")
            return c.result()
        c.prop("10 samples in batches of 4: sizes 4, 4, 2", sizes, hint_cut)
        c.prop("103 samples in batches of 10: every index from 0 to 102 exactly once", each_once, hint_cut)
        c.prop("the order is shuffled, not 0, 1, 2, ...", shuffled, hint_cut)
        c.prop("every epoch (every call) draws a new order", new_order, hint_cut)
        c.prop("the order comes from rng: the same seed gives the same batches", from_rng, hint_cut)
        c.prop("batch_size 8, 5 and 1 for 5 samples: 1, 1 and 5 batches", edge_cases, hint_cut)
    return c.result()


# ================================================================================================
# Part IV: chapters 16-19
# ================================================================================================


# ---------------------------------------------------------------- chapter 16: reading any IDX file

_IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def _idx_bytes(array: np.ndarray, code: int) -> bytes:
    """The bytes of an IDX file holding ``array`` with the type code ``code``."""
    array = np.asarray(array)
    header = bytes([0, 0, code, array.ndim]) + np.array(array.shape, dtype=">u4").tobytes()
    return header + array.astype(_IDX_TYPES[code]).tobytes()


def check_parse_idx(parse_idx: Callable) -> CheckResult:
    """Check ``parse_idx(data) -> array``, the array stored in the bytes ``data`` of an IDX file of any type
    and number of dimensions: the magic number ``00 00 <type> <d>``, then ``d`` big-endian 32-bit sizes, then
    the values, big-endian (type 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64).
    A file that is not IDX, or whose length does not match its header, must raise ``ValueError``
    (chapter 16)."""
    import gzip

    c = _Checker("check_parse_idx", parse_idx)
    if not c.usable(parse_idx, "function"):
        return c.result()
    name = _name_of(parse_idx)
    r = _rng(40)
    hint_endian = ("IDX stores every number of more than one byte big-endian: read the data with a dtype "
                   "like '>f4' (or '>i2', '>i4', '>f8'), not np.float32, which is little-endian on most computers")
    hint_header = ("the header is the 4 bytes of the magic number, then one 4-byte size per dimension: "
                   "4 + 4 * d bytes, where d is the magic number's 4th byte (3 for images, 1 for labels)")
    hint_type = ("the magic number's 3rd byte says the type: 0x08 uint8, 0x09 int8, 0x0B '>i2', 0x0C '>i4', "
                 "0x0D '>f4', 0x0E '>f8'")

    def parse(data: bytes) -> np.ndarray:
        out = _call(parse_idx, data, where=name)
        if out is None:
            raise _Failure(f"{name} returned None", "add a `return` statement")
        if not isinstance(out, np.ndarray):
            try:
                out = np.asarray(out)
            except Exception:
                raise _Failure(f"{name} returned {type(out).__name__}, not an array") from None
        return out

    def expect(data: bytes, want: np.ndarray) -> None:
        got = parse(data)
        if got.shape != want.shape:
            if got.size == want.size * want.dtype.itemsize and want.dtype.itemsize > 1:
                raise _Failure(f"got shape {got.shape}, expected {want.shape}: one value per byte", hint_type)
            raise _Failure(f"got shape {got.shape}, expected {want.shape}", hint_header)
        if got.dtype.kind != want.dtype.kind or got.dtype.itemsize != want.dtype.itemsize:
            raise _Failure(f"got dtype {got.dtype}, expected {want.dtype.newbyteorder('=')}", hint_type)
        if np.array_equal(got.astype(np.float64), want.astype(np.float64)):
            return
        swapped = want.astype(want.dtype.newbyteorder("<")).view(want.dtype.newbyteorder(">"))
        if want.dtype.itemsize > 1 and np.array_equal(got.astype(np.float64), swapped.astype(np.float64),
                                                      equal_nan=True):
            first = ", ".join(f"{v:.4g}" for v in got.ravel()[:3].astype(np.float64))
            wanted = ", ".join(f"{v:.4g}" for v in want.ravel()[:3].astype(np.float64))
            raise _Failure(f"the values are byte-swapped: got {first}, ... for {wanted}, ...", hint_endian)
        raise _Failure(f"got {_fmt(got.ravel()[:6])[:-1]} ...], expected {_fmt(want.ravel()[:6])[:-1]} ...]",
                       "the values start right after the header, 4 + 4 * d bytes from the start")

    images = r.integers(0, 256, size=(3, 4, 5)).astype(np.uint8)
    labels = r.integers(0, 10, size=7).astype(np.uint8)

    def mnist_like() -> None:
        expect(_idx_bytes(images, 0x08), images)
        expect(_idx_bytes(labels, 0x08), labels)

    def floats() -> None:
        want = np.array([[1.5, -2.25, 1000.0], [3.0e-3, 0.0, -7.0]], dtype=np.float32)
        expect(_idx_bytes(want, 0x0D), want)

    def every_type() -> None:
        for code, dtype in _IDX_TYPES.items():
            info = np.iinfo(dtype) if np.dtype(dtype).kind in "iu" else None
            low, high = (info.min, info.max) if info else (-1e6, 1e6)
            values = r.uniform(max(low, -1e6), min(high, 1e6), size=(2, 3, 2))
            want = (np.round(values) if info else values).astype(np.dtype(dtype).newbyteorder("="))
            try:
                expect(_idx_bytes(want, code), want)
            except _Failure as f:
                raise _Failure(f"type 0x{code:02X} ({np.dtype(dtype).newbyteorder('=')}): {f.detail}", f.hint) from None

    def any_dimensions() -> None:
        want = r.integers(0, 256, size=(2, 3, 2, 2)).astype(np.uint8)
        expect(_idx_bytes(want, 0x08), want)

    def must_raise(data: bytes, what: str, hint: str) -> None:
        try:
            out = _call(parse_idx, data, where=name)
        except _LearnerError as e:
            if isinstance(e.error, NotImplementedError):
                raise
            if isinstance(e.error, ValueError):
                return
            raise _Failure(f"{what}: raised {_describe_error(e.error)}, not a ValueError",
                           "check the condition yourself and `raise ValueError(\"...\")` with a message that "
                           "says what is wrong") from None
        got = "None" if out is None else f"an array of shape {np.shape(out)}"
        raise _Failure(f"{what}: returned {got} instead of raising ValueError", hint)

    def truncated() -> None:
        data = _idx_bytes(images, 0x08)
        must_raise(data[:-5], "5 bytes missing at the end",
                   "compare len(data) with 4 + 4 * d + (number of values) * (bytes per value) and raise "
                   "ValueError when they differ")
        must_raise(data[:10], "a header cut off after 10 bytes",
                   "a file shorter than its header is not an IDX file: raise ValueError")
        must_raise(data + b"\x00" * 6, "6 bytes too many at the end",
                   "the file must end exactly after the data: compare the length, do not only read `count` values")

    def not_idx() -> None:
        must_raise(gzip.compress(_idx_bytes(labels, 0x08), mtime=0), "a .gz file that was not decompressed",
                   "the first two bytes of the magic number are 0 (a gzip file starts with 1f 8b): "
                   "raise ValueError otherwise")
        must_raise(b"<html><body>404 Not Found</body></html>", "a web page saved under the file's name",
                   "the first two bytes of the magic number are 0: raise ValueError otherwise")
        data = bytearray(_idx_bytes(labels, 0x08))
        data[2] = 0x07
        must_raise(bytes(data), "the unknown type code 0x07", "raise ValueError for a type code not in the table")

    c.prop("MNIST's layout: uint8 images (3, 4, 5) and labels (7,)", mnist_like, hint_header)
    c.prop("float32 values, read big-endian", floats,
           "type 0x0D is float32: read the values after the 4 + 4 * d header bytes with dtype '>f4' (big-endian)")
    c.prop("every type code: 0x08, 0x09, 0x0B, 0x0C, 0x0D, 0x0E", every_type, hint_type)
    c.prop("any number of dimensions (a 4-D array)", any_dimensions, hint_header)
    c.prop("a truncated or overlong file raises ValueError", truncated)
    c.prop("a file that is not IDX (still gzip-compressed, a web page, an unknown type) raises ValueError",
           not_idx)
    return c.result()


# ---------------------------------------------------------------- chapter 17: precision and recall


def check_precision_recall(precision_recall: Callable) -> CheckResult:
    """Check ``precision_recall(cm) -> (precision, recall)`` for a confusion matrix ``cm`` with
    ``cm[i, j]`` = samples of true class ``i`` predicted as ``j``: precision $C_{kk} / \\sum_i C_{ik}$
    (diagonal over column sums), recall $C_{kk} / \\sum_j C_{kj}$ (diagonal over row sums), two float arrays
    of one value per class, 0 (not nan) for a class never predicted or never present (chapter 17)."""
    c = _Checker("check_precision_recall", precision_recall)
    if not c.usable(precision_recall, "function"):
        return c.result()
    name = _name_of(precision_recall)
    hint_axes = ("precision divides the diagonal by the column sums, cm.sum(axis=0) (all samples predicted as "
                 "the class); recall by the row sums, cm.sum(axis=1) (all samples of the class)")
    hint_zero = ("divide only where the sum is positive: np.divide(diag, sums, out=np.zeros(len(diag)), "
                 "where=sums > 0)")

    def reference(cm: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        diag = np.diag(cm).astype(np.float64)
        cols, rows = cm.sum(axis=0), cm.sum(axis=1)
        return (np.divide(diag, cols, out=np.zeros(len(diag)), where=cols > 0),
                np.divide(diag, rows, out=np.zeros(len(diag)), where=rows > 0))

    def run(cm: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        with _record_warnings() as warned:
            out = _call(precision_recall, cm.copy(), where=name)
        if out is None:
            raise _Failure(f"{name} returned None", "return two arrays: return precision, recall")
        try:
            precision, recall = out
        except (TypeError, ValueError):
            raise _Failure(f"{name} returned {type(out).__name__}, not two arrays",
                           "return two arrays: return precision, recall") from None
        precision, recall = _as_array(precision, "precision"), _as_array(recall, "recall")
        k = len(cm)
        for what, arr in (("precision", precision), ("recall", recall)):
            if arr.shape != (k,):
                raise _Failure(f"{what} has shape {arr.shape}, expected ({k},): one value per class",
                               "use the whole diagonal np.diag(cm) and sums along one axis")
        if np.isnan(precision).any() or np.isnan(recall).any() or warned:
            raise _Failure("got nan" + (f" and the warning '{warned[0]}'" if warned else ""), hint_zero)
        return precision, recall

    def compare(cm: np.ndarray) -> None:
        precision, recall = run(cm)
        want_p, want_r = reference(cm)
        if np.allclose(precision, want_r) and np.allclose(recall, want_p):
            raise _Failure(f"precision and recall are swapped: got precision {_fmt(precision)}, "
                           f"expected {_fmt(want_p)}", hint_axes)
        if np.allclose(precision, np.floor(want_p)) and not np.allclose(precision, want_p):
            raise _Failure(f"got precision {_fmt(precision)}, expected {_fmt(want_p)}",
                           "use / (true division), not // (integer division)")
        _expect_close(precision, want_p, hint_axes, what="precision")
        _expect_close(recall, want_r, hint_axes, what="recall")

    example = np.array([[5, 1, 0], [2, 3, 1], [0, 0, 4]])

    def small() -> None:
        compare(example)

    def ten_classes() -> None:
        cm = _rng(41).integers(0, 30, size=(10, 10)) + np.diag(_rng(42).integers(50, 200, size=10))
        compare(cm)

    def never_predicted() -> None:
        cm = np.array([[4, 0, 1], [2, 0, 3], [1, 0, 5]])
        precision, recall = run(cm)
        if precision[1] != 0:
            raise _Failure(f"precision of class 1 is {_fmt(precision[1])}, expected 0", hint_zero)
        compare(cm)

    def never_present() -> None:
        cm = np.array([[4, 1, 1], [0, 0, 0], [1, 2, 5]])
        precision, recall = run(cm)
        if recall[1] != 0:
            raise _Failure(f"recall of class 1 is {_fmt(recall[1])}, expected 0", hint_zero)
        compare(cm)

    def unchanged() -> None:
        cm = example.copy()
        _call(precision_recall, cm, where=name)
        _expect_unchanged(example, cm, "the confusion matrix was changed", "compute new arrays; do not write into cm")

    c.prop("3 classes: precision [0.7143 0.75 0.8] (columns), recall [0.8333 0.5 1] (rows)", small, hint_axes)
    c.prop("10 classes: matches diagonal / column sums and diagonal / row sums", ten_classes, hint_axes)
    c.prop("a class that is never predicted has precision 0, without nan or a warning", never_predicted, hint_zero)
    c.prop("a class that never occurs has recall 0, without nan or a warning", never_present, hint_zero)
    c.prop("leaves the confusion matrix unchanged", unchanged)
    return c.result()


# ---------------------------------------------------------------- chapter 18: saving and loading safely

_payload_runs: list[str] = []


def _payload_ran() -> None:
    """What the poisoned test file calls when it is unpickled: it only records that it ran."""
    _payload_runs.append("ran")


class _Payload:
    def __reduce__(self) -> tuple:
        return (_payload_ran, ())


def check_save_load(save: Callable, load: Callable) -> CheckResult:
    """Check ``save(path, model)``, which writes every parameter of ``model.layers`` to an ``.npz`` file, and
    ``load(path, model)``, which copies them back into a model of the same layers: an exact round trip into the
    model's own arrays (their dtype kept), ``np.load(..., allow_pickle=False)`` (a file of pickled objects is
    refused without running them), and a ``ValueError`` for a parameter that is missing or has another shape,
    raised before anything is copied (chapter 18)."""
    import tempfile
    from pathlib import Path

    from .model import Model

    c = _Checker("check_save_load", save)
    if not (c.usable(save, "save function") and c.usable(load, "load function")):
        return c.result()
    c.name = f"check_save_load({_name_of(save)}, {_name_of(load)})"
    c.lines[0] = f"{c.name}:"
    s_name, l_name = _name_of(save), _name_of(load)
    hint_copy = ("copy into the model's own arrays, p[...] = saved: the parameters keep their dtype, and "
                 "the layer and its optimiser keep using the same arrays")
    hint_first = ("check every parameter first (present in data.files, same shape), and only then copy: "
                  "a failed load must leave the model as it was")

    def model(sizes: tuple[int, ...], seed: int, dtype: Any = np.float64) -> Any:
        rng = _rng(seed)
        layers: list[Any] = []
        for n_in, n_out in zip(sizes[:-1], sizes[1:]):
            layers += [Dense(n_in, n_out, dtype=dtype, rng=rng), ReLU()]
        for layer in layers[::2]:
            layer.params["b"][...] = rng.standard_normal(layer.params["b"].shape)
        return Model(layers[:-1])

    def params(m: Any) -> list[np.ndarray]:
        return [p.copy() for layer in m.layers for p in layer.params.values()]

    def same(m: Any, arrays: list[np.ndarray]) -> bool:
        now = [p for layer in m.layers for p in layer.params.values()]
        return len(now) == len(arrays) and all(a.dtype == b.dtype and np.array_equal(a, b)
                                               for a, b in zip(now, arrays))

    def saved(folder: Path, m: Any, file: str = "model.npz") -> Path:
        path = folder / file
        _call(save, path, m, where=s_name)
        if not path.exists():
            raise _Failure(f"{s_name}(path, model) wrote no file {file}", "np.savez(path, **arrays) writes path")
        return path

    def loading(path: Path, m: Any) -> None:
        _call(load, path, m, where=l_name)

    hint_names = "give every array its own name, with the layer's index and the parameter's: f'{i}_{name}'"

    def round_trip() -> None:
        with tempfile.TemporaryDirectory() as d:
            source, target = model((3, 4, 4, 2), 43), model((3, 4, 4, 2), 44)
            want = params(source)
            path = saved(Path(d), source)
            try:
                with np.load(path, allow_pickle=False) as data:
                    n_arrays = sum(1 for key in data.files if data[key].dtype.kind == "f")
            except Exception as e:
                raise _Failure(f"np.load could not read the file ({_describe_error(e)})",
                               "write it with np.savez(path, **arrays), arrays a dict of name -> array") from None
            if n_arrays < len(want):
                raise _Failure(f"the file holds {n_arrays} arrays of numbers for the model's {len(want)} "
                               "parameters (3 Dense layers, W and b each)", hint_names)
            loading(path, target)
            if not same(target, want):
                bad = next((i for i, (a, b) in enumerate(zip(params(target), want)) if not np.array_equal(a, b)), 0)
                raise _Failure(f"parameter {bad} of the loaded model differs from the saved one",
                               "load each array into the layer and parameter it was saved from")

    def dtype_kept() -> None:
        with tempfile.TemporaryDirectory() as d:
            source, target = model((3, 4, 2), 45), model((3, 4, 2), 46, np.float32)
            loading(saved(Path(d), source), target)
            for layer in target.layers:
                for key, p in layer.params.items():
                    if np.asarray(p).dtype != np.float32:
                        raise _Failure(f"after loading a float64 file into a float32 model, '{key}' is "
                                       f"{np.asarray(p).dtype}", hint_copy)
            want = [p.astype(np.float32) for p in params(source)]
            if not same(target, want):
                raise _Failure("the loaded values differ from the saved ones", hint_copy)

    def poisoned() -> None:
        with tempfile.TemporaryDirectory() as d:
            source, target = model((3, 4, 2), 47), model((3, 4, 2), 48)
            path = saved(Path(d), source)
            with np.load(path, allow_pickle=False) as data:
                keys = list(data.files)
            np.savez(path, **{key: np.array([_Payload()], dtype=object) for key in keys})
            before = params(target)
            _payload_runs.clear()
            try:
                loading(path, target)
                raised = None
            except _LearnerError as e:
                if isinstance(e.error, NotImplementedError):
                    raise
                raised = e.error
            if _payload_runs:
                _payload_runs.clear()
                raise _Failure("loading the file ran code stored in it (a harmless function, this time)",
                               "open the file with np.load(path, allow_pickle=False), never allow_pickle=True")
            if raised is None:
                raise _Failure("a file of pickled Python objects was loaded without an error",
                               "read every array with np.load(path, allow_pickle=False): it raises ValueError "
                               "for object arrays")
            if not same(target, before):
                raise _Failure("the model was changed", hint_first)

    def wrong_shape() -> None:
        with tempfile.TemporaryDirectory() as d:
            path = saved(Path(d), model((3, 4, 2), 49))
            target = model((3, 4, 3), 50)
            before = params(target)
            try:
                loading(path, target)
            except _LearnerError as e:
                if not isinstance(e.error, ValueError):
                    raise
                if not same(target, before):
                    raise _Failure("ValueError raised, but the first layer was already overwritten",
                                   hint_first) from None
                return
            raise _Failure("a file of a 3-4-2 model was loaded into a 3-4-3 model without an error",
                           "compare saved.shape with p.shape and raise ValueError when they differ")

    def missing() -> None:
        with tempfile.TemporaryDirectory() as d:
            path = saved(Path(d), model((3, 4), 51))
            target = model((3, 4, 2), 52)
            before = params(target)
            try:
                loading(path, target)
            except _LearnerError as e:
                if isinstance(e.error, KeyError):
                    raise _Failure("raised KeyError, not ValueError",
                                   "check that the key is in data.files and raise a ValueError that names the "
                                   "missing parameter") from None
                if not isinstance(e.error, ValueError):
                    raise
                if not same(target, before):
                    raise _Failure("ValueError raised, but the first layer was already overwritten",
                                   hint_first) from None
                return
            raise _Failure("a file of a 1-layer model was loaded into a 2-layer model without an error",
                           "raise ValueError when the file has no array for a parameter")

    def hint(where: str) -> str:
        return ("save(path, model) writes the file, e.g. with np.savez(path, **arrays)" if where == s_name else
                "load(path, model) reads with np.load(path, allow_pickle=False) and copies into the model")

    c.prop("a 3-4-4-2 model, saved and loaded into another, gets exactly the same parameters", round_trip,
           lambda where: hint_names if where == l_name else hint(where))
    c.prop("loading into a float32 model keeps float32 (copies into the model's arrays)", dtype_kept, hint)
    c.prop("a file of pickled objects is refused (ValueError) without running them", poisoned, hint)
    c.prop("a parameter of another shape raises ValueError and leaves the model unchanged", wrong_shape,
           "raise ValueError naming the layer and both shapes, before copying anything")
    c.prop("a missing parameter raises ValueError and leaves the model unchanged", missing,
           "raise ValueError naming the missing parameter, before copying anything")
    return c.result()


# ---------------------------------------------------------------- chapter 19: flushing subnormal numbers


def check_flush_subnormals(flush: Callable) -> CheckResult:
    """Check ``flush(a)``, which sets every subnormal value of the float array ``a`` (nonzero, with
    $|a| <$ ``np.finfo(a.dtype).tiny``) to 0 **in place**, for float32 and float64 and any shape, and leaves
    every other value, its dtype and shape as they were (chapter 19)."""
    c = _Checker("check_flush_subnormals", flush)
    if not c.usable(flush, "function"):
        return c.result()
    name = _name_of(flush)
    hint_in_place = ("change the array itself, a[mask] = 0 (or np.copyto / np.where with out=a): "
                     "`a = np.where(...)` only gives the name a a new array inside your function")

    def flushed(a: np.ndarray) -> tuple[np.ndarray, Any]:
        work = a.copy()
        out = _call(flush, work, where=name)
        if work.dtype != a.dtype or work.shape != a.shape:
            raise _Failure(f"the array's dtype or shape changed to {work.dtype} {work.shape}",
                           "assign into the existing array; do not replace it")
        return work, out

    def expect(a: np.ndarray, description: str) -> None:
        tiny = np.finfo(a.dtype).tiny
        want = np.where(np.abs(a) < tiny, 0, a).astype(a.dtype)
        work, out = flushed(a)
        if np.array_equal(work, want):
            return
        if np.array_equal(work, a):
            if out is not None and np.shape(out) == a.shape and np.array_equal(np.asarray(out, dtype=a.dtype), want):
                raise _Failure("it returned a flushed copy but left the array itself unchanged", hint_in_place)
            raise _Failure(f"the {description} array was left unchanged", hint_in_place)
        negatives = (a < 0) & (work == 0)
        if negatives.any() and np.array_equal(work, np.where(a < tiny, 0, a).astype(a.dtype)):
            raise _Failure("every negative value was set to 0",
                           "compare the size: np.abs(a) < tiny, so that -1e-39 is flushed and -2.5 is kept")
        if a.dtype == np.float64 and np.array_equal(
                work, np.where(np.abs(a) < np.finfo(np.float32).tiny, 0, a)):
            raise _Failure("values below float32's smallest normal number (1.175e-38) were set to 0 in a "
                           "float64 array, where they are normal",
                           "use the array's own limit, np.finfo(a.dtype).tiny (2.2e-308 for float64)")
        kept = np.abs(a) >= tiny
        if not np.array_equal(work[kept], a[kept]):
            i = int(np.flatnonzero(work[kept] != a[kept])[0])
            raise _Failure(f"the normal value {a[kept][i]:.4g} became {work[kept][i]:.4g}",
                           "change only the values with np.abs(a) < np.finfo(a.dtype).tiny")
        i = int(np.flatnonzero(work != want)[0])
        raise _Failure(f"the subnormal value {a.ravel()[i]:.4g} was kept",
                       "set every value with np.abs(a) < np.finfo(a.dtype).tiny to 0")

    f32 = np.finfo(np.float32)

    def float32() -> None:
        a = np.array([1.0, -2.5, 1e-39, -1e-39, 1e-44, f32.tiny, -f32.tiny, 1e-30, 0.0], dtype=np.float32)
        expect(a, "float32")

    def float64() -> None:
        f64 = np.finfo(np.float64)
        a = np.array([1.0, -3.0, 1e-39, -1e-39, 1e-310, -1e-310, f64.tiny, 5e-324, 0.0])
        expect(a, "float64")

    def matrix() -> None:
        r = _rng(53)
        a = r.standard_normal((6, 5)).astype(np.float32)
        a[r.random(a.shape) < 0.3] *= np.float32(1e-40)
        expect(a, "2-D float32")

    def normal_untouched() -> None:
        a = _rng(54).standard_normal((4, 6)).astype(np.float32)
        a[0, :3] = 0.0
        work, _ = flushed(a)
        _expect_unchanged(a, work, "an array without subnormal numbers was changed",
                          "change only the values with np.abs(a) < np.finfo(a.dtype).tiny")

    c.prop("float32: 1e-39, -1e-39 and 1e-44 become 0; ±tiny (1.175e-38), 1e-30, -2.5 stay", float32, hint_in_place)
    c.prop("float64: ±1e-310 and 5e-324 become 0; 1e-39 stays (normal in float64)", float64, hint_in_place)
    c.prop("a 2-D float32 array with subnormal entries here and there", matrix, hint_in_place)
    c.prop("an array without subnormal numbers stays exactly as it was", normal_untouched)
    return c.result()
