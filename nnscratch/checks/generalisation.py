r"""The self-checks of Part III, generalisation and the model (chapters 12-15): the
train/validation split, k-fold cross-validation, the L2 penalty, dropout, the mean squared error, the binary cross-entropy
and mini-batches."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
from numpy.random import default_rng

from ..gradcheck import numerical_gradient, relative_error
from ..layers import Dense
from ..losses import BinaryCrossentropy, MeanSquaredError
from .harness import (Checker, Failure, as_array, as_number, build, call, check, expect_close,
                      expect_number, expect_shape, fmt, forward_fn, global_random_state_kept,
                      leaves_unchanged, name_of, returned_grad, take_at_most)

# ================================================================================================
# Chapter 12: the train/validation split
# ================================================================================================


def _ids_of(X_part: np.ndarray, n: int, what: str) -> np.ndarray:
    """The sample numbers of the rows of ``X_part`` (column 0 of the check's data holds them)."""
    ids = X_part[:, 0]
    if (not np.all(np.isfinite(ids)) or np.any(ids != np.round(ids)) or np.any(ids < 0)
            or np.any(ids >= n)):
        raise Failure(f"{what} holds rows that are not rows of X",
                      "take whole rows of X, unchanged: X[indices] with integer indices")
    return ids.astype(np.int64)


@check("function")
def check_train_val_split(c: Checker, split: Callable) -> None:
    """Check ``split(X, y, val_fraction, rng) -> (X_fit, y_fit, X_val, y_val)``: the samples (rows
    of ``X`` with their labels ``y``) in a random order drawn from the generator ``rng``, about
    ``val_fraction`` of them in the validation part and the rest in the training part, each sample
    in exactly one part, with its own label, and ``X``, ``y`` left unchanged (chapter 12)."""
    name = name_of(split)
    hint_order = "return four arrays, in the order X_fit, y_fit, X_val, y_val"
    hint_pairs = ("index X and y with the same indices, X[idx] and y[idx]; "
                  "shuffling X and y separately breaks the pairs")

    def data(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
        """``n`` samples of 3 classes stored class by class, like ``spiral_data``; column 0 of ``X``
        is the sample's number, so the check can tell which samples a part holds."""
        X = np.column_stack([np.arange(n, dtype=np.float64), default_rng(seed).standard_normal(n)])
        return X, np.arange(n) * 3 // n

    def run(X: np.ndarray, y: np.ndarray, fraction: float, seed: int,
            copy: bool = True) -> tuple[np.ndarray, ...]:
        out = call(split, X.copy() if copy else X, y.copy() if copy else y, fraction,
                   default_rng(seed), where=name)
        if out is None:
            raise Failure(f"{name} returned None", "add `return X_fit, y_fit, X_val, y_val`")
        if isinstance(out, np.ndarray) or not isinstance(out, (tuple, list)):
            raise Failure(f"{name} returned {type(out).__name__}, not four arrays", hint_order)
        if len(out) != 4:
            raise Failure(f"{name} returned {len(out)} values, expected 4", hint_order)
        parts = tuple(as_array(p, name) for p in out)
        if parts[1].ndim == 2 and parts[2].ndim == 1:
            raise Failure("the second value is 2-D and the third 1-D, "
                          "as in the order X_fit, X_val, y_fit, y_val", hint_order)
        for part, what, ndim in zip(parts, ("X_fit", "y_fit", "X_val", "y_val"), (2, 1, 2, 1)):
            if part.ndim != ndim or (ndim == 2 and part.shape[1] != X.shape[1]):
                expected = "(samples, features)" if ndim == 2 else "(samples,), like y"
                raise Failure(f"{what} has shape {part.shape}, expected {expected}", hint_order)
        if len(parts[0]) != len(parts[1]) or len(parts[2]) != len(parts[3]):
            rows = ", ".join(str(len(p)) for p in parts)
            raise Failure(f"X_fit, y_fit, X_val, y_val have {rows} rows",
                          "X_fit and y_fit (and X_val and y_val) need one row per sample: "
                          + hint_pairs)
        return parts

    def sizes() -> None:
        for n, fraction in ((300, 0.2), (7, 0.3)):
            X, y = data(n, 40)
            X_fit, _, X_val, _ = run(X, y, fraction, 0)
            low, high = int(np.floor(fraction * n + 1e-9)), int(np.ceil(fraction * n - 1e-9))
            want = (f"{n - low} + {low}" if low == high
                    else f"{n - low} + {low} or {n - high} + {high}")
            if len(X_fit) + len(X_val) == n and low <= len(X_fit) <= high:
                raise Failure(f"{n} samples, val_fraction {fraction}: the validation part has "
                              f"{len(X_val)} samples and the training part {len(X_fit)}",
                              f"val_fraction is the validation part's share: {fraction} of {n} "
                              "samples go to validation, the rest to training")
            if len(X_fit) + len(X_val) != n or not low <= len(X_val) <= high:
                raise Failure(f"{n} samples, val_fraction {fraction}: "
                              f"got {len(X_fit)} + {len(X_val)} samples, expected {want}",
                              "n_val = round(val_fraction * len(X)) samples for validation, "
                              "the rest for training")

    def one_part_each() -> None:
        X, y = data(300, 41)
        X_fit, _, X_val, _ = run(X, y, 0.2, 1)
        fit_ids, val_ids = _ids_of(X_fit, 300, "X_fit"), _ids_of(X_val, 300, "X_val")
        both = np.intersect1d(fit_ids, val_ids)
        counts = np.bincount(np.concatenate([fit_ids, val_ids]), minlength=300)
        if both.size:
            raise Failure(f"{both.size} samples are in both parts",
                          "cut one permutation in two: order[:n_fit] for training, "
                          "order[n_fit:] for validation")
        if np.any(counts > 1):
            raise Failure(f"{int(np.sum(counts > 1))} samples appear more than once",
                          "draw the order without repeats: rng.permutation(len(X)), "
                          "not rng.integers or rng.choice with replacement")
        if np.any(counts == 0):
            raise Failure(f"{int(np.sum(counts == 0))} samples are in neither part",
                          "every sample goes into one part")

    def pairs() -> None:
        X, y = data(300, 42)
        X_fit, y_fit, X_val, y_val = run(X, y, 0.2, 2)
        ids = np.concatenate([_ids_of(X_fit, 300, "X_fit"), _ids_of(X_val, 300, "X_val")])
        labels = np.concatenate([y_fit, y_val])
        wrong = int(np.sum(labels != y[ids]))
        if wrong:
            raise Failure(f"{wrong} of the {len(ids)} samples have another sample's label",
                          hint_pairs)

    def shuffled() -> None:
        X, y = data(300, 43)
        _, _, X_val, y_val = run(X, y, 0.2, 3)
        counts = np.bincount(y[_ids_of(X_val, 300, "X_val")], minlength=3)
        if np.any(counts == 0):
            raise Failure(f"the validation part has {', '.join(map(str, counts))} samples "
                          "of classes 0, 1, 2",
                          "shuffle before you cut: the samples are stored class by class, "
                          "so the last 20 % are all of class 2; cut rng.permutation(len(X)), "
                          "not the rows in their stored order")

    def from_rng() -> None:
        X, y = data(50, 44)

        def val_ids(seed: int) -> np.ndarray:
            return np.sort(_ids_of(run(X, y, 0.2, seed)[2], 50, "X_val"))

        first, again, other = val_ids(5), val_ids(5), val_ids(6)
        if not np.array_equal(first, again):
            raise Failure("two generators with the same seed gave different splits",
                          "draw the order from the rng argument (rng.permutation), "
                          "not from np.random: then the same seed gives the same split")
        if np.array_equal(first, other):
            raise Failure("generators with different seeds gave the same split",
                          "use the rng you are given; "
                          "do not make a new generator with a fixed seed inside")

    unchanged = leaves_unchanged(
        lambda X, y: run(X, y, 0.25, 7, copy=False), *data(40, 45),
        changed=("X was changed", "y was changed"),
        hint="rng.shuffle(X) shuffles the caller's array in place; "
             "index with a permutation instead (X[order])")

    with global_random_state_kept():
        if not c.prop("returns four arrays, X_fit, y_fit, X_val, y_val, with one row per sample",
                      lambda: run(*data(30, 39), 0.2, 0), hint_order):
            c.skip(6, "need the four arrays")
            return
        c.prop("300 samples, val_fraction 0.2: 240 for training, 60 for validation; "
               "7 samples, 0.3: 2 or 3 for validation", sizes)
        c.prop("every sample is in exactly one of the two parts", one_part_each)
        c.prop("every sample keeps its own label", pairs)
        c.prop("shuffled: samples stored class by class give a validation part with every class",
               shuffled)
        c.prop("the split comes from rng: the same seed gives the same split, another seed another",
               from_rng)
        c.prop("leaves X and y unchanged", unchanged)


@check("function")
def check_k_fold(c: Checker, k_fold_indices: Callable) -> None:
    """Check ``k_fold_indices(n, k, rng) -> [(train_idx, val_idx), ...]``: the ``k`` runs of
    k-fold cross-validation on ``n`` samples, one pair of integer index arrays per run. One random
    permutation of $0, \\dots, n-1$ from the generator ``rng`` is cut into ``k`` folds whose sizes
    differ by at most 1; run ``i`` validates on fold ``i`` and trains on all the other folds, so
    every sample is validated exactly once (chapter 12)."""
    name = name_of(k_fold_indices)
    hint_cut = ("cut one shuffled order into k folds, folds = np.array_split(rng.permutation(n), "
                "k); run i validates on folds[i] and trains on the other folds")
    hint_pairs = "return a list of k pairs (train_idx, val_idx), one per run"

    def runs(n: int, k: int, rng: np.random.Generator) -> list[tuple[np.ndarray, np.ndarray]]:
        out = call(k_fold_indices, n, k, rng, where=name)
        if out is None:
            raise Failure(f"{name} returned None", "add `return runs`, the list of pairs")
        if not hasattr(out, "__iter__") or isinstance(out, (str, bytes, np.ndarray)):
            raise Failure(f"{name} returned {type(out).__name__}, not a list of pairs", hint_pairs)

        result = []  # at most k + 2 runs, in case a generator never ends
        for i, item in enumerate(call(take_at_most, out, k + 2, where=name)):
            if (isinstance(item, np.ndarray) or not isinstance(item, (tuple, list))
                    or len(item) != 2):
                raise Failure(f"run {i + 1} is {type(item).__name__}"
                              + (f" of length {len(item)}" if isinstance(item, (tuple, list))
                                 else "")
                              + ", not a pair (train_idx, val_idx)", hint_pairs)
            pair = []
            for arr, what in zip(item, ("train_idx", "val_idx")):
                arr = np.asarray(arr)
                if arr.ndim != 1 or (arr.size and arr.dtype.kind not in "iu"):
                    kind = (f"the number {fmt(arr)}" if arr.ndim == 0
                            else f"an array of shape {arr.shape} and type {arr.dtype}")
                    raise Failure(f"{what} of run {i + 1} is {kind}, not a 1-D array of integer "
                                  "indices", "each part is an array of sample indices, "
                                  "like folds[i]")
                if np.any(arr < 0) or np.any(arr >= n):
                    raise Failure(f"{what} of run {i + 1} holds indices from {arr.min()} to "
                                  f"{arr.max()} for n = {n}",
                                  "the indices of n samples run from 0 to n - 1")
                pair.append(arr.astype(np.int64))
            result.append((pair[0], pair[1]))
        if len(result) != k:
            raise Failure(f"n = {n}, k = {k}: got {len(result)} runs, expected {k}",
                          "one run per fold: k pairs (train_idx, val_idx)")
        return result

    def one_fold_each_run() -> None:
        n, k = 103, 5
        for i, (train, val) in enumerate(runs(n, k, default_rng(0))):
            both = np.intersect1d(train, val)
            counts = np.bincount(np.concatenate([train, val]), minlength=n)
            if len(train) < len(val) and len(val) > n / 2:
                raise Failure(f"run {i + 1} trains on {len(train)} samples and validates on "
                              f"{len(val)}",
                              "return (train_idx, val_idx) in this order: the validation part "
                              "is the one fold, the training part all the other folds")
            if both.size:
                raise Failure(f"run {i + 1}: {both.size} samples are in both its training and "
                              "its validation part",
                              "train on the other folds only: leave folds[i] out of the "
                              "training part")
            if np.any(counts > 1):
                raise Failure(f"run {i + 1}: {int(np.sum(counts > 1))} samples appear more "
                              "than once", hint_cut)
            if np.any(counts == 0):
                raise Failure(f"run {i + 1}: {int(np.sum(counts == 0))} of the {n} samples are "
                              "in neither part",
                              "every sample is in one fold: when k does not divide n, some "
                              "folds get one sample more (np.array_split(order, k))")

    def each_validated_once() -> None:
        n = 103
        val = np.concatenate([v for _, v in runs(n, 5, default_rng(1))])
        counts = np.bincount(val, minlength=n)
        if np.any(counts > 1):
            raise Failure(f"{int(np.sum(counts > 1))} samples are in more than one validation "
                          f"part, and {int(np.sum(counts == 0))} in none",
                          "the folds must not overlap: cut a single permutation into k folds; do "
                          "not draw a new permutation (or sample) for every run")
        if np.any(counts == 0):
            raise Failure(f"{int(np.sum(counts == 0))} of the {n} samples are in no "
                          "validation part", hint_cut)

    def sizes() -> None:
        for n, k in ((103, 5), (10, 4), (7, 7)):
            got = [len(v) for _, v in runs(n, k, default_rng(2))]
            if max(got) - min(got) > 1:
                raise Failure(f"n = {n}, k = {k}: folds of {', '.join(map(str, got))} samples",
                              "fold sizes may differ by at most 1: np.array_split(order, k) "
                              "gives the first n % k folds one sample more")

    def shuffled() -> None:
        val = np.concatenate([v for _, v in runs(103, 5, default_rng(3))])
        if np.array_equal(np.sort(runs(103, 5, default_rng(3))[0][1]), np.arange(21)):
            raise Failure("the first fold holds the samples 0 to 20 in their stored order",
                          "cut a random permutation, rng.permutation(n), not np.arange(n): "
                          "data stored class by class would give folds of a single class")
        if np.array_equal(val, np.arange(103)):
            raise Failure("the folds hold the samples in their stored order 0, 1, 2, ...",
                          "cut a random permutation, rng.permutation(n), not np.arange(n)")

    def from_rng() -> None:
        def val_parts(seed: int) -> list[np.ndarray]:
            return [np.sort(v) for _, v in runs(60, 3, default_rng(seed))]

        first, again, other = val_parts(5), val_parts(5), val_parts(6)
        if not all(np.array_equal(a, b) for a, b in zip(first, again)):
            raise Failure("two generators with the same seed gave different folds",
                          "draw the order from the rng argument (rng.permutation(n)), not from "
                          "np.random: then the same seed gives the same folds")
        if all(np.array_equal(a, b) for a, b in zip(first, other)):
            raise Failure("generators with different seeds gave the same folds",
                          "use the rng you are given; do not make a new generator with a fixed "
                          "seed inside")

    with global_random_state_kept():
        if not c.prop("returns k pairs (train_idx, val_idx) of 1-D integer index arrays",
                      lambda: runs(103, 5, default_rng(0)), hint_pairs):
            c.skip(5, "need the k pairs of index arrays")
            return
        c.prop("n = 103, k = 5: each run validates on one fold and trains on all other samples",
               one_fold_each_run, hint_cut)
        c.prop("every sample is in exactly one validation part", each_validated_once, hint_cut)
        c.prop("fold sizes differ by at most 1 (103 samples, 5 folds: 21, 21, 21, 20, 20)", sizes,
               hint_cut)
        c.prop("the folds are shuffled, not 0, 1, 2, ... in order", shuffled, hint_cut)
        c.prop("the folds come from rng: the same seed gives the same folds, another seed others",
               from_rng, hint_cut)


# ================================================================================================
# Chapter 13: the L2 penalty, dropout
# ================================================================================================


@check()
def check_l2_penalty(c: Checker, penalty: Callable, gradient: Callable | None = None) -> None:
    """Check ``penalty(weights, lam) -> float`` $= \\lambda \\sum w^2$ and, if given,
    ``gradient(weights, lam) -> array`` $= 2\\lambda W$ (chapter 13)."""
    W = np.array([[1.0, -2.0], [3.0, 0.5]])
    lam = 0.01
    hint = "lam * np.sum(w ** 2)"

    def value(fn: Callable, w: np.ndarray, lam_: float) -> float:
        return as_number(call(fn, w, lam_, where=name_of(fn)), name_of(fn),
                         "return one number: lam * np.sum(w ** 2)")

    def example() -> None:
        mistakes = ((lam * np.abs(W).sum(),
                     "square the weights (L2), not their absolute values (L1)"),
                    (lam * (W ** 2).mean(), "sum the squares, do not average them"),
                    ((W ** 2).sum(), "multiply by lam"))
        expect_number(value(penalty, W.copy(), lam), 0.1425, hint, mistakes, spec=".6g", rtol=1e-5)

    def matches() -> None:
        w = default_rng(24).standard_normal((4, 3))
        ref = Dense(4, 3, weight_regularizer_l2=0.05)
        ref.params["W"] = w.copy()
        expect_number(value(penalty, w.copy(), 0.05), ref.regularization_loss(), hint, spec=".6g",
                      rtol=1e-9)

    unchanged = leaves_unchanged(
        lambda w: value(penalty, w, lam), W, changed="the weights were changed",
        hint="compute w ** 2 into a new array; do not square w in place")

    c.prop("W = [[1, -2], [3, 0.5]], lam = 0.01 gives 0.01 * 14.25 = 0.1425", example, hint)
    c.prop("matches nnscratch's Dense(weight_regularizer_l2=0.05) penalty on random weights",
           matches)
    c.prop("leaves the weights unchanged", unchanged)
    if gradient is None:
        return
    hint_grad = "the derivative of lam * w^2 is 2 * lam * w"

    def grad_of(w: np.ndarray, lam_: float) -> np.ndarray:
        return as_array(call(gradient, w, lam_, where=name_of(gradient)), name_of(gradient))

    def grad_value() -> None:
        got = grad_of(W.copy(), lam)
        if got.shape == W.shape and np.allclose(got, lam * W):
            raise Failure(f"got {fmt(got)} = lam * W", hint_grad)
        expect_close(got, 2 * lam * W, hint_grad)

    def grad_numeric() -> None:
        w = default_rng(25).standard_normal((3, 2))
        wn = w.copy()
        numeric = numerical_gradient(lambda: 0.05 * float(np.sum(wn ** 2)), wn)
        got = grad_of(w.copy(), 0.05)
        expect_shape(got, w.shape, "the gradient has the shape of the weights")
        err = relative_error(got, numeric)
        if not err < 1e-6:
            raise Failure(f"relative error {err:.2g}", "2 * lam * w")

    c.prop("gradient: 2 * lam * W for the example", grad_value, "2 * lam * w")
    c.prop("gradient matches the numerical gradient of the penalty", grad_numeric, "2 * lam * w")


@check()
def check_dropout(c: Checker, Dropout_: type) -> None:
    """Check an inverted-dropout class ``Dropout(rate)`` (``rng=`` is passed when accepted): while
    training, ``forward`` zeroes about a fraction ``rate`` of the values and scales the rest by
    $1/(1 - \\text{rate})$; after ``eval()`` (or with ``training = False``) it passes the input
    unchanged; ``backward`` multiplies by the same mask (chapter 13)."""
    name = name_of(Dropout_)
    rate = 0.3
    ones = np.ones((500, 200))
    hint_rate = "zero each value with probability rate"

    def make(seed: int) -> Any:
        np.random.seed(seed)  # for a class that draws from NumPy's global generator
        layer = build(Dropout_, rate, rng=default_rng(seed))
        if hasattr(layer, "train") and callable(layer.train):
            call(layer.train, where=f"{name}.train")
        else:
            layer.training = True
        return layer

    def forward(layer: Any, x: np.ndarray) -> np.ndarray:
        return as_array(call(layer.forward, x, where=f"{name}.forward"), "forward")

    def fraction() -> None:
        out = forward(make(0), ones.copy())
        expect_shape(out, ones.shape, "the output has the input's shape")
        dropped = float(np.mean(out == 0))
        if abs(dropped - rate) > 0.01:
            hint = ("rate is the fraction dropped: keep a value when rng.random(x.shape) >= rate"
                    if abs(dropped - (1 - rate)) < 0.01 else hint_rate)
            raise Failure(f"dropped {dropped:.1%} of the values, expected about {rate:.0%}", hint)

    def scaled() -> None:
        out = forward(make(1), ones.copy())
        kept = out[out != 0]
        if kept.size == 0:
            raise Failure("every value was dropped", hint_rate)
        want = 1 / (1 - rate)
        if not np.allclose(kept, want, rtol=1e-6):
            value = float(np.median(kept))
            hint = ("divide the kept values by (1 - rate), so the expected output equals the input "
                    "(inverted dropout)" if np.isclose(value, 1.0)
                    else "the kept values are multiplied by 1 / (1 - rate)")
            raise Failure(f"kept values are {value:.4g}, expected 1 / (1 - {rate}) = {want:.4f}",
                          hint)

    def inference() -> None:
        layer = make(2)
        if hasattr(layer, "eval") and callable(layer.eval):
            call(layer.eval, where=f"{name}.eval")
        else:
            layer.training = False
        x = default_rng(26).standard_normal((50, 20))
        out = forward(layer, x.copy())
        if out.shape != x.shape or not np.allclose(out, x):
            raise Failure("the output differs from the input after eval()",
                          "dropout is for training only: "
                          "when self.training is False, return x unchanged")

    def backward() -> None:
        layer = make(3)
        x = default_rng(27).uniform(1, 2, size=(40, 30))
        out = forward(layer, x.copy())
        mask = out / x
        g = default_rng(28).standard_normal(x.shape)
        returned = call(layer.backward, g.copy(), where=f"{name}.backward")
        expect_close(as_array(returned_grad(returned), "backward"), g * mask,
                     "backward returns grad times the same mask (with its scaling) "
                     "that forward used")

    def new_mask() -> None:
        layer = make(4)
        a, b = forward(layer, ones[:50].copy()), forward(layer, ones[:50].copy())
        if np.array_equal(a, b):
            raise Failure("two forward calls dropped the same values",
                          "draw a new mask in every forward call")

    with global_random_state_kept():
        c.prop(f"drops about {rate:.0%} of the values while training (rate = {rate})", fraction)
        c.prop("scales the kept values by 1 / (1 - rate)", scaled)
        c.prop("passes the input unchanged at inference (after eval())", inference,
               "add train()/eval() methods that set self.training, or subclass nnscratch.Layer")
        c.prop("backward multiplies the gradient by the same mask", backward)
        c.prop("draws a new mask on every forward call", new_mask)


# ================================================================================================
# Chapter 14: the mean squared error, the binary cross-entropy
# ================================================================================================


@check()
def check_mse(c: Checker, mse: Any) -> None:
    """Check the mean squared error ``mse(y_pred, y_true) -> float``, averaged over samples and
    outputs; targets of shape ``(n,)`` must work with predictions of shape ``(n, 1)``: a function,
    or a class with ``forward`` (chapter 14)."""
    f = forward_fn(mse)
    ref = MeanSquaredError()
    hint = "np.mean((y_true - y_pred) ** 2)"

    def number(out: Any) -> float:
        return as_number(out, name_of(mse), "return one number: the mean over samples and outputs")

    def example() -> None:
        pred, true = np.array([[1.0], [2.0], [3.0]]), np.array([[1.5], [2.0], [1.0]])
        mistakes = ((0.8333333333, "square the differences (the mean absolute error does not)"),
                    (4.25, "take the mean, not the sum"),
                    (float(np.sqrt(4.25 / 3)),
                     "no square root: that is the root mean squared error"))
        expect_number(number(f(pred.copy(), true.copy())), 4.25 / 3, hint, mistakes)

    def several_outputs() -> None:
        r = default_rng(29)
        pred, true = r.standard_normal((6, 2)), r.standard_normal((6, 2))
        got, want = number(f(pred.copy(), true.copy())), ref.forward(pred, true)
        if np.isclose(got, 2 * want, rtol=1e-6):
            raise Failure(f"got {got:.4f}, twice {want:.4f}",
                          "average over the outputs too, not only over the samples")
        expect_number(got, want, hint)

    def flat_targets() -> None:
        r = default_rng(30)
        pred, true = r.standard_normal((5, 1)), r.standard_normal(5)
        broadcast = float(np.mean((true - pred) ** 2))
        expect_number(number(f(pred.copy(), true.copy())), ref.forward(pred, true), hint,
                      [(broadcast, "(5, 1) - (5,) broadcasts to (5, 5): "
                                   "reshape y_true to y_pred's shape first")])

    def perfect() -> None:
        y = default_rng(31).standard_normal((4, 3))
        got = number(f(y.copy(), y.copy()))
        if not np.isclose(got, 0.0, atol=1e-12):
            raise Failure(f"got {got:.4g}", "identical predictions and targets cost 0")

    c.prop("3 samples, 1 output: squared errors 0.25, 0, 4 give 1.4167", example, hint)
    c.prop("2 outputs: matches nnscratch.MeanSquaredError", several_outputs)
    c.prop("targets of shape (5,) with predictions of shape (5, 1)", flat_targets,
           "reshape y_true to y_pred's shape first")
    c.prop("a perfect prediction costs 0", perfect)


@check()
def check_binary_crossentropy(c: Checker, loss: Any) -> None:
    """Check the binary cross-entropy ``loss(y_pred, y_true) -> float`` of sigmoid probabilities,
    $-[y \\log \\hat y + (1 - y) \\log(1 - \\hat y)]$ averaged over the outputs and the samples,
    with $\\hat y$ clipped to $[10^{-7}, 1 - 10^{-7}]$; targets of shape ``(n,)`` must work with
    predictions of shape ``(n, 1)``: a function, or a class with ``forward`` (chapter 14)."""
    f = forward_fn(loss)
    ref = BinaryCrossentropy()
    hint_formula = ("-np.mean(y_true * np.log(p) + (1 - y_true) * np.log(1 - p)), "
                    "with p = np.clip(y_pred, 1e-7, 1 - 1e-7)")
    hint_clip = ("clip the probabilities at both ends, to [1e-7, 1 - 1e-7], before the logarithms: "
                 "log(0) is -inf (and so is log(1 - y_pred) for y_pred = 1), and 0 * log(0) is nan")

    def number(out: Any) -> float:
        return as_number(out, name_of(loss),
                         "return one number: the mean over the samples and the outputs")

    def example() -> None:
        pred, true = np.array([[0.9, 0.2]]), np.array([[1.0, 0.0]])
        want = -(np.log(0.9) + np.log(0.8)) / 2
        mistakes = ((2 * want, "average over the K outputs, do not add them up"),
                    (-want,
                     "put a minus sign in front: the logarithm of a probability is negative"),
                    (-(np.log(0.1) + np.log(0.2)) / 2,
                     "y multiplies log(y_pred) and (1 - y) multiplies log(1 - y_pred), "
                     "not the other way round"),
                    (-np.log(0.9) / 2,
                     "add the term (1 - y) log(1 - y_pred): "
                     "a 'no' answered with y_pred costs -log(1 - y_pred)"),
                    (want / np.log(10), "use np.log, the natural logarithm, not np.log10"))
        expect_number(number(f(pred.copy(), true.copy())), want, hint_formula, mistakes)

    def several() -> None:
        r = default_rng(32)
        pred = r.uniform(0.05, 0.95, size=(6, 3))
        true = r.integers(0, 2, size=(6, 3)).astype(np.float64)
        got, want = number(f(pred.copy(), true.copy())), ref.forward(pred, true)
        for factor, hint in ((3, "average over the outputs too, not only over the samples"),
                             (6, "average over the samples, do not add them up"),
                             (18, "take the mean over samples and outputs, not the sum")):
            if np.isclose(got, factor * want, rtol=1e-6):
                raise Failure(f"got {got:.4f}, {factor} times {want:.4f}", hint)
        expect_number(got, want, hint_formula)

    def clipped() -> None:
        pred, true = np.array([[1.0, 0.0, 0.0, 1.0]]), np.array([[1.0, 0.0, 1.0, 0.0]])
        got, want = number(f(pred.copy(), true.copy())), ref.forward(pred, true)
        if not np.isfinite(got):
            raise Failure(f"got {fmt(got)}", hint_clip)
        if not np.isclose(got, want, rtol=1e-6):
            raise Failure(f"got {got:.4f}, expected {want:.4f} (two right answers cost about 0, "
                          "two wrong ones -log(1e-7) = 16.1181 each)",
                          "clip with 1e-7, as chapter 6 did: np.clip(y_pred, 1e-7, 1 - 1e-7)")

    def flat_targets() -> None:
        r = default_rng(33)
        pred = r.uniform(0.05, 0.95, size=(5, 1))
        true = r.integers(0, 2, size=5).astype(np.float64)
        broadcast = -float(np.mean(true * np.log(pred) + (1 - true) * np.log(1 - pred)))
        expect_number(number(f(pred.copy(), true.copy())), ref.forward(pred, true), hint_formula,
                      [(broadcast, "(5, 1) and (5,) broadcast to (5, 5): "
                                   "reshape y_true to y_pred's shape first")])

    unchanged = leaves_unchanged(
        lambda pred: f(pred, np.array([[1.0, 0.0], [0.0, 1.0]])),
        np.array([[1.0, 0.3], [0.0, 0.6]]),
        changed="the predictions were changed",
        hint="np.clip(y_pred, ...) makes a new array; do not clip in place (out=y_pred)")

    c.prop("predictions (0.9, 0.2) for answers (1, 0) give (-log 0.9 - log 0.8) / 2 = 0.1643",
           example, hint_formula)
    c.prop("6 samples, 3 outputs: matches nnscratch.BinaryCrossentropy", several, hint_formula)
    c.prop("probabilities of exactly 0 and 1 give a finite loss (clipping)", clipped, hint_clip)
    c.prop("targets of shape (5,) with predictions of shape (5, 1)", flat_targets,
           "reshape y_true to y_pred's shape first")
    c.prop("leaves the predictions unchanged", unchanged)


# ================================================================================================
# Chapter 15: mini-batches
# ================================================================================================


@check("function")
def check_minibatches(c: Checker, minibatches: Callable) -> None:
    """Check ``minibatches(n, batch_size, rng)``: the batches of one epoch, as arrays of sample
    indices (a list, or a generator that yields them): a new random permutation of
    $0, \\dots, n-1$ from the generator ``rng``, cut into pieces of ``batch_size``, the last one
    smaller when ``batch_size`` does not divide ``n`` (chapter 15)."""
    name = name_of(minibatches)
    hint_cut = ("cut the permutation at 0, batch_size, 2 * batch_size, ...: "
                "[order[start:start + batch_size] for start in range(0, n, batch_size)]")
    hint_list = "return a list of index arrays, one per batch"

    def batches(n: int, size: int, rng: np.random.Generator) -> list[np.ndarray]:
        out = call(minibatches, n, size, rng, where=name)
        if out is None:
            raise Failure(f"{name} returned None",
                          "return the list of batches (or yield each batch)")
        if not hasattr(out, "__iter__") or isinstance(out, (str, bytes)):
            raise Failure(f"{name} returned {type(out).__name__}, not a list of batches", hint_list)

        result = []  # at most n + 2 batches, in case the generator never ends
        for i, item in enumerate(call(take_at_most, out, n + 2, where=name)):
            arr = np.asarray(item)
            if arr.ndim != 1 or arr.dtype.kind not in "iu":
                what = (f"the number {fmt(arr)}" if arr.ndim == 0
                        else f"an array of shape {arr.shape} and type {arr.dtype}")
                raise Failure(f"batch {i} is {what}, not a 1-D array of integer indices",
                              "each batch is an array of sample indices, "
                              "like order[start:start + batch_size]")
            result.append(arr)
        return result

    def flat(bs: list[np.ndarray]) -> np.ndarray:
        return np.concatenate(bs) if bs else np.array([], dtype=np.int64)

    def sizes() -> None:
        got = [len(b) for b in batches(10, 4, default_rng(0))]
        if got == [4, 4]:
            raise Failure("10 samples in batches of 4 gave sizes [4, 4]: "
                          "the last 2 samples were left out",
                          "keep the last, smaller batch: for start in range(0, n, batch_size)")
        if got == [4, 3, 3]:
            raise Failure("10 samples in batches of 4 gave sizes [4, 3, 3]",
                          "np.array_split spreads the remainder over the batches; " + hint_cut)
        if got != [4, 4, 2]:
            raise Failure(f"10 samples in batches of 4 gave sizes {got}, expected [4, 4, 2]",
                          hint_cut)

    def each_once() -> None:
        order = flat(batches(103, 10, default_rng(1)))
        if np.any(order < 0) or np.any(order >= 103):
            raise Failure(f"indices from {order.min()} to {order.max()} for n = 103",
                          "the indices of n samples run from 0 to n - 1")
        counts = np.bincount(order, minlength=103)
        if np.any(counts > 1):
            raise Failure(f"{int(np.sum(counts > 1))} of the 103 samples appear more than once",
                          "draw the order without repeats: rng.permutation(n), "
                          "not rng.integers or rng.choice with replacement")
        if np.any(counts == 0):
            raise Failure(f"{int(np.sum(counts == 0))} of the 103 samples are in no batch",
                          hint_cut)

    def shuffled() -> None:
        order = flat(batches(103, 10, default_rng(2)))
        if np.array_equal(order, np.arange(len(order))):
            raise Failure("the batches hold the samples in their stored order 0, 1, 2, ...",
                          "cut a random permutation, rng.permutation(n), not np.arange(n): "
                          "data stored class by class would give batches of a single class")

    def new_order() -> None:
        rng = default_rng(3)
        first, second = flat(batches(60, 16, rng)), flat(batches(60, 16, rng))
        if np.array_equal(first, second):
            raise Failure("two epochs (two calls with the same generator) gave the same batches",
                          "draw a new permutation from rng at every call; do not make a new "
                          "generator with a fixed seed inside the function")

    def from_rng() -> None:
        first = flat(batches(60, 16, default_rng(4)))
        again = flat(batches(60, 16, default_rng(4)))
        if not np.array_equal(first, again):
            raise Failure("two generators with the same seed gave different batches",
                          "draw the order from the rng argument (rng.permutation(n)), "
                          "not from np.random: then the same seed gives the same batches")

    def edge_cases() -> None:
        for n, size, want in ((5, 8, [5]), (5, 5, [5]), (5, 1, [1] * 5)):
            got = [len(b) for b in batches(n, size, default_rng(5))]
            if got != want:
                raise Failure(f"{n} samples in batches of {size} gave sizes {got}, "
                              f"expected {want}", hint_cut)

    with global_random_state_kept():
        if not c.prop("returns the batches as 1-D arrays of integer indices",
                      lambda: batches(10, 4, default_rng(0)),
                      "return a list of index arrays, one per batch (or yield them one by one)"):
            c.skip(6, "need the batches as arrays of indices")
            return
        c.prop("10 samples in batches of 4: sizes 4, 4, 2", sizes, hint_cut)
        c.prop("103 samples in batches of 10: every index from 0 to 102 exactly once", each_once,
               hint_cut)
        c.prop("the order is shuffled, not 0, 1, 2, ...", shuffled, hint_cut)
        c.prop("every epoch (every call) draws a new order", new_order, hint_cut)
        c.prop("the order comes from rng: the same seed gives the same batches", from_rng, hint_cut)
        c.prop("batch_size 8, 5 and 1 for 5 samples: 1, 1 and 5 batches", edge_cases, hint_cut)
