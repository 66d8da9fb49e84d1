"""Tests of the MNIST / Fashion-MNIST loader (nnscratch.data) and the IDX reader (nnscratch.idx).

Format, search-order and download tests use small fake IDX files written to tmp_path; the network
is never used (a fake ``urlopen`` serves file:// and 127.0.0.1 URLs and fails like an offline
computer for everything else). The real-data tests run when the data is on this computer:
MNIST from ``$NNSCRATCH_DATA/mnist`` (CI sets NNSCRATCH_DATA), Fashion-MNIST from Debian's
``/usr/share/datasets/fashion-mnist`` (package dataset-fashion-mnist).
"""

from __future__ import annotations

import dataclasses
import functools
import gzip
import hashlib
import http.server
import os
import threading
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pytest

import nnscratch
from nnscratch import data
from nnscratch.idx import IMAGES_MAGIC, LABELS_MAGIC, read_idx_bytes, read_idx_images, read_idx_labels

NAMES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz",
         "t10k-labels-idx1-ubyte.gz")
REAL_NNSCRATCH_DATA = os.environ.get("NNSCRATCH_DATA", "")  # read before the fixtures clear it
DEBIAN_FASHION = Path("/usr/share/datasets/fashion-mnist")
REAL_URLOPEN = urllib.request.urlopen


# ---------------------------------------------------------------------------------- fake IDX files

def idx_images(images: np.ndarray, magic: int = IMAGES_MAGIC, count: int | None = None) -> bytes:
    n, rows, cols = images.shape
    header = np.array([magic, n if count is None else count, rows, cols], dtype=">u4").tobytes()
    return header + images.astype(np.uint8).tobytes()


def idx_labels(labels: np.ndarray, magic: int = LABELS_MAGIC, count: int | None = None) -> bytes:
    header = np.array([magic, len(labels) if count is None else count], dtype=">u4").tobytes()
    return header + np.asarray(labels, dtype=np.uint8).tobytes()


def write_gz(path: Path, content: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(content, mtime=0))
    return path


def fake_arrays(n_train: int = 5, n_test: int = 3, seed: int = 0, size: int = 28) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    arrays = {}
    for split, n in (("train", n_train), ("t10k", n_test)):
        images = rng.integers(0, 256, size=(n, size, size), dtype=np.uint8)
        images[0, 0, 0], images[0, 0, 1] = 0, 255  # both ends of the range
        arrays[f"{split}-images"] = images
        arrays[f"{split}-labels"] = rng.integers(0, 10, size=n, dtype=np.uint8)
    return arrays


def write_fake_dataset(folder: Path, arrays: dict[str, np.ndarray] | None = None, **contents: bytes) -> dict:
    """Write the four .gz files of a fake dataset into ``folder``; ``contents`` (by key such as
    ``train_labels``) replaces a file's uncompressed bytes. Returns the arrays."""
    arrays = fake_arrays() if arrays is None else arrays
    for name in NAMES:
        key = name.split("-idx")[0]
        raw = contents.get(key.replace("-", "_").replace("t10k", "test"))
        if raw is None:
            raw = idx_images(arrays[key]) if "images" in key else idx_labels(arrays[key])
        write_gz(folder / name, raw)
    return arrays


def spec_files_for(folder: Path) -> tuple[data.IDXFile, ...]:
    """IDXFile records (sizes and SHA-256s, packed and unpacked) of the files now in ``folder``."""
    files = []
    for name in NAMES:
        raw = (folder / name).read_bytes()
        content = gzip.decompress(raw)
        files.append(data.IDXFile(name, len(raw), hashlib.sha256(raw).hexdigest(),
                                  hashlib.sha256(content).hexdigest(), len(content)))
    return tuple(files)


def use_fake_spec(monkeypatch, name: str, folder: Path, **changes) -> data.DatasetSpec:
    """Make ``name`` expect exactly the files now in ``folder`` (and apply ``changes``)."""
    spec = dataclasses.replace(data.DATASETS[name], files=spec_files_for(folder), **changes)
    monkeypatch.setitem(data.DATASETS, name, spec)
    return spec


# ---------------------------------------------------------------------------------- fixtures

class Offline:
    """``urlopen`` of a computer without Internet: file:// and 127.0.0.1 work, everything else fails."""

    def __init__(self) -> None:
        self.urls: list[str] = []

    def __call__(self, request, *args, **kwargs):
        url = request.full_url if isinstance(request, urllib.request.Request) else str(request)
        self.urls.append(url)
        if url.startswith(("file:", "http://127.0.0.1")):
            return REAL_URLOPEN(request, *args, **kwargs)
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution (no network in this test)")


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch) -> dict:
    """No NNSCRATCH_DATA, a fresh cache under tmp_path, an empty stand-in for Debian's folder, no network."""
    monkeypatch.delenv("NNSCRATCH_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    debian = tmp_path / "debian-fashion-mnist"
    monkeypatch.setitem(data.DATASETS, "fashion-mnist",
                        dataclasses.replace(data.DATASETS["fashion-mnist"], system_dirs=(debian,)))
    offline = Offline()
    monkeypatch.setattr(urllib.request, "urlopen", offline)
    return {"debian": debian, "cache": tmp_path / "cache" / "nnscratch", "offline": offline}


# ---------------------------------------------------------------------------------- the IDX format

def test_idx_readers_round_trip(tmp_path):
    arrays = fake_arrays()
    images = read_idx_images(write_gz(tmp_path / "i.gz", idx_images(arrays["train-images"])))
    labels = read_idx_labels(write_gz(tmp_path / "l.gz", idx_labels(arrays["train-labels"])), n_classes=10)
    assert images.dtype == np.uint8 and images.shape == (5, 28, 28)
    np.testing.assert_array_equal(images, arrays["train-images"])
    assert labels.dtype == np.uint8 and labels.shape == (5,)
    np.testing.assert_array_equal(labels, arrays["train-labels"])


@pytest.mark.parametrize("name", ["images-unpacked", "images-unpacked.gz"])
def test_idx_reader_accepts_unpacked_files(tmp_path, name):
    """A browser may unpack a download and keep or drop the .gz ending: gzip is recognised by content."""
    arrays = fake_arrays()
    (tmp_path / name).write_bytes(idx_images(arrays["train-images"]))
    np.testing.assert_array_equal(read_idx_images(tmp_path / name), arrays["train-images"])


@pytest.mark.parametrize("reader, content, expected, found", [
    (read_idx_images, idx_images(np.zeros((2, 28, 28)), magic=LABELS_MAGIC), "expected 2051", "found 2049"),
    (read_idx_labels, idx_labels(np.zeros(2), magic=IMAGES_MAGIC), "expected 2049", "found 2051"),
    (read_idx_images, idx_images(np.zeros((2, 28, 28)), magic=0x0D03), "expected 2051", "found 3331 (0x00000d03)"),
])
def test_wrong_magic(tmp_path, reader, content, expected, found):
    path = write_gz(tmp_path / "file.gz", content)
    with pytest.raises(ValueError, match="wrong magic number") as info:
        reader(path)
    assert str(path) in str(info.value) and expected in str(info.value) and found in str(info.value)


def test_truncated_payload(tmp_path):
    content = idx_images(np.zeros((3, 28, 28)))[:-100]
    with pytest.raises(ValueError, match=r"truncated: the header announces 3 images of 28x28 pixels = 2352 bytes "
                                         r"of data, but only 2252 follow \(100 missing\)") as info:
        read_idx_images(write_gz(tmp_path / "file.gz", content))
    assert str(tmp_path / "file.gz") in str(info.value)


def test_too_long_payload(tmp_path):
    content = idx_labels(np.arange(4)) + b"\x00\x01"
    with pytest.raises(ValueError, match=r"too long: the header announces 4 labels of 1 byte = 4 bytes of data, "
                                         r"but 6 follow \(2 extra\)"):
        read_idx_labels(write_gz(tmp_path / "file.gz", content))


@pytest.mark.parametrize("count, message", [(6, r"6 images .* = 4704 bytes .* only 3920 follow"),
                                            (4, r"4 images .* = 3136 bytes .* but 3920 follow")])
def test_header_count_disagrees_with_data(tmp_path, count, message):
    content = idx_images(np.zeros((5, 28, 28)), count=count)
    with pytest.raises(ValueError, match=message):
        read_idx_images(write_gz(tmp_path / "file.gz", content))


def test_header_too_short(tmp_path):
    message = r"too short for an IDX images file: the header needs 16 bytes, the file has 6"
    with pytest.raises(ValueError, match=message):
        read_idx_images(write_gz(tmp_path / "file.gz", b"\x00\x00\x08\x03\x00\x00"))
    with pytest.raises(ValueError, match="the header needs 8 bytes, the file has 2"):
        read_idx_labels(write_gz(tmp_path / "file.gz", b"\x00\x00"))


def test_labels_out_of_range(tmp_path):
    path = write_gz(tmp_path / "labels.gz", idx_labels(np.array([1, 2, 3, 12, 4, 10])))
    with pytest.raises(ValueError, match=r"labels must lie in 0\.\.9, but 2 of the 6 labels do not; "
                                         r"the first is 12 at index 3"):
        read_idx_labels(path, n_classes=10)
    assert read_idx_labels(path).max() == 12  # without n_classes no range check


def corrupt_flipped(gz: bytes) -> bytes:
    middle = len(gz) // 2
    return gz[:middle] + bytes(b ^ 0xFF for b in gz[middle:middle + 8]) + gz[middle + 8:]


@pytest.mark.parametrize("damage", [
    pytest.param(corrupt_flipped, id="flipped-bytes"),
    pytest.param(lambda gz: gz[: len(gz) // 2], id="truncated-gzip"),
    pytest.param(lambda gz: gz[:2] + b"\x00" * (len(gz) - 2), id="garbage-after-gzip-magic"),
])
def test_corrupt_gzip(tmp_path, damage):
    gz = gzip.compress(idx_images(fake_arrays()["train-images"]), mtime=0)
    path = tmp_path / "file.gz"
    path.write_bytes(damage(gz))
    with pytest.raises(ValueError, match="is not a valid gzip file") as info:
        read_idx_bytes(path)
    assert str(path) in str(info.value) and "download it again" in str(info.value)


# ---------------------------------------------------------------------------------- loading fake datasets

def test_load_fake_dataset(tmp_path, monkeypatch):
    folder = tmp_path / "fake"
    arrays = write_fake_dataset(folder)
    use_fake_spec(monkeypatch, "mnist", folder)
    (X, y), (X_test, y_test) = nnscratch.load_mnist(data_dir=folder)
    assert X.shape == (5, 784) and X.dtype == np.float32 and X.flags.writeable
    assert X_test.shape == (3, 784) and y.dtype == np.uint8 and y_test.shape == (3,)
    assert X.min() == 0.0 and X.max() == 1.0
    np.testing.assert_array_equal(X, arrays["train-images"].reshape(5, 784).astype(np.float32) / np.float32(255))
    np.testing.assert_array_equal(y, arrays["train-labels"])
    np.testing.assert_array_equal(y_test, arrays["t10k-labels"])

    (X, _), _ = nnscratch.load_mnist(data_dir=folder, dtype=np.float64, flatten=False)
    assert X.shape == (5, 28, 28) and X.dtype == np.float64
    np.testing.assert_allclose(X, arrays["train-images"] / 255.0, rtol=0, atol=0)

    (X, y), _ = nnscratch.load_dataset("MNIST", data_dir=folder, normalize=False)
    assert X.dtype == np.uint8 and X.shape == (5, 784) and X.flags.writeable and y.flags.writeable
    np.testing.assert_array_equal(X.reshape(5, 28, 28), arrays["train-images"])


def test_load_accepts_unpacked_copies(tmp_path, monkeypatch):
    """The same contents compressed differently (as in Debian's package) or not at all are accepted."""
    folder = tmp_path / "fake"
    arrays = write_fake_dataset(folder)
    use_fake_spec(monkeypatch, "mnist", folder)
    for name in NAMES[:2]:
        unpacked = gzip.decompress((folder / name).read_bytes())
        (folder / name).unlink()
        (folder / name.removesuffix(".gz")).write_bytes(unpacked)
    (folder / NAMES[2]).write_bytes(gzip.compress(gzip.decompress((folder / NAMES[2]).read_bytes()), 1, mtime=7))
    (X, y), (X_test, _) = nnscratch.load_mnist(data_dir=folder, normalize=False, flatten=False)
    np.testing.assert_array_equal(X, arrays["train-images"])
    np.testing.assert_array_equal(X_test, arrays["t10k-images"])


def test_image_and_label_counts_must_agree(tmp_path, monkeypatch):
    folder = tmp_path / "fake"
    arrays = fake_arrays()
    write_fake_dataset(folder, arrays, train_labels=idx_labels(arrays["train-labels"][:4]))
    use_fake_spec(monkeypatch, "mnist", folder)
    with pytest.raises(ValueError, match=r"MNIST training set: .*train-images-idx3-ubyte.gz holds 5 images but "
                                         r".*train-labels-idx1-ubyte.gz holds 4 labels"):
        nnscratch.load_mnist(data_dir=folder)


def test_labels_out_of_range_in_loader(tmp_path, monkeypatch):
    folder = tmp_path / "fake"
    write_fake_dataset(folder, test_labels=idx_labels(np.array([0, 9, 10])))
    use_fake_spec(monkeypatch, "mnist", folder)
    with pytest.raises(ValueError, match=r"t10k-labels-idx1-ubyte.gz: labels must lie in 0\.\.9, .*"
                                         r"the first is 10 at index 2"):
        nnscratch.load_mnist(data_dir=folder)


def test_wrong_image_size(tmp_path, monkeypatch):
    folder = tmp_path / "fake"
    write_fake_dataset(folder, fake_arrays(size=27))
    use_fake_spec(monkeypatch, "mnist", folder)
    with pytest.raises(ValueError, match="expected MNIST images of 28x28 pixels, found 27x27"):
        nnscratch.load_mnist(data_dir=folder)


def test_wrong_magic_in_loader(tmp_path, monkeypatch):
    """Train images and labels swapped by hand: the magic number says so."""
    folder = tmp_path / "fake"
    arrays = write_fake_dataset(folder)
    use_fake_spec(monkeypatch, "mnist", folder)
    write_gz(folder / NAMES[0], idx_labels(arrays["train-labels"]))
    with pytest.raises(ValueError, match=r"train-images-idx3-ubyte.gz: wrong magic number for IDX images: "
                                         r"expected 2051 \(0x00000803\), found 2049 \(that is an IDX labels file\)"):
        nnscratch.load_mnist(data_dir=folder)


def test_local_file_with_other_contents_is_rejected(tmp_path, monkeypatch):
    """A valid IDX file whose pixels differ from the official ones (e.g. a damaged or edited copy)."""
    folder = tmp_path / "fake"
    arrays = write_fake_dataset(folder)
    spec = use_fake_spec(monkeypatch, "mnist", folder)
    changed = arrays["t10k-images"].copy()
    changed[1, 5, 5] ^= 1
    write_gz(folder / NAMES[2], idx_images(changed))
    actual = hashlib.sha256(idx_images(changed)).hexdigest()
    with pytest.raises(ValueError) as info:
        nnscratch.load_mnist(data_dir=folder)
    message = str(info.value)
    assert str(folder / NAMES[2]) in message and "not those of the official MNIST t10k-images-idx3-ubyte.gz" in message
    assert f"is {actual}, expected {spec.files[2].idx_sha256}" in message and "delete it" in message


def test_bad_arguments():
    with pytest.raises(TypeError, match=r"load_mnist: dtype must be a floating type .* got int32; "
                                        r"for the raw uint8 pixel values pass normalize=False"):
        nnscratch.load_mnist(dtype=np.int32)
    with pytest.raises(TypeError, match="load_fashion_mnist: dtype must be a NumPy floating type"):
        nnscratch.load_fashion_mnist(dtype="banana")
    with pytest.raises(ValueError, match="Unknown dataset 'cifar10': choose one of 'mnist', 'fashion-mnist'"):
        nnscratch.load_dataset("cifar10")


def test_class_names():
    assert nnscratch.FASHION_MNIST_CLASSES == ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
                                               "Shirt", "Sneaker", "Bag", "Ankle boot")
    assert nnscratch.MNIST_CLASSES == tuple(str(k) for k in range(10))
    assert data.DATASETS["fashion-mnist"].classes is nnscratch.FASHION_MNIST_CLASSES


def test_official_checksums_are_recorded():
    """The SHA-256 of the official .gz files (the MNIST ones as in the brief and SHA256SUMS)."""
    mnist = {f.name: f.gz_sha256 for f in data.DATASETS["mnist"].files}
    assert mnist["train-images-idx3-ubyte.gz"] == "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"
    assert mnist["t10k-labels-idx1-ubyte.gz"] == "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"
    sizes = [f.size for f in data.DATASETS["fashion-mnist"].files]
    assert sizes == [26421880, 29515, 4422102, 5148]
    for spec in data.DATASETS.values():
        assert [f.name for f in spec.files] == list(NAMES)
        assert all(len(f.gz_sha256) == len(f.idx_sha256) == 64 for f in spec.files)


# ---------------------------------------------------------------------------------- where the files are found

def test_search_path(tmp_path, monkeypatch, isolated):
    cache = isolated["cache"]
    assert data.dataset_search_path("mnist") == [cache / "mnist"]
    assert data.dataset_search_path("fashion_mnist") == [cache / "fashion-mnist", isolated["debian"]]
    monkeypatch.setenv("NNSCRATCH_DATA", str(tmp_path / "data"))
    assert data.dataset_search_path("mnist") == [tmp_path / "data" / "mnist", cache / "mnist"]
    assert data.dataset_search_path("fashion-mnist") == [tmp_path / "data" / "fashion-mnist",
                                                         cache / "fashion-mnist", isolated["debian"]]
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert data.dataset_cache_dir("mnist") == tmp_path / "home" / ".cache" / "nnscratch" / "mnist"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/path")  # the XDG spec says: ignore relative paths
    assert data.dataset_cache_dir("mnist") == tmp_path / "home" / ".cache" / "nnscratch" / "mnist"


def test_search_order_nnscratch_data_then_cache_then_debian(tmp_path, monkeypatch, isolated):
    env = tmp_path / "data"
    monkeypatch.setenv("NNSCRATCH_DATA", str(env))
    folders = [env / "fashion-mnist", isolated["cache"] / "fashion-mnist", isolated["debian"]]
    assert data.find_dataset_dir("fashion-mnist") is None
    for folder in folders:
        write_fake_dataset(folder)
    assert data.find_dataset_dir("fashion-mnist") == folders[0]
    (folders[0] / NAMES[3]).unlink()  # an incomplete folder is passed over
    assert data.find_dataset_dir("fashion-mnist") == folders[1]
    (folders[1] / NAMES[0]).unlink()
    assert data.find_dataset_dir("fashion-mnist") == folders[2]
    assert data.find_dataset_dir("fashion-mnist", data_dir=folders[0]) is None


def test_search_order_end_to_end(tmp_path, monkeypatch, isolated):
    """The first complete folder is used, and a bad file there is reported (never silently skipped)."""
    env = tmp_path / "data"
    monkeypatch.setenv("NNSCRATCH_DATA", str(env))
    arrays = write_fake_dataset(isolated["debian"])
    use_fake_spec(monkeypatch, "fashion-mnist", isolated["debian"])
    write_fake_dataset(env / "fashion-mnist", fake_arrays(seed=1))  # valid IDX, but not the expected contents
    write_fake_dataset(isolated["cache"] / "fashion-mnist", fake_arrays(seed=2))
    with pytest.raises(ValueError, match=str(env / "fashion-mnist" / NAMES[0])):
        nnscratch.load_fashion_mnist()
    for name in NAMES:
        (env / "fashion-mnist" / name).unlink()
    with pytest.raises(ValueError, match=str(isolated["cache"] / "fashion-mnist" / NAMES[0])):
        nnscratch.load_fashion_mnist()
    for name in NAMES:
        (isolated["cache"] / "fashion-mnist" / name).unlink()
    (_, y), _ = nnscratch.load_fashion_mnist()
    np.testing.assert_array_equal(y, arrays["train-labels"])
    assert isolated["offline"].urls == []


def test_incomplete_folder_is_ignored_with_a_warning(tmp_path, monkeypatch, isolated):
    env = tmp_path / "data"
    monkeypatch.setenv("NNSCRATCH_DATA", str(env))
    arrays = write_fake_dataset(isolated["cache"] / "mnist")
    use_fake_spec(monkeypatch, "mnist", isolated["cache"] / "mnist")
    write_fake_dataset(env / "mnist")
    (env / "mnist" / NAMES[1]).unlink()
    with pytest.warns(UserWarning, match=rf"ignoring {env / 'mnist'}: .*missing train-labels-idx1-ubyte.gz\); "
                                         rf"using {isolated['cache'] / 'mnist'}"):
        (_, y), _ = nnscratch.load_mnist()
    np.testing.assert_array_equal(y, arrays["train-labels"])


def test_data_dir_replaces_the_search(tmp_path, monkeypatch, isolated):
    monkeypatch.setenv("NNSCRATCH_DATA", str(tmp_path / "data"))
    write_fake_dataset(tmp_path / "data" / "mnist", fake_arrays(seed=1))
    arrays = write_fake_dataset(tmp_path / "mine")
    use_fake_spec(monkeypatch, "mnist", tmp_path / "mine")
    (_, y), _ = nnscratch.load_mnist(data_dir=tmp_path / "mine")
    np.testing.assert_array_equal(y, arrays["train-labels"])


# ---------------------------------------------------------------------------------- downloads (no network)

def no_partial_files(folder: Path) -> bool:
    return not folder.exists() or not [p for p in folder.iterdir() if p.name.endswith(".part")]


@pytest.mark.parametrize("into", ["cache", "data_dir"])
def test_download_success_with_fallback_mirror(tmp_path, monkeypatch, isolated, into):
    server = tmp_path / "server"
    arrays = write_fake_dataset(server)
    use_fake_spec(monkeypatch, "mnist", server,
                  urls=((tmp_path / "missing-mirror").as_uri() + "/", server.as_uri() + "/"))
    target = isolated["cache"] / "mnist" if into == "cache" else tmp_path / "mine"
    write_gz(target / NAMES[1], idx_labels(arrays["train-labels"]))  # already there: kept, not downloaded
    (X, y), (X_test, y_test) = nnscratch.load_mnist(data_dir=None if into == "cache" else target)
    np.testing.assert_array_equal(y_test, arrays["t10k-labels"])
    assert X.shape == (5, 784) and X_test.shape == (3, 784)
    for name in NAMES:
        assert (target / name).read_bytes() == (server / name).read_bytes() or name == NAMES[1]
    assert no_partial_files(target)
    downloaded = [u.rsplit("/", 1)[1] for u in isolated["offline"].urls if "server" in u]
    assert downloaded == [NAMES[0], NAMES[2], NAMES[3]]
    isolated["offline"].urls.clear()
    nnscratch.load_mnist(data_dir=None if into == "cache" else target)  # the second time: no download
    assert isolated["offline"].urls == []


def test_download_over_http(tmp_path, monkeypatch, isolated):
    """A real HTTP transfer from a small server on 127.0.0.1."""
    server_dir = tmp_path / "server"
    arrays = write_fake_dataset(server_dir)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(server_dir))
    handler.log_message = lambda *args: None
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler) as server:
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        thread.start()
        try:
            monkeypatch.setenv("no_proxy", "127.0.0.1")
            use_fake_spec(monkeypatch, "fashion-mnist", server_dir,
                          urls=(f"http://127.0.0.1:{server.server_address[1]}/",))
            (X, y), _ = nnscratch.load_fashion_mnist(flatten=False)
        finally:
            server.shutdown()
    np.testing.assert_array_equal(y, arrays["train-labels"])
    assert X.shape == (5, 28, 28)
    assert sorted(p.name for p in (isolated["cache"] / "fashion-mnist").iterdir()) == sorted(NAMES)


def test_download_checksum_mismatch(tmp_path, monkeypatch, isolated):
    server = tmp_path / "server"
    arrays = write_fake_dataset(server)
    spec = use_fake_spec(monkeypatch, "mnist", server, urls=(server.as_uri() + "/",))
    bad = idx_labels(arrays["train-labels"][::-1])
    write_gz(server / NAMES[1], bad)  # the server now sends another file
    actual = hashlib.sha256((server / NAMES[1]).read_bytes()).hexdigest()
    with pytest.raises(ValueError) as info:
        nnscratch.load_mnist()
    message = str(info.value)
    assert "the downloaded train-labels-idx1-ubyte.gz is not the official file (wrong SHA-256)" in message
    assert f"SHA-256 {actual}" in message and f"SHA-256 {spec.files[1].gz_sha256}" in message
    assert "the download was deleted" in message
    cache = isolated["cache"] / "mnist"
    assert not (cache / NAMES[1]).exists() and no_partial_files(cache)
    assert sorted(p.name for p in cache.iterdir()) == [NAMES[0]]  # the good first file stays (it is verified)


@pytest.mark.parametrize("name, loader", [("mnist", nnscratch.load_mnist),
                                          ("fashion-mnist", nnscratch.load_fashion_mnist)])
def test_no_network(isolated, name, loader):
    with pytest.raises(RuntimeError) as info:
        loader()
    message = str(info.value)
    cache = isolated["cache"] / name
    assert "downloading train-images-idx3-ubyte.gz failed (is this computer offline?)" in message
    assert "Temporary failure in name resolution" in message
    assert "NNSCRATCH_DATA" in message and f"put them in {cache}" in message
    assert all(n in message for n in NAMES)
    assert f"{cache}: no such folder" in message
    assert (f"{isolated['debian']}: no such folder" in message) == (name == "fashion-mnist")
    assert ("apt-get install dataset-fashion-mnist" in message) == (name == "fashion-mnist")
    assert all(u.startswith(("https://", "http://")) for u in isolated["offline"].urls)
    assert len(isolated["offline"].urls) == len(data.DATASETS[name].urls)  # every mirror tried once
    assert not cache.exists()  # the folder made for the download is removed again


def test_no_network_with_data_dir(tmp_path, isolated):
    with pytest.raises(RuntimeError) as info:
        nnscratch.load_mnist(data_dir=tmp_path / "mine")
    assert f"put them in {tmp_path / 'mine'}" in str(info.value)
    assert "NNSCRATCH_DATA" not in str(info.value)


def test_download_false(isolated):
    with pytest.raises(FileNotFoundError, match=r"the four files are not in any of these folders:(.|\n)*"
                                                r"and download=False"):
        nnscratch.load_fashion_mnist(download=False)
    assert isolated["offline"].urls == []


# ---------------------------------------------------------------------------------- the real datasets

def real_mnist_dir() -> Path | None:
    folder = Path(REAL_NNSCRATCH_DATA) / "mnist"
    return folder if REAL_NNSCRATCH_DATA and all((folder / n).is_file() for n in NAMES) else None


needs_mnist = pytest.mark.skipif(
    real_mnist_dir() is None,
    reason="MNIST not found: set NNSCRATCH_DATA to a folder whose mnist/ sub-folder holds the four .gz files "
           "(CI does)")
needs_fashion = pytest.mark.skipif(
    not all((DEBIAN_FASHION / n).is_file() for n in NAMES),
    reason="Fashion-MNIST not found in /usr/share/datasets/fashion-mnist (apt-get install dataset-fashion-mnist)")


@pytest.fixture(scope="module")
def mnist():
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NNSCRATCH_DATA", REAL_NNSCRATCH_DATA)
        return nnscratch.load_mnist(download=False)


@needs_mnist
def test_real_mnist(mnist):
    (X, y), (X_test, y_test) = mnist
    assert X.shape == (60000, 784) and X_test.shape == (10000, 784)
    assert X.dtype == X_test.dtype == np.float32 and y.dtype == y_test.dtype == np.uint8
    assert X.min() == 0.0 and X.max() == 1.0
    assert np.bincount(y).tolist() == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    assert np.bincount(y_test).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    assert y[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert y_test[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]


@needs_mnist
def test_real_mnist_raw_pixels(mnist, monkeypatch):
    monkeypatch.setenv("NNSCRATCH_DATA", REAL_NNSCRATCH_DATA)
    (X_raw, _), (X_test_raw, _) = nnscratch.load_mnist(normalize=False, flatten=False, download=False)
    assert X_raw.shape == (60000, 28, 28) and X_raw.dtype == np.uint8 and X_test_raw.shape == (10000, 28, 28)
    assert np.array_equal(mnist[0][0], X_raw.reshape(60000, 784) / np.float32(255))
    assert np.array_equal(mnist[1][0], X_test_raw.reshape(10000, 784) / np.float32(255))


@needs_fashion
def test_real_fashion_mnist_from_debian(monkeypatch):
    """Found through the search path (nothing in NNSCRATCH_DATA or the cache here), without network."""
    monkeypatch.setitem(data.DATASETS, "fashion-mnist",
                        dataclasses.replace(data.DATASETS["fashion-mnist"], system_dirs=(DEBIAN_FASHION,)))
    assert data.find_dataset_dir("fashion-mnist") == DEBIAN_FASHION
    (X, y), (X_test, y_test) = nnscratch.load_fashion_mnist(download=False)
    assert X.shape == (60000, 784) and X_test.shape == (10000, 784) and X.dtype == np.float32
    assert X.min() == 0.0 and X.max() == 1.0
    assert np.bincount(y).tolist() == [6000] * 10 and np.bincount(y_test).tolist() == [1000] * 10
    assert [nnscratch.FASHION_MNIST_CLASSES[k] for k in y[:3]] == ["Ankle boot", "T-shirt/top", "T-shirt/top"]
