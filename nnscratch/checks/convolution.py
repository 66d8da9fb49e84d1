r"""The self-checks of Part V, deeper networks: chapter 22, *Convolution*."""

from __future__ import annotations

from typing import Callable

import numpy as np
from numpy.random import default_rng

from ..conv import Conv2D
from .harness import (Checker, Failure, as_array, call, check, expect_close, leaves_unchanged,
                      name_of)

_HINT_SIZE = ("the output has floor((H + 2*padding - kh) / stride) + 1 rows (and the same for the "
              "columns): a 3x3 kernel fits 3 times in 5 pixels, not 2")


def _reference(x: np.ndarray, W: np.ndarray, b: np.ndarray, stride: int,
               padding: int) -> np.ndarray:
    layer = Conv2D(W.shape[1], W.shape[0], W.shape[2:], stride=stride, padding=padding)
    layer.params["W"][...] = W
    layer.params["b"][...] = b.reshape(1, -1)
    return layer.forward(x)


@check("function")
def check_conv2d(c: Checker, conv2d: Callable) -> None:
    """Check ``conv2d(x, W, b, stride, padding)``: ``x`` of shape ``(N, C, H, W)``, weights ``W``
    ``(F, C, kh, kw)``, biases ``b`` ``(F,)``; returns ``(N, F, OH, OW)`` with
    $Y_{n,f,i,j} = b_f + \\sum_{c,u,v} W_{f,c,u,v} X_{n,c,si+u,sj+v}$ on the input padded with
    ``padding`` zeros on every side (chapter 22)."""
    name = name_of(conv2d)
    r = default_rng(22)

    def run(x: np.ndarray, W: np.ndarray, b: np.ndarray, stride: int = 1,
            padding: int = 0) -> np.ndarray:
        return as_array(call(conv2d, x.copy(), W.copy(), b.copy(), stride, padding, where=name),
                        name)

    def compare(x: np.ndarray, W: np.ndarray, b: np.ndarray, stride: int, padding: int,
                hint: str) -> None:
        want = _reference(x, W, b, stride, padding)
        got = run(x, W, b, stride, padding)
        if got.shape != want.shape:
            raise Failure(f"with stride {stride} and padding {padding}: got shape {got.shape}, "
                          f"expected {want.shape}", _HINT_SIZE)
        if np.allclose(got, want, atol=1e-9):
            return
        flipped = _reference(x, W[:, :, ::-1, ::-1].copy(), b, stride, padding)
        if np.allclose(got, flipped, atol=1e-9):
            raise Failure("the kernel is flipped: that is the convolution of mathematics",
                          "deep-learning libraries compute the cross-correlation: multiply "
                          "W[f, c, u, v] with x[n, c, i*stride + u, j*stride + v], no flipping")
        if np.allclose(got, want - b.reshape(1, -1, 1, 1), atol=1e-9):
            raise Failure("the bias is missing", "add b[f] to every output of filter f")
        expect_close(got, want, hint, atol=1e-9)

    x1 = r.standard_normal((2, 1, 5, 6))
    W1 = r.standard_normal((1, 1, 3, 3))
    b1 = np.array([0.5])

    def output_shape() -> None:
        for stride, padding in ((1, 0), (1, 1), (2, 0), (2, 1)):
            want = _reference(x1, W1, b1, stride, padding).shape
            got = run(x1, W1, b1, stride, padding).shape
            if got != want:
                raise Failure(f"with stride {stride} and padding {padding} a 5x6 input gave "
                              f"shape {got}, expected {want}", _HINT_SIZE)

    c.prop("output shape (N, F, OH, OW) for strides 1, 2 and paddings 0, 1", output_shape)
    c.prop("one channel, one filter: the values",
           lambda: compare(x1, W1, b1, 1, 0, "each output is the sum of the 3x3 window times the "
                           "kernel, plus the bias"))
    x3 = r.standard_normal((2, 3, 6, 5))
    W3 = r.standard_normal((4, 3, 2, 3))
    b3 = r.standard_normal(4)
    c.prop("3 channels, 4 filters of 2x3, one bias per filter",
           lambda: compare(x3, W3, b3, 1, 0, "sum over the channels c as well as over the kernel "
                           "positions u, v, and use filter f's own weights W[f] and bias b[f]"))
    c.prop("padding: zeros around the input",
           lambda: compare(x3, W3, b3, 1, 2, "pad with np.pad(x, ((0, 0), (0, 0), (p, p), "
                           "(p, p))) before the loops: p zeros on every side, top and bottom, "
                           "left and right"))
    c.prop("stride: windows moved by s pixels",
           lambda: compare(x3, W3, b3, 2, 1, "window (i, j) starts at row i*stride, column "
                           "j*stride of the padded input"))
    c.prop("leaves x, W and b unchanged",
           leaves_unchanged(lambda x, W, b: call(conv2d, x, W, b, 1, 1, where=name), x3, W3, b3,
                            changed=("x was changed", "W was changed", "b was changed"),
                            hint="pad into a new array (np.pad returns one) and do not write into "
                                 "the arguments"))


__all__ = ["check_conv2d"]
