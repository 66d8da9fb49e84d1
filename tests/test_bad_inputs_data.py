"""Hostile or broken input to the data loader (nnscratch.data) and the IDX reader (nnscratch.idx).

First a table of bad inputs, one row each: the call, the exception type and a fragment of its
message. Then the loader's limits, each with its own test: decompression bounded by the expected
size (a gzip bomb), downloads stopped at the known file size, https mirrors first, an empty
``HOME`` treated as unset, and no home folder at all. Nothing here touches the network: the
``isolated`` fixture of ``test_data_loader`` makes every test offline, and downloads come from
stand-in ``urlopen`` functions.
"""

from __future__ import annotations

import dataclasses
import gzip
import os
import pwd
import tracemalloc
import urllib.request
import zlib
from pathlib import Path

import numpy as np
import pytest

import nnscratch
from nnscratch import data, idx
from test_data_loader import (  # noqa: F401  (isolated: an autouse fixture, used here too)
    NAMES,
    fake_arrays,
    idx_images,
    idx_labels,
    isolated,
    use_fake_spec,
    write_fake_dataset,
    write_gz,
)

MB = 1 << 20
BOMB_SIZE = 600 * MB  # what the gzip bomb expands to


def gzip_bomb(path: Path, head: bytes, size: int = BOMB_SIZE) -> Path:
    """A gzip file that expands to ``head`` followed by zeros, ``size`` bytes in all (600 MB: about
    600 kB compressed), written in chunks so that making it needs little memory."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(MB)
    with open(path, "wb") as f:
        f.write(packer.compress(head))
        left = size - len(head)
        while left > 0:
            f.write(packer.compress(zeros[:min(MB, left)]))
            left -= MB
        f.write(packer.flush())
    return path


@pytest.fixture(scope="module")
def bomb(tmp_path_factory) -> Path:
    """600 MB of zeros after the header of a file of 5 MNIST images (which has 3936 bytes)."""
    header = np.array([idx.IMAGES_MAGIC, 5, 28, 28], dtype=">u4").tobytes()
    return gzip_bomb(tmp_path_factory.mktemp("bomb") / "bomb.gz", header)


def peak_memory(call) -> tuple[BaseException | None, int]:
    """The exception ``call()`` raises (or None) and the peak of memory allocated meanwhile."""
    tracemalloc.start()
    try:
        call()
        error = None
    except Exception as e:  # noqa: BLE001  (the caller checks the type)
        error = e
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return error, peak


@pytest.fixture
def fake(tmp_path, monkeypatch) -> Path:
    """A folder holding a complete fake MNIST that the loader accepts as the official one."""
    folder = tmp_path / "fake"
    write_fake_dataset(folder)
    use_fake_spec(monkeypatch, "mnist", folder)
    return folder


def test_fake_files_record_their_size(fake):
    """The fake files carry their decompressed size like the real ones, so the limits apply."""
    assert [f.idx_size for f in data.DATASETS["mnist"].files] == [16 + 5 * 784, 8 + 5, 16 + 3 * 784, 8 + 3]


# ---------------------------------------------------------------------------------- the table

IMAGES = idx_images(fake_arrays()["train-images"])
LABELS = idx_labels(fake_arrays()["train-labels"])


def replace(name: str, content: bytes, *, compress: bool = True):
    """Put ``content`` in place of the file ``name`` of the fake dataset, then load it."""
    def call(folder: Path):
        path = folder / name
        if compress:
            write_gz(path, content)
        else:
            path.unlink()
            (folder / name.removesuffix(".gz")).write_bytes(content)
        nnscratch.load_mnist(data_dir=folder)
    return call


def raw_file(name: str, content: bytes):
    """Put the raw bytes ``content`` (not compressed again) in place of the file ``name``."""
    def call(folder: Path):
        (folder / name).write_bytes(content)
        nnscratch.load_mnist(data_dir=folder)
    return call


def call(function, *args, **kwargs):
    return lambda folder: function(*args, **kwargs)


def load(function, **kwargs):
    return lambda folder: function(data_dir=folder, **kwargs)


PNG = b"\x89PNG\r\n\x1a\n" + bytes(200)
GZ_IMAGES = gzip.compress(IMAGES, mtime=0)

BAD_INPUTS = [
    # --- arguments of the loaders
    ("name-unknown", call(nnscratch.load_dataset, "cifar10"), ValueError,
     "Unknown dataset 'cifar10': choose one of 'mnist', 'fashion-mnist'"),
    ("name-empty", call(nnscratch.load_dataset, ""), ValueError, "Unknown dataset ''"),
    ("name-number", call(nnscratch.load_dataset, 10), TypeError,
     "dataset name must be a string such as 'mnist' or 'fashion-mnist', got 10 (int)"),
    ("name-none", call(nnscratch.load_dataset, None), TypeError, "got None (NoneType)"),
    ("name-in-cache-dir", call(data.dataset_cache_dir, "svhn"), ValueError, "Unknown dataset 'svhn'"),
    ("name-in-search-path", call(data.dataset_search_path, 3.5), TypeError, "must be a string"),
    ("dtype-int", load(nnscratch.load_mnist, dtype=np.int32), TypeError,
     "load_mnist: dtype must be a floating type such as np.float32 or np.float64, got int32"),
    ("dtype-uint8", load(nnscratch.load_mnist, dtype=np.uint8), TypeError, "pass normalize=False"),
    ("dtype-complex", load(nnscratch.load_fashion_mnist, dtype=np.complex64), TypeError,
     "load_fashion_mnist: dtype must be a floating type"),
    ("dtype-bool", load(nnscratch.load_mnist, dtype=bool), TypeError, "got bool"),
    ("dtype-not-a-type", load(nnscratch.load_mnist, dtype="banana"), TypeError,
     "dtype must be a NumPy floating type such as np.float32, got 'banana'"),
    ("dtype-none", load(nnscratch.load_mnist, dtype=None), TypeError, "got None"),
    ("normalize-string", load(nnscratch.load_mnist, normalize="no"), TypeError,
     "load_mnist: normalize must be True or False, got 'no' (str)"),
    ("normalize-none", load(nnscratch.load_mnist, normalize=None), TypeError, "normalize must be True or False"),
    ("flatten-number", lambda folder: nnscratch.load_dataset("mnist", data_dir=folder, flatten=784),
     TypeError, "load_dataset: flatten must be True or False, got 784 (int)"),
    ("download-string", load(nnscratch.load_mnist, download="False"), TypeError,
     "download must be True or False, got 'False'"),
    ("data-dir-number", call(nnscratch.load_mnist, data_dir=3), TypeError,
     "load_mnist: data_dir must be a folder (a str or pathlib.Path) or None, got 3 (int)"),
    ("data-dir-empty", call(nnscratch.load_mnist, data_dir=""), ValueError, "load_mnist: data_dir is empty"),
    ("data-dir-missing", lambda folder: nnscratch.load_mnist(data_dir=folder / "nowhere", download=False),
     FileNotFoundError, "nowhere: no such folder"),
    # --- damaged, truncated or foreign files in the loader
    ("empty-file", raw_file(NAMES[0], b""), ValueError, "too short for an IDX images file"),
    ("empty-gzip", replace(NAMES[1], b""), ValueError, "the header needs 8 bytes, the file has 0"),
    ("truncated-gzip", raw_file(NAMES[0], GZ_IMAGES[: len(GZ_IMAGES) // 2]), ValueError,
     "is not a valid gzip file (EOFError: Compressed file ended before the end-of-stream marker"),
    ("gzip-only-magic", raw_file(NAMES[0], b"\x1f\x8b"), ValueError, "is not a valid gzip file"),
    ("gzip-bad-crc", raw_file(NAMES[0], GZ_IMAGES[:-8] + bytes(8)), ValueError, "is not a valid gzip file"),
    ("gzip-trailing-garbage", raw_file(NAMES[0], GZ_IMAGES + b"trailing"), ValueError,
     "is not a valid gzip file"),
    ("truncated-idx", replace(NAMES[0], IMAGES[:-100]), ValueError, "truncated: the header announces 5 images"),
    ("truncated-idx-unpacked", replace(NAMES[0], IMAGES[:-1], compress=False), ValueError,
     "(1 missing)"),
    ("foreign-png", raw_file(NAMES[0], PNG), ValueError, "wrong magic number for IDX images"),
    ("foreign-text", replace(NAMES[3], b"<html>404 Not Found</html>"), ValueError,
     "longer than the 11 bytes expected and does not start with an IDX header (its first bytes are "
     "3c 68 74 6d)"),
    ("foreign-short-text", replace(NAMES[3], b"404"), ValueError, "too short for an IDX labels file"),
    ("labels-for-images", replace(NAMES[0], LABELS), ValueError, "found 2049 (that is an IDX labels file)"),
    ("float32-idx", replace(NAMES[0], b"\x00\x00\x0d\x03" + IMAGES[4:]), ValueError,
     "found 3331 (0x00000d03)"),
    ("labels-out-of-range", replace(NAMES[3], idx_labels(np.array([0, 9, 255]))), ValueError,
     "labels must lie in 0..9, but 1 of the 3 labels do not; the first is 255 at index 2"),
    ("wrong-image-size", replace(NAMES[2], idx_images(np.zeros((2, 32, 32)))), ValueError,
     "expected MNIST images of 28x28 pixels, found 32x32"),
    ("longer-than-known", replace(NAMES[0], IMAGES + b"\x00"), ValueError,
     "decompressed, it is longer than the 3936 bytes expected. Decompression was stopped there."),
    ("longer-than-known-unpacked", replace(NAMES[0], IMAGES + b"\x00", compress=False), ValueError,
     "it is longer than the 3936 bytes expected. It was not read."),
    ("file-far-too-large", raw_file(NAMES[1], np.random.default_rng(0).bytes(5000)), ValueError,
     "more than any copy of the official MNIST train-labels-idx1-ubyte.gz can have (at most 4109 bytes"),
    ("other-contents", replace(NAMES[0], idx_images(fake_arrays(seed=1)["train-images"])), ValueError,
     "its contents are not those of the official MNIST train-images-idx3-ubyte.gz"),
    ("counts-disagree", replace(NAMES[1], idx_labels(np.arange(4))), ValueError,
     "its contents are not those of the official"),
    # --- the IDX functions
    ("parse-str", call(idx.parse_idx_images, "0000"), TypeError,
     "parse_idx_images: data must be bytes (the contents of a file, e.g. Path(...).read_bytes()), got str"),
    ("parse-array", call(idx.parse_idx_labels, np.frombuffer(LABELS, np.uint8)), TypeError,
     "parse_idx_labels: data must be bytes"),
    ("parse-n-classes-zero", call(idx.parse_idx_labels, LABELS, n_classes=0), TypeError,
     "n_classes must be a positive whole number or None, got 0"),
    ("parse-n-classes-float", call(idx.parse_idx_labels, LABELS, n_classes=9.5), TypeError, "got 9.5"),
    ("parse-empty", call(idx.parse_idx_images, b""), ValueError, "the header needs 16 bytes, the file has 0"),
    ("parse-gzip", call(idx.parse_idx_images, GZ_IMAGES), ValueError, "wrong magic number"),
    ("parse-too-long", call(idx.parse_idx_labels, LABELS + b"\x01"), ValueError, "(1 extra)"),
    ("gunzip-str", call(idx.gunzip, "abc"), TypeError, "gunzip: data must be bytes"),
    ("gunzip-not-gzip", call(idx.gunzip, IMAGES), ValueError,
     "is not a valid gzip file (error: Error -3 while decompressing data"),
    ("gunzip-max-size", call(idx.gunzip, GZ_IMAGES, "x.gz", max_size=100), ValueError,
     "x.gz: decompressed, it is longer than the 100 bytes expected"),
    ("gunzip-max-size-negative", call(idx.gunzip, GZ_IMAGES, max_size=-1), TypeError,
     "max_size must be a non-negative whole number of bytes or None, got -1"),
    ("gunzip-max-size-string", call(idx.maybe_gunzip, GZ_IMAGES, max_size="1000"), TypeError,
     "got '1000'"),
    ("maybe-gunzip-max-size", call(idx.maybe_gunzip, IMAGES, "raw", max_size=16), ValueError,
     "raw: it is longer than the 16 bytes expected. It was not read."),
    ("read-missing-file", lambda folder: idx.read_idx_images(folder / "nothing.gz"), FileNotFoundError,
     "nothing.gz"),
    ("read-folder", lambda folder: idx.read_idx_labels(folder), IsADirectoryError, "fake"),
]


@pytest.mark.parametrize("make_call, error, fragment",
                         [pytest.param(*row[1:], id=row[0]) for row in BAD_INPUTS])
def test_bad_input(fake, make_call, error, fragment):
    with pytest.raises(error) as info:
        make_call(fake)
    assert type(info.value) is error
    assert fragment in str(info.value), f"{fragment!r} not in the message:\n{info.value}"


def test_the_table_has_unique_ids():
    assert len({row[0] for row in BAD_INPUTS}) == len(BAD_INPUTS)


def test_multi_member_gzip_and_zero_padding_are_accepted(fake):
    """What gzip.decompress accepts stays accepted: several members, zero bytes after the end."""
    (fake / NAMES[0]).write_bytes(gzip.compress(IMAGES[:1000]) + gzip.compress(IMAGES[1000:]) + bytes(10))
    (X, _), _ = nnscratch.load_mnist(data_dir=fake, normalize=False, flatten=False)
    np.testing.assert_array_equal(X, fake_arrays()["train-images"])


# ---------------------------------------------------------------------------------- 1. bounded decompression

def test_gzip_bomb_in_the_loader_is_stopped_early(fake, bomb):
    """A 600 kB file expanding to 600 MB in place of a file of 3936 bytes: its size alone gives it
    away, before decompression; the bomb is stopped at the known size even so."""
    (fake / NAMES[0]).write_bytes(bomb.read_bytes())
    error, peak = peak_memory(lambda: nnscratch.load_mnist(data_dir=fake))
    assert isinstance(error, ValueError), error
    assert f"{fake / NAMES[0]}: {bomb.stat().st_size} bytes, more than any copy" in str(error)
    assert peak < 50 * MB, f"peak memory {peak / MB:.0f} MB"
    spec = data.DATASETS["mnist"]
    error, peak = peak_memory(lambda: data._read_checked(spec, spec.files[0], fake / NAMES[0]))
    assert isinstance(error, ValueError), error
    assert peak < 50 * MB, f"peak memory {peak / MB:.0f} MB"
    error, peak = peak_memory(lambda: idx.read_idx_bytes(fake / NAMES[0], max_size=3936))
    assert isinstance(error, ValueError), error
    assert "longer than the 3936 bytes expected. Decompression was stopped there" in str(error)
    assert "gzip bomb" in str(error) and str(fake / NAMES[0]) in str(error)
    assert peak < 50 * MB, f"peak memory {peak / MB:.0f} MB"


def test_gzip_bomb_with_the_real_file_sizes(tmp_path, bomb):
    """With the table of the official files: stopped after the 47040016 bytes of MNIST's training
    images (at 10008 bytes for the test labels), never at the 600 MB of the bomb."""
    files = data.DATASETS["mnist"].files
    assert [f.idx_size for f in files] == [16 + 60000 * 784, 8 + 60000, 16 + 10000 * 784, 8 + 10000]
    folder = tmp_path / "mnist"
    folder.mkdir()
    for name in NAMES:
        (folder / name).symlink_to(bomb)
    error, peak = peak_memory(lambda: nnscratch.load_mnist(data_dir=folder))
    assert isinstance(error, ValueError) and "longer than the 47040016 bytes expected" in str(error)
    assert peak < 47040016 + 10 * MB, f"peak memory {peak / MB:.0f} MB"  # not 600 MB
    error, peak = peak_memory(lambda: data._read_checked(data.DATASETS["mnist"], files[3], bomb))
    assert isinstance(error, ValueError) and "more than any copy of the official MNIST t10k-labels" in str(error)
    assert peak < 10 * MB, f"peak memory {peak / MB:.0f} MB"


@pytest.mark.parametrize("reader", [idx.read_idx_bytes, idx.read_idx_images,
                                    lambda path: idx.gunzip(Path(path).read_bytes(), str(path))])
def test_gzip_bomb_without_a_known_size(bomb, reader):
    """Without a known size, the IDX header's announced size (plus 1 MiB) is the limit."""
    error, peak = peak_memory(lambda: reader(bomb))
    assert isinstance(error, ValueError), error
    assert "longer than the 3936 bytes its IDX header announces (by more than 1048576 bytes)" in str(error)
    assert peak < 50 * MB, f"peak memory {peak / MB:.0f} MB"


def test_gzip_bomb_without_an_idx_header(tmp_path):
    path = gzip_bomb(tmp_path / "zeros.gz", b"", size=20 * MB)
    with pytest.raises(ValueError, match=r"longer than 1048576 bytes although it does not start with an IDX "
                                         r"header \(its first bytes are 00 00 00 00\)"):
        idx.read_idx_bytes(path)


def test_huge_unpacked_file_is_not_read(fake):
    """A 1 GB file (sparse: it takes no disk space) in place of 3936 bytes is refused unread."""
    path = fake / NAMES[0].removesuffix(".gz")
    (fake / NAMES[0]).unlink()
    with open(path, "wb") as f:
        f.write(IMAGES)
        f.truncate(1 << 30)
    error, peak = peak_memory(lambda: nnscratch.load_mnist(data_dir=fake))
    assert isinstance(error, ValueError) and f"{path}: 1073741824 bytes, more than any copy" in str(error)
    assert "it was not read" in str(error)
    assert peak < 10 * MB, f"peak memory {peak / MB:.0f} MB"
    error, peak = peak_memory(lambda: idx.read_idx_images(path))
    assert isinstance(error, ValueError) and "longer than the 3936 bytes its IDX header announces" in str(error)
    assert peak < 10 * MB, f"peak memory {peak / MB:.0f} MB"


# ---------------------------------------------------------------------------------- 2. downloads

class EndlessResponse:
    """A server response that keeps sending zeros (up to ``limit`` bytes), counting what it sent."""

    def __init__(self, limit: int = 64 * MB, headers: dict | None = None) -> None:
        self.limit, self.sent, self.headers = limit, 0, headers or {}

    def read(self, n: int = -1) -> bytes:
        n = self.limit - self.sent if n is None or n < 0 else min(n, self.limit - self.sent)
        self.sent += n
        return bytes(n)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        pass


def serve(monkeypatch, response: EndlessResponse) -> list[str]:
    urls: list[str] = []

    def urlopen(request, *args, **kwargs):
        urls.append(request.full_url)
        return response

    monkeypatch.setattr(urllib.request, "urlopen", urlopen)
    return urls


def test_download_stops_at_the_known_size(tmp_path, monkeypatch, isolated):
    server = tmp_path / "server"
    write_fake_dataset(server)
    spec = use_fake_spec(monkeypatch, "mnist", server, urls=("https://example.org/mnist/",))
    response = EndlessResponse()
    serve(monkeypatch, response)
    with pytest.raises(ValueError) as info:
        nnscratch.load_mnist()
    size = spec.files[0].size
    assert response.sent <= size + 1, f"{response.sent} bytes read for a file of {size}"
    message = str(info.value)
    assert "the downloaded train-images-idx3-ubyte.gz is not the official file (larger than the official file)" \
        in message
    assert f"the server sent more than the {size} bytes of the official file; the download was stopped there " \
           "and deleted" in message
    cache = isolated["cache"] / "mnist"
    assert not cache.exists() or not list(cache.iterdir())  # nothing left behind


def test_download_refused_when_the_server_announces_too_much(tmp_path, monkeypatch):
    server = tmp_path / "server"
    write_fake_dataset(server)
    spec = use_fake_spec(monkeypatch, "mnist", server, urls=("https://example.org/mnist/",))
    response = EndlessResponse(headers={"Content-Length": str(10 ** 10)})
    serve(monkeypatch, response)
    with pytest.raises(ValueError, match=rf"the server announced 10000000000 bytes \(Content-Length\), the "
                                         rf"official file has {spec.files[0].size}; nothing was downloaded"):
        nnscratch.load_mnist()
    assert response.sent == 0


@pytest.mark.parametrize("name", list(data.DATASETS))
def test_https_mirrors_are_tried_first(name):
    urls = data.DATASETS[name].urls
    schemes = [u.split(":", 1)[0] for u in urls]
    assert set(schemes) <= {"https", "http"} and schemes == sorted(schemes, key=lambda s: s != "https")
    assert schemes[0] == "https"


def test_https_first_in_practice(isolated):
    with pytest.raises(RuntimeError):
        nnscratch.load_fashion_mnist()
    assert isolated["offline"].urls[0].startswith("https://")


# ---------------------------------------------------------------------------------- 3. and 4. the home folder

@dataclasses.dataclass
class PasswdEntry:
    pw_dir: str


def no_passwd_entry(uid):
    raise KeyError(f"getpwuid(): uid not found: {uid}")


@pytest.mark.parametrize("home", ["", "relative/home"])
def test_empty_home_counts_as_unset(tmp_path, monkeypatch, home):
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", home)
    monkeypatch.setattr(pwd, "getpwuid", lambda uid: PasswdEntry(str(tmp_path / "from-passwd")))
    expected = tmp_path / "from-passwd" / ".cache" / "nnscratch" / "mnist"
    assert data.dataset_cache_dir("mnist") == expected
    assert data.dataset_search_path("mnist") == [expected]


def forget_home(monkeypatch, home: str | None = None) -> None:
    """No home folder: HOME unset (``None``) or empty, and no entry in the password database."""
    monkeypatch.delenv("XDG_CACHE_HOME")
    if home is None:
        monkeypatch.delenv("HOME", raising=False)
    else:
        monkeypatch.setenv("HOME", home)
    monkeypatch.setattr(pwd, "getpwuid", no_passwd_entry)


@pytest.mark.parametrize("home", [None, ""], ids=["home-unset", "home-empty"])
def test_no_home_but_data_in_nnscratch_data(tmp_path, monkeypatch, home):
    """No home folder: the cache is skipped, and the data in NNSCRATCH_DATA load as usual."""
    forget_home(monkeypatch, home)
    root = tmp_path / "data"
    arrays = write_fake_dataset(root / "mnist")
    use_fake_spec(monkeypatch, "mnist", root / "mnist")
    monkeypatch.setenv("NNSCRATCH_DATA", str(root))
    assert data.dataset_search_path("mnist") == [root / "mnist"]
    (_, y), _ = nnscratch.load_mnist()
    np.testing.assert_array_equal(y, arrays["train-labels"])
    assert data.find_dataset_dir("mnist") == root / "mnist"


@pytest.mark.parametrize("home", [None, ""], ids=["home-unset", "home-empty"])
def test_no_home_and_no_data(monkeypatch, isolated, home):
    forget_home(monkeypatch, home)
    no_home = "the per-user cache was skipped: no home folder could be found (HOME is not set or empty"
    for download, error in ((True, RuntimeError), (False, FileNotFoundError)):
        with pytest.raises(error) as info:
            nnscratch.load_fashion_mnist(download=download)
        message = str(info.value)
        assert no_home in message and f"{isolated['debian']}: no such folder" in message
        assert "put them in $NNSCRATCH_DATA/fashion-mnist/" in message
        assert "set HOME (or XDG_CACHE_HOME) to an absolute path" in message
        assert ("no cache folder to download them into" in message) == download
    assert isolated["offline"].urls == []
    with pytest.raises(RuntimeError, match="MNIST has no cache folder: no home folder could be found"):
        data.dataset_cache_dir("mnist")
    assert data.dataset_search_path("fashion-mnist") == [isolated["debian"]]


def test_no_home_with_xdg_cache_home(tmp_path, monkeypatch):
    forget_home(monkeypatch)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert data.dataset_cache_dir("mnist") == tmp_path / "xdg" / "nnscratch" / "mnist"


def test_tilde_in_nnscratch_data_without_home(tmp_path, monkeypatch):
    forget_home(monkeypatch)
    monkeypatch.setenv("NNSCRATCH_DATA", "~/data")
    assert data.dataset_search_path("mnist") == [Path("~/data/mnist")]
    monkeypatch.setenv("HOME", str(tmp_path))
    assert data.dataset_search_path("mnist")[0] == tmp_path / "data" / "mnist"
    assert os.environ["HOME"] == str(tmp_path)
