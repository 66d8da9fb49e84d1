r"""Layers for images (chapter 22, *Convolution*): ``Reshape``, ``Flatten``, ``Conv2D`` and
``MaxPool2D``.

Data enter a ``Model`` as rows ``(samples, features)``; ``Reshape((1, 28, 28))`` turns each row of
784 pixels into an image with one channel, and the image layers work on 4-D arrays
``(N, C, H, W)``: batch, channels, height, width. ``Flatten()`` turns them back into rows for the
``Dense`` layers at the end.

Output size of a window of size $k$ moved with stride $s$ over $n$ values padded by $p$ on
both sides: $\lfloor (n + 2p - k) / s \rfloor + 1$.

``Conv2D`` computes its windows with *im2col*: every window becomes one column of a matrix, so
the whole convolution is one matrix product; its backward pass adds the columns' gradients back
into their windows (*col2im*). Chapter 22 writes the same layer with plain loops first and checks
that both agree.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
from ._validate import _as_number, check_count, make_rng
from .layers import Layer


def _pair(value: int | Sequence[int], name: str, who: str) -> tuple[int, int]:
    """``value`` (one whole number or two) as ``(rows, columns)``, each at least 1."""
    values = tuple(value) if isinstance(value, (tuple, list)) else (value, value)
    if len(values) != 2:
        raise ValueError(f"{who}: {name} must be one whole number or two, got {value!r}.")
    for v in values:
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)):
            _as_number(v, name, who)  # a TypeError for strings, None, ...
            raise TypeError(f"{who}: {name} must be a whole number, got {value!r}.")
        if v < 1:
            raise ValueError(f"{who}: {name} must be at least 1, got {value!r}.")
    return int(values[0]), int(values[1])


def output_size(n: int, k: int, stride: int = 1, padding: int = 0) -> int:
    r"""Positions of a window of size ``k`` over ``n`` values padded by ``padding`` on both sides
    and moved by ``stride``: $\lfloor(n + 2p - k)/s\rfloor + 1$."""
    return (n + 2 * padding - k) // stride + 1


def _as_images(x: object, who: str) -> np.ndarray:
    """``x`` as a 4-D floating-point array ``(batch, channels, height, width)``."""
    arr = np.asarray(x)
    if arr.dtype.kind not in "fiub":
        raise TypeError(f"{who} expects numbers, got an array of dtype {arr.dtype}.")
    if arr.dtype.kind != "f":
        arr = arr.astype(np.float64)
    if arr.ndim != 4:
        raise ValueError(
            f"{who} expects a 4-D array (batch, channels, height, width), got shape {arr.shape}. "
            "Put nn.Reshape((channels, height, width)) before it to turn rows of pixels into "
            "images, e.g. nn.Reshape((1, 28, 28)) for MNIST.")
    return arr


class Reshape(Layer):
    """Give every sample the shape ``shape``: ``(N, features)`` becomes ``(N, *shape)``.

    ``Reshape((1, 28, 28))`` turns rows of 784 pixels into one-channel images. Backward gives the
    gradient the input's shape back."""

    def __init__(self, shape: Sequence[int]) -> None:
        super().__init__()
        if not isinstance(shape, (tuple, list)) or not shape:
            raise TypeError(f"Reshape: shape must be a tuple of sizes such as (1, 28, 28), "
                            f"got {shape!r}.")
        self.shape = tuple(check_count(n, "every size in shape", "Reshape") for n in shape)
        self.input_shape: tuple[int, ...] | None = None

    def __repr__(self) -> str:
        return f"Reshape({self.shape})"

    def forward(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x)
        size = int(np.prod(self.shape))
        if x.ndim < 2 or int(np.prod(x.shape[1:])) != size:
            raise ValueError(f"{self!r} needs {size} values per sample, got shape {x.shape}; "
                             f"the first axis is the batch.")
        self.input_shape = x.shape
        self.output = x.reshape(len(x), *self.shape)
        return self.output

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return self._check_grad(grad).reshape(self.input_shape)


class Flatten(Layer):
    """Turn every sample into one row: ``(N, C, H, W)`` becomes ``(N, C*H*W)``, channel by
    channel, each row by row (NumPy's order)."""

    def __init__(self) -> None:
        super().__init__()
        self.input_shape: tuple[int, ...] | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x)
        if x.ndim < 2:
            raise ValueError(f"Flatten() expects a batch (batch, ...), got shape {x.shape}.")
        self.input_shape = x.shape
        self.output = x.reshape(len(x), -1)
        return self.output

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return self._check_grad(grad).reshape(self.input_shape)


class Conv2D(Layer):
    r"""A 2-D convolution (strictly, a cross-correlation, as in every deep-learning library).

    ``W``: ``(out_channels, in_channels, kh, kw)``, ``b``: ``(1, out_channels)`` (one bias per
    output channel, shaped like ``Dense``'s). For input $X$ of shape ``(N, C, H, W)``, padded
    with ``padding`` zeros on every side, and stride $s$:

    $$Y_{n,f,i,j} = b_f + \sum_{c,u,v} W_{f,c,u,v}\, X_{n,c,\,si+u,\,sj+v}$$

    with $i, j$ running over the output size $\lfloor (H + 2p - k_h)/s \rfloor + 1$ (and the same
    for the width).

    im2col: the windows become the columns of a matrix $A$ of shape ``(C*kh*kw, N*OH*OW)``, so
    $Y = W_\text{mat} A + b$ with $W_\text{mat}$ = ``W.reshape(out_channels, -1)``. Backward
    with $G$ = $\partial L/\partial Y$ in the same column layout ``(F, N*OH*OW)``:
    $\partial L/\partial W = G A^\top$, $\partial L/\partial b = \sum G$ over the columns, and
    $\partial L/\partial A = W_\text{mat}^\top G$, whose columns col2im adds back into the
    windows they came from (where windows overlap, the contributions add up).

    Weights start as ``weight_scale`` times standard normal numbers (``"he"``:
    $\sqrt{2/(C k_h k_w)}$), biases at zero.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int | Sequence[int], *,
                 stride: int = 1, padding: int = 0, weight_scale: float | str = "he",
                 rng: np.random.Generator | int | None = None,
                 dtype: type | np.dtype = np.float64) -> None:
        super().__init__()
        self.in_channels = check_count(in_channels, "in_channels", "Conv2D")
        self.out_channels = check_count(out_channels, "out_channels", "Conv2D")
        self.kernel_size = _pair(kernel_size, "kernel_size", "Conv2D")
        self.stride = check_count(stride, "stride", "Conv2D")
        if isinstance(padding, (bool, np.bool_)) or not isinstance(padding, (int, np.integer)):
            raise TypeError(f"Conv2D: padding must be a whole number, got {padding!r}.")
        if padding < 0:
            raise ValueError(f"Conv2D: padding must be zero or positive, got {padding!r}.")
        self.padding = int(padding)
        fan_in = self.in_channels * self.kernel_size[0] * self.kernel_size[1]
        if weight_scale == "he":
            scale = np.sqrt(2.0 / fan_in)
        elif isinstance(weight_scale, str):
            raise ValueError("Conv2D: weight_scale must be a number or 'he', "
                             f"got {weight_scale!r}.")
        else:
            scale = _as_number(weight_scale, "weight_scale", "Conv2D")
            if not (scale >= 0 and np.isfinite(scale)):
                raise ValueError("Conv2D: weight_scale must be zero or positive, "
                                 f"got {weight_scale!r}.")
        dtype = np.dtype(dtype)
        if dtype.kind != "f":
            raise TypeError("Conv2D: dtype must be a floating-point type such as np.float32, "
                            f"got {dtype}.")
        shape = (self.out_channels, self.in_channels, *self.kernel_size)
        self.params["W"] = (scale * make_rng(rng).standard_normal(shape)).astype(dtype)
        self.params["b"] = np.zeros((1, self.out_channels), dtype=dtype)
        self.cols: np.ndarray | None = None
        self.input_shape: tuple[int, ...] | None = None

    def __repr__(self) -> str:
        extra = (f", stride={self.stride}" if self.stride != 1 else "") + (
            f", padding={self.padding}" if self.padding else "")
        kh, kw = self.kernel_size
        kernel = kh if kh == kw else self.kernel_size
        return f"Conv2D({self.in_channels}, {self.out_channels}, {kernel}{extra})"

    def output_shape(self, height: int, width: int) -> tuple[int, int]:
        """``(OH, OW)`` for an input of ``height`` x ``width`` pixels."""
        (kh, kw), s, p = self.kernel_size, self.stride, self.padding
        return output_size(height, kh, s, p), output_size(width, kw, s, p)

    def _check_input(self, x: object) -> np.ndarray:
        x = _as_images(x, repr(self))
        n, c, h, w = x.shape
        if c != self.in_channels:
            raise ValueError(f"{self!r} expects {self.in_channels} input channel(s), got {c} "
                             f"(input shape {x.shape}). Use Conv2D({c}, ...) or give it the "
                             "previous layer's out_channels.")
        (kh, kw), p = self.kernel_size, self.padding
        if kh > h + 2 * p or kw > w + 2 * p:
            raise ValueError(f"{self!r}: the kernel {kh}x{kw} is larger than the padded input "
                             f"{h + 2 * p}x{w + 2 * p} (input {h}x{w}, padding {p}); use a "
                             "smaller kernel, more padding, or fewer pooling layers before it.")
        return x

    def forward(self, x: np.ndarray) -> np.ndarray:
        x = self._check_input(x)
        p = self.padding
        if p:
            x = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
        self.input_shape = x.shape  # padded
        n = len(x)
        oh, ow = self.output_shape(x.shape[2] - 2 * p, x.shape[3] - 2 * p)
        self.cols = im2col(x, self.kernel_size, self.stride, (oh, ow))   # (C*kh*kw, N*OH*OW)
        W = self.params["W"].reshape(self.out_channels, -1)              # (F, C*kh*kw)
        out = W @ self.cols + self.params["b"].T                         # (F, N*OH*OW)
        self.output = np.ascontiguousarray(out.reshape(-1, n, oh, ow).transpose(1, 0, 2, 3))
        return self.output

    def backward(self, grad: np.ndarray) -> np.ndarray:
        grad = self._check_grad(grad)
        f = grad.shape[1]
        G = grad.transpose(1, 0, 2, 3).reshape(f, -1)                    # columns like self.cols
        W = self.params["W"]
        self.grads["W"] = (G @ self.cols.T).reshape(W.shape)
        self.grads["b"] = G.sum(axis=1).reshape(1, f)
        d_cols = W.reshape(f, -1).T @ G                                  # (C*kh*kw, N*OH*OW)
        dx = col2im(d_cols, self.input_shape, self.kernel_size, self.stride, grad.shape[2:])
        p = self.padding
        return dx[:, :, p:dx.shape[2] - p, p:dx.shape[3] - p] if p else dx


def im2col(x: np.ndarray, kernel: tuple[int, int], stride: int,
           out: tuple[int, int]) -> np.ndarray:
    r"""The windows of ``x`` ``(N, C, H, W)`` as the columns of a matrix ``(C*kh*kw, N*OH*OW)``.

    Row $(c, u, v)$ holds pixel $(u, v)$ of every window of channel $c$: the image of channel
    $c$ shifted by $(u, v)$ and read with stride $s$, $X_{n,c,\,si+u,\,sj+v}$. One loop over the
    $k_h k_w$ offsets of the kernel, each copying all images and channels at once."""
    (kh, kw), (oh, ow), s = kernel, out, stride
    n, c = x.shape[:2]
    images = x.transpose(1, 0, 2, 3)                                      # (C, N, H, W), a view
    cols = np.empty((c, kh, kw, n, oh, ow), dtype=x.dtype)
    for u in range(kh):
        for v in range(kw):
            cols[:, u, v] = images[:, :, u:u + s * oh:s, v:v + s * ow:s]
    return cols.reshape(c * kh * kw, n * oh * ow)


def col2im(cols: np.ndarray, shape: tuple[int, ...], kernel: tuple[int, int], stride: int,
           out: tuple[int, int]) -> np.ndarray:
    """The opposite move of :func:`im2col` for gradients: add every entry of ``cols``
    ``(C*kh*kw, N*OH*OW)`` back to the pixel of ``shape`` ``(N, C, H, W)`` it was copied from;
    where windows overlap, the contributions add up."""
    (kh, kw), (oh, ow), s = kernel, out, stride
    n, c = shape[:2]
    cols = cols.reshape(c, kh, kw, n, oh, ow)
    images = np.zeros((c, n, *shape[2:]), dtype=cols.dtype)
    for u in range(kh):
        for v in range(kw):
            images[:, :, u:u + s * oh:s, v:v + s * ow:s] += cols[:, u, v]
    return images.transpose(1, 0, 2, 3)


class MaxPool2D(Layer):
    r"""Max pooling: the largest value of every ``pool_size`` x ``pool_size`` window of every
    channel, windows moved by ``stride`` (default: ``pool_size``, windows side by side).

    Output size $\lfloor (H - k)/s \rfloor + 1$ (rows or columns that do not fill a window are
    dropped). Backward sends each output's gradient to the position of its window's maximum (the
    first one, when several are equal) and nothing to the others."""

    def __init__(self, pool_size: int, *, stride: int | None = None) -> None:
        super().__init__()
        self.pool_size = check_count(pool_size, "pool_size", "MaxPool2D")
        self.stride = self.pool_size if stride is None else check_count(stride, "stride",
                                                                         "MaxPool2D")
        self.argmax: np.ndarray | None = None
        self.input_shape: tuple[int, ...] | None = None

    def __repr__(self) -> str:
        extra = f", stride={self.stride}" if self.stride != self.pool_size else ""
        return f"MaxPool2D({self.pool_size}{extra})"

    def forward(self, x: np.ndarray) -> np.ndarray:
        x = _as_images(x, repr(self))
        k, s = self.pool_size, self.stride
        if k > x.shape[2] or k > x.shape[3]:
            raise ValueError(f"{self!r}: the window {k}x{k} is larger than the input "
                             f"{x.shape[2]}x{x.shape[3]}; use a smaller pool_size.")
        oh, ow = output_size(x.shape[2], k, s), output_size(x.shape[3], k, s)
        # visit the k*k positions of every window at once: the image shifted by (u, v)
        best = x[:, :, 0:s * oh:s, 0:s * ow:s].copy()
        self.argmax = np.zeros(best.shape, dtype=np.int8 if k * k < 128 else np.int32)
        for u in range(k):
            for v in range(k):
                candidate = x[:, :, u:u + s * oh:s, v:v + s * ow:s]
                larger = candidate > best                   # strictly: ties keep the first
                # argmax = u * k + v where larger (arithmetic: faster than masked assignment)
                self.argmax += larger * (self.argmax.dtype.type(u * k + v) - self.argmax)
                np.maximum(best, candidate, out=best)
        self.input_shape = x.shape
        self.output = best
        return self.output

    def backward(self, grad: np.ndarray) -> np.ndarray:
        grad = self._check_grad(grad)
        k, s = self.pool_size, self.stride
        oh, ow = grad.shape[2:]
        dx = np.zeros(self.input_shape, dtype=grad.dtype)
        for u in range(k):
            for v in range(k):
                chosen = self.argmax == u * k + v
                dx[:, :, u:u + s * oh:s, v:v + s * ow:s] += grad * chosen
        return dx


__all__ = ["Conv2D", "Flatten", "MaxPool2D", "Reshape", "col2im", "im2col", "output_size"]
