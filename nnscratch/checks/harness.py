"""The machinery of the self-checks: calling the learner's code safely, one ✓ or ✗ line per
property.

A check is a function ``body(c, subject, ...)`` made into a check by :func:`check`: it adds its
properties with ``c.prop(description, test, hint)``, where ``test()`` returns when the property
holds and raises :class:`Failure` (what was found, and how to fix it) when not. The learner's code
is run only through :func:`call`, which hides its prints, collects NumPy's warnings, and turns
anything it raises (an exception, ``sys.exit()``; never ``KeyboardInterrupt``) into a
:class:`LearnerError`, which ``c.prop`` reports as ✗ with a hint. There is no time limit: code that
never returns keeps the check waiting until the kernel is interrupted.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import io
import textwrap
import warnings
from typing import Any, Callable, Iterable, Iterator

import numpy as np

PASS, FAIL = "✓", "✗"
WIDTH = 79  # printed reports fit the book's code column and a notebook without scrolling


def wrap(lines: Iterable[str], width: int = WIDTH) -> list[str]:
    """The report's lines as printed: each longer than ``width`` is broken at spaces, its
    continuation indented four more spaces than the line itself."""
    out: list[str] = []
    for line in lines:
        indent = line[:len(line) - len(line.lstrip())]
        out += textwrap.wrap(line, width, subsequent_indent=indent + "    ",
                             break_long_words=False, break_on_hyphens=False) or [line]
    return out


# ================================================================================================
# Results, failures, calling the learner's code
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
        return "\n".join(wrap(self.lines + [self.summary]))


class Failure(Exception):
    """A property does not hold: ``detail`` says what was found, ``hint`` how to fix it."""

    def __init__(self, detail: str, hint: str = "") -> None:
        super().__init__(detail)
        self.detail, self.hint = detail, hint


class LearnerError(Exception):
    """The checked code raised ``error`` (in ``where``, e.g. ``"SGD.step"``)."""

    def __init__(self, error: BaseException, where: str) -> None:
        super().__init__(str(error))
        self.error, self.where = error, where


def describe_error(error: BaseException) -> str:
    """``"TypeError: the first line of its message"``, at most 160 characters of message."""
    message = str(error).strip().splitlines()[0] if str(error).strip() else ""
    if len(message) > 160:
        message = message[:157] + "..."
    return f"{type(error).__name__}: {message}" if message else type(error).__name__


@contextlib.contextmanager
def global_random_state_kept() -> Iterator[None]:
    """Restore NumPy's global random state after the ``with`` block (the learner's code may seed or
    draw from ``np.random``; a check must not change the notebook's random numbers)."""
    saved = np.random.get_state()
    try:
        yield
    finally:
        np.random.set_state(saved)


_recording: list[list[str]] = []


@contextlib.contextmanager
def record_warnings() -> Iterator[list[str]]:
    """Collect the messages of the warnings the learner's code gives inside the ``with`` block."""
    messages: list[str] = []
    _recording.append(messages)
    try:
        yield messages
    finally:
        _recording.remove(messages)


def take_at_most(items: Iterable[Any], limit: int) -> list[Any]:
    """The first ``limit`` items of the learner's iterable (a generator may never end); run it
    through :func:`call`, which reports what the iteration raises."""
    taken: list[Any] = []
    for item in items:
        taken.append(item)
        if len(taken) >= limit:
            break
    return taken


def call(fn: Callable, *args: Any, where: str = "", **kwargs: Any) -> Any:
    """Run the learner's ``fn``: its prints are hidden, NumPy's warnings are collected (see
    ``record_warnings``), and whatever it raises, ``SystemExit`` included, becomes a
    ``LearnerError``; only ``KeyboardInterrupt`` passes, so that interrupting the kernel still stops
    the check."""
    with (warnings.catch_warnings(record=True) as caught,
          np.errstate(over="warn", invalid="warn", divide="warn", under="ignore")):
        warnings.simplefilter("always")
        sink = io.StringIO()
        try:
            with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
                out = fn(*args, **kwargs)
        except (Failure, LearnerError, KeyboardInterrupt):
            raise
        except BaseException as error:  # the learner's code: report it, never crash
            raise LearnerError(error, where or name_of(fn)) from error
    for messages in _recording:
        messages.extend(str(w.message) for w in caught)
    return out


def name_of(obj: Any) -> str:
    """The name a report uses for the learner's function, class or object."""
    if obj is None:
        return "None"
    name = getattr(obj, "__name__", None)
    if isinstance(name, str) and name != "<lambda>":
        return name
    if name == "<lambda>":
        return "lambda"
    return f"{type(obj).__name__} object"


# ================================================================================================
# A check and its properties
# ================================================================================================


class Checker:
    """Runs the properties of one check and collects the report lines."""

    def __init__(self, check: str, *subjects: Any) -> None:
        self.name = f"{check}({', '.join(name_of(s) for s in subjects)})"
        self.lines = [f"{self.name}:"]
        self.n_checks = self.n_failed = self.n_skipped = 0
        self.not_written = False

    def usable(self, obj: Any, what: str = "function or class") -> bool:
        """False (and one ✗ line) when ``obj`` cannot be what the check needs, e.g. ``None``."""
        if obj is not None and (callable(obj) or callable(getattr(obj, "forward", None))):
            return True
        self.n_checks += 1
        self._fail(f"expected your {what}, got {name_of(obj)}", "pass the name itself, without "
                   "parentheses, after running the cell that defines it")
        return False

    def prop(self, description: str, test: Callable[[], Any],
             hint: str | Callable[[str], str] = "") -> bool:
        """Check one property: ``test()`` returns normally when it holds and raises ``Failure``
        when not. ``hint`` is shown when the learner's code raised an exception; it may be a
        function of where the exception came from (say ``"SGD.step"`` or ``"SGD(...)"``)."""
        self.n_checks += 1
        if self.not_written:
            self.n_failed += 1
            self.n_skipped += 1
            return False
        try:
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                test()
        except Failure as f:
            self._fail(f"{description}: {f.detail}", f.hint)
            return False
        except LearnerError as e:
            self._learner_error(description, e, hint(e.where) if callable(hint) else hint)
            return False
        except Exception as e:  # something the check did not foresee (an odd return value, say)
            self._fail(f"{description}: could not check it ({describe_error(e)})",
                       "" if callable(hint) else hint)
            return False
        self.lines.append(f"  {description} {PASS}")
        return True

    def _learner_error(self, description: str, e: LearnerError, hint: str) -> None:
        if isinstance(e.error, NotImplementedError):
            self.not_written = True
            self._fail(f"{description}: {e.where} is not written yet ({describe_error(e.error)})",
                       "write its body in place of the `raise NotImplementedError`, "
                       "then run this check again")
        elif isinstance(e.error, SystemExit):
            self._fail(f"{description}: {e.where} called sys.exit() ({describe_error(e.error)})",
                       "return the result instead: sys.exit() and exit() stop the program, "
                       "and in a notebook they stop the cell")
        else:
            self._fail(f"{description}: {e.where} raised {describe_error(e.error)}", hint)

    def _fail(self, text: str, hint: str) -> None:
        self.n_failed += 1
        self.lines.append(f"  {text} {FAIL}" + (f" — {hint}" if hint else ""))

    def skip(self, n: int, reason: str) -> None:
        """Count ``n`` properties that cannot be checked (an earlier one failed) as failed."""
        self.n_checks += n
        self.n_failed += n
        if self.not_written:
            self.n_skipped += n
        else:
            self.lines.append(f"  ({n} more check{'s' if n > 1 else ''} {reason})")

    def result(self) -> CheckResult:
        """Print the report and return it."""
        if self.n_skipped:
            self.lines.append(f"  ({self.n_skipped} more check{'s' if self.n_skipped > 1 else ''} "
                              "will run once it is written)")
        res = CheckResult(self.name, self.lines, self.n_checks, self.n_failed)
        print("\n".join(wrap(self.lines)), flush=True)
        return res


def check(*what: str) -> Callable[[Callable[..., None]], Callable[..., CheckResult]]:
    """Make a check from ``body(c, subject, ...)``, which adds its properties to the ``Checker``
    ``c``.

    The check is called without ``c``, as ``check_x(subject, ...)``; it prints its report and
    returns the ``CheckResult``. Its first ``len(what)`` arguments (one when ``what`` is empty) are
    the learner's code and must be callable: ``what`` names each in the ✗ line when it is not (say
    ``"function"``; ``"function or class"`` by default), and then the body does not run. The report
    is headed by the check's name and the names of these arguments."""
    kinds = what or ("function or class",)

    def decorate(body: Callable[..., None]) -> Callable[..., CheckResult]:
        signature = inspect.signature(body)
        public = signature.replace(parameters=list(signature.parameters.values())[1:],
                                   return_annotation="CheckResult")

        @functools.wraps(body)
        def run(*args: Any, **kwargs: Any) -> CheckResult:
            subjects = list(public.bind(*args, **kwargs).arguments.values())[:len(kinds)]
            c = Checker(body.__name__, *subjects)
            if all(c.usable(subject, kind) for subject, kind in zip(subjects, kinds)):
                body(c, *args, **kwargs)
            return c.result()

        run.__signature__ = public  # type: ignore[attr-defined]
        return run
    return decorate


# ================================================================================================
# Expectations: each returns when it holds and raises Failure when not
# ================================================================================================


def fmt(value: Any) -> str:
    """Short, rounded text for a number or an array (4 significant digits)."""
    if value is None:
        return "None"
    arr = np.asarray(value)
    if arr.dtype.kind not in "biuf":
        return repr(value)[:80]
    if arr.ndim == 0:
        x = float(arr)
        if np.isnan(x):
            return "nan"
        return "inf" if x == np.inf else "-inf" if x == -np.inf else f"{x:.4g}"
    if arr.size > 12:
        return f"an array of shape {arr.shape} starting {fmt(arr.ravel()[:6])[:-1]} ...]"
    with np.printoptions(precision=4, suppress=True, floatmode="maxprec"):
        return np.array2string(arr, separator=" ", max_line_width=1000).replace("\n", "")


def as_array(out: Any, what: str = "it") -> np.ndarray:
    """The learner's output as a float array; None, strings and the like are a failure."""
    if out is None:
        raise Failure(f"{what} returned None", "add a `return` statement")
    try:
        arr = np.asarray(out, dtype=np.float64)
    except (TypeError, ValueError):
        raise Failure(f"{what} returned {type(out).__name__} {str(out)[:40]!r}, "
                      "not numbers") from None
    return arr


def as_number(out: Any, what: str = "it", hint: str = "") -> float:
    """The learner's output as one float; an array of several values is a failure."""
    arr = as_array(out, what)
    if arr.size != 1:
        raise Failure(f"{what} returned an array of shape {arr.shape}, not one number", hint)
    return float(arr.reshape(()))


def expect_shape(arr: np.ndarray, shape: tuple, hint: str = "") -> None:
    if arr.shape != tuple(shape):
        raise Failure(f"got shape {arr.shape}, expected {tuple(shape)}", hint)


def expect_number(got: float, want: float, hint: str, mistakes: Iterable[tuple[float, str]] = (),
                  spec: str = ".4f", rtol: float = 1e-6) -> None:
    """``got`` must be close to ``want`` (relative tolerance ``rtol``). The ✗ line says
    ``got …, expected …`` (formatted with ``spec``) and gives ``hint``, or, when ``got`` is close to
    one of the ``mistakes`` (pairs of a typical wrong value and its hint), that mistake's hint."""
    if np.isclose(got, want, rtol=rtol):
        return
    why = next((why for wrong, why in mistakes if np.isclose(got, wrong, rtol=rtol)), hint)
    raise Failure(f"got {got:{spec}}, expected {want:{spec}}", why)


def expect_close(got: Any, want: np.ndarray, hint: str = "", rtol: float = 1e-6, atol: float = 1e-9,
                 what: str = "it") -> np.ndarray:
    """``got`` must have ``want``'s shape and values; returns ``got`` as an array."""
    want = np.asarray(want, dtype=np.float64)
    arr = as_array(got, what)
    if arr.shape != want.shape:
        if arr.size != 1 or want.size != 1:
            raise Failure(f"got shape {arr.shape}, expected {want.shape}", hint)
        arr = arr.reshape(want.shape)
    if not np.allclose(arr, want, rtol=rtol, atol=atol, equal_nan=False):
        if arr.size <= 6:
            raise Failure(f"got {fmt(arr)}, expected {fmt(want)}", hint)
        rows_got, rows_want = arr.reshape(arr.shape[0], -1), want.reshape(want.shape[0], -1)
        bad = np.abs(rows_got - rows_want)
        bad[np.isnan(bad)] = np.inf
        i = int(np.argmax(bad.max(axis=1)))
        if rows_got.shape[1] <= 6:
            raise Failure(f"row {i} is {fmt(rows_got[i])}, expected {fmt(rows_want[i])}", hint)
        j = int(np.argmax(bad[i]))
        raise Failure(f"entry ({i}, {j}) is {fmt(rows_got[i, j])}, "
                      f"expected {fmt(rows_want[i, j])}", hint)
    return arr


def expect_unchanged(before: np.ndarray, after: np.ndarray, changed: str, hint: str) -> None:
    """``after`` must equal ``before``; ``changed`` says what changed, e.g. "the input was
    changed"."""
    if (before.shape != np.shape(after)
            or not np.array_equal(before, np.asarray(after), equal_nan=True)):
        raise Failure(changed, hint)


def leaves_unchanged(run: Callable[..., Any], *inputs: np.ndarray, changed: str | tuple[str, ...],
                     hint: str) -> Callable[[], None]:
    """The property "leaves its input unchanged": ``run`` is called on copies of ``inputs`` and must
    leave them as they were. ``changed`` says what changed (one text per input when there are
    several)."""
    messages = (changed,) if isinstance(changed, str) else changed

    def test() -> None:
        copies = [a.copy() for a in inputs]
        run(*copies)
        for before, after, message in zip(inputs, copies, messages):
            expect_unchanged(before, after, message, hint)
    return test


# ================================================================================================
# The learner's function or class
# ================================================================================================


def forward_fn(obj: Any, method: str = "forward") -> Callable[..., Any]:
    """A function from a function, a class with ``method`` (a fresh instance per call), or an object
    with it."""
    if isinstance(obj, type):
        def fresh(*args: Any) -> Any:
            instance = call(obj, where=f"{obj.__name__}()")
            fn = getattr(instance, method, None)
            if fn is None:
                raise Failure(f"{obj.__name__} has no {method}() method",
                              f"add a method `def {method}(self, ...)`")
            return call(fn, *args, where=f"{obj.__name__}.{method}")
        fresh.__name__ = obj.__name__
        return fresh
    fn = getattr(obj, method, None)
    if callable(fn):
        def bound(*args: Any) -> Any:
            return call(fn, *args, where=f"{name_of(obj)}.{method}")
        return bound
    if callable(obj):
        def plain(*args: Any) -> Any:
            return call(obj, *args, where=name_of(obj))
        return plain

    def not_callable(*args: Any) -> Any:
        raise Failure(f"{name_of(obj)} is neither a function nor has a {method}() method",
                      "pass your function itself (without calling it), e.g. check(my_function)")
    return not_callable


def build(cls: Any, *args: Any, rng: np.random.Generator | None = None, **kwargs: Any) -> Any:
    """An instance of the learner's class: tries ``rng=`` first, then without it. An instance is
    used as is."""
    if not isinstance(cls, type):
        return cls
    if rng is not None:
        try:
            return call(cls, *args, rng=rng, where=f"{cls.__name__}(...)", **kwargs)
        except LearnerError as e:
            if not isinstance(e.error, TypeError):
                raise
    return call(cls, *args, where=f"{cls.__name__}(...)", **kwargs)


def weights_of(layer: Any) -> tuple[np.ndarray, np.ndarray]:
    """A Dense layer's weights and biases: ``params["W"]``/``params["b"]`` or
    ``weights``/``biases``."""
    params = getattr(layer, "params", None)
    if isinstance(params, dict) and "W" in params and "b" in params:
        return params["W"], params["b"]
    if hasattr(layer, "weights") and hasattr(layer, "biases"):
        return layer.weights, layer.biases
    raise Failure("found no weights",
                  "keep them in self.weights and self.biases "
                  "(or self.params['W'], self.params['b'])")


def set_weights(layer: Any, W: np.ndarray, b: np.ndarray) -> None:
    """Give a Dense layer the weights ``W`` and biases ``b`` (copies), where ``weights_of`` finds
    them."""
    params = getattr(layer, "params", None)
    if isinstance(params, dict) and "W" in params and "b" in params:
        params["W"], params["b"] = W.copy(), b.copy()
    elif hasattr(layer, "weights") and hasattr(layer, "biases"):
        try:
            layer.weights, layer.biases = W.copy(), b.copy()
        except AttributeError:  # read-only properties: write into the arrays
            layer.weights[...], layer.biases[...] = W, b
    else:
        weights_of(layer)


def returned_grad(returned: Any) -> Any:
    """What ``backward`` returned, which must be the gradient with respect to the input."""
    if returned is None:
        raise Failure("backward returned None",
                      "return the gradient with respect to the input, dL/dX")
    return returned


def rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)
