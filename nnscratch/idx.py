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

Decompression is bounded: it runs in chunks and stops with a ``ValueError`` as soon as the output
is longer than ``max_size`` bytes (the loader passes the known size of each official file) or,
without ``max_size``, longer than the size the IDX header announces plus :data:`SLACK` bytes. A
small damaged or hostile file that would expand to gigabytes (a "gzip bomb") therefore never fills
the memory.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Iterable
from pathlib import Path

import numpy as np

IMAGES_MAGIC = 2051
LABELS_MAGIC = 2049

GZIP_MAGIC = b"\x1f\x8b"

_HEADER_INT = np.dtype(">u4")


SLACK = 1 << 20
"""Without ``max_size``, decompression stops this many bytes after the size the IDX header
announces (or after this many bytes when the data does not start with an IDX header)."""

_CHUNK = 1 << 20
_ELEMENT_SIZE = {0x08: 1, 0x09: 1, 0x0B: 2, 0x0C: 4, 0x0D: 4, 0x0E: 8}  # IDX type code -> bytes


def announced_size(head: bytes) -> int | None:
    """The total length in bytes (header and data) that the IDX header at the start of ``head``
    announces, or ``None`` when ``head`` does not start with a complete IDX header."""
    if len(head) < 4 or head[0] or head[1] or head[2] not in _ELEMENT_SIZE or not head[3]:
        return None
    ndim = head[3]
    if len(head) < 4 + 4 * ndim:
        return None
    size = _ELEMENT_SIZE[head[2]]
    for dim in np.frombuffer(head, dtype=_HEADER_INT, count=ndim, offset=4):
        size *= int(dim)
    return 4 + 4 * ndim + size


def _check_max_size(max_size: int | None) -> None:
    whole = isinstance(max_size, (int, np.integer)) and not isinstance(max_size, bool)
    if max_size is not None and (not whole or max_size < 0):
        raise TypeError(f"max_size must be a non-negative whole number of bytes or None, "
                        f"got {max_size!r}.")


def _too_long(source: str, limit: int, max_size: int | None, head: bytes,
              compressed: bool) -> ValueError:
    what = "decompressed, it is" if compressed else "it is"
    stopped = " Decompression was stopped there." if compressed else " It was not read."
    if max_size is not None:
        why = f"longer than the {max_size} bytes expected"
        if announced_size(head) is None:
            why += (f" and does not start with an IDX header (its first bytes are "
                    f"{bytes(head[:4]).hex(' ')})")
    elif (announced := announced_size(head)) is not None:
        why = (f"longer than the {announced} bytes its IDX header announces "
               f"(by more than {SLACK} bytes)")
    else:
        why = (f"longer than {limit} bytes although it does not start with an IDX header "
               f"(its first bytes are {bytes(head[:4]).hex(' ')})")
    return ValueError(
        f"{source}: {what} {why}.{stopped} It is not the expected file (a damaged or foreign "
        "file, or a 'gzip bomb' made to fill the memory): delete it and download it again, or "
        "replace it with an original copy."
    )


def _limit(out: bytes | bytearray, max_size: int | None) -> int:
    if max_size is not None:
        return max_size
    announced = announced_size(bytes(out[:1024]))
    return SLACK if announced is None else announced + SLACK


def _inflate(chunks: Iterable[bytes], source: str, max_size: int | None, n_raw: int) -> bytes:
    """Decompress the gzip data arriving in ``chunks``, one member after another (zero bytes between
    members are skipped, as :func:`gzip.decompress` does), never holding more than the limit + 1
    bytes of output. ``n_raw`` is the length of the compressed data, for the messages."""
    out = bytearray()
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        for chunk in chunks:
            buf = bytes(chunk)
            full = False  # the last call gave all the output allowed: zlib may hold more
            while buf or full:
                if inflater.eof:  # a member ended: skip zero padding, then the next member starts
                    buf = buf.lstrip(b"\x00")
                    if not buf:
                        break
                    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
                limit = _limit(out, max_size)
                room = min(_CHUNK, limit - len(out) + 1)  # at most 1 MiB of output at a time
                piece = inflater.decompress(buf, room)
                out += piece
                if len(out) > limit and len(out) > (limit := _limit(out, max_size)):
                    raise _too_long(source, limit, max_size, bytes(out[:1024]), True)
                full = len(piece) == room and not inflater.eof
                buf = inflater.unused_data if inflater.eof else inflater.unconsumed_tail
        if not inflater.eof:
            raise EOFError("Compressed file ended before the end-of-stream marker was reached")
    except (EOFError, zlib.error) as e:
        raise ValueError(
            f"{source} is not a valid gzip file ({type(e).__name__}: {e}); it is {n_raw} bytes "
            "long and probably damaged or incompletely downloaded. Delete it and download it again."
        ) from None
    return bytes(out)


def _chunks(raw: bytes) -> Iterable[memoryview]:
    view = memoryview(raw)
    return (view[i:i + _CHUNK] for i in range(0, max(len(view), 1), _CHUNK))


def _check_bytes(raw: object, who: str) -> None:
    if not isinstance(raw, (bytes, bytearray, memoryview)):
        raise TypeError(f"{who}: data must be bytes (the contents of a file, e.g. "
                        f"Path(...).read_bytes()), got {type(raw).__name__}.")


def gunzip(raw: bytes, source: str = "gzip data", max_size: int | None = None) -> bytes:
    """The decompressed ``raw`` gzip bytes; damaged or truncated data raises ``ValueError``
    naming ``source``.

    Decompression stops with a ``ValueError`` as soon as the output is longer than ``max_size``
    bytes or, without ``max_size``, longer than the IDX header at its start announces plus
    :data:`SLACK` bytes."""
    _check_bytes(raw, "gunzip")
    _check_max_size(max_size)
    return _inflate(_chunks(raw), source, max_size, len(raw))


def maybe_gunzip(raw: bytes, source: str = "IDX data", max_size: int | None = None) -> bytes:
    """``raw`` decompressed when it is gzip data (it starts with the bytes ``1f 8b``), else
    ``raw`` itself.

    Deciding by content rather than by the file name also reads files that a browser unpacked
    while keeping (or dropping) the ``.gz`` ending; an IDX file always starts with ``00 00``.
    With ``max_size``, data longer than that (after decompression) raises ``ValueError``."""
    _check_bytes(raw, "maybe_gunzip")
    _check_max_size(max_size)
    if raw[:2] == GZIP_MAGIC:
        return gunzip(raw, source, max_size)
    if max_size is not None and len(raw) > max_size:
        raise _too_long(source, max_size, max_size, bytes(raw[:1024]), False)
    return bytes(raw)


def read_idx_bytes(path: str | os.PathLike, max_size: int | None = None) -> bytes:
    """The uncompressed IDX bytes of the file ``path``, gzip-compressed or not.

    The file is read and decompressed in chunks; a file (or its decompressed contents) longer than
    ``max_size`` bytes or, without ``max_size``, than its IDX header announces plus :data:`SLACK`
    raises ``ValueError`` without being read to the end."""
    _check_max_size(max_size)
    source = str(path)
    with open(path, "rb") as f:
        head = f.read(2)
        size = os.fstat(f.fileno()).st_size
        if head == GZIP_MAGIC:
            return _inflate(_file_chunks(f, head), source, max_size, size)
        head += f.read(1022)
        limit = _limit(head, max_size)
        if size > limit:
            raise _too_long(source, limit, max_size, head, False)
        return head + f.read()


def _file_chunks(f, first: bytes) -> Iterable[bytes]:
    yield first
    while chunk := f.read(_CHUNK):
        yield chunk


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
    _check_bytes(data, "parse_idx_images")
    _, n, rows, cols = _header(data, 4, IMAGES_MAGIC, source, "images")
    _check_length(len(data) - 16, n * rows * cols, source, f"{n} images of {rows}x{cols} pixels")
    return np.frombuffer(data, dtype=np.uint8, offset=16).reshape(n, rows, cols)


def parse_idx_labels(data: bytes, source: str = "IDX labels", n_classes: int | None = None) -> np.ndarray:
    """Labels from the bytes of an (uncompressed) IDX labels file: ``uint8`` array ``(n,)``.

    With ``n_classes``, every label must lie in ``0 .. n_classes - 1``. The array is a read-only
    view of ``data``; copy it to change it."""
    _check_bytes(data, "parse_idx_labels")
    whole = isinstance(n_classes, (int, np.integer)) and not isinstance(n_classes, bool)
    if n_classes is not None and (not whole or n_classes < 1):
        raise TypeError(f"parse_idx_labels: n_classes must be a positive whole number or None, "
                        f"got {n_classes!r}.")
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
