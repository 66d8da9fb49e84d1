"""Datasets.

The toy datasets come from the ``nnfs`` package (the spiral data is Andrej Karpathy's, from CS231n).
``nnfs``'s functions draw from NumPy's global random state; the wrappers here seed it for the call
and put the previous state back, so the same ``seed`` always gives the same data and the reader's
own random numbers are left alone. (They never call ``nnfs.init()``, which replaces ``np.dot``
and other NumPy functions for the whole session.)

The real datasets, MNIST (handwritten digits) and Fashion-MNIST (clothing), are read from their
original IDX files (see :mod:`nnscratch.idx`) with :func:`load_mnist`, :func:`load_fashion_mnist`
or :func:`load_dataset`. The four files of a dataset are looked for, in this order, in
``$NNSCRATCH_DATA/<name>/``, in the per-user cache ``$XDG_CACHE_HOME/nnscratch/<name>/`` (default
``~/.cache/nnscratch/<name>/``; skipped when no home folder can be found) and, for Fashion-MNIST, in
``/usr/share/datasets/fashion-mnist/`` (Debian package ``dataset-fashion-mnist``); when they are
nowhere, they are downloaded into the cache (from an https mirror first), a download stopping as
soon as more bytes arrive than the official file has. Every file is checked: its IDX header, its
length, and the SHA-256 of its contents; it is decompressed in chunks and never beyond the known
size of the official file, so a damaged or hostile file cannot fill the memory.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import sys
import tempfile
import urllib.request
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
from nnfs.datasets import sine_data as _nnfs_sine
from nnfs.datasets import spiral_data as _nnfs_spiral
from nnfs.datasets import vertical_data as _nnfs_vertical

from .idx import parse_idx_images, parse_idx_labels, read_idx_bytes


def _seeded(make: Callable[..., tuple[np.ndarray, np.ndarray]], seed: int, *args: int) -> tuple[np.ndarray, np.ndarray]:
    saved = np.random.get_state()
    try:
        np.random.seed(seed)
        return make(*args)
    finally:
        np.random.set_state(saved)


def _check_counts(samples: int, classes: int, who: str) -> None:
    if int(samples) < 1 or int(classes) < 1:
        raise ValueError(f"{who}: samples and classes must be positive, got samples={samples}, classes={classes}.")


def spiral_data(samples: int = 100, classes: int = 3, *, seed: int = 0,
                dtype: type = np.float64) -> tuple[np.ndarray, np.ndarray]:
    """``classes`` interleaved spiral arms of ``samples`` points each.

    Returns ``X`` of shape ``(samples * classes, 2)`` and integer labels ``y`` of shape
    ``(samples * classes,)``, ordered class by class."""
    _check_counts(samples, classes, "spiral_data")
    X, y = _seeded(_nnfs_spiral, seed, int(samples), int(classes))
    return X.astype(dtype, copy=False), y


def vertical_data(samples: int = 100, classes: int = 3, *, seed: int = 0,
                  dtype: type = np.float64) -> tuple[np.ndarray, np.ndarray]:
    """``classes`` vertical blobs of ``samples`` points each: an easy, almost linearly separable set."""
    _check_counts(samples, classes, "vertical_data")
    X, y = _seeded(_nnfs_vertical, seed, int(samples), int(classes))
    return X.astype(dtype, copy=False), y


def sine_data(samples: int = 1000, *, dtype: type = np.float64) -> tuple[np.ndarray, np.ndarray]:
    """``samples`` evenly spaced points ``x`` in [0, 1) with targets ``y = sin(2 pi x)``, both of shape (samples, 1)."""
    _check_counts(samples, 1, "sine_data")
    X, y = _nnfs_sine(int(samples))
    return X.astype(dtype, copy=False), y.astype(dtype, copy=False)


# --------------------------------------------------------------------------------------------------
# MNIST and Fashion-MNIST

MNIST_CLASSES: tuple[str, ...] = ("0", "1", "2", "3", "4", "5", "6", "7", "8", "9")
"""The class names of MNIST: label ``k`` is the digit ``k``."""

FASHION_MNIST_CLASSES: tuple[str, ...] = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)
"""The class names of Fashion-MNIST: label ``k`` is ``FASHION_MNIST_CLASSES[k]``."""


@dataclass(frozen=True)
class IDXFile:
    """One file of a dataset: its name, and the size and SHA-256 of the official ``.gz`` file
    (``gz_sha256``, checked after a download, which stops beyond ``size`` bytes) and the SHA-256
    of its decompressed contents (``idx_sha256``, checked on every load, so a copy compressed
    again elsewhere is accepted). ``idx_size`` is the length of the decompressed contents:
    decompression stops with an error beyond it (``None``: bounded by the IDX header only)."""

    name: str
    size: int
    gz_sha256: str
    idx_sha256: str
    idx_size: int | None = None


@dataclass(frozen=True)
class DatasetSpec:
    """Where a dataset comes from: its four files (train images, train labels, test images, test
    labels), the base URLs to download them from (tried in order, https ones first), its class
    names, and folders where an operating-system package installs it."""

    name: str
    title: str
    files: tuple[IDXFile, IDXFile, IDXFile, IDXFile]
    urls: tuple[str, ...]
    classes: tuple[str, ...]
    system_dirs: tuple[Path, ...] = ()
    apt_package: str | None = None
    image_shape: tuple[int, int] = (28, 28)


DATASETS: dict[str, DatasetSpec] = {
    "mnist": DatasetSpec(
        name="mnist",
        title="MNIST",
        files=(
            IDXFile("train-images-idx3-ubyte.gz", 9912422,
                    "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
                    "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db", 47040016),
            IDXFile("train-labels-idx1-ubyte.gz", 28881,
                    "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
                    "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5", 60008),
            IDXFile("t10k-images-idx3-ubyte.gz", 1648877,
                    "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
                    "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7", 7840016),
            IDXFile("t10k-labels-idx1-ubyte.gz", 4542,
                    "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
                    "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2", 10008),
        ),
        urls=("https://ossci-datasets.s3.amazonaws.com/mnist/", "https://yann.lecun.com/exdb/mnist/"),
        classes=MNIST_CLASSES,
    ),
    # Debian's copies differ from the official .gz files only in the gzip header (file name and
    # time stamp); their decompressed contents are identical, which is what idx_sha256 checks.
    "fashion-mnist": DatasetSpec(
        name="fashion-mnist",
        title="Fashion-MNIST",
        files=(
            IDXFile("train-images-idx3-ubyte.gz", 26421880,
                    "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
                    "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888", 47040016),
            IDXFile("train-labels-idx1-ubyte.gz", 29515,
                    "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
                    "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9", 60008),
            IDXFile("t10k-images-idx3-ubyte.gz", 4422102,
                    "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
                    "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b", 7840016),
            IDXFile("t10k-labels-idx1-ubyte.gz", 5148,
                    "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
                    "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34", 10008),
        ),
        urls=(  # https first: the S3 website endpoint serves only plain http
            "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
            "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        ),
        classes=FASHION_MNIST_CLASSES,
        system_dirs=(Path("/usr/share/datasets/fashion-mnist"),),
        apt_package="dataset-fashion-mnist",
    ),
}
"""The datasets :func:`load_dataset` knows, by name."""

_DOWNLOAD_TIMEOUT = 60  # seconds without data before a download is given up
_CHUNK = 1 << 20


def _spec(name: str) -> DatasetSpec:
    if not isinstance(name, str):
        raise TypeError(f"The dataset name must be a string such as 'mnist' or 'fashion-mnist', "
                        f"got {name!r} ({type(name).__name__}).")
    key = name.strip().lower().replace("_", "-")
    if key not in DATASETS:
        raise ValueError(f"Unknown dataset {name!r}: choose one of {', '.join(map(repr, DATASETS))}.")
    return DATASETS[key]


_NO_HOME = ("no home folder could be found (HOME is not set or empty, and the password database "
            "has no entry for this user)")


def _home_dir() -> Path | None:
    """The user's home folder: ``$HOME`` when it is an absolute path (an empty or relative
    ``HOME`` counts as unset), else the password database's entry; ``None`` when there is none."""
    home = os.environ.get("HOME", "")
    if os.path.isabs(home):
        return Path(home)
    if os.name == "posix":
        try:
            import pwd
            home = pwd.getpwuid(os.getuid()).pw_dir
        except (ImportError, KeyError, OSError):
            home = ""
        return Path(home) if os.path.isabs(home) else None
    try:  # Windows: USERPROFILE, or HOMEDRIVE and HOMEPATH
        return Path.home()
    except (RuntimeError, KeyError, OSError):
        return None


def _expand(path: str | os.PathLike) -> Path:
    """``path`` with a leading ``~`` replaced by the home folder of :func:`_home_dir` (``~user``
    by that user's); left as it is when there is none."""
    path = Path(path)
    if path.parts and path.parts[0] == "~":
        home = _home_dir()
        return path if home is None else home.joinpath(*path.parts[1:])
    try:
        return path.expanduser()
    except RuntimeError:
        return path


def _cache_dir(spec: DatasetSpec) -> Path | None:
    base = os.environ.get("XDG_CACHE_HOME", "")
    if os.path.isabs(base):
        root = Path(base)
    elif (home := _home_dir()) is not None:
        root = home / ".cache"
    else:
        return None
    return root / "nnscratch" / spec.name


def dataset_cache_dir(name: str) -> Path:
    """The per-user cache folder of a dataset: ``$XDG_CACHE_HOME/nnscratch/<name>`` or, when
    ``XDG_CACHE_HOME`` is not set (or not an absolute path), ``~/.cache/nnscratch/<name>``. An
    empty ``HOME`` counts as unset; when no home folder can be found, ``RuntimeError``."""
    spec = _spec(name)
    folder = _cache_dir(spec)
    if folder is None:
        raise RuntimeError(f"{spec.title} has no cache folder: {_NO_HOME}. Set XDG_CACHE_HOME or "
                           "HOME to an absolute path, or NNSCRATCH_DATA to a folder holding the "
                           "data.")
    return folder


def dataset_search_path(name: str) -> list[Path]:
    """The folders searched for a dataset's four files, in order: ``$NNSCRATCH_DATA/<name>`` (when
    the variable is set), the per-user cache (:func:`dataset_cache_dir`; left out when no home
    folder can be found), then the folders where an operating-system package installs it (for
    Fashion-MNIST, Debian's ``/usr/share/datasets/fashion-mnist``)."""
    spec = _spec(name)
    folders = []
    root = os.environ.get("NNSCRATCH_DATA", "")
    if root:
        folders.append(_expand(root) / spec.name)
    cache = _cache_dir(spec)
    if cache is not None:
        folders.append(cache)
    folders.extend(spec.system_dirs)
    return folders


def _find_file(folder: Path, file: IDXFile) -> Path | None:
    """``folder/<name>.gz``, or the unpacked ``folder/<name>`` (some browsers unpack downloads)."""
    for candidate in (folder / file.name, folder / file.name.removesuffix(".gz")):
        if candidate.is_file():
            return candidate
    return None


def _folder_status(spec: DatasetSpec, folder: Path) -> tuple[list[Path | None], str]:
    found = [_find_file(folder, f) for f in spec.files]
    if not folder.is_dir():
        return found, "no such folder"
    missing = [f.name for f, p in zip(spec.files, found) if p is None]
    return found, ("complete" if not missing else "missing " + ", ".join(missing))


def find_dataset_dir(name: str, data_dir: str | os.PathLike | None = None) -> Path | None:
    """The first folder of :func:`dataset_search_path` (or just ``data_dir`` when given) that holds
    all four files of the dataset, or ``None``. Only checks that the files exist."""
    spec = _spec(name)
    folders = [Path(data_dir).expanduser()] if data_dir is not None else dataset_search_path(spec.name)
    for folder in folders:
        if all(p is not None for p in _folder_status(spec, folder)[0]):
            return folder
    return None


def _how_to_fix(spec: DatasetSpec, target: Path | None, data_dir_given: bool) -> str:
    names = ", ".join(f.name for f in spec.files)
    lines = ["To fix it, do one of these:"]
    if not data_dir_given:
        lines.append(f"  * set the environment variable NNSCRATCH_DATA to a folder whose sub-folder "
                     f"'{spec.name}/' holds the four files;")
    where = f"put them in {target if target is not None else f'$NNSCRATCH_DATA/{spec.name}/'}"
    lines.append(f"  * download the four files ({names}) by hand from {spec.urls[0]} "
                 f"and {where}" + (";" if spec.apt_package or target is None else "."))
    if target is None:
        lines.append("  * set HOME (or XDG_CACHE_HOME) to an absolute path, so that the loader can "
                     "download them into the cache" + (";" if spec.apt_package else "."))
    if spec.apt_package:
        where = f" (it puts them in {spec.system_dirs[0]})" if spec.system_dirs else ""
        lines.append(f"  * on Debian or Ubuntu: sudo apt-get install {spec.apt_package}{where}.")
    return "\n".join(lines)


class _NotOfficial(Exception):
    """The server sent something other than the official file; ``reason`` says how we know."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(reason, detail)
        self.reason, self.detail = reason, detail


def _fetch(url: str, dest: Path, expected_size: int, expected_sha256: str) -> None:
    """Download ``url`` into a temporary file beside ``dest``; rename it to ``dest`` only when its
    SHA-256 is ``expected_sha256``. The download stops as soon as the server announces or sends
    more than ``expected_size`` bytes. The temporary file never survives a failure."""
    request = urllib.request.Request(url, headers={"User-Agent": "nnscratch (Neural Networks from Scratch)"})
    fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    tmp = Path(tmp_name)
    too_large = "larger than the official file"
    try:
        digest = hashlib.sha256()
        n_bytes = 0
        with os.fdopen(fd, "wb") as out, \
                urllib.request.urlopen(request, timeout=_DOWNLOAD_TIMEOUT) as response:
            announced = (getattr(response, "headers", None) or {}).get("Content-Length", "")
            if announced.strip().isdigit() and int(announced) > expected_size:
                raise _NotOfficial(too_large, f"the server announced {int(announced)} bytes "
                                   f"(Content-Length), the official file has {expected_size}; "
                                   "nothing was downloaded")
            while chunk := response.read(min(_CHUNK, expected_size - n_bytes + 1)):
                n_bytes += len(chunk)
                if n_bytes > expected_size:
                    raise _NotOfficial(too_large, f"the server sent more than the {expected_size} "
                                       "bytes of the official file; the download was stopped there "
                                       "and deleted")
                digest.update(chunk)
                out.write(chunk)
        if digest.hexdigest() != expected_sha256:
            raise _NotOfficial("wrong SHA-256", f"got {n_bytes} bytes with SHA-256 "
                               f"{digest.hexdigest()}, expected {expected_size} bytes with SHA-256 "
                               f"{expected_sha256}; the download was deleted")
        tmp.chmod(0o644)
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)


class _DownloadFailed(Exception):
    def __init__(self, attempts: list[str], mismatch: list[str]) -> None:
        super().__init__(attempts, mismatch)
        self.attempts, self.mismatch = attempts, mismatch


def _download(spec: DatasetSpec, file: IDXFile, folder: Path) -> None:
    """Download one file into ``folder`` from the first base URL that delivers the official bytes."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise _DownloadFailed([f"  cannot create the folder {folder}: {e}"], []) from None
    if not os.access(folder, os.W_OK):
        raise _DownloadFailed([f"  cannot write to the folder {folder} (no permission)"], [])
    attempts, mismatch = [], []
    for base in spec.urls:
        url = base + file.name
        print(f"nnscratch: downloading {spec.title} {file.name} ({file.size / 1e6:.1f} MB) from {url}",
              file=sys.stderr, flush=True)
        try:
            _fetch(url, folder / file.name, file.size, file.gz_sha256)
            return
        except _NotOfficial as e:
            if e.reason not in mismatch:
                mismatch.append(e.reason)
            attempts.append(f"  {url}: {e.detail}")
        except (OSError, http.client.HTTPException, ValueError) as e:  # URLError and timeouts are OSErrors
            attempts.append(f"  {url}: {type(e).__name__}: {e}")
    raise _DownloadFailed(attempts, mismatch)


def _read_checked(spec: DatasetSpec, file: IDXFile, path: Path) -> np.ndarray:
    """Read one file and check its IDX format, then that its contents are the official ones.

    Reading and decompressing stop with an error beyond the known size of the official file."""
    if file.idx_size is not None:
        # deflate never grows data by more than a few bytes per 16 kB block, plus the gzip header
        most = file.idx_size + file.idx_size // 1000 + 4096
        size = path.stat().st_size
        if size > most:
            raise ValueError(
                f"{path}: {size} bytes, more than any copy of the official {spec.title} "
                f"{file.name} can have (at most {most} bytes, compressed or not); it was not read. "
                "It is another file: delete it (the loader then downloads it again) or replace it "
                "with an original copy."
            )
    data = read_idx_bytes(path, max_size=file.idx_size)
    if "images" in file.name:
        array = parse_idx_images(data, str(path))
        if array.shape[1:] != spec.image_shape:
            raise ValueError(f"{path}: expected {spec.title} images of {spec.image_shape[0]}x{spec.image_shape[1]} "
                             f"pixels, found {array.shape[1]}x{array.shape[2]}. This is another dataset's file; "
                             "replace it with the original.")
    else:
        array = parse_idx_labels(data, str(path), n_classes=len(spec.classes))
    actual = hashlib.sha256(data).hexdigest()
    if actual != file.idx_sha256:
        raise ValueError(
            f"{path}: its contents are not those of the official {spec.title} {file.name}: the SHA-256 of the "
            f"decompressed data is {actual}, expected {file.idx_sha256} (the official .gz file has SHA-256 "
            f"{file.gz_sha256}). The file is damaged or modified: delete it (the loader then downloads it again) "
            "or replace it with an original copy."
        )
    return array


def load_dataset(name: str, *, dtype: type = np.float32, normalize: bool = True, flatten: bool = True,
                 data_dir: str | os.PathLike | None = None, download: bool = True,
                 ) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Load ``"mnist"`` or ``"fashion-mnist"`` as ``(X_train, y_train), (X_test, y_test)``.

    * ``X``: the images, 60000 for training and 10000 for testing. With ``normalize`` (default) they
      are floats of type ``dtype`` in [0, 1] (the pixel value divided by 255); with
      ``normalize=False`` they are the raw pixel values 0..255 as ``uint8`` (``dtype`` is then not
      used). With ``flatten`` (default) each image is one row of 784 = 28 * 28 numbers, shape
      ``(n, 784)``; otherwise shape ``(n, 28, 28)``.
    * ``y``: the class labels 0..9, shape ``(n,)``, as ``uint8`` (like :func:`spiral_data`'s labels).

    The four files are looked for in the folders of :func:`dataset_search_path` (or only in
    ``data_dir``, a folder holding the four files, when given); the first folder holding all four is
    used. When none does and ``download`` is true, the missing files are downloaded into the cache
    (or into ``data_dir``) and checked against their official SHA-256 before use. Every load checks
    each file's IDX header and length and the SHA-256 of its contents, so a damaged file raises a
    ``ValueError`` naming it rather than giving wrong data. ``FileNotFoundError`` (with
    ``download=False``) or ``RuntimeError`` (download failed) say where the files were looked for and
    how to provide them.
    """
    return _load(_spec(name), "load_dataset", dtype, normalize, flatten, data_dir, download)


def _load(spec: DatasetSpec, who: str, dtype: type, normalize: bool, flatten: bool,
          data_dir: str | os.PathLike | None, download: bool,
          ) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    try:
        if dtype is None:  # np.dtype(None) would silently mean float64
            raise TypeError
        out_dtype = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{who}: dtype must be a NumPy floating type such as np.float32, got {dtype!r}.") from None
    if out_dtype.kind != "f":
        raise TypeError(f"{who}: dtype must be a floating type such as np.float32 or np.float64, got {out_dtype}; "
                        "for the raw uint8 pixel values pass normalize=False.")
    for arg, value in (("normalize", normalize), ("flatten", flatten), ("download", download)):
        if not isinstance(value, (bool, np.bool_)):
            raise TypeError(f"{who}: {arg} must be True or False, "
                            f"got {value!r} ({type(value).__name__}).")
    if data_dir is not None:
        if not isinstance(data_dir, (str, os.PathLike)):
            raise TypeError(f"{who}: data_dir must be a folder (a str or pathlib.Path) or None, "
                            f"got {data_dir!r} ({type(data_dir).__name__}).")
        if not os.fspath(data_dir):
            raise ValueError(f"{who}: data_dir is empty; pass the folder that holds the four "
                             "files, or None to search the usual folders.")

    folders = [_expand(data_dir)] if data_dir is not None else dataset_search_path(spec.name)
    target = folders[0] if data_dir is not None else _cache_dir(spec)
    fix = _how_to_fix(spec, target, data_dir is not None)
    statuses = [(folder, *_folder_status(spec, folder)) for folder in folders]
    chosen = next(((folder, found) for folder, found, _ in statuses if None not in found), None)
    if chosen is not None:
        for folder, found, status in statuses:  # say so when a folder searched earlier is incomplete
            if folder == chosen[0]:
                break
            if folder.is_dir() and any(p is not None for p in found):
                warnings.warn(f"{who}: ignoring {folder}: it holds only some of the four files ({status}); "
                              f"using {chosen[0]}.", stacklevel=3)
        paths = chosen[1]
    else:
        report = "\n".join(f"  {folder}: {status}" for folder, _, status in statuses)
        if target is None:
            report += f"\n  (the per-user cache was skipped: {_NO_HOME})"
        if not download:
            raise FileNotFoundError(f"{spec.title}: the four files are not in any of these folders:\n{report}\n"
                                    f"and download=False.\n{fix}")
        if target is None:
            raise RuntimeError(f"{spec.title}: the four files are not in any of these folders:\n"
                               f"{report}\nand there is no cache folder to download them "
                               f"into.\n{fix}")
        found = _folder_status(spec, target)[0]
        target_existed = target.is_dir()
        for file, path in zip(spec.files, found):
            if path is None:
                try:
                    _download(spec, file, target)
                except _DownloadFailed as e:
                    if not target_existed:
                        try:
                            target.rmdir()  # only when still empty: leave no trace of a failed first try
                        except OSError:
                            pass
                    tried = "\n".join(e.attempts)
                    if e.mismatch:
                        raise ValueError(
                            f"{spec.title}: the downloaded {file.name} is not the official file "
                            f"({', '.join(e.mismatch)}):\n"
                            f"{tried}\nThe server sent something else (an error page, or a changed file).\n{fix}"
                        ) from None
                    raise RuntimeError(
                        f"{spec.title}: the four files are not in any of these folders:\n{report}\n"
                        f"and downloading {file.name} failed (is this computer offline?):\n{tried}\n{fix}"
                    ) from None
        paths = _folder_status(spec, target)[0]

    train_x, train_y, test_x, test_y = (_read_checked(spec, f, p) for f, p in zip(spec.files, paths))
    for split, x, y, fx, fy in (("training", train_x, train_y, *paths[:2]), ("test", test_x, test_y, *paths[2:])):
        if len(x) != len(y):
            raise ValueError(f"{spec.title} {split} set: {fx} holds {len(x)} images but {fy} holds {len(y)} labels; "
                             "the two files do not belong together. Replace them with the original files.")

    def images(x: np.ndarray) -> np.ndarray:
        if flatten:
            x = x.reshape(len(x), -1)
        # np.divide makes a new (writable) array; the raw pixels are copied off the read-only buffer.
        return np.divide(x, 255, dtype=out_dtype) if normalize else x.copy()

    return (images(train_x), train_y.copy()), (images(test_x), test_y.copy())


def load_mnist(*, dtype: type = np.float32, normalize: bool = True, flatten: bool = True,
               data_dir: str | os.PathLike | None = None, download: bool = True,
               ) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """MNIST, 70000 handwritten digits 0-9 as 28x28 grey images: ``(X_train, y_train), (X_test, y_test)``
    with 60000 training and 10000 test images. See :func:`load_dataset` for the arguments."""
    return _load(DATASETS["mnist"], "load_mnist", dtype, normalize, flatten, data_dir, download)


def load_fashion_mnist(*, dtype: type = np.float32, normalize: bool = True, flatten: bool = True,
                       data_dir: str | os.PathLike | None = None, download: bool = True,
                       ) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Fashion-MNIST, 70000 28x28 grey images of 10 kinds of clothing (names in
    :data:`FASHION_MNIST_CLASSES`): ``(X_train, y_train), (X_test, y_test)`` with 60000 training and
    10000 test images. See :func:`load_dataset` for the arguments."""
    return _load(DATASETS["fashion-mnist"], "load_fashion_mnist", dtype, normalize, flatten, data_dir, download)
