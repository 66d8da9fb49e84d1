"""The self-check of chapter 23: check_value_op passes the chapter's operations, fails the typical
mistakes with the hint written for them, and reports, never raises, unfinished or broken code."""

from __future__ import annotations

import math

import pytest

from nnscratch import checks
from nnscratch.autograd import Value

from check_helpers import assert_reference_passes, failed_lines, run


def make_unary(fn, local):
    """An operation in the chapter's shape: value fn(x), local derivative local(x, out)."""
    def op(x):
        out = Value(fn(x.data), (x,), "op")

        def backward():
            x.grad += local(x.data, out.data) * out.grad
        out._backward = backward
        return out
    return op


tanh = make_unary(math.tanh, lambda x, y: 1 - y ** 2)
sigmoid = make_unary(lambda x: 1 / (1 + math.exp(-x)), lambda x, s: s * (1 - s))


def div(a, b):
    out = Value(a.data / b.data, (a, b), "/")

    def backward():
        a.grad += out.grad / b.data
        b.grad += -a.data / b.data ** 2 * out.grad
    out._backward = backward
    return out


def assert_fails_with(result, out, *fragments):
    assert not result, out
    text = "\n".join(failed_lines(out))
    for fragment in fragments:
        assert fragment in text, out


REFERENCES = [
    ("tanh", checks.check_value_op, (tanh, "tanh")),
    ("sigmoid", checks.check_value_op, (sigmoid, "sigmoid")),
    ("div", checks.check_value_op, (div, "div")),
    ("exp, the package's", checks.check_value_op, (lambda x: x.exp(), "exp")),
    ("log, the package's", checks.check_value_op, (lambda x: x.log(), "log")),
    ("sub, the package's (composite)", checks.check_value_op, (lambda a, b: a - b, "sub")),
    ("div, the package's (composite)", checks.check_value_op, (lambda a, b: a / b, "div", Value)),
]


@pytest.mark.parametrize("check, args", [r[1:] for r in REFERENCES], ids=[r[0] for r in REFERENCES])
def test_reference_solution_passes(check, args, capsys):
    assert_reference_passes(check, args, capsys, 5)


def test_a_chapter_style_value_class_of_ones_own(capsys):
    class MyValue:
        def __init__(self, data, _parents=(), _op=""):
            self.data, self.grad, self._parents = data, 0.0, _parents
            self._backward = lambda: None

    def my_tanh(x):
        out = MyValue(math.tanh(x.data), (x,))

        def backward():
            x.grad += (1 - out.data ** 2) * out.grad
        out._backward = backward
        return out
    assert_reference_passes(checks.check_value_op, (my_tanh, "tanh", MyValue), capsys, 5)


def test_assigning_instead_of_accumulating(capsys):
    def op(x):
        out = Value(math.tanh(x.data), (x,))

        def backward():
            x.grad = (1 - out.data ** 2) * out.grad
        out._backward = backward
        return out
    result, out = run(checks.check_value_op, op, "tanh", capsys=capsys)
    assert_fails_with(result, out, "add to the gradient with +=, do not assign it with =")
    assert len(failed_lines(out)) == 1


def test_wrong_local_derivatives(capsys):
    wrong = make_unary(math.tanh, lambda x, y: y)
    result, out = run(checks.check_value_op, wrong, "tanh", capsys=capsys)
    assert_fails_with(result, out, "its derivative is 1 - tanh(x)**2")
    wrong = make_unary(math.tanh, lambda x, y: 1 - x ** 2)
    result, out = run(checks.check_value_op, wrong, "tanh", capsys=capsys)
    assert_fails_with(result, out, "use the output, 1 - out.data**2, not the input x")
    wrong = make_unary(lambda x: 1 / (1 + math.exp(-x)), lambda x, s: s)
    result, out = run(checks.check_value_op, wrong, "sigmoid", capsys=capsys)
    assert_fails_with(result, out, "sigma(x) * (1 - sigma(x))")


def test_division_with_the_wrong_sign(capsys):
    def op(a, b):
        out = Value(a.data / b.data, (a, b))

        def backward():
            a.grad += out.grad / b.data
            b.grad += a.data / b.data ** 2 * out.grad
        out._backward = backward
        return out
    result, out = run(checks.check_value_op, op, "div", capsys=capsys)
    assert_fails_with(result, out, "mind the minus sign")


def test_forgetting_out_grad(capsys):
    def op(x):
        out = Value(math.tanh(x.data), (x,))

        def backward():
            x.grad += 1 - out.data ** 2
        out._backward = backward
        return out
    result, out = run(checks.check_value_op, op, "tanh", capsys=capsys)
    assert_fails_with(result, out, "multiply the local derivative by out.grad (the chain rule)")


def test_missing_parents_backward_and_return(capsys):
    def no_parents(x):
        out = Value(math.tanh(x.data))

        def backward():
            x.grad += (1 - out.data ** 2) * out.grad
        out._backward = backward
        return out
    result, out = run(checks.check_value_op, no_parents, "tanh", capsys=capsys)
    assert_fails_with(result, out, "_parents do not include x", "Value(..., (x,), ...)")

    def no_backward(x):
        return Value(math.tanh(x.data), (x,))
    result, out = run(checks.check_value_op, no_backward, "tanh", capsys=capsys)
    assert_fails_with(result, out, "backward changed nothing")

    def no_return(x):
        Value(math.tanh(x.data), (x,))
    result, out = run(checks.check_value_op, no_return, "tanh", capsys=capsys)
    assert_fails_with(result, out, "returned NoneType, not a Value")


def test_unfinished_and_wrong_inputs_are_reported(capsys):
    def unfinished(x):
        raise NotImplementedError
    result, out = run(checks.check_value_op, unfinished, "tanh", capsys=capsys)
    assert_fails_with(result, out, "is not written yet")
    result, out = run(checks.check_value_op, tanh, "cosh", capsys=capsys)
    assert_fails_with(result, out, "unknown name 'cosh'", "'tanh'")
    result, out = run(checks.check_value_op, None, "tanh", capsys=capsys)
    assert_fails_with(result, out, "expected your function or class, got None")
    result, out = run(checks.check_value_op, lambda x: x.tanh() * 2, "tanh", capsys=capsys)
    assert_fails_with(result, out, "compute the value")
