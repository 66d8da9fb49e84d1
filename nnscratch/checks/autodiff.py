r"""The self-checks of Part V, automatic differentiation (chapter 23): one operation of a scalar
``Value`` class, written in the chapter's shape (the result's value, its parents, a local
``backward`` closure that adds to each parent's ``grad``)."""

from __future__ import annotations

import math
from typing import Any, Callable

from ..autograd import Value as PackageValue
from .harness import Checker, Failure, as_number, call, check, name_of

# name: (arity, value, derivatives (one per operand), typical wrong derivatives with their hints)
_Derivs = Callable[..., tuple[float, ...]]
_Op = tuple[int, Callable[..., float], _Derivs, list[tuple[_Derivs, str]]]
_OPS: dict[str, _Op] = {
    "tanh": (1, math.tanh, lambda x: (1 - math.tanh(x) ** 2,), [
        (lambda x: (math.tanh(x),), "tanh(x) is the value; its derivative is 1 - tanh(x)**2"),
        (lambda x: (1 - x * x,), "use the output, 1 - out.data**2, not the input x"),
        (lambda x: (1 - math.tanh(x),), "square the output: 1 - out.data**2")]),
    "sigmoid": (1, lambda x: 1 / (1 + math.exp(-x)),
                lambda x: ((s := 1 / (1 + math.exp(-x))) * (1 - s),), [
        (lambda x: (1 / (1 + math.exp(-x)),),
         "that is sigma(x); the derivative is sigma(x) * (1 - sigma(x)), "
         "out.data * (1 - out.data)"),
        (lambda x: (x * (1 - x),), "use the output s = out.data, not the input: s * (1 - s)")]),
    "exp": (1, math.exp, lambda x: (math.exp(x),), [
        (lambda x: (x * math.exp(x - 1),),
         "e^x is not a power of x: its derivative is e^x itself")]),
    "log": (1, math.log, lambda x: (1 / x,), [
        (lambda x: (math.log(x),), "the derivative of log(x) is 1/x")]),
    "div": (2, lambda a, b: a / b, lambda a, b: (1 / b, -a / b ** 2), [
        (lambda a, b: (1 / b, a / b ** 2), "d(a/b)/db = -a / b**2: mind the minus sign"),
        (lambda a, b: (1 / b, -1 / b ** 2), "d(a/b)/db = -a / b**2: multiply by a"),
        (lambda a, b: (b, a), "that is the rule for a * b; for a / b: 1/b and -a/b**2")]),
    "sub": (2, lambda a, b: a - b, lambda a, b: (1.0, -1.0), [
        (lambda a, b: (1.0, 1.0), "d(a - b)/db = -1: subtract out.grad from b.grad")]),
}

#: The inputs each operation is checked at.
_POINTS = {1: [(0.5,), (-1.25,), (2.0,)], 2: [(0.75, 1.5), (-2.0, 0.5), (3.0, -4.0)]}


def _graph(out: Any) -> list:
    """The nodes ``out`` was computed from, each after its parents (the learner's ``_parents``)."""
    order, seen, stack = [], set(), [(out, False)]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
        elif id(node) not in seen:
            seen.add(id(node))
            stack.append((node, True))
            stack.extend((p, False) for p in tuple(getattr(node, "_parents", ()) or ()))
    return order


def _run(op: Callable, Value: Any, xs: tuple[float, ...], out_grad: float,
         start_grad: float) -> tuple[list[float], Any, list[Any]]:
    """``op`` on fresh Values at ``xs``; set ``out.grad`` and the operands' grads, and run the
    local ``_backward`` of every node between them (one, for an operation written directly) in
    reverse topological order. Returns the operands' grads, the result and the operands."""
    leaves = [call(Value, x, where=f"{name_of(Value)}({x})") for x in xs]
    out = call(op, *leaves, where=name_of(op))
    if out is None or not hasattr(out, "data"):
        raise Failure(f"{name_of(op)} returned {type(out).__name__}, not a Value",
                      "make the result with Value(...) and return it")
    backward = getattr(out, "_backward", None)
    if not callable(backward):
        raise Failure("the result has no _backward function",
                      "define def backward(): ... inside the operation, then "
                      "out._backward = backward")
    order = _graph(out)
    for node in order:
        node.grad = 0.0
    for leaf in leaves:
        leaf.grad = start_grad
    out.grad = out_grad
    for node in reversed(order):
        step = getattr(node, "_backward", None)
        if callable(step):
            call(step, where=f"{name_of(op)}'s backward")
    return [as_number(leaf.grad, "x.grad") for leaf in leaves], out, leaves


@check()
def check_value_op(c: Checker, op: Callable, name: str, Value: Any = None) -> None:
    """Check one operation ``op`` of a scalar ``Value`` class (chapter 23): ``name`` is one of
    ``"tanh"``, ``"sigmoid"``, ``"exp"``, ``"log"`` (``op(x)``) or ``"div"``, ``"sub"``
    (``op(a, b)``). ``Value`` is the class the operands are made with (the package's
    ``nnscratch.autograd.Value`` by default); it needs ``data``, ``grad``, ``_parents`` and
    ``_backward`` as in the chapter."""
    if name not in _OPS:
        c.prop(f"the operation {name!r} is one this check knows", lambda: (_ for _ in ()).throw(
            Failure(f"unknown name {name!r}", f"pass one of {', '.join(map(repr, _OPS))}")))
        return
    Value = PackageValue if Value is None else Value
    arity, f, derivs, mistakes = _OPS[name]
    points = [(0.5,), (1.25,), (2.0,)] if name == "log" else _POINTS[arity]
    operands = "x" if arity == 1 else "a and b"

    def forward() -> None:
        for xs in points:
            _, out, _ = _run(op, Value, xs, 1.0, 0.0)
            got, want = as_number(out.data, "out.data"), f(*xs)
            if not math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-12):
                raise Failure(f"at {xs}: got {got:.6g}, expected {want:.6g}",
                              f"compute the value with the math module's {name}"
                              if arity == 1 else "compute the value from the operands' .data")

    def parents() -> None:
        _, out, leaves = _run(op, Value, points[0], 1.0, 0.0)
        reached = _graph(out)
        if not all(any(node is leaf for node in reached) for leaf in leaves):
            raise Failure(f"the result's _parents do not include {operands}",
                          "make the result with its operands as parents: "
                          + ("Value(..., (x,), ...)" if arity == 1 else "Value(..., (a, b), ...)"))

    def local(out_grad: float, start: float, what: str, hint: str) -> Callable[[], None]:
        def test() -> None:
            for xs in points:
                got, _, _ = _run(op, Value, xs, out_grad, start)
                want = [start + out_grad * d for d in derivs(*xs)]
                if all(math.isclose(g, w, rel_tol=1e-7, abs_tol=1e-12)
                       for g, w in zip(got, want)):
                    continue
                shown = ", ".join(f"{g:.6g}" for g in got)
                expected = ", ".join(f"{w:.6g}" for w in want)
                why = hint
                for wrong, mistake in mistakes:
                    bad = [start + out_grad * d for d in wrong(*xs)]
                    if all(math.isclose(g, b, rel_tol=1e-7, abs_tol=1e-12)
                           for g, b in zip(got, bad)):
                        why = mistake
                if out_grad != 1.0 and all(math.isclose(g, start + d, rel_tol=1e-7, abs_tol=1e-12)
                                           for g, d in zip(got, derivs(*xs))):
                    why = "multiply the local derivative by out.grad (the chain rule)"
                if start and all(math.isclose(g, out_grad * d, rel_tol=1e-7, abs_tol=1e-12)
                                 for g, d in zip(got, derivs(*xs))):
                    why = "add to the gradient with +=, do not assign it with ="
                if all(g == start for g in got):
                    why = ("backward changed nothing: add the local derivative times out.grad to "
                           f"{operands}'s grad")
                raise Failure(f"at {xs}: the grad of {operands} became {shown}, "
                              f"expected {expected} ({what})", why)
        return test

    hint_run = (f"write {name_of(op)} in the chapter's shape: out = Value(value, parents, op); "
                "def backward(): ...; out._backward = backward; return out")
    if not c.prop(f"forward: the result's data is {name} of the operands' data", forward, hint_run):
        c.skip(4, "need the forward value")
        return
    c.prop("the result keeps its operands as parents (backward can reach them)", parents)
    c.prop("backward adds the local derivative when out.grad = 1",
           local(1.0, 0.0, "out.grad = 1", "check the local derivative"))
    c.prop("backward multiplies by out.grad (here 2.5)",
           local(2.5, 0.0, "out.grad = 2.5", "multiply the local derivative by out.grad"))
    c.prop("backward adds to a gradient that is already there (+=)",
           local(1.0, 1.0, "grads started at 1", "add to the gradient with +=, do not assign it"))
