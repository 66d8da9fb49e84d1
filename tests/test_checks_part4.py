"""The self-checks of Part IV (chapters 16-19): each passes the chapter's solution, fails the typical mistakes
with the hint written for them, and reports, never raises, unfinished, broken or odd code."""

from __future__ import annotations

import numpy as np
import pytest

import nnscratch as nn
from nnscratch import checks
from nnscratch.checks import real_data

from check_helpers import FAIL, assert_reference_passes, failed_lines, run


def assert_fails_with(result, out: str, *fragments: str) -> None:
    assert not result, out
    text = "\n".join(failed_lines(out))
    for fragment in fragments:
        assert fragment in text, out


# =========================================================================== chapter 16: parse_idx

IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def parse_idx(data):
    """The chapter's solution."""
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in IDX_TYPES:
        raise ValueError("not an IDX file: the magic number must be 00 00 <type> <dimensions>")
    dtype, ndim = np.dtype(IDX_TYPES[data[2]]), data[3]
    header = 4 + 4 * ndim
    if len(data) < header:
        raise ValueError("truncated header")
    shape = tuple(int(s) for s in np.frombuffer(data, dtype=">u4", count=ndim, offset=4))
    if len(data) != header + dtype.itemsize * int(np.prod(shape)):
        raise ValueError("the length does not match the header")
    return np.frombuffer(data, dtype=dtype, offset=header).reshape(shape)


def parse_idx_native(data):
    """Returns native-endian arrays (a copy): as right as the big-endian view."""
    return parse_idx(data).astype(parse_idx(data).dtype.newbyteorder("="))


def parse_idx_little_endian(data):
    out = parse_idx(data)
    return out.view(out.dtype.newbyteorder("<")) if out.dtype.itemsize > 1 else out


def parse_idx_header_16(data):
    """Chapter 16's parse_images generalised carelessly: always 3 sizes, 16 bytes of header."""
    magic = np.frombuffer(data, dtype=">u4", count=1)[0]
    if magic >> 16:
        raise ValueError("bad magic")
    dtype = np.dtype(IDX_TYPES[data[2]])
    n, rows, cols = np.frombuffer(data, dtype=">u4", count=3, offset=4)
    return np.frombuffer(data, dtype=dtype, offset=16).reshape(n, rows, cols)


def parse_idx_always_bytes(data):
    ndim = data[3]
    shape = tuple(np.frombuffer(data, dtype=">u4", count=ndim, offset=4))
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


def parse_idx_no_checks(data):
    """Reads what the header says and ignores everything else: no magic, no length check."""
    ndim = data[3] if len(data) > 3 else 0
    dtype = np.dtype(IDX_TYPES.get(data[2], ">u1")) if len(data) > 3 else np.dtype("u1")
    shape = tuple(int(s) for s in np.frombuffer(data, dtype=">u4", count=ndim, offset=4))
    count = int(np.prod(shape))
    return np.frombuffer(data, dtype=dtype, count=count, offset=4 + 4 * ndim).reshape(shape)


def parse_idx_key_error(data):
    if data[0] or data[1]:
        raise ValueError("bad magic")
    types = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
    types[data[2]]  # KeyError for an unknown code
    return parse_idx(data)


def test_parse_idx_passes_the_solution(capsys):
    for fn in (parse_idx, parse_idx_native):
        result, out = run(checks.check_parse_idx, fn, capsys=capsys)
        assert result, out
        assert result.n_checks == 6


def test_parse_idx_reports_the_mnist_layout_property(capsys):
    result, out = run(checks.check_parse_idx, parse_idx, capsys=capsys)
    assert "MNIST's layout: uint8 images (3, 4, 5) and labels (7,) ✓" in out


def test_parse_idx_little_endian(capsys):
    result, out = run(checks.check_parse_idx, parse_idx_little_endian, capsys=capsys)
    assert_fails_with(result, out, "byte-swapped", "big-endian")
    assert "MNIST's layout" in out and "uint8 images (3, 4, 5) and labels (7,) ✓" in out


def test_parse_idx_fixed_header(capsys):
    result, out = run(checks.check_parse_idx, parse_idx_header_16, capsys=capsys)
    assert_fails_with(result, out, "4 + 4 * d bytes")


def test_parse_idx_ignores_the_type(capsys):
    result, out = run(checks.check_parse_idx, parse_idx_always_bytes, capsys=capsys)
    assert_fails_with(result, out, "3rd byte says the type")
    assert "uint8 images (3, 4, 5) and labels (7,) ✓" in out


def test_parse_idx_without_checks(capsys):
    result, out = run(checks.check_parse_idx, parse_idx_no_checks, capsys=capsys)
    assert_fails_with(result, out, "a .gz file that was not decompressed", "a gzip file starts with 1f 8b",
                      "6 bytes too many at the end: returned an array", "compare the length")
    assert result.n_failed == 2


def test_parse_idx_wrong_exception_type(capsys):
    result, out = run(checks.check_parse_idx, parse_idx_key_error, capsys=capsys)
    assert_fails_with(result, out, "raised KeyError", "not a ValueError")
    assert result.n_failed == 1


# =========================================================================== chapter 17: precision_recall


def precision_recall(cm):
    """The chapter's solution."""
    diag = np.diag(cm).astype(np.float64)
    predicted, present = cm.sum(axis=0), cm.sum(axis=1)
    precision = np.divide(diag, predicted, out=np.zeros(len(diag)), where=predicted > 0)
    recall = np.divide(diag, present, out=np.zeros(len(diag)), where=present > 0)
    return precision, recall


def precision_recall_swapped(cm):
    precision, recall = precision_recall(cm)
    return recall, precision


def precision_recall_nan(cm):
    return np.diag(cm) / cm.sum(axis=0), np.diag(cm) / cm.sum(axis=1)


def precision_recall_floor(cm):
    return np.diag(cm) // np.maximum(cm.sum(axis=0), 1), np.diag(cm) // np.maximum(cm.sum(axis=1), 1)


def precision_recall_in_place(cm):
    precision, recall = precision_recall(cm)
    cm[...] = 0
    return precision, recall


def test_precision_recall_passes_the_solution(capsys):
    result, out = run(checks.check_precision_recall, precision_recall, capsys=capsys)
    assert result, out
    assert result.n_checks == 5
    result, out = run(checks.check_precision_recall, lambda cm: np.stack(precision_recall(cm)), capsys=capsys)
    assert result, "a (2, K) array unpacks into precision and recall"


def test_precision_recall_swapped(capsys):
    result, out = run(checks.check_precision_recall, precision_recall_swapped, capsys=capsys)
    assert_fails_with(result, out, "precision and recall are swapped", "cm.sum(axis=0)")


def test_precision_recall_division_by_zero(capsys):
    result, out = run(checks.check_precision_recall, precision_recall_nan, capsys=capsys)
    assert_fails_with(result, out, "got nan", "where=sums > 0")
    assert "10 classes: matches diagonal / column sums and diagonal / row sums ✓" in out


def test_precision_recall_integer_division(capsys):
    result, out = run(checks.check_precision_recall, precision_recall_floor, capsys=capsys)
    assert_fails_with(result, out, "not // (integer division)")


def test_precision_recall_changes_its_input(capsys):
    result, out = run(checks.check_precision_recall, precision_recall_in_place, capsys=capsys)
    assert_fails_with(result, out, "the confusion matrix was changed")
    assert result.n_failed == 1


@pytest.mark.parametrize("value", [None, 0.5, "cm", (np.zeros(3),)], ids=["None", "float", "str", "one"])
def test_precision_recall_odd_return_values(value, capsys):
    result, out = run(checks.check_precision_recall, lambda cm: value, capsys=capsys)
    assert not result and FAIL in out


# =========================================================================== chapter 18: save and load


def save_params(path, model):
    """The chapter's save_params."""
    np.savez(path, **{f"{i}_{name}": p for i, layer in enumerate(model.layers) for name, p in layer.params.items()})


def load_params(path, model):
    """The chapter's load_params: checks and copies layer by layer."""
    with np.load(path, allow_pickle=False) as data:
        for i, layer in enumerate(model.layers):
            for name, p in layer.params.items():
                saved = data[f"{i}_{name}"]
                if saved.shape != p.shape:
                    raise ValueError(f"layer {i} {name}: file has {saved.shape}, model has {p.shape}")
                p[...] = saved


def load_params_safely(path, model):
    """The exercise's solution: every check before any copy."""
    with np.load(path, allow_pickle=False) as data:
        pairs = []
        for i, layer in enumerate(model.layers):
            for name, p in layer.params.items():
                key = f"{i}_{name}"
                if key not in data.files:
                    raise ValueError(f"{path}: no array {key!r} for parameter {name!r} of layer {i}")
                saved = data[key]
                if saved.shape != p.shape:
                    raise ValueError(f"{path}: layer {i} {name}: file has {saved.shape}, model has {p.shape}")
                pairs.append((p, saved))
    for p, saved in pairs:
        p[...] = saved


def model_save(path, model):
    model.save(path)


def model_load_params(path, model):
    model.load_params(path)


def load_with_pickle(path, model):
    with np.load(path, allow_pickle=True) as data:
        arrays = {key: data[key] for key in data.files}
    pairs = []
    for i, layer in enumerate(model.layers):
        for name, p in layer.params.items():
            key = f"{i}_{name}"
            if key not in arrays:
                raise ValueError(f"missing {key}")
            if arrays[key].shape != p.shape:
                raise ValueError("shape")
            pairs.append((p, arrays[key]))
    for p, saved in pairs:
        p[...] = saved


def load_replacing(path, model):
    with np.load(path, allow_pickle=False) as data:
        new = {}
        for i, layer in enumerate(model.layers):
            for name, p in layer.params.items():
                key = f"{i}_{name}"
                if key not in data.files or data[key].shape != p.shape:
                    raise ValueError(f"{key} does not fit")
                new[i, name] = data[key]
    for (i, name), saved in new.items():
        model.layers[i].params[name] = saved


def load_without_checks(path, model):
    with np.load(path, allow_pickle=False) as data:
        for i, layer in enumerate(model.layers):
            for name in layer.params:
                layer.params[name] = data[f"{i}_{name}"]


def save_by_name_only(path, model):
    np.savez(path, **{name: p for layer in model.layers for name, p in layer.params.items()})


def load_by_name_only(path, model):
    with np.load(path, allow_pickle=False) as data:
        for layer in model.layers:
            for name, p in layer.params.items():
                p[...] = data[name]


def test_save_load_passes_the_solution_and_the_package(capsys):
    result, out = run(checks.check_save_load, save_params, load_params_safely, capsys=capsys)
    assert result, out
    assert result.n_checks == 5
    assert out.startswith("check_save_load(save_params, load_params_safely):")
    result, out = run(checks.check_save_load, model_save, model_load_params, capsys=capsys)
    assert result, out


def test_save_load_chapters_version_half_overwrites(capsys):
    result, out = run(checks.check_save_load, save_params, load_params, capsys=capsys)
    assert_fails_with(result, out, "already overwritten", "check every parameter first", "raised KeyError")
    assert "a 3-4-4-2 model, saved and loaded into another, gets exactly the same parameters ✓" in out
    assert "a file of pickled objects is refused (ValueError) without running them ✓" in out


def test_save_load_with_pickle_runs_the_payload(capsys):
    result, out = run(checks.check_save_load, save_params, load_with_pickle, capsys=capsys)
    assert_fails_with(result, out, "ran code stored in it", "allow_pickle=False")
    assert result.n_failed == 1
    assert not real_data._payload_runs, "the record of the payload is cleared"


def test_save_load_replacing_the_arrays(capsys):
    result, out = run(checks.check_save_load, save_params, load_replacing, capsys=capsys)
    assert_fails_with(result, out, "is float64", "p[...] = saved")
    assert result.n_failed == 1


def test_save_load_without_checks(capsys):
    result, out = run(checks.check_save_load, save_params, load_without_checks, capsys=capsys)
    assert_fails_with(result, out, "without an error")


def test_save_load_names_collide(capsys):
    result, out = run(checks.check_save_load, save_by_name_only, load_by_name_only, capsys=capsys)
    assert_fails_with(result, out, "the file holds 2 arrays of numbers for the model's 6 parameters",
                      "f'{i}_{name}'")


def test_save_load_writes_no_file(capsys):
    result, out = run(checks.check_save_load, lambda path, model: None, load_params_safely, capsys=capsys)
    assert_fails_with(result, out, "wrote no file")


# =========================================================================== chapter 19: flush_subnormals


def flush_subnormals(a):
    """The chapter's solution."""
    a[np.abs(a) < np.finfo(a.dtype).tiny] = 0


def flush_returning_copy(a):
    return np.where(np.abs(a) < np.finfo(a.dtype).tiny, 0, a).astype(a.dtype)


def flush_rebinding(a):
    a = np.where(np.abs(a) < np.finfo(a.dtype).tiny, 0, a)  # noqa: F841 (the mistake: a new local array)


def flush_without_abs(a):
    a[a < np.finfo(a.dtype).tiny] = 0


def flush_float32_limit(a):
    a[np.abs(a) < 1.1754944e-38] = 0


def flush_with_copyto(a):
    np.copyto(a, 0, where=np.abs(a) < np.finfo(a.dtype).tiny)
    return a


def flush_rounding(a):
    a[...] = np.round(a, 3)


def test_flush_passes_the_solution(capsys):
    for fn in (flush_subnormals, flush_with_copyto):
        result, out = run(checks.check_flush_subnormals, fn, capsys=capsys)
        assert result, out
        assert result.n_checks == 4


def test_flush_not_in_place(capsys):
    result, out = run(checks.check_flush_subnormals, flush_returning_copy, capsys=capsys)
    assert_fails_with(result, out, "returned a flushed copy but left the array itself unchanged", "a[mask] = 0")
    result, out = run(checks.check_flush_subnormals, flush_rebinding, capsys=capsys)
    assert_fails_with(result, out, "was left unchanged", "only gives the name a a new array")


def test_flush_negative_values(capsys):
    result, out = run(checks.check_flush_subnormals, flush_without_abs, capsys=capsys)
    assert_fails_with(result, out, "every negative value was set to 0", "np.abs(a) < tiny")


def test_flush_float32_limit_on_float64(capsys):
    result, out = run(checks.check_flush_subnormals, flush_float32_limit, capsys=capsys)
    assert_fails_with(result, out, "float32's smallest normal number", "np.finfo(a.dtype).tiny")
    assert result.n_failed == 1


def test_flush_changes_normal_values(capsys):
    result, out = run(checks.check_flush_subnormals, flush_rounding, capsys=capsys)
    assert_fails_with(result, out, "the normal value")


# =========================================================================== unfinished, broken, not code


def raise_not_implemented(*args, **kwargs):
    raise NotImplementedError("Exercise ex-00-demo: write your code here")


def broken(*args, **kwargs):
    raise ZeroDivisionError("division by zero")


ARGS = {
    "check_parse_idx": 1,
    "check_precision_recall": 1,
    "check_save_load": 2,
    "check_flush_subnormals": 1,
}


@pytest.mark.parametrize("name", sorted(ARGS))
def test_not_implemented_stub_is_reported_not_raised(name, capsys):
    result, out = run(getattr(checks, name), *[raise_not_implemented] * ARGS[name], capsys=capsys)
    assert not result
    lines = failed_lines(out)
    assert len(lines) == 1, "one line for an unfinished exercise, not one per property"
    assert "is not written yet (NotImplementedError: Exercise ex-00-demo: write your code here)" in lines[0]
    assert result.n_failed == result.n_checks


def test_save_load_with_only_load_unfinished(capsys):
    result, out = run(checks.check_save_load, save_params, raise_not_implemented, capsys=capsys)
    assert not result
    lines = failed_lines(out)
    assert len(lines) == 1 and "raise_not_implemented is not written yet" in lines[0]


@pytest.mark.parametrize("name", sorted(ARGS))
def test_broken_code_is_reported_not_raised(name, capsys):
    result, out = run(getattr(checks, name), *[broken] * ARGS[name], capsys=capsys)
    assert not result
    assert "raised ZeroDivisionError: division by zero" in out


@pytest.mark.parametrize("name", sorted(ARGS))
@pytest.mark.parametrize("value", [None, 3, "code"], ids=["None", "int", "str"])
def test_something_that_is_not_code_is_reported(name, value, capsys):
    args = [value] + [raise_not_implemented] * (ARGS[name] - 1)
    result, out = run(getattr(checks, name), *args, capsys=capsys)
    assert not result
    assert FAIL in out


@pytest.mark.parametrize("name", sorted(ARGS))
@pytest.mark.parametrize("value", [None, 1.5, "text", np.zeros((2, 2)), [1, 2]], ids=["None", "float", "str",
                                                                                       "array", "list"])
def test_junk_return_values_are_reported(name, value, capsys):
    result, out = run(getattr(checks, name), *[lambda *args: value] * ARGS[name], capsys=capsys)
    assert not result
    assert FAIL in out


def test_checks_are_exported_and_documented():
    for name in ARGS:
        assert name in checks.__all__
        assert f"``{name}(" in checks.__doc__
        assert getattr(checks, name).__doc__


def test_checks_are_fast_and_repeatable(capsys):
    import time

    cases = [(checks.check_parse_idx, parse_idx), (checks.check_precision_recall, precision_recall),
             (checks.check_save_load, save_params, load_params_safely),
             (checks.check_flush_subnormals, flush_subnormals)]
    for check, *args in cases:
        start = time.perf_counter()
        first, out1 = run(check, *args, capsys=capsys)
        assert time.perf_counter() - start < 1.0
        second, out2 = run(check, *args, capsys=capsys)
        assert first and out1 == out2


# =========================================================================== every reference passes
# (tests/test_checks.py::test_every_check_is_tested reads this list: every check has a reference here.)

REFERENCES = [
    ("parse-idx", checks.check_parse_idx, (parse_idx,)),
    ("parse-idx-native", checks.check_parse_idx, (parse_idx_native,)),
    ("precision-recall", checks.check_precision_recall, (precision_recall,)),
    ("save-load", checks.check_save_load, (save_params, load_params_safely)),
    ("save-load-model", checks.check_save_load, (model_save, model_load_params)),
    ("flush-subnormals", checks.check_flush_subnormals, (flush_subnormals,)),
    ("flush-subnormals-copyto", checks.check_flush_subnormals, (flush_with_copyto,)),
]


@pytest.mark.parametrize("check, args", [r[1:] for r in REFERENCES], ids=[r[0] for r in REFERENCES])
def test_reference_solution_passes(check, args, capsys):
    assert_reference_passes(check, args, capsys, min_checks=4)
    assert {r[1].__name__ for r in REFERENCES} == set(ARGS)
