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
from typing import TYPE_CHECKING, Any

import numpy as np

from .conv import Conv2D, Flatten, MaxPool2D, Reshape
from .layers import Dense, Dropout, Layer, Linear, ReLU, Sigmoid, Softmax
from .losses import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    MeanAbsoluteError,
    MeanSquaredError,
    SoftmaxCrossentropy,
)
from .metrics import METRICS

if TYPE_CHECKING:  # pragma: no cover
    from .model import Model

#: The layers and losses ``load`` can rebuild from their names.
LAYERS = {cls.__name__: cls for cls in (Dense, Dropout, Linear, ReLU, Sigmoid, Softmax,
                                        Conv2D, Flatten, MaxPool2D, Reshape)}
LOSSES = {cls.__name__: cls for cls in (BinaryCrossentropy, CategoricalCrossentropy,
                                        MeanAbsoluteError, MeanSquaredError, SoftmaxCrossentropy)}
FORMAT = "nnscratch.Model"
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
        layers.append(config)
    return {"format": FORMAT, "version": 1, "layers": layers,
            "loss": None if model.loss is None else type(model.loss).__name__,
            "metric": model.metric if isinstance(model.metric, str) else None}


def save(model: "Model", path: str | Path) -> Path:
    """Write the model to ``path`` (``.npz`` appended if missing) and return the path written.

    The file is written under a temporary name in the same folder and renamed over ``path`` only
    when it is complete, so a failure midway (a full disk, an error, Ctrl-C) leaves an earlier
    file at ``path`` as it was."""
    path = Path(path)
    if path.suffix != ".npz":
        path = path.with_name(path.name + ".npz")
    arrays = {f"layer{i}.{name}": p
              for i, layer in enumerate(model.layers) for name, p in layer.params.items()}
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
    arrays, arch = read_npz(path)
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


def copy_params(model: "Model", arrays: dict[str, np.ndarray], arch: dict[str, Any] | None,
                path: str | Path) -> None:
    """Check that every saved array fits its parameter, then copy them all in place; raise
    ``ValueError``, changing nothing, when the file does not fit the model."""
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
    targets = {f"layer{i}.{name}": (i, layer, name, p)
               for i, layer in enumerate(model.layers) for name, p in layer.params.items()}
    for key, (i, layer, name, p) in targets.items():
        if key not in arrays:
            raise ValueError(f"{path} has no {key!r} for parameter {name!r} of layer {i}, "
                             f"{layer!r}: the file is incomplete or belongs to another model. "
                             "Save the model again with model.save(path).")
        found = arrays[key]
        if found.shape != p.shape:
            raise ValueError(
                f"{path}: parameter {name!r} of layer {i}, {layer!r}, has shape {p.shape} in "
                f"this model but {found.shape} in the file. Build the layers with the sizes of "
                "the saved model, or rebuild it with Model.load(path)."
            )
        if found.dtype.kind != "f":
            raise ValueError(f"{path}: {key!r} holds {found.dtype} values, not floating-point "
                             "parameters; the file was not written by Model.save.")
    extra = sorted(set(arrays) - set(targets))
    if extra:
        raise ValueError(f"{path} has arrays {extra} that no parameter of this model takes "
                         f"({mine}); the file belongs to another model. Build the same layers, "
                         "or use Model.load(path).")
    for key, (_, _, _, p) in targets.items():
        np.copyto(p, arrays[key], casting="same_kind")


def read_npz(path: str | Path) -> tuple[dict[str, np.ndarray], dict[str, Any] | None]:
    """All arrays of a ``.npz`` file (never unpickling) and its parsed architecture, if any."""
    try:
        data = np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as e:
        raise ValueError(f"{path} is not a readable .npz archive: not a zip file of arrays, or a "
                         f"damaged one. {_FIX}") from e
    if not isinstance(data, np.lib.npyio.NpzFile):
        raise ValueError(f"{path} holds a single array (.npy), not a .npz archive of "
                         f"parameters. {_FIX}")
    arrays: dict[str, np.ndarray] = {}
    with data:
        for key in data.files:
            try:
                arrays[key] = data[key]
            except ValueError as e:
                if "allow_pickle" in str(e):
                    raise ValueError(f"{path}: {key!r} holds Python objects that only pickle "
                                     "could load, and loading pickle can run arbitrary code, so "
                                     f"it is refused. {_FIX}") from e
                raise ValueError(f"{path}: {key!r} cannot be read ({e}); the file is corrupt. "
                                 f"{_FIX}") from e
            except (OSError, EOFError, KeyError, zipfile.BadZipFile, zlib.error) as e:
                raise ValueError(f"{path}: {key!r} cannot be read ({e}); the file is corrupt. "
                                 f"{_FIX}") from e
    text = arrays.pop("architecture", None)
    if text is None:
        return arrays, None
    try:
        if text.dtype.kind != "U" or text.ndim != 0:
            raise ValueError("not a text entry")
        arch = json.loads(str(text[()]))
        if arch.get("format") != FORMAT or not isinstance(arch.get("layers"), list):
            raise ValueError(f"no {FORMAT!r} format and layer list")
        if not all(isinstance(config, dict) for config in arch["layers"]):
            raise ValueError("a layer description is not a JSON object")
    except (ValueError, AttributeError) as e:
        raise ValueError(f"{path}: the architecture description cannot be read ({e}). "
                         f"{_FIX}") from e
    return arrays, arch


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
        if kind in ("Dense", "Conv2D"):
            saved = arrays.get(f"layer{i}.W")
            dtype = saved.dtype if saved is not None and saved.dtype.kind == "f" else np.float64
            return LAYERS[kind](rng=0, dtype=dtype, **args)
        return LAYERS[kind](**args)
    except (TypeError, ValueError) as e:
        raise ValueError(f"{path}: layer {i} ({kind}) cannot be rebuilt from {args}: {e}") from e
