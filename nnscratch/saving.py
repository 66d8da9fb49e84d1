r"""Saving and loading a ``Model``: its parameters and a description of its layers in one ``.npz``
file that loads without pickle (chapter 18, *Saving, loading and inference*).

The file holds one array per parameter, ``"layer0.W"``, ``"layer0.b"``, ..., and the architecture
as JSON text under ``"architecture"``. ``Model.save``, ``Model.load`` and ``Model.load_params``
call the functions below.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
import zlib
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from .conv import Conv2D, Flatten, MaxPool2D, Reshape
from .layers import BatchNorm, Dense, Dropout, Layer, Linear, ReLU, Sigmoid, Softmax, Tanh
from .losses import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    MeanAbsoluteError,
    MeanSquaredError,
    SigmoidBinaryCrossentropy,
    SoftmaxCrossentropy,
)
from .metrics import METRICS

if TYPE_CHECKING:  # pragma: no cover
    from .model import Model

#: The layers and losses ``load`` can rebuild from their names.
LAYERS = {cls.__name__: cls for cls in (BatchNorm, Dense, Dropout, Linear, ReLU, Sigmoid, Softmax,
                                        Tanh, Conv2D, Flatten, MaxPool2D, Reshape)}
LOSSES = {cls.__name__: cls for cls in (BinaryCrossentropy, CategoricalCrossentropy,
                                        MeanAbsoluteError, MeanSquaredError,
                                        SigmoidBinaryCrossentropy, SoftmaxCrossentropy)}
FORMAT = "nnscratch.Model"
VERSION = 1  #: the format version ``save`` writes and ``load`` reads
_FIX = "Pass a file written by Model.save."


def architecture(model: "Model") -> dict[str, Any]:
    """The description ``save`` stores: each layer's type and constructor arguments, the loss
    and the metric."""
    layers = []
    for layer in model.layers:
        config: dict[str, Any] = {"type": type(layer).__name__}
        if type(layer) is Dense:
            config.update(n_inputs=layer.n_inputs, n_neurons=layer.n_neurons, **layer.regularizers)
        elif type(layer) is Dropout:
            config["rate"] = layer.rate
        elif type(layer) is Conv2D:
            config.update(in_channels=layer.in_channels, out_channels=layer.out_channels,
                          kernel_size=list(layer.kernel_size), stride=layer.stride,
                          padding=layer.padding)
        elif type(layer) is MaxPool2D:
            config.update(pool_size=layer.pool_size, stride=layer.stride)
        elif type(layer) is Reshape:
            config["shape"] = list(layer.shape)
        elif type(layer) is BatchNorm:
            config.update(n_features=layer.n_features, momentum=layer.momentum,
                          epsilon=layer.epsilon)
        layers.append(config)
    return {"format": FORMAT, "version": VERSION, "layers": layers,
            "loss": None if model.loss is None else type(model.loss).__name__,
            "metric": model.metric if isinstance(model.metric, str) else None}


def state(layer: Layer) -> dict[str, np.ndarray]:
    """What is saved of a layer: its ``params`` and, if it has them, its ``buffers`` (arrays it
    keeps but does not train, like ``BatchNorm``'s running averages)."""
    return {**layer.params, **getattr(layer, "buffers", {})}


def save(model: "Model", path: str | Path) -> Path:
    """Write the model to ``path`` (``.npz`` appended if missing) and return the path written.

    The file is written under a temporary name in the same folder and renamed over ``path`` only
    when it is complete, so a failure midway (a full disk, an error, Ctrl-C) leaves an earlier
    file at ``path`` as it was."""
    path = Path(path)
    if path.suffix != ".npz":
        path = path.with_name(path.name + ".npz")
    arrays = {f"layer{i}.{name}": p
              for i, layer in enumerate(model.layers) for name, p in state(layer).items()}
    text = np.array(json.dumps(architecture(model)))
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, architecture=text, **arrays)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def load(model_class: type, path: str | Path) -> "Model":
    """A new model rebuilt from ``path``: layers, parameters (in their saved dtype), loss, metric."""
    arrays, arch = read_npz(path, lambda arch: architecture_shapes(arch, path), complete=True)
    if arch is None:
        raise ValueError(f"{path} has no architecture description, so the layers cannot be "
                         "rebuilt; build the same layers yourself and call "
                         "model.load_params(path).")
    layers = [_build_layer(i, config, arrays, path) for i, config in enumerate(arch["layers"])]
    loss_name = arch.get("loss")
    loss = LOSSES[loss_name]() if loss_name in LOSSES else None
    metric = arch.get("metric") if arch.get("metric") in METRICS else None
    model = model_class(layers, loss=loss, metric=metric)
    copy_params(model, arrays, arch, path)
    return model


def load_params(model: "Model", path: str | Path) -> None:
    """Copy the parameters saved in ``path`` into ``model``'s layers (in place, in their dtype)."""
    arrays, arch = read_npz(path)
    copy_params(model, arrays, arch, path)


def architecture_shapes(arch: dict[str, Any] | None, path: str | Path) -> dict[str, tuple]:
    """The parameter shapes the saved architecture implies: ``Dense(n_in, n_out)`` has ``W`` of
    shape ``(n_in, n_out)`` and ``b`` of shape ``(1, n_out)``; ``BatchNorm(n)`` has ``(1, n)``
    for ``gamma``, ``beta`` and its running averages."""
    shapes = {}
    for i, config in enumerate(arch["layers"] if arch else []):
        if config.get("type") == "Dense":
            sizes = (config.get("n_inputs"), config.get("n_neurons"))
            if not all(type(n) is int and n >= 1 for n in sizes):
                raise ValueError(f"{path}: layer {i} (Dense) has sizes {sizes}; they must be "
                                 f"whole numbers of at least 1. {_FIX}")
            shapes[f"layer{i}.W"], shapes[f"layer{i}.b"] = sizes, (1, sizes[1])
        elif config.get("type") == "BatchNorm":
            n = config.get("n_features")
            if not (type(n) is int and n >= 1):
                raise ValueError(f"{path}: layer {i} (BatchNorm) has n_features {n!r}; it must "
                                 f"be a whole number of at least 1. {_FIX}")
            for name in ("gamma", "beta", "running_mean", "running_var"):
                shapes[f"layer{i}.{name}"] = (1, n)
    return shapes


def copy_params(model: "Model", arrays: dict[str, np.ndarray], arch: dict[str, Any] | None,
                path: str | Path) -> None:
    """Check that every saved array fits its parameter, then copy them all in place; raise
    ``ValueError``, changing nothing, when the file does not fit the model."""
    check_layers(model, arch, path)
    mine = [type(layer).__name__ for layer in model.layers]
    targets = {f"layer{i}.{name}": (i, layer, name, p)
               for i, layer in enumerate(model.layers) for name, p in state(layer).items()}
    for key, (i, layer, name, p) in targets.items():
        if key not in arrays:
            raise ValueError(f"{path} has no {key!r} for parameter {name!r} of layer {i}, "
                             f"{layer!r}: the file is incomplete or belongs to another model. "
                             "Save the model again with model.save(path).")
        if arrays[key].shape != p.shape:
            raise ValueError(
                f"{path}: parameter {name!r} of layer {i}, {layer!r}, has shape {p.shape} in "
                f"this model but {arrays[key].shape} in the file. Build the layers with the "
                "sizes of the saved model, or rebuild it with Model.load(path)."
            )
    extra = sorted(set(arrays) - set(targets))
    if extra:
        raise ValueError(f"{path} has arrays {extra} that no parameter of this model takes "
                         f"({mine}); the file belongs to another model. Build the same layers, "
                         "or use Model.load(path).")
    for key, (_, _, _, p) in targets.items():
        np.copyto(p, arrays[key], casting="same_kind")


def check_layers(model: "Model", arch: dict[str, Any] | None, path: str | Path) -> None:
    """Raise unless the saved architecture (if any) has ``model``'s layer types, in order."""
    mine = [type(layer).__name__ for layer in model.layers]
    if arch is not None:
        saved = [str(config.get("type")) for config in arch["layers"]]
        if len(saved) != len(mine):
            raise ValueError(
                f"{path} holds a model of {len(saved)} layers ({', '.join(saved)}), this model "
                f"has {len(mine)} ({', '.join(mine)}). Build the same layers, or rebuild the "
                "saved model with Model.load(path)."
            )
        for i, (theirs, ours) in enumerate(zip(saved, mine)):
            if theirs != ours:
                raise ValueError(f"{path}: layer {i} is a {theirs} in the file but "
                                 f"{model.layers[i]!r} in this model. Build the same layers, "
                                 "or use Model.load(path).")


def read_npz(path: str | Path,
             shapes: Callable[[dict[str, Any] | None], dict[str, tuple]] | None = None, *,
             complete: bool = False) -> tuple[dict[str, np.ndarray], dict[str, Any] | None]:
    """All arrays of a ``.npz`` file (never unpickling) and its parsed architecture, if any.

    Before any array is read, each member's ``.npy`` header is checked: plain floating-point
    numbers (the architecture: one text entry), no more values than the member holds bytes, and
    the shape ``shapes(architecture)`` expects for that key (all of them with ``complete``). So a
    small damaged or crafted file cannot make ``load`` allocate more memory than it holds."""
    try:
        data = np.load(path, allow_pickle=False)
    except (FileNotFoundError, PermissionError, IsADirectoryError):
        raise  # the file is missing or not ours to read: the OS's error says so
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as e:
        raise ValueError(f"{path} is not a readable .npz archive: not a zip file of arrays, or a "
                         f"damaged one. {_FIX}") from e
    if not isinstance(data, np.lib.npyio.NpzFile):
        raise ValueError(f"{path} holds a single array (.npy), not a .npz archive of "
                         f"parameters. {_FIX}")
    with data:
        headers = {key: _header(data, key, path) for key in data.files}
        text = _read(data, "architecture", path) if "architecture" in headers else None
        arch = None if text is None else _parse_architecture(text, path)
        expected = shapes(arch) if shapes is not None else {}
        for key, shape in expected.items():
            if key not in headers and complete:
                raise ValueError(f"{path} has no {key!r}, which its architecture needs: the "
                                 f"file is incomplete. {_FIX}")
            if key in headers and headers[key][0] != tuple(shape):
                raise ValueError(
                    f"{path}: {key!r} has shape {headers[key][0]} in the file, but "
                    f"its architecture needs {tuple(shape)}: the file is damaged. {_FIX}"
                )
        arrays = {key: _read(data, key, path) for key in headers if key != "architecture"}
    return arrays, arch


def _header(data: np.lib.npyio.NpzFile, key: str, path: str | Path) -> tuple[tuple, np.dtype]:
    """``(shape, dtype)`` of member ``key`` from its ``.npy`` header, checked as ``read_npz``
    describes, without reading its values."""
    name = key if key in data.zip.namelist() else f"{key}.npy"
    try:
        with data.zip.open(name) as f:
            version = np.lib.format.read_magic(f)
            if version not in ((1, 0), (2, 0)):
                raise ValueError(f".npy format version {version}")
            read = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                    else np.lib.format.read_array_header_2_0)
            shape, _, dtype = read(f)
            stored = data.zip.getinfo(name).file_size - f.tell()
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error) as e:
        raise ValueError(f"{path}: {key!r} cannot be read ({e}); the file is corrupt. "
                         f"{_FIX}") from e
    if dtype.hasobject:
        raise ValueError(f"{path}: {key!r} holds Python objects that only pickle could load, "
                         "and loading pickle can run arbitrary code, so it is refused. "
                         f"{_FIX}")
    text = key == "architecture"
    if (dtype.kind != ("U" if text else "f") or dtype.fields is not None
            or dtype.subdtype is not None or (text and shape != ())):
        need = "one text entry" if text else "plain floating-point numbers"
        raise ValueError(f"{path}: {key!r} holds {dtype} values of shape {shape}, not {need}; "
                         f"the file was not written by Model.save. {_FIX}")
    claimed = int(np.prod(shape, dtype=object)) * dtype.itemsize
    if claimed > stored:
        raise ValueError(f"{path}: {key!r} claims shape {shape} ({claimed:,} bytes) but holds "
                         f"{stored:,} bytes; the file is damaged or crafted. {_FIX}")
    return tuple(shape), dtype


def _read(data: np.lib.npyio.NpzFile, key: str, path: str | Path) -> np.ndarray:
    """Member ``key``'s values (its header already checked by ``_header``)."""
    try:
        return data[key]
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile, zlib.error) as e:
        raise ValueError(f"{path}: {key!r} cannot be read ({e}); the file is corrupt. "
                         f"{_FIX}") from e


def _parse_architecture(text: np.ndarray, path: str | Path) -> dict[str, Any]:
    """The architecture from its JSON text, checked: our format, a known version, a layer list."""
    try:
        arch = json.loads(str(text[()]))
        if not isinstance(arch, dict) or arch.get("format") != FORMAT or not isinstance(
                arch.get("layers"), list):
            raise ValueError(f"no {FORMAT!r} format and layer list")
        if not all(isinstance(config, dict) for config in arch["layers"]):
            raise ValueError("a layer description is not a JSON object")
    except (ValueError, AttributeError) as e:
        raise ValueError(f"{path}: the architecture description cannot be read ({e}). "
                         f"{_FIX}") from e
    if arch.get("version") != VERSION:
        raise ValueError(f"{path} was written in format version {arch.get('version')!r}; this "
                         f"nnscratch reads version {VERSION}. Load it with the nnscratch that "
                         "wrote it, or update nnscratch.")
    return arch


def _build_layer(i: int, config: dict[str, Any], arrays: dict[str, np.ndarray],
                 path: str | Path) -> Layer:
    """Layer ``i`` from its saved description (parameters are filled in afterwards)."""
    kind = config.get("type")
    if kind not in LAYERS:
        raise ValueError(f"{path}: layer {i} has type {kind!r}, which Model.load cannot rebuild "
                         f"(it knows {sorted(LAYERS)}). Build the layers yourself and call "
                         "model.load_params(path).")
    args = {k: v for k, v in config.items() if k != "type"}
    try:
        if kind in ("Dense", "BatchNorm"):
            saved = arrays.get(f"layer{i}.W" if kind == "Dense" else f"layer{i}.gamma")
            dtype = saved.dtype if saved is not None and saved.dtype.kind == "f" else np.float64
            if kind == "BatchNorm":
                return BatchNorm(dtype=dtype, **args)
            return Dense(rng=0, dtype=dtype, **args)
        if kind == "Conv2D":
            saved = arrays.get(f"layer{i}.W")
            dtype = saved.dtype if saved is not None and saved.dtype.kind == "f" else np.float64
            return Conv2D(rng=0, dtype=dtype, **args)
        return LAYERS[kind](**args)
    except (TypeError, ValueError) as e:
        raise ValueError(f"{path}: layer {i} ({kind}) cannot be rebuilt from {args}: {e}") from e
