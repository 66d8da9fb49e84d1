"""The IDX file format of MNIST and Fashion-MNIST.

An IDX file starts with a header of big-endian 32-bit unsigned integers, then the data as
unsigned bytes, row-major, with nothing after it:

* images: magic number ``2051`` (``0x00000803``: unsigned bytes, 3 dimensions), the number of
  images ``n``, the number of rows and of columns, then ``n * rows * cols`` pixels;
* labels: magic number ``2049`` (``0x00000801``: unsigned bytes, 1 dimension), the number of
  labels ``n``, then ``n`` labels.

The files are distributed gzip-compressed (``*.gz``). The readers here decompress them
(recognising gzip data by its first bytes, ``1f 8b``), check the header and that
the data has exactly the length the header announces, and raise a ``ValueError`` naming the
file, what was expected and what was found. The arrays are built with ``np.frombuffer``
(no Python loop over pixels).
"""

from __future__ import annotations

import gzip
import os
import zlib
from pathlib import Path

import numpy as np

IMAGES_MAGIC = 2051
LABELS_MAGIC = 2049

GZIP_MAGIC = b"\x1f\x8b"

_HEADER_INT = np.dtype(">u4")


def gunzip(raw: bytes, source: str = "gzip data") -> bytes:
    """The decompressed ``raw`` gzip bytes; damaged or truncated data raises ``ValueError`` naming ``source``."""
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as e:  # gzip.BadGzipFile is an OSError
        raise ValueError(
            f"{source} is not a valid gzip file ({type(e).__name__}: {e}); it is {len(raw)} bytes long and "
            "probably damaged or incompletely downloaded. Delete it and download it again."
        ) from None


def maybe_gunzip(raw: bytes, source: str = "IDX data") -> bytes:
    """``raw`` decompressed when it is gzip data (it starts with the bytes ``1f 8b``), else ``raw`` itself.

    Deciding by content rather than by the file name also reads files that a browser unpacked
    while keeping (or dropping) the ``.gz`` ending; an IDX file always starts with ``00 00``."""
    return gunzip(raw, source) if raw[:2] == GZIP_MAGIC else raw


def read_idx_bytes(path: str | os.PathLike) -> bytes:
    """The uncompressed IDX bytes of the file ``path``, gzip-compressed or not."""
    return maybe_gunzip(Path(path).read_bytes(), str(path))


def _header(data: bytes, count: int, expected_magic: int, source: str, what: str) -> tuple[int, ...]:
    """The ``count`` header integers (the magic number first), after checking the magic number."""
    if len(data) >= 4:
        _check_magic(int(np.frombuffer(data, dtype=_HEADER_INT, count=1)[0]), expected_magic, source, what)
    size = 4 * count
    if len(data) < size:
        raise ValueError(
            f"{source}: too short for an IDX {what} file: the header needs {size} bytes, "
            f"the file has {len(data)}. The file is damaged or not an IDX file."
        )
    return tuple(int(v) for v in np.frombuffer(data, dtype=_HEADER_INT, count=count))


def _check_magic(magic: int, expected: int, source: str, what: str) -> None:
    if magic != expected:
        other = {IMAGES_MAGIC: "an IDX images file", LABELS_MAGIC: "an IDX labels file"}.get(magic)
        found = f"{magic} (that is {other})" if other else f"{magic} (0x{magic:08x})"
        raise ValueError(
            f"{source}: wrong magic number for IDX {what}: expected {expected} (0x{expected:08x}), found {found}. "
            "The file is not the one its name says, or it is damaged."
        )


def _check_length(actual: int, expected: int, source: str, announced: str) -> None:
    if actual < expected:
        raise ValueError(
            f"{source}: truncated: the header announces {announced} = {expected} bytes of data, "
            f"but only {actual} follow ({expected - actual} missing). Replace the file with a complete copy."
        )
    if actual > expected:
        raise ValueError(
            f"{source}: too long: the header announces {announced} = {expected} bytes of data, "
            f"but {actual} follow ({actual - expected} extra). The header and the data do not belong together; "
            "replace the file with an original copy."
        )


def parse_idx_images(data: bytes, source: str = "IDX images") -> np.ndarray:
    """Images from the bytes of an (uncompressed) IDX images file: ``uint8`` array ``(n, rows, cols)``.

    The array is a read-only view of ``data``; copy it to change it."""
    _, n, rows, cols = _header(data, 4, IMAGES_MAGIC, source, "images")
    _check_length(len(data) - 16, n * rows * cols, source, f"{n} images of {rows}x{cols} pixels")
    return np.frombuffer(data, dtype=np.uint8, offset=16).reshape(n, rows, cols)


def parse_idx_labels(data: bytes, source: str = "IDX labels", n_classes: int | None = None) -> np.ndarray:
    """Labels from the bytes of an (uncompressed) IDX labels file: ``uint8`` array ``(n,)``.

    With ``n_classes``, every label must lie in ``0 .. n_classes - 1``. The array is a read-only
    view of ``data``; copy it to change it."""
    _, n = _header(data, 2, LABELS_MAGIC, source, "labels")
    _check_length(len(data) - 8, n, source, f"{n} labels of 1 byte")
    labels = np.frombuffer(data, dtype=np.uint8, offset=8)
    if n_classes is not None and n and int(labels.max()) >= n_classes:
        bad = np.flatnonzero(labels >= n_classes)
        raise ValueError(
            f"{source}: labels must lie in 0..{n_classes - 1}, but {bad.size} of the {n} labels do not; "
            f"the first is {int(labels[bad[0]])} at index {int(bad[0])}. The file is damaged or belongs to "
            "another dataset."
        )
    return labels


def read_idx_images(path: str | os.PathLike) -> np.ndarray:
    """Images ``(n, rows, cols)`` ``uint8`` from an IDX images file, gzip-compressed or not."""
    return parse_idx_images(read_idx_bytes(path), str(path))


def read_idx_labels(path: str | os.PathLike, n_classes: int | None = None) -> np.ndarray:
    """Labels ``(n,)`` ``uint8`` from an IDX labels file, gzip-compressed or not."""
    return parse_idx_labels(read_idx_bytes(path), str(path), n_classes)
