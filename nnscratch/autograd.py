r"""Automatic differentiation, the toy of chapter 23: values that remember how they were computed.

Every operation has the same short shape: compute the result's value, make the result with its
*parents* (the operands), and give it a local ``backward`` closure that adds
$\text{local derivative} \times$ ``out.grad`` to each parent's ``grad``::

    def __mul__(self, other):
        other = self._lift(other)
        out = Value(self.data * other.data, (self, other), "*")
        def backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out._backward = backward
        return out

``root.backward()`` puts the graph in topological order (every node after the nodes it was
computed from), sets $\partial \text{root} / \partial \text{root} = 1$ and runs the closures in
reverse order, so each node's gradient is complete, every use of it added up with ``+=``, before
it is passed on.

:class:`Value` holds one number; :class:`Tensor` a float64 array, with the operations a
Dense-ReLU-softmax-cross-entropy network needs. Gradients of the leaves (the inputs and
parameters) accumulate over calls of ``backward``, as in PyTorch; ``zero_grad()`` resets them.
This module is for learning: it is slow, float64 only, and the layers of :mod:`nnscratch.layers`
do not use it.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Iterable, Sequence

import numpy as np


def topological_order(root: Any) -> list:
    """Every node ``root`` depends on (through ``_parents``), each after all of its parents.

    A depth-first walk without recursion, so long chains do not reach Python's recursion limit."""
    order, seen, stack = [], set(), [(root, False)]
    while stack:
        node, parents_done = stack.pop()
        if parents_done:
            order.append(node)
        elif id(node) not in seen:
            seen.add(id(node))
            stack.append((node, True))
            stack.extend((parent, False) for parent in node._parents)
    return order


def _backpropagate(root: Any) -> None:
    """Zero the gradients inside the graph, set root's to 1, run each local backward in reverse
    topological order. Leaves keep what they had: their gradients accumulate."""
    order = topological_order(root)
    for node in order:
        if node._parents:
            node.zero_grad()
    root.grad = root.grad + 1.0
    for node in reversed(order):
        node._backward()


def _no_backward() -> None:
    """The local backward of a leaf: nothing to pass on."""


# ================================================================================================
# Value: one number
# ================================================================================================


class Value:
    """A number with a gradient, that remembers the operation and the operands it came from."""

    def __init__(self, data: float, _parents: Sequence["Value"] = (), _op: str = "") -> None:
        if isinstance(data, Value):
            raise TypeError("Value: data is already a Value; use it directly.")
        if isinstance(data, (bool, np.bool_)) or not isinstance(data, (int, float, np.number)):
            raise TypeError(f"Value: data must be a number, got {type(data).__name__} {data!r}.")
        self.data = float(data)
        self.grad = 0.0
        self._parents = tuple(_parents)
        self._op = _op
        self._backward: Callable[[], None] = _no_backward

    def __repr__(self) -> str:
        return f"Value(data={self.data:.6g}, grad={self.grad:.6g})"

    @staticmethod
    def _lift(other: Any) -> "Value":
        """``other`` as a Value: numbers become constants (leaves nobody trains)."""
        if isinstance(other, Value):
            return other
        if isinstance(other, (bool, np.bool_)) or not isinstance(other, (int, float, np.number)):
            raise TypeError(f"Value: cannot combine a Value with {type(other).__name__} "
                            f"{other!r}; use a number (int or float) or a Value.")
        return Value(other)

    def zero_grad(self) -> None:
        self.grad = 0.0

    def backward(self) -> None:
        """Fill ``grad`` of every value this one was computed from with d(self)/d(that value)."""
        _backpropagate(self)

    # --- the operations: each computes its value and a local backward closure ------------------

    def __add__(self, other: Any) -> "Value":
        other = self._lift(other)
        out = Value(self.data + other.data, (self, other), "+")

        def backward() -> None:
            self.grad += out.grad                        # d(a + b)/da = 1
            other.grad += out.grad                       # d(a + b)/db = 1
        out._backward = backward
        return out

    def __mul__(self, other: Any) -> "Value":
        other = self._lift(other)
        out = Value(self.data * other.data, (self, other), "*")

        def backward() -> None:
            self.grad += other.data * out.grad           # d(ab)/da = b
            other.grad += self.data * out.grad           # d(ab)/db = a
        out._backward = backward
        return out

    def __pow__(self, exponent: float) -> "Value":
        if isinstance(exponent, Value) or not isinstance(exponent, (int, float, np.number)):
            raise TypeError(f"Value: the exponent of ** must be a number (int or float), got "
                            f"{type(exponent).__name__}; for a Value exponent b use "
                            "(b * a.log()).exp().")
        out = Value(self.data ** exponent, (self,), f"**{exponent:g}")

        def backward() -> None:
            self.grad += exponent * self.data ** (exponent - 1) * out.grad   # n a^(n-1)
        out._backward = backward
        return out

    def exp(self) -> "Value":
        out = Value(math.exp(self.data), (self,), "exp")

        def backward() -> None:
            self.grad += out.data * out.grad             # d(e^a)/da = e^a
        out._backward = backward
        return out

    def log(self) -> "Value":
        if self.data <= 0:
            raise ValueError(f"Value.log: the logarithm needs a positive number, got {self.data}.")
        out = Value(math.log(self.data), (self,), "log")

        def backward() -> None:
            self.grad += out.grad / self.data            # d(log a)/da = 1/a
        out._backward = backward
        return out

    def relu(self) -> "Value":
        out = Value(max(self.data, 0.0), (self,), "relu")

        def backward() -> None:
            self.grad += (self.data > 0) * out.grad      # 1 where a > 0, else 0
        out._backward = backward
        return out

    def tanh(self) -> "Value":
        out = Value(math.tanh(self.data), (self,), "tanh")

        def backward() -> None:
            self.grad += (1 - out.data ** 2) * out.grad  # 1 - tanh(a)^2
        out._backward = backward
        return out

    def sigmoid(self) -> "Value":
        s = 1 / (1 + math.exp(-self.data)) if self.data >= 0 else math.exp(self.data) / (
            1 + math.exp(self.data))                     # never overflows
        out = Value(s, (self,), "sigmoid")

        def backward() -> None:
            self.grad += out.data * (1 - out.data) * out.grad   # s (1 - s)
        out._backward = backward
        return out

    # --- made from the operations above ----------------------------------------------------------

    def __neg__(self) -> "Value":
        return self * -1

    def __sub__(self, other: Any) -> "Value":
        return self + (-self._lift(other))

    def __truediv__(self, other: Any) -> "Value":
        return self * self._lift(other) ** -1

    def __radd__(self, other: Any) -> "Value":
        return self + other

    def __rmul__(self, other: Any) -> "Value":
        return self * other

    def __rsub__(self, other: Any) -> "Value":
        return self._lift(other) - self

    def __rtruediv__(self, other: Any) -> "Value":
        return self._lift(other) / self


# ================================================================================================
# Tensor: an array
# ================================================================================================


def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``grad`` down to ``shape``: over the leading axes broadcasting added and over the axes
    where ``shape`` has length 1. A value copied to many places gets the sum of their gradients."""
    while grad.ndim > len(shape):
        grad = grad.sum(axis=0)
    for axis, length in enumerate(shape):
        if length == 1 and grad.shape[axis] != 1:
            grad = grad.sum(axis=axis, keepdims=True)
    return grad


class Tensor:
    """A float64 array with a gradient of the same shape, that remembers where it came from."""

    def __init__(self, data: Any, _parents: Sequence["Tensor"] = (), _op: str = "") -> None:
        if isinstance(data, Tensor):
            raise TypeError("Tensor: data is already a Tensor; use it directly.")
        try:
            self.data = np.array(data, dtype=np.float64)
        except (TypeError, ValueError):
            raise TypeError(f"Tensor: data must be numbers or an array of numbers, got "
                            f"{type(data).__name__}.") from None
        self.grad = np.zeros_like(self.data)
        self._parents = tuple(_parents)
        self._op = _op
        self._backward: Callable[[], None] = _no_backward

    def __repr__(self) -> str:
        return f"Tensor(shape={self.data.shape}, op={self._op or 'leaf'!r})"

    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @staticmethod
    def _lift(other: Any) -> "Tensor":
        """``other`` as a Tensor: numbers and arrays become constants."""
        if isinstance(other, Tensor):
            return other
        if isinstance(other, (bool, np.bool_)) or not isinstance(
                other, (int, float, np.number, np.ndarray)):
            raise TypeError(f"Tensor: cannot combine a Tensor with {type(other).__name__}; use "
                            "a number, a NumPy array or a Tensor.")
        return Tensor(other)

    def zero_grad(self) -> None:
        self.grad = np.zeros_like(self.data)

    def backward(self) -> None:
        """Fill ``grad`` of every tensor this one was computed from; ``self`` must be one number
        (a loss)."""
        if self.data.size != 1:
            raise ValueError(f"Tensor.backward: start from a single number such as a loss, got "
                             f"shape {self.data.shape}; reduce it first with .sum() or .mean().")
        _backpropagate(self)

    # --- the operations: each computes its value and a local backward closure ------------------

    def __add__(self, other: Any) -> "Tensor":
        other = self._lift(other)
        out = Tensor(self.data + other.data, (self, other), "+")

        def backward() -> None:
            self.grad += unbroadcast(out.grad, self.shape)      # 1, summed where copied
            other.grad += unbroadcast(out.grad, other.shape)
        out._backward = backward
        return out

    def __mul__(self, other: Any) -> "Tensor":
        other = self._lift(other)
        out = Tensor(self.data * other.data, (self, other), "*")

        def backward() -> None:
            self.grad += unbroadcast(other.data * out.grad, self.shape)   # b, element-wise
            other.grad += unbroadcast(self.data * out.grad, other.shape)  # a
        out._backward = backward
        return out

    def __matmul__(self, other: Any) -> "Tensor":
        other = self._lift(other)
        if self.data.ndim != 2 or other.data.ndim != 2 or self.shape[1] != other.shape[0]:
            raise ValueError(f"Tensor @: needs two matrices (n, k) @ (k, m), got {self.shape} "
                             f"@ {other.shape}.")
        out = Tensor(self.data @ other.data, (self, other), "@")

        def backward() -> None:
            self.grad += out.grad @ other.data.T                # G B^T
            other.grad += self.data.T @ out.grad                # A^T G
        out._backward = backward
        return out

    def __pow__(self, exponent: float) -> "Tensor":
        if isinstance(exponent, Tensor) or not isinstance(exponent, (int, float, np.number)):
            raise TypeError(f"Tensor: the exponent of ** must be a number, got "
                            f"{type(exponent).__name__}.")
        out = Tensor(self.data ** exponent, (self,), f"**{exponent:g}")

        def backward() -> None:
            self.grad += exponent * self.data ** (exponent - 1) * out.grad
        out._backward = backward
        return out

    def exp(self) -> "Tensor":
        out = Tensor(np.exp(self.data), (self,), "exp")

        def backward() -> None:
            self.grad += out.data * out.grad
        out._backward = backward
        return out

    def log(self) -> "Tensor":
        out = Tensor(np.log(self.data), (self,), "log")

        def backward() -> None:
            self.grad += out.grad / self.data
        out._backward = backward
        return out

    def relu(self) -> "Tensor":
        out = Tensor(np.maximum(self.data, 0.0), (self,), "relu")

        def backward() -> None:
            self.grad += (self.data > 0) * out.grad
        out._backward = backward
        return out

    def sum(self, axis: int | None = None, keepdims: bool = False) -> "Tensor":
        out = Tensor(self.data.sum(axis=axis, keepdims=keepdims), (self,), "sum")

        def backward() -> None:
            g = out.grad if keepdims or axis is None else np.expand_dims(out.grad, axis)
            self.grad += np.broadcast_to(g, self.shape)         # 1 for every summed entry
        out._backward = backward
        return out

    def log_softmax(self) -> "Tensor":
        r"""Row-wise $z - m - \log \sum_k e^{z_k - m}$, $m$ the row maximum (never overflows)."""
        shifted = self.data - self.data.max(axis=1, keepdims=True)
        out = Tensor(shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True)), (self,),
                     "log_softmax")

        def backward() -> None:
            softmax = np.exp(out.data)                          # g - softmax * (row sum of g)
            self.grad += out.grad - softmax * out.grad.sum(axis=1, keepdims=True)
        out._backward = backward
        return out

    # --- made from the operations above ----------------------------------------------------------

    def mean(self) -> "Tensor":
        return self.sum() * (1.0 / self.data.size)

    def __neg__(self) -> "Tensor":
        return self * -1.0

    def __sub__(self, other: Any) -> "Tensor":
        return self + (-self._lift(other))

    def __truediv__(self, other: Any) -> "Tensor":
        return self * self._lift(other) ** -1

    def __radd__(self, other: Any) -> "Tensor":
        return self + other

    def __rmul__(self, other: Any) -> "Tensor":
        return self * other

    def __rsub__(self, other: Any) -> "Tensor":
        return self._lift(other) - self


def cross_entropy(logits: Tensor, labels: Iterable[int]) -> Tensor:
    r"""The mean softmax cross-entropy $-\frac1N \sum_i \log \operatorname{softmax}(z_i)_{c_i}$ of
    integer class ``labels``, built from ``log_softmax``, ``*`` and ``mean``."""
    labels = np.asarray(labels)
    n, k = logits.shape
    if labels.shape != (n,) or labels.dtype.kind not in "iu" or (
            n and (labels.min() < 0 or labels.max() >= k)):
        raise ValueError(f"cross_entropy: labels must be {n} whole numbers in 0 .. {k - 1}, got "
                         f"shape {labels.shape}, dtype {labels.dtype}.")
    one_hot = np.eye(k)[labels]
    return -(logits.log_softmax() * one_hot).sum(axis=1).mean()


__all__ = ["Tensor", "Value", "cross_entropy", "topological_order", "unbroadcast"]
