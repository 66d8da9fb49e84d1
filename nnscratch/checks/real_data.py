r"""The self-checks of Part IV, real data (chapters 16-19): reading IDX files, precision and
recall, saving and loading a model's parameters safely, flushing subnormal numbers."""

from __future__ import annotations

import gzip
import tempfile
from pathlib import Path
from typing import Any, Callable

import numpy as np
from numpy.random import default_rng

from ..layers import Dense, ReLU
from ..model import Model
from .harness import (Checker, Failure, LearnerError, as_array, call, check, describe_error,
                      expect_close, expect_unchanged, fmt, leaves_unchanged, name_of,
                      record_warnings)

# ================================================================================================
# Chapter 16: reading any IDX file
# ================================================================================================

_IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def _idx_bytes(array: np.ndarray, code: int) -> bytes:
    """The bytes of an IDX file holding ``array`` with the type code ``code``."""
    array = np.asarray(array)
    header = bytes([0, 0, code, array.ndim]) + np.array(array.shape, dtype=">u4").tobytes()
    return header + array.astype(_IDX_TYPES[code]).tobytes()


@check("function")
def check_parse_idx(c: Checker, parse_idx: Callable) -> None:
    """Check ``parse_idx(data) -> array``, the array stored in the bytes ``data`` of an IDX file of
    any type and number of dimensions: the magic number ``00 00 <type> <d>``, then ``d`` big-endian
    32-bit sizes, then the values, big-endian (type 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32,
    0x0D float32, 0x0E float64). A file that is not IDX, or whose length does not match its header,
    must raise ``ValueError`` (chapter 16)."""
    name = name_of(parse_idx)
    r = default_rng(40)
    hint_endian = ("IDX stores every number of more than one byte big-endian: read the data with a "
                   "dtype like '>f4' (or '>i2', '>i4', '>f8'), not np.float32, which is "
                   "little-endian on most computers")
    hint_header = ("the header is the 4 bytes of the magic number, then one 4-byte size per "
                   "dimension: 4 + 4 * d bytes, where d is the magic number's 4th byte "
                   "(3 for images, 1 for labels)")
    hint_type = ("the magic number's 3rd byte says the type: 0x08 uint8, 0x09 int8, 0x0B '>i2', "
                 "0x0C '>i4', 0x0D '>f4', 0x0E '>f8'")

    def parse(data: bytes) -> np.ndarray:
        out = call(parse_idx, data, where=name)
        if out is None:
            raise Failure(f"{name} returned None", "add a `return` statement")
        if not isinstance(out, np.ndarray):
            try:
                out = np.asarray(out)
            except Exception:
                raise Failure(f"{name} returned {type(out).__name__}, not an array") from None
        return out

    def expect(data: bytes, want: np.ndarray) -> None:
        got = parse(data)
        if got.shape != want.shape:
            if got.size == want.size * want.dtype.itemsize and want.dtype.itemsize > 1:
                raise Failure(f"got shape {got.shape}, expected {want.shape}: one value per byte",
                              hint_type)
            raise Failure(f"got shape {got.shape}, expected {want.shape}", hint_header)
        if got.dtype.kind != want.dtype.kind or got.dtype.itemsize != want.dtype.itemsize:
            raise Failure(f"got dtype {got.dtype}, expected {want.dtype.newbyteorder('=')}",
                          hint_type)
        values = got.astype(np.float64)
        if np.array_equal(values, want.astype(np.float64)):
            return
        swapped = want.astype(want.dtype.newbyteorder("<")).view(want.dtype.newbyteorder(">"))
        if want.dtype.itemsize > 1 and np.array_equal(values, swapped.astype(np.float64),
                                                      equal_nan=True):
            first = ", ".join(f"{v:.4g}" for v in values.ravel()[:3])
            wanted = ", ".join(f"{v:.4g}" for v in want.ravel()[:3].astype(np.float64))
            raise Failure(f"the values are byte-swapped: got {first}, ... for {wanted}, ...",
                          hint_endian)
        raise Failure(f"got {fmt(got.ravel()[:6])[:-1]} ...], "
                      f"expected {fmt(want.ravel()[:6])[:-1]} ...]",
                      "the values start right after the header, 4 + 4 * d bytes from the start")

    images = r.integers(0, 256, size=(3, 4, 5)).astype(np.uint8)
    labels = r.integers(0, 10, size=7).astype(np.uint8)

    def mnist_like() -> None:
        expect(_idx_bytes(images, 0x08), images)
        expect(_idx_bytes(labels, 0x08), labels)

    def floats() -> None:
        want = np.array([[1.5, -2.25, 1000.0], [3.0e-3, 0.0, -7.0]], dtype=np.float32)
        expect(_idx_bytes(want, 0x0D), want)

    def every_type() -> None:
        for code, dtype in _IDX_TYPES.items():
            info = np.iinfo(dtype) if np.dtype(dtype).kind in "iu" else None
            low, high = (info.min, info.max) if info else (-1e6, 1e6)
            values = r.uniform(max(low, -1e6), min(high, 1e6), size=(2, 3, 2))
            want = (np.round(values) if info else values).astype(np.dtype(dtype).newbyteorder("="))
            try:
                expect(_idx_bytes(want, code), want)
            except Failure as f:
                raise Failure(f"type 0x{code:02X} ({np.dtype(dtype).newbyteorder('=')}): "
                              f"{f.detail}", f.hint) from None

    def any_dimensions() -> None:
        want = r.integers(0, 256, size=(2, 3, 2, 2)).astype(np.uint8)
        expect(_idx_bytes(want, 0x08), want)

    def must_raise(data: bytes, what: str, hint: str) -> None:
        try:
            out = call(parse_idx, data, where=name)
        except LearnerError as e:
            if isinstance(e.error, NotImplementedError):
                raise
            if isinstance(e.error, ValueError):
                return
            raise Failure(f"{what}: raised {describe_error(e.error)}, not a ValueError",
                          "check the condition yourself and `raise ValueError(\"...\")` "
                          "with a message that says what is wrong") from None
        got = "None" if out is None else f"an array of shape {np.shape(out)}"
        raise Failure(f"{what}: returned {got} instead of raising ValueError", hint)

    def truncated() -> None:
        data = _idx_bytes(images, 0x08)
        must_raise(data[:-5], "5 bytes missing at the end",
                   "compare len(data) with 4 + 4 * d + (number of values) * (bytes per value) "
                   "and raise ValueError when they differ")
        must_raise(data[:10], "a header cut off after 10 bytes",
                   "a file shorter than its header is not an IDX file: raise ValueError")
        must_raise(data + b"\x00" * 6, "6 bytes too many at the end",
                   "the file must end exactly after the data: compare the length, "
                   "do not only read `count` values")

    def not_idx() -> None:
        must_raise(gzip.compress(_idx_bytes(labels, 0x08), mtime=0),
                   "a .gz file that was not decompressed",
                   "the first two bytes of the magic number are 0 (a gzip file starts with 1f 8b): "
                   "raise ValueError otherwise")
        must_raise(b"<html><body>404 Not Found</body></html>",
                   "a web page saved under the file's name",
                   "the first two bytes of the magic number are 0: raise ValueError otherwise")
        data = bytearray(_idx_bytes(labels, 0x08))
        data[2] = 0x07
        must_raise(bytes(data), "the unknown type code 0x07",
                   "raise ValueError for a type code not in the table")

    c.prop("MNIST's layout: uint8 images (3, 4, 5) and labels (7,)", mnist_like, hint_header)
    c.prop("float32 values, read big-endian", floats,
           "type 0x0D is float32: read the values after the 4 + 4 * d header bytes "
           "with dtype '>f4' (big-endian)")
    c.prop("every type code: 0x08, 0x09, 0x0B, 0x0C, 0x0D, 0x0E", every_type, hint_type)
    c.prop("any number of dimensions (a 4-D array)", any_dimensions, hint_header)
    c.prop("a truncated or overlong file raises ValueError", truncated)
    c.prop("a file that is not IDX (still gzip-compressed, a web page, an unknown type) "
           "raises ValueError", not_idx)


# ================================================================================================
# Chapter 17: precision and recall
# ================================================================================================


@check("function")
def check_precision_recall(c: Checker, precision_recall: Callable) -> None:
    """Check ``precision_recall(cm) -> (precision, recall)`` for a confusion matrix ``cm`` with
    ``cm[i, j]`` = samples of true class ``i`` predicted as ``j``: precision
    $C_{kk} / \\sum_i C_{ik}$ (diagonal over column sums), recall $C_{kk} / \\sum_j C_{kj}$
    (diagonal over row sums), two float arrays of one value per class, 0 (not nan) for a class never
    predicted or never present (chapter 17)."""
    name = name_of(precision_recall)
    hint_axes = ("precision divides the diagonal by the column sums, cm.sum(axis=0) "
                 "(all samples predicted as the class); recall by the row sums, cm.sum(axis=1) "
                 "(all samples of the class)")
    hint_zero = ("divide only where the sum is positive: "
                 "np.divide(diag, sums, out=np.zeros(len(diag)), where=sums > 0)")
    hint_two = "return two arrays: return precision, recall"

    def reference(cm: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        diag = np.diag(cm).astype(np.float64)
        cols, rows = cm.sum(axis=0), cm.sum(axis=1)
        return (np.divide(diag, cols, out=np.zeros(len(diag)), where=cols > 0),
                np.divide(diag, rows, out=np.zeros(len(diag)), where=rows > 0))

    def run(cm: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        with record_warnings() as warned:
            out = call(precision_recall, cm.copy(), where=name)
        if out is None:
            raise Failure(f"{name} returned None", hint_two)
        try:
            precision, recall = out
        except (TypeError, ValueError):
            raise Failure(f"{name} returned {type(out).__name__}, not two arrays",
                          hint_two) from None
        precision, recall = as_array(precision, "precision"), as_array(recall, "recall")
        k = len(cm)
        for what, arr in (("precision", precision), ("recall", recall)):
            if arr.shape != (k,):
                raise Failure(f"{what} has shape {arr.shape}, expected ({k},): one value per class",
                              "use the whole diagonal np.diag(cm) and sums along one axis")
        if np.isnan(precision).any() or np.isnan(recall).any() or warned:
            raise Failure("got nan" + (f" and the warning '{warned[0]}'" if warned else ""),
                          hint_zero)
        return precision, recall

    def compare(cm: np.ndarray) -> None:
        precision, recall = run(cm)
        want_p, want_r = reference(cm)
        if np.allclose(precision, want_r) and np.allclose(recall, want_p):
            raise Failure(f"precision and recall are swapped: got precision {fmt(precision)}, "
                          f"expected {fmt(want_p)}", hint_axes)
        if np.allclose(precision, np.floor(want_p)) and not np.allclose(precision, want_p):
            raise Failure(f"got precision {fmt(precision)}, expected {fmt(want_p)}",
                          "use / (true division), not // (integer division)")
        expect_close(precision, want_p, hint_axes, what="precision")
        expect_close(recall, want_r, hint_axes, what="recall")

    example = np.array([[5, 1, 0], [2, 3, 1], [0, 0, 4]])

    def small() -> None:
        compare(example)

    def ten_classes() -> None:
        diagonal = np.diag(default_rng(42).integers(50, 200, size=10))
        compare(default_rng(41).integers(0, 30, size=(10, 10)) + diagonal)

    def never_predicted() -> None:
        cm = np.array([[4, 0, 1], [2, 0, 3], [1, 0, 5]])
        precision, recall = run(cm)
        if precision[1] != 0:
            raise Failure(f"precision of class 1 is {fmt(precision[1])}, expected 0", hint_zero)
        compare(cm)

    def never_present() -> None:
        cm = np.array([[4, 1, 1], [0, 0, 0], [1, 2, 5]])
        precision, recall = run(cm)
        if recall[1] != 0:
            raise Failure(f"recall of class 1 is {fmt(recall[1])}, expected 0", hint_zero)
        compare(cm)

    unchanged = leaves_unchanged(
        lambda cm: call(precision_recall, cm, where=name), example,
        changed="the confusion matrix was changed", hint="compute new arrays; do not write into cm")

    c.prop("3 classes: precision [0.7143 0.75 0.8] (columns), recall [0.8333 0.5 1] (rows)", small,
           hint_axes)
    c.prop("10 classes: matches diagonal / column sums and diagonal / row sums", ten_classes,
           hint_axes)
    c.prop("a class that is never predicted has precision 0, without nan or a warning",
           never_predicted, hint_zero)
    c.prop("a class that never occurs has recall 0, without nan or a warning", never_present,
           hint_zero)
    c.prop("leaves the confusion matrix unchanged", unchanged)


# ================================================================================================
# Chapter 18: saving and loading safely
# ================================================================================================

_payload_runs: list[str] = []


def _payload_ran() -> None:
    """What the poisoned test file calls when it is unpickled: it only records that it ran."""
    _payload_runs.append("ran")


class _Payload:
    def __reduce__(self) -> tuple:
        return (_payload_ran, ())


@check("save function", "load function")
def check_save_load(c: Checker, save: Callable, load: Callable) -> None:
    """Check ``save(path, model)``, which writes every parameter of ``model.layers`` to an ``.npz``
    file, and ``load(path, model)``, which copies them back into a model of the same layers: an
    exact round trip into the model's own arrays (their dtype kept),
    ``np.load(..., allow_pickle=False)`` (a file of pickled objects is refused without running
    them), and a ``ValueError`` for a parameter that is missing or has another shape, raised before
    anything is copied (chapter 18)."""
    s_name, l_name = name_of(save), name_of(load)
    hint_copy = ("copy into the model's own arrays, p[...] = saved: the parameters keep their "
                 "dtype, and the layer and its optimiser keep using the same arrays")
    hint_first = ("check every parameter first (present in data.files, same shape), "
                  "and only then copy: a failed load must leave the model as it was")
    hint_names = ("give every array its own name, with the layer's index and the parameter's: "
                  "f'{i}_{name}'")
    hint_overwritten = "ValueError raised, but the first layer was already overwritten"

    def model(sizes: tuple[int, ...], seed: int, dtype: Any = np.float64) -> Any:
        rng = default_rng(seed)
        layers: list[Any] = []
        for n_in, n_out in zip(sizes[:-1], sizes[1:]):
            layers += [Dense(n_in, n_out, dtype=dtype, rng=rng), ReLU()]
        for layer in layers[::2]:
            layer.params["b"][...] = rng.standard_normal(layer.params["b"].shape)
        return Model(layers[:-1])

    def params(m: Any) -> list[np.ndarray]:
        return [p.copy() for layer in m.layers for p in layer.params.values()]

    def same(m: Any, arrays: list[np.ndarray]) -> bool:
        now = [p for layer in m.layers for p in layer.params.values()]
        return len(now) == len(arrays) and all(a.dtype == b.dtype and np.array_equal(a, b)
                                               for a, b in zip(now, arrays))

    def saved(folder: Path, m: Any, file: str = "model.npz") -> Path:
        path = folder / file
        call(save, path, m, where=s_name)
        if not path.exists():
            raise Failure(f"{s_name}(path, model) wrote no file {file}",
                          "np.savez(path, **arrays) writes path")
        return path

    def loading(path: Path, m: Any) -> None:
        call(load, path, m, where=l_name)

    def round_trip() -> None:
        with tempfile.TemporaryDirectory() as d:
            source, target = model((3, 4, 4, 2), 43), model((3, 4, 4, 2), 44)
            want = params(source)
            path = saved(Path(d), source)
            try:
                with np.load(path, allow_pickle=False) as data:
                    n_arrays = sum(1 for key in data.files if data[key].dtype.kind == "f")
            except Exception as e:
                raise Failure(f"np.load could not read the file ({describe_error(e)})",
                              "write it with np.savez(path, **arrays), "
                              "arrays a dict of name -> array") from None
            if n_arrays < len(want):
                raise Failure(f"the file holds {n_arrays} arrays of numbers for the model's "
                              f"{len(want)} parameters (3 Dense layers, W and b each)", hint_names)
            loading(path, target)
            if not same(target, want):
                bad = next((i for i, (a, b) in enumerate(zip(params(target), want))
                            if not np.array_equal(a, b)), 0)
                raise Failure(f"parameter {bad} of the loaded model differs from the saved one",
                              "load each array into the layer and parameter it was saved from")

    def dtype_kept() -> None:
        with tempfile.TemporaryDirectory() as d:
            source, target = model((3, 4, 2), 45), model((3, 4, 2), 46, np.float32)
            loading(saved(Path(d), source), target)
            for layer in target.layers:
                for key, p in layer.params.items():
                    if np.asarray(p).dtype != np.float32:
                        raise Failure("after loading a float64 file into a float32 model, "
                                      f"'{key}' is {np.asarray(p).dtype}", hint_copy)
            want = [p.astype(np.float32) for p in params(source)]
            if not same(target, want):
                raise Failure("the loaded values differ from the saved ones", hint_copy)

    def poisoned() -> None:
        with tempfile.TemporaryDirectory() as d:
            source, target = model((3, 4, 2), 47), model((3, 4, 2), 48)
            path = saved(Path(d), source)
            with np.load(path, allow_pickle=False) as data:
                keys = list(data.files)
            np.savez(path, **{key: np.array([_Payload()], dtype=object) for key in keys})
            before = params(target)
            _payload_runs.clear()
            try:
                loading(path, target)
                raised = None
            except LearnerError as e:
                if isinstance(e.error, NotImplementedError):
                    raise
                raised = e.error
            if _payload_runs:
                _payload_runs.clear()
                raise Failure("loading the file ran code stored in it (a harmless function, "
                              "this time)",
                              "open the file with np.load(path, allow_pickle=False), "
                              "never allow_pickle=True")
            if raised is None:
                raise Failure("a file of pickled Python objects was loaded without an error",
                              "read every array with np.load(path, allow_pickle=False): "
                              "it raises ValueError for object arrays")
            if not same(target, before):
                raise Failure("the model was changed", hint_first)

    def wrong_shape() -> None:
        with tempfile.TemporaryDirectory() as d:
            path = saved(Path(d), model((3, 4, 2), 49))
            target = model((3, 4, 3), 50)
            before = params(target)
            try:
                loading(path, target)
            except LearnerError as e:
                if not isinstance(e.error, ValueError):
                    raise
                if not same(target, before):
                    raise Failure(hint_overwritten, hint_first) from None
                return
            raise Failure("a file of a 3-4-2 model was loaded into a 3-4-3 model without an error",
                          "compare saved.shape with p.shape and raise ValueError when they differ")

    def missing() -> None:
        with tempfile.TemporaryDirectory() as d:
            path = saved(Path(d), model((3, 4), 51))
            target = model((3, 4, 2), 52)
            before = params(target)
            try:
                loading(path, target)
            except LearnerError as e:
                if isinstance(e.error, KeyError):
                    raise Failure("raised KeyError, not ValueError",
                                  "check that the key is in data.files and raise a ValueError "
                                  "that names the missing parameter") from None
                if not isinstance(e.error, ValueError):
                    raise
                if not same(target, before):
                    raise Failure(hint_overwritten, hint_first) from None
                return
            raise Failure("a file of a 1-layer model was loaded into a 2-layer model "
                          "without an error",
                          "raise ValueError when the file has no array for a parameter")

    def hint(where: str) -> str:
        if where == s_name:
            return "save(path, model) writes the file, e.g. with np.savez(path, **arrays)"
        return ("load(path, model) reads with np.load(path, allow_pickle=False) "
                "and copies into the model")

    c.prop("a 3-4-4-2 model, saved and loaded into another, gets exactly the same parameters",
           round_trip, lambda where: hint_names if where == l_name else hint(where))
    c.prop("loading into a float32 model keeps float32 (copies into the model's arrays)",
           dtype_kept, hint)
    c.prop("a file of pickled objects is refused (ValueError) without running them", poisoned, hint)
    c.prop("a parameter of another shape raises ValueError and leaves the model unchanged",
           wrong_shape,
           "raise ValueError naming the layer and both shapes, before copying anything")
    c.prop("a missing parameter raises ValueError and leaves the model unchanged", missing,
           "raise ValueError naming the missing parameter, before copying anything")


# ================================================================================================
# Chapter 19: flushing subnormal numbers
# ================================================================================================


@check("function")
def check_flush_subnormals(c: Checker, flush: Callable) -> None:
    """Check ``flush(a)``, which sets every subnormal value of the float array ``a`` (nonzero, with
    $|a| <$ ``np.finfo(a.dtype).tiny``) to 0 **in place**, for float32 and float64 and any shape,
    and leaves every other value, its dtype and shape as they were (chapter 19)."""
    name = name_of(flush)
    hint_in_place = ("change the array itself, a[mask] = 0 (or np.copyto / np.where with out=a): "
                     "`a = np.where(...)` only gives the name a a new array inside your function")
    hint_only = "change only the values with np.abs(a) < np.finfo(a.dtype).tiny"

    def flushed(a: np.ndarray) -> tuple[np.ndarray, Any]:
        work = a.copy()
        out = call(flush, work, where=name)
        if work.dtype != a.dtype or work.shape != a.shape:
            raise Failure(f"the array's dtype or shape changed to {work.dtype} {work.shape}",
                          "assign into the existing array; do not replace it")
        return work, out

    def expect(a: np.ndarray, description: str) -> None:
        tiny = np.finfo(a.dtype).tiny
        want = np.where(np.abs(a) < tiny, 0, a).astype(a.dtype)
        work, out = flushed(a)
        if np.array_equal(work, want):
            return
        if np.array_equal(work, a):
            if (out is not None and np.shape(out) == a.shape
                    and np.array_equal(np.asarray(out, dtype=a.dtype), want)):
                raise Failure("it returned a flushed copy but left the array itself unchanged",
                              hint_in_place)
            raise Failure(f"the {description} array was left unchanged", hint_in_place)
        negatives = (a < 0) & (work == 0)
        if negatives.any() and np.array_equal(work, np.where(a < tiny, 0, a).astype(a.dtype)):
            raise Failure("every negative value was set to 0",
                          "compare the size: np.abs(a) < tiny, "
                          "so that -1e-39 is flushed and -2.5 is kept")
        if a.dtype == np.float64 and np.array_equal(
                work, np.where(np.abs(a) < np.finfo(np.float32).tiny, 0, a)):
            raise Failure("values below float32's smallest normal number (1.175e-38) were set to 0 "
                          "in a float64 array, where they are normal",
                          "use the array's own limit, np.finfo(a.dtype).tiny "
                          "(2.2e-308 for float64)")
        kept = np.abs(a) >= tiny
        if not np.array_equal(work[kept], a[kept]):
            i = int(np.flatnonzero(work[kept] != a[kept])[0])
            raise Failure(f"the normal value {a[kept][i]:.4g} became {work[kept][i]:.4g}",
                          hint_only)
        i = int(np.flatnonzero(work != want)[0])
        raise Failure(f"the subnormal value {a.ravel()[i]:.4g} was kept",
                      "set every value with np.abs(a) < np.finfo(a.dtype).tiny to 0")

    f32 = np.finfo(np.float32)

    def float32() -> None:
        a = np.array([1.0, -2.5, 1e-39, -1e-39, 1e-44, f32.tiny, -f32.tiny, 1e-30, 0.0],
                     dtype=np.float32)
        expect(a, "float32")

    def float64() -> None:
        f64 = np.finfo(np.float64)
        a = np.array([1.0, -3.0, 1e-39, -1e-39, 1e-310, -1e-310, f64.tiny, 5e-324, 0.0])
        expect(a, "float64")

    def matrix() -> None:
        r = default_rng(53)
        a = r.standard_normal((6, 5)).astype(np.float32)
        a[r.random(a.shape) < 0.3] *= np.float32(1e-40)
        expect(a, "2-D float32")

    def normal_untouched() -> None:
        a = default_rng(54).standard_normal((4, 6)).astype(np.float32)
        a[0, :3] = 0.0
        work, _ = flushed(a)
        expect_unchanged(a, work, "an array without subnormal numbers was changed", hint_only)

    c.prop("float32: 1e-39, -1e-39 and 1e-44 become 0; ±tiny (1.175e-38), 1e-30, -2.5 stay",
           float32, hint_in_place)
    c.prop("float64: ±1e-310 and 5e-324 become 0; 1e-39 stays (normal in float64)", float64,
           hint_in_place)
    c.prop("a 2-D float32 array with subnormal entries here and there", matrix, hint_in_place)
    c.prop("an array without subnormal numbers stays exactly as it was", normal_untouched)
