"""Small input checks shared by the package, so every error names the problem and the fix."""

from __future__ import annotations

import numpy as np


def as_2d_float(x: object, who: str, *, images: bool = False) -> np.ndarray:
    """Return ``x`` as a 2-D floating-point array (no copy when it already is one).

    ``images=True`` (element-wise layers such as ``ReLU``) also accepts a 4-D batch of images,
    ``(batch, channels, height, width)``, as convolutional layers give it (chapter 22)."""
    arr = np.asarray(x)
    if arr.dtype.kind not in "fiub":
        raise TypeError(f"{who} expects numbers, got an array of dtype {arr.dtype}.")
    if arr.dtype.kind != "f":
        arr = arr.astype(np.float64)
    if arr.ndim != 2 and not (images and arr.ndim == 4):
        also = " or a 4-D array (batch, channels, height, width)" if images else ""
        raise ValueError(
            f"{who} expects a 2-D array of shape (batch, features){also}, got shape "
            f"{arr.shape}. Reshape a single sample with x.reshape(1, -1)."
        )
    return arr


def check_finite(arr: np.ndarray, who: str, what: str = "input") -> None:
    """Raise if ``arr`` holds NaN or infinity, naming where they came from."""
    if not np.isfinite(arr).all():
        n_bad = int(arr.size - np.count_nonzero(np.isfinite(arr)))
        raise ValueError(
            f"{who} got {n_bad} NaN or infinite value(s) in its {what}. "
            "Usually the learning rate is too large and the weights have diverged, or the data "
            "itself has missing values; lower the learning rate or clean the data."
        )


def _as_number(value: object, name: str, who: str) -> float:
    """``value`` as a float; a ``TypeError`` naming the parameter for strings, None, arrays..."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)):
        raise TypeError(f"{who}: {name} must be a number, got {value!r} "
                        f"({type(value).__name__}).")
    return float(value)


def check_positive(value: object, name: str, who: str) -> float:
    """``value`` as a float, or an error unless it is a positive finite number."""
    number = _as_number(value, name, who)
    if not (number > 0 and np.isfinite(number)):
        raise ValueError(f"{who}: {name} must be a positive finite number, got {value!r}.")
    return number


def check_non_negative(value: object, name: str, who: str) -> float:
    """``value`` as a float, or an error unless it is zero or a positive finite number."""
    number = _as_number(value, name, who)
    if not (number >= 0 and np.isfinite(number)):
        raise ValueError(f"{who}: {name} must be zero or positive, got {value!r}.")
    return number


def check_fraction(value: object, name: str, who: str) -> float:
    """``value`` as a float, or an error unless it is in [0, 1)."""
    number = _as_number(value, name, who)
    if not 0 <= number < 1:
        raise ValueError(f"{who}: {name} must be in [0, 1), got {value!r}.")
    return number


def check_count(value: object, name: str, who: str) -> int:
    """``value`` as an int, or an error unless it is a whole number of at least 1."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{who}: {name} must be a whole number, got {value!r} "
                        f"({type(value).__name__}).")
    if value < 1:
        raise ValueError(f"{who}: {name} must be at least 1, got {value!r}.")
    return int(value)


def make_rng(rng: np.random.Generator | int | None) -> np.random.Generator:
    """A NumPy ``Generator`` from a seed, an existing generator, or ``None`` (fresh, unseeded)."""
    if isinstance(rng, np.random.Generator):
        return rng
    return np.random.default_rng(rng)
