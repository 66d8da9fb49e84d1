"""The self-checks of Part III (chapters 12-15): ``check_train_val_split``, ``check_k_fold``,
``check_binary_crossentropy`` and ``check_minibatches`` pass the reference solutions (the chapters' own and the package's pieces), fail the
typical mistakes with the right hint, and report, never raise, what unfinished or broken code does."""

from __future__ import annotations

import numpy as np
import pytest

import nnscratch as nn
from nnscratch import checks

from check_helpers import FAIL, assert_reference_passes, failed_lines, run


# =========================================================================== reference solutions


def ch12_split(X, y, val_fraction, rng):
    """Chapter 12's split: one permutation, cut in two."""
    order = rng.permutation(len(X))
    n_val = round(val_fraction * len(X))
    fit_idx, val_idx = order[n_val:], order[:n_val]
    return X[fit_idx], y[fit_idx], X[val_idx], y[val_idx]


def split_int_fit(X, y, val_fraction, rng):
    """n_fit = int((1 - val_fraction) * n), as chapter 12 computes int(0.8 * n); returns lists."""
    order = rng.permutation(len(X))
    n_fit = int((1 - val_fraction) * len(X))
    return [X[order[:n_fit]], y[order[:n_fit]], X[order[n_fit:]], y[order[n_fit:]]]


def k_fold_indices(n, k, rng):
    """Chapter 12's solution: one permutation cut by np.array_split; run i validates on fold i."""
    folds = np.array_split(rng.permutation(n), k)
    return [(np.concatenate(folds[:i] + folds[i + 1:]), folds[i]) for i in range(k)]


def k_fold_generator(n, k, rng):
    """Folds cut by hand (the first n % k one longer), yielded as lists, training parts sorted."""
    order, start = rng.permutation(n), 0
    for i in range(k):
        size = n // k + (i < n % k)
        val = order[start:start + size]
        yield [np.setdiff1d(np.arange(n), val), list(val)]
        start += size


def bce(y_pred, y_true):
    y_true = np.asarray(y_true).reshape(np.shape(y_pred))
    p = np.clip(y_pred, 1e-7, 1 - 1e-7)
    return -np.mean(y_true * np.log(p) + (1 - y_true) * np.log(1 - p))


class Ch14BinaryCrossentropy:
    """Chapter 14's MyBinaryCrossentropy (it takes (N, K) targets; the check's (n,) targets need a reshape)."""

    def forward(self, y_pred, y_true):
        y_true = np.asarray(y_true).reshape(y_pred.shape)
        self.y_pred = np.clip(y_pred, 1e-7, 1 - 1e-7)
        self.y_true = y_true
        sample_losses = -(y_true * np.log(self.y_pred) + (1 - y_true) * np.log(1 - self.y_pred)).mean(axis=1)
        return sample_losses.mean()


def minibatches(n, batch_size, rng):
    order = rng.permutation(n)
    return [order[start:start + batch_size] for start in range(0, n, batch_size)]


def minibatches_generator(n, batch_size, rng):
    order = rng.permutation(n)
    for start in range(0, n, batch_size):
        yield order[start:start + batch_size]


REFERENCES = [
    ("split-ch12", checks.check_train_val_split, (ch12_split,)),
    ("split-int-fit", checks.check_train_val_split, (split_int_fit,)),
    ("k-fold-ch12", checks.check_k_fold, (k_fold_indices,)),
    ("k-fold-generator", checks.check_k_fold, (k_fold_generator,)),
    ("bce-function", checks.check_binary_crossentropy, (bce,)),
    ("bce-package-class", checks.check_binary_crossentropy, (nn.BinaryCrossentropy,)),
    ("bce-package-instance", checks.check_binary_crossentropy, (nn.BinaryCrossentropy(),)),
    ("bce-ch14", checks.check_binary_crossentropy, (Ch14BinaryCrossentropy,)),
    ("minibatches", checks.check_minibatches, (minibatches,)),
    ("minibatches-generator", checks.check_minibatches, (minibatches_generator,)),
]


@pytest.mark.parametrize("check, args", [r[1:] for r in REFERENCES], ids=[r[0] for r in REFERENCES])
def test_reference_solution_passes(check, args, capsys):
    assert_reference_passes(check, args, capsys, min_checks=5)


def test_every_part3_check_is_tested():
    assert {r[1].__name__ for r in REFERENCES} == set(NAMES)
    assert set(NAMES) <= set(checks.__all__)


# =========================================================================== typical mistakes: the split


def split_last_rows(X, y, val_fraction, rng):
    n_fit = len(X) - round(val_fraction * len(X))
    return X[:n_fit], y[:n_fit], X[n_fit:], y[n_fit:]


def split_swapped_fraction(X, y, val_fraction, rng):
    order = rng.permutation(len(X))
    n_val = round((1 - val_fraction) * len(X))
    return X[order[n_val:]], y[order[n_val:]], X[order[:n_val]], y[order[:n_val]]


def split_sklearn_order(X, y, val_fraction, rng):
    X_fit, y_fit, X_val, y_val = ch12_split(X, y, val_fraction, rng)
    return X_fit, X_val, y_fit, y_val


def split_separate_shuffles(X, y, val_fraction, rng):
    X, y = X.copy(), y.copy()
    rng.shuffle(X)
    rng.shuffle(y)
    n_val = round(val_fraction * len(X))
    return X[n_val:], y[n_val:], X[:n_val], y[:n_val]


def split_in_place(X, y, val_fraction, rng):
    state = rng.bit_generator.state
    rng.shuffle(X)
    rng.bit_generator.state = state
    rng.shuffle(y)
    n_val = round(val_fraction * len(X))
    return X[n_val:].copy(), y[n_val:].copy(), X[:n_val].copy(), y[:n_val].copy()


def split_with_replacement(X, y, val_fraction, rng):
    n_val = round(val_fraction * len(X))
    val_idx = rng.choice(len(X), n_val)
    fit_idx = rng.choice(len(X), len(X) - n_val)
    return X[fit_idx], y[fit_idx], X[val_idx], y[val_idx]


def split_overlapping(X, y, val_fraction, rng):
    n_val = round(val_fraction * len(X))
    fit_idx = rng.permutation(len(X))[n_val:]
    val_idx = rng.permutation(len(X))[:n_val]
    return X[fit_idx], y[fit_idx], X[val_idx], y[val_idx]


def split_global_random(X, y, val_fraction, rng):
    return ch12_split(X, y, val_fraction, np.random)


def split_fixed_seed(X, y, val_fraction, rng):
    return ch12_split(X, y, val_fraction, np.random.default_rng(0))


def split_ceil(X, y, val_fraction, rng):
    order = rng.permutation(len(X))
    n_val = int(np.ceil(val_fraction * len(X))) + 1
    return X[order[n_val:]], y[order[n_val:]], X[order[:n_val]], y[order[:n_val]]


# =========================================================================== typical mistakes: k-fold


def k_fold_overlapping(n, k, rng):
    """A new permutation for every run: the validation folds overlap."""
    size = n // k
    out = []
    for i in range(k):
        val = rng.permutation(n)[:size + (i < n % k)]
        out.append((np.setdiff1d(np.arange(n), val), val))
    return out


def k_fold_drop_remainder(n, k, rng):
    """Folds of n // k samples: the last n % k samples are never used."""
    order, size = rng.permutation(n), n // k
    folds = [order[i * size:(i + 1) * size] for i in range(k)]
    return [(np.concatenate(folds[:i] + folds[i + 1:]), folds[i]) for i in range(k)]


def k_fold_ceil_chunks(n, k, rng):
    """Folds of ceil(n / k) samples: the last fold is much smaller."""
    order, size = rng.permutation(n), -(-n // k)
    folds = [order[i * size:(i + 1) * size] for i in range(k)]
    return [(np.concatenate(folds[:i] + folds[i + 1:]), folds[i]) for i in range(k)]


def k_fold_remainder_last(n, k, rng):
    """Folds of n // k samples, the remainder added to the last fold."""
    order, size = rng.permutation(n), n // k
    folds = [order[i * size:(i + 1) * size] for i in range(k - 1)] + [order[(k - 1) * size:]]
    return [(np.concatenate(folds[:i] + folds[i + 1:]), folds[i]) for i in range(k)]


def k_fold_no_shuffle(n, k, rng):
    return k_fold_indices(n, k, _Unshuffled())


class _Unshuffled:
    def permutation(self, n):
        return np.arange(n)


def k_fold_global_random(n, k, rng):
    return k_fold_indices(n, k, np.random)


def k_fold_fixed_seed(n, k, rng):
    return k_fold_indices(n, k, np.random.default_rng(0))


def k_fold_swapped(n, k, rng):
    return [(val, train) for train, val in k_fold_indices(n, k, rng)]


def k_fold_train_on_all(n, k, rng):
    return [(np.arange(n), val) for _, val in k_fold_indices(n, k, rng)]


def k_fold_folds_only(n, k, rng):
    return np.array_split(rng.permutation(n), k)


def k_fold_one_run_too_few(n, k, rng):
    return k_fold_indices(n, k, rng)[:-1]


# =========================================================================== typical mistakes: BCE


def bce_sum_over_outputs(y_pred, y_true):
    return bce(y_pred, y_true) * np.shape(y_pred)[1]


def bce_sum_over_samples(y_pred, y_true):
    return bce(y_pred, y_true) * len(y_pred)


def bce_no_minus(y_pred, y_true):
    return -bce(y_pred, y_true)


def bce_swapped_terms(y_pred, y_true):
    p = np.clip(y_pred, 1e-7, 1 - 1e-7)
    return -np.mean(y_true * np.log(1 - p) + (1 - y_true) * np.log(p))


def bce_yes_term_only(y_pred, y_true):
    p = np.clip(y_pred, 1e-7, 1 - 1e-7)
    return -np.mean(y_true * np.log(p))


def bce_log10(y_pred, y_true):
    p = np.clip(y_pred, 1e-7, 1 - 1e-7)
    return -np.mean(y_true * np.log10(p) + (1 - y_true) * np.log10(1 - p))


def bce_no_clip(y_pred, y_true):
    y_true = np.asarray(y_true).reshape(np.shape(y_pred))
    return -np.mean(y_true * np.log(y_pred) + (1 - y_true) * np.log(1 - y_pred))


def bce_clip_low_only(y_pred, y_true):
    y_true = np.asarray(y_true).reshape(np.shape(y_pred))
    p = np.clip(y_pred, 1e-7, None)
    return -np.mean(y_true * np.log(p) + (1 - y_true) * np.log(1 - p))


def bce_other_epsilon(y_pred, y_true):
    y_true = np.asarray(y_true).reshape(np.shape(y_pred))
    p = np.clip(y_pred, 1e-12, 1 - 1e-12)
    return -np.mean(y_true * np.log(p) + (1 - y_true) * np.log(1 - p))


def bce_no_reshape(y_pred, y_true):
    p = np.clip(y_pred, 1e-7, 1 - 1e-7)
    return -np.mean(y_true * np.log(p) + (1 - y_true) * np.log(1 - p))


def bce_clip_in_place(y_pred, y_true):
    y_true = np.asarray(y_true).reshape(np.shape(y_pred))
    p = np.clip(y_pred, 1e-7, 1 - 1e-7, out=y_pred)
    return -np.mean(y_true * np.log(p) + (1 - y_true) * np.log(1 - p))


# =========================================================================== typical mistakes: mini-batches


def batches_drop_last(n, batch_size, rng):
    order = rng.permutation(n)
    return [order[start:start + batch_size] for start in range(0, n - batch_size + 1, batch_size)]


def batches_array_split(n, batch_size, rng):
    return np.array_split(rng.permutation(n), int(np.ceil(n / batch_size)))


def batches_in_order(n, batch_size, rng):
    order = np.arange(n)
    return [order[start:start + batch_size] for start in range(0, n, batch_size)]


def batches_with_replacement(n, batch_size, rng):
    order = rng.integers(0, n, size=n)
    return [order[start:start + batch_size] for start in range(0, n, batch_size)]


def batches_fixed_seed(n, batch_size, rng):
    return minibatches(n, batch_size, np.random.default_rng(0))


def batches_global_random(n, batch_size, rng):
    return minibatches(n, batch_size, np.random)


def batches_off_by_one(n, batch_size, rng):
    order = rng.permutation(n)
    return [order[start:start + batch_size] for start in range(1, n, batch_size)]


def batches_of_floats(n, batch_size, rng):
    return [b.astype(float) for b in minibatches(n, batch_size, rng)]


def batches_endless(n, batch_size, rng):
    while True:
        yield rng.permutation(n)[:batch_size]


MISTAKES = [
    # (id, check, args, words in the failed property, words in its hint)
    ("split-last-rows", checks.check_train_val_split, (split_last_rows,), "every class",
     "shuffle before you cut"),
    ("split-swapped-fraction", checks.check_train_val_split, (split_swapped_fraction,), "validation part has 240",
     "the validation part's share"),
    ("split-sklearn-order", checks.check_train_val_split, (split_sklearn_order,), "X_fit, X_val, y_fit, y_val",
     "in the order X_fit, y_fit, X_val, y_val"),
    ("split-separate-shuffles", checks.check_train_val_split, (split_separate_shuffles,), "another sample's label",
     "shuffling X and y separately"),
    ("split-in-place", checks.check_train_val_split, (split_in_place,), "X was changed", "in place"),
    ("split-with-replacement", checks.check_train_val_split, (split_with_replacement,), "in both parts",
     "cut one permutation in two"),
    ("split-overlapping", checks.check_train_val_split, (split_overlapping,), "in both parts",
     "cut one permutation in two"),
    ("split-global-random", checks.check_train_val_split, (split_global_random,), "same seed gave different",
     "not from np.random"),
    ("split-fixed-seed", checks.check_train_val_split, (split_fixed_seed,), "different seeds gave the same",
     "do not make a new generator"),
    ("split-too-many", checks.check_train_val_split, (split_ceil,), "expected 240 + 60",
     "round(val_fraction * len(X))"),
    ("k-fold-overlapping", checks.check_k_fold, (k_fold_overlapping,), "more than one validation part",
     "cut a single permutation into k folds"),
    ("k-fold-drop-remainder", checks.check_k_fold, (k_fold_drop_remainder,), "are in neither part",
     "some folds get one sample more"),
    ("k-fold-ceil-chunks", checks.check_k_fold, (k_fold_ceil_chunks,), "folds of 21, 21, 21, 21, 19",
     "differ by at most 1"),
    ("k-fold-remainder-last", checks.check_k_fold, (k_fold_remainder_last,), "folds of 20, 20, 20, 20, 23",
     "differ by at most 1"),
    ("k-fold-no-shuffle", checks.check_k_fold, (k_fold_no_shuffle,), "stored order", "rng.permutation(n)"),
    ("k-fold-global-random", checks.check_k_fold, (k_fold_global_random,), "same seed gave different",
     "not from np.random"),
    ("k-fold-fixed-seed", checks.check_k_fold, (k_fold_fixed_seed,), "different seeds gave the same",
     "do not make a new generator"),
    ("k-fold-swapped", checks.check_k_fold, (k_fold_swapped,), "trains on 21 samples and validates on 82",
     "return (train_idx, val_idx) in this order"),
    ("k-fold-train-on-all", checks.check_k_fold, (k_fold_train_on_all,), "in both its training and",
     "leave folds[i] out of the training part"),
    ("k-fold-folds-only", checks.check_k_fold, (k_fold_folds_only,), "not a pair (train_idx, val_idx)",
     "a list of k pairs"),
    ("k-fold-too-few-runs", checks.check_k_fold, (k_fold_one_run_too_few,), "got 4 runs, expected 5",
     "one run per fold"),
    ("bce-sum-over-outputs", checks.check_binary_crossentropy, (bce_sum_over_outputs,), "give (-log 0.9",
     "average over the K outputs"),
    ("bce-sum-over-samples", checks.check_binary_crossentropy, (bce_sum_over_samples,), "6 times",
     "average over the samples"),
    ("bce-no-minus", checks.check_binary_crossentropy, (bce_no_minus,), "got -0.1643", "minus sign"),
    ("bce-swapped-terms", checks.check_binary_crossentropy, (bce_swapped_terms,), "expected 0.1643",
     "not the other way round"),
    ("bce-yes-term-only", checks.check_binary_crossentropy, (bce_yes_term_only,), "expected 0.1643",
     "add the term (1 - y) log(1 - y_pred)"),
    ("bce-log10", checks.check_binary_crossentropy, (bce_log10,), "expected 0.1643", "not np.log10"),
    ("bce-no-clip", checks.check_binary_crossentropy, (bce_no_clip,), "exactly 0 and 1", "clip the probabilities"),
    ("bce-clip-low-only", checks.check_binary_crossentropy, (bce_clip_low_only,), "got nan",
     "clip the probabilities at both ends"),
    ("bce-other-epsilon", checks.check_binary_crossentropy, (bce_other_epsilon,), "16.1181", "clip with 1e-7"),
    ("bce-no-reshape", checks.check_binary_crossentropy, (bce_no_reshape,), "targets of shape (5,)",
     "broadcast to (5, 5)"),
    ("bce-clip-in-place", checks.check_binary_crossentropy, (bce_clip_in_place,), "predictions were changed",
     "do not clip in place"),
    ("batches-drop-last", checks.check_minibatches, (batches_drop_last,), "the last 2 samples were left out",
     "keep the last, smaller batch"),
    ("batches-array-split", checks.check_minibatches, (batches_array_split,), "sizes [4, 3, 3]", "np.array_split"),
    ("batches-in-order", checks.check_minibatches, (batches_in_order,), "stored order", "rng.permutation(n)"),
    ("batches-with-replacement", checks.check_minibatches, (batches_with_replacement,), "more than once",
     "without repeats"),
    ("batches-fixed-seed", checks.check_minibatches, (batches_fixed_seed,), "gave the same batches",
     "draw a new permutation from rng at every call"),
    ("batches-global-random", checks.check_minibatches, (batches_global_random,), "same seed gave different",
     "not from np.random"),
    ("batches-off-by-one", checks.check_minibatches, (batches_off_by_one,), "sizes", "range(0, n, batch_size)"),
    ("batches-of-floats", checks.check_minibatches, (batches_of_floats,), "integer indices", "array of sample indices"),
    ("batches-endless", checks.check_minibatches, (batches_endless,), "sizes", "order[start:start + batch_size]"),
]


@pytest.mark.parametrize("check, args, prop, hint", [m[1:] for m in MISTAKES], ids=[m[0] for m in MISTAKES])
def test_typical_mistake_fails_with_the_right_message(check, args, prop, hint, capsys):
    result, out = run(check, *args, capsys=capsys)
    assert not result
    lines = failed_lines(out)
    assert lines, out
    first = lines[0]
    assert prop in first and hint in first, out


@pytest.mark.parametrize("check, mistake", [(checks.check_train_val_split, split_global_random),
                                            (checks.check_k_fold, k_fold_global_random),
                                            (checks.check_minibatches, batches_global_random)])
def test_global_generator_is_left_alone(check, mistake, capsys):
    np.random.seed(123)
    expected_next = np.random.random_sample()
    np.random.seed(123)
    run(check, mistake, capsys=capsys)
    assert np.random.random_sample() == expected_next, "the check restores NumPy's global random state"


# =========================================================================== unfinished, broken, junk


def raise_not_implemented(*args, **kwargs):
    raise NotImplementedError("Exercise ex-00-demo: write your code here")


class NotImplementedClass:
    def __init__(self, *args, **kwargs):
        raise NotImplementedError("Exercise ex-00-demo: write your code here")


def stub_generator(n, batch_size, rng):
    """A generator whose body raises only when it is iterated."""
    raise NotImplementedError("Exercise ex-00-demo: write your code here")
    yield  # pragma: no cover


NAMES = ["check_train_val_split", "check_k_fold", "check_binary_crossentropy", "check_minibatches"]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("stub", [raise_not_implemented, NotImplementedClass], ids=["function", "class"])
def test_not_implemented_stub_is_reported_not_raised(name, stub, capsys):
    result, out = run(getattr(checks, name), stub, capsys=capsys)
    assert not result
    lines = failed_lines(out)
    assert len(lines) == 1, "one line for an unfinished exercise, not one per property"
    assert "is not written yet (NotImplementedError: Exercise ex-00-demo: write your code here)" in lines[0]
    assert result.n_failed == result.n_checks >= 5


def test_not_implemented_generator_is_reported_not_raised(capsys):
    result, out = run(checks.check_minibatches, stub_generator, capsys=capsys)
    assert not result and len(failed_lines(out)) == 1 and "is not written yet" in out


@pytest.mark.parametrize("name", NAMES)
def test_broken_code_is_reported_not_raised(name, capsys):
    def broken(*args, **kwargs):
        raise ZeroDivisionError("division by zero")

    result, out = run(getattr(checks, name), broken, capsys=capsys)
    assert not result
    assert "raised ZeroDivisionError: division by zero" in out


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("value", [None, 3, "split"], ids=["None", "int", "str"])
def test_something_that_is_not_code_is_reported(name, value, capsys):
    result, out = run(getattr(checks, name), value, capsys=capsys)
    assert not result
    assert FAIL in out


JUNK = [None, 3.5, "text", [1, 2], (np.zeros(3),), np.zeros((2, 2)), {"a": 1}, [np.nan] * 4,
        (np.zeros((3, 2)), np.zeros(3), "x", None), iter([object()])]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("value", JUNK, ids=[f"junk{i}" for i in range(len(JUNK))])
def test_odd_return_values_are_reported(name, value, capsys):
    result, out = run(getattr(checks, name), lambda *args: value, capsys=capsys)
    assert not result
    assert FAIL in out
    if value is None:
        assert "returned None" in out


def test_reports_are_repeatable_and_prints_hidden(capsys):
    def chatty(n, batch_size, rng):
        print("debugging", n)
        return minibatches(n, batch_size, rng)

    first, out1 = run(checks.check_minibatches, chatty, capsys=capsys)
    second, out2 = run(checks.check_minibatches, chatty, capsys=capsys)
    assert "debugging" not in out1 and out1 == out2 and first.passed


def test_the_checks_are_fast():
    import time

    for check, fn in ((checks.check_train_val_split, ch12_split), (checks.check_k_fold, k_fold_indices),
                      (checks.check_binary_crossentropy, bce), (checks.check_minibatches, minibatches)):
        start = time.perf_counter()
        check(fn)
        assert time.perf_counter() - start < 1.0
