r"""The ``Model``: layers, a loss, an optimiser and a metric in one object.

``fit`` runs the training loop of the earlier chapters over shuffled mini-batches and records a
``History``; ``evaluate`` and ``predict`` run the network in inference mode; ``save`` / ``load``
keep the parameters and the architecture in a ``.npz`` file that loads without pickle.

When the last layer is ``Softmax`` and the loss is ``CategoricalCrossentropy``, backpropagation
starts from the fused gradient $\partial L/\partial z = (\hat y - y)/N$ at the softmax's input and
skips ``Softmax.backward``: the same gradient, cheaper and more accurate.
"""

from __future__ import annotations

import json
import sys
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
from tqdm import tqdm

from ._validate import check_finite, make_rng
from .layers import Dense, Dropout, Layer, Linear, ReLU, Sigmoid, Softmax, regularization_loss
from .losses import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    Loss,
    MeanAbsoluteError,
    MeanSquaredError,
    SoftmaxCrossentropy,
    softmax_crossentropy_grad,
)
from .metrics import accuracy, binary_accuracy, regression_accuracy
from .optimizers import Optimizer
from .training import backward as _backward
from .training import forward as _forward

#: A metric maps ``(y_pred, y_true)`` to a number people read (higher is better).
MetricFn = Callable[[np.ndarray, np.ndarray], float]

#: The metrics ``Model(metric=...)`` knows by name.
METRICS: dict[str, MetricFn] = {
    "accuracy": accuracy,
    "binary_accuracy": binary_accuracy,
    "regression_accuracy": regression_accuracy,
}

_SAVED_LAYERS = {cls.__name__: cls for cls in (Dense, Dropout, Linear, ReLU, Sigmoid, Softmax)}
_SAVED_LOSSES = {cls.__name__: cls for cls in (BinaryCrossentropy, CategoricalCrossentropy, MeanAbsoluteError,
                                               MeanSquaredError, SoftmaxCrossentropy)}
_SAME_SHAPE = (Dropout, Linear, ReLU, Sigmoid, Softmax)  # layers whose output has their input's shape
_RESERVED = {"epoch", "loss", "data_loss", "regularization_loss", "learning_rate"}
_FORMAT = "nnscratch.Model"


@dataclass
class History:
    """What ``fit`` recorded, one entry per epoch: ``history["loss"]``, ``history["val_accuracy"]``, ...

    Keys: ``"epoch"`` (1, 2, ...), ``"loss"`` (data loss + penalties, the mean over the epoch's
    batches, each computed before its update), ``"data_loss"``, ``"regularization_loss"``, the
    metric (e.g. ``"accuracy"``), ``"val_loss"`` and ``"val_<metric>"`` (with validation data;
    ``val_loss`` is the data loss, in inference mode), and ``"learning_rate"`` (the optimiser's
    rate at the epoch's last step). With early stopping, ``best_epoch`` is the epoch whose
    parameters are kept and ``stopped_epoch`` the epoch after which training stopped (``None`` if it
    ran to the end). Plot with ``plt.plot(history["epoch"], history["loss"])``.
    """

    logs: dict[str, list[float]] = field(default_factory=dict)
    monitor: str | None = None
    best_epoch: int | None = None
    stopped_epoch: int | None = None

    def __getitem__(self, key: str) -> list[float]:
        try:
            return self.logs[key]
        except KeyError:
            raise KeyError(f"History has no {key!r}; it recorded {list(self.logs)}.") from None

    def __contains__(self, key: object) -> bool:
        return key in self.logs

    def __len__(self) -> int:
        """The number of epochs recorded."""
        return len(self.logs.get("epoch", []))

    def keys(self) -> list[str]:
        return list(self.logs)

    def __repr__(self) -> str:
        extra = "" if self.monitor is None else (
            f", monitor={self.monitor!r}, best_epoch={self.best_epoch}, stopped_epoch={self.stopped_epoch}")
        return f"History(epochs={len(self)}, keys={self.keys()}{extra})"


def _resolve_metric(metric: str | MetricFn | None) -> tuple[str, MetricFn] | None:
    """``(name, function)`` for a metric name or function; ``None`` for no metric."""
    if metric is None:
        return None
    if isinstance(metric, str):
        if metric not in METRICS:
            raise ValueError(
                f"Model: unknown metric {metric!r}; use one of {sorted(METRICS)}, None, or a function "
                "f(y_pred, y_true) -> float."
            )
        return metric, METRICS[metric]
    if callable(metric):
        name = getattr(metric, "__name__", "metric")
        if not name.isidentifier() or name in _RESERVED or name.startswith("val_"):
            name = "metric"
        return name, metric
    raise TypeError(f"Model: metric must be a name, a function f(y_pred, y_true) -> float, or None; got {metric!r}.")


def _positive_int(value: Any, name: str, who: str = "fit") -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"Model.{who}: {name} must be a whole number of at least 1, got {value!r}.")
    return int(value)


def _as_data(X: Any, y: Any, what: str) -> tuple[np.ndarray, np.ndarray]:
    """``X`` as a 2-D array and ``y`` with as many rows (no copies, no dtype changes)."""
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim != 2:
        raise ValueError(f"Model: {what} X must be 2-D, (samples, features); got shape {X.shape}. "
                         "Reshape one feature per sample with X.reshape(-1, 1).")
    if len(X) == 0:
        raise ValueError(f"Model: {what} X has no samples.")
    if y.ndim == 0 or len(y) != len(X):
        raise ValueError(f"Model: {what} has {len(X)} samples in X but {y.shape[0] if y.ndim else 0} targets in y "
                         f"(shape {y.shape}); X and y must have one row per sample.")
    return X, y


class Model:
    """A feed-forward network: layers applied in order, trained with ``loss`` and ``optimizer``.

    ``metric`` is ``"accuracy"`` (classes), ``"binary_accuracy"`` (sigmoid outputs),
    ``"regression_accuracy"``, ``None``, or a function ``f(y_pred, y_true) -> float``.
    """

    def __init__(self, layers: Sequence[Layer] = (), *, loss: Loss | None = None,
                 optimizer: Optimizer | None = None, metric: str | MetricFn | None = "accuracy") -> None:
        self.layers: list[Layer] = []
        self.loss = loss
        self.optimizer = optimizer
        self.metric = metric
        for layer in layers:
            self.add(layer)

    # --- building -------------------------------------------------------------------------------

    @property
    def metric(self) -> str | MetricFn | None:
        """The metric as given (a name, a function or ``None``); setting it checks it."""
        return self._metric

    @metric.setter
    def metric(self, value: str | MetricFn | None) -> None:
        self._metric_fn = _resolve_metric(value)
        self._metric = value

    def add(self, layer: Layer) -> "Model":
        """Append ``layer`` (checking that a ``Dense`` takes as many inputs as the network gives); returns the model."""
        if not isinstance(layer, Layer):
            raise TypeError(f"Model.add expects a layer such as Dense(2, 64) or ReLU(), got {layer!r}.")
        if isinstance(layer, Dense):
            features = self._features()[-1] if self.layers else None
            if features is not None and features != layer.n_inputs:
                raise ValueError(
                    f"Model.add: {layer!r} takes {layer.n_inputs} inputs, but the network so far gives "
                    f"{features} features per sample; use Dense({features}, {layer.n_neurons})."
                )
        self.layers.append(layer)
        return self

    def _features(self) -> list[int | None]:
        """The number of output features of each layer, ``None`` where unknown."""
        sizes: list[int | None] = []
        current: int | None = None
        for layer in self.layers:
            if isinstance(layer, Dense):
                current = layer.n_neurons
            elif not isinstance(layer, _SAME_SHAPE):
                current = None
            sizes.append(current)
        return sizes

    @property
    def fused(self) -> bool:
        """True when backward starts from the fused softmax-cross-entropy gradient (Softmax last,
        CategoricalCrossentropy loss)."""
        return bool(self.layers) and isinstance(self.layers[-1], Softmax) and isinstance(
            self.loss, CategoricalCrossentropy)

    # --- one step -------------------------------------------------------------------------------

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Feed ``x`` through every layer in its current mode (``train()`` / ``eval()``)."""
        return _forward(self.layers, x)

    def backward(self) -> np.ndarray:
        r"""Backpropagate the loss last computed by ``self.loss.forward(output, y)``, filling every
        layer's ``grads``; returns $\partial L/\partial x$.

        With ``Softmax`` last and ``CategoricalCrossentropy`` (see ``fused``), it starts from
        $(\hat y - y)/N$ at the softmax's input and skips ``Softmax.backward``: the gradient of the two
        separate steps, up to rounding (except where the loss clips a probability below $10^{-7}$;
        the fused gradient is then the exact one).
        """
        if self.loss is None or getattr(self.loss, "y_pred", None) is None:
            raise RuntimeError("Model.backward needs a loss computed first: out = model.forward(x); "
                               "model.loss.forward(out, y); model.backward().")
        if self.fused:
            grad = softmax_crossentropy_grad(self.loss.y_pred, self.loss.y_true)
            return _backward(self.layers[:-1], grad)
        return _backward(self.layers, self.loss.backward())

    def _set_training(self, mode: bool) -> None:
        for layer in self.layers:
            layer.train(mode)

    def _check_ready(self, who: str, *, loss: bool = False, optimizer: bool = False) -> None:
        if not self.layers:
            raise RuntimeError(f"Model.{who}: the model has no layers; add some with model.add(Dense(...)).")
        if loss and self.loss is None:
            raise RuntimeError(f"Model.{who} needs a loss: Model(layers, loss=CategoricalCrossentropy(), ...) "
                               "or model.loss = ...")
        if optimizer and self.optimizer is None:
            raise RuntimeError(f"Model.{who} needs an optimiser: Model(layers, optimizer=Adam(), ...) "
                               "or model.optimizer = ...")

    # --- training -------------------------------------------------------------------------------

    def fit(self, X: np.ndarray, y: np.ndarray, *, epochs: int = 1, batch_size: int | None = None,
            validation_data: tuple[np.ndarray, np.ndarray] | None = None, shuffle: bool = True,
            seed: int | np.random.Generator | None = None, patience: int | None = None,
            monitor: str = "val_loss", restore_best: bool = True, progress: bool = True) -> History:
        """Train for ``epochs`` passes over ``(X, y)`` in mini-batches of ``batch_size`` (``None``:
        the whole set) and return the ``History``.

        Each epoch visits the samples in a new random order drawn from ``seed`` (when ``shuffle``
        and there is more than one batch). Layers are in training mode for the updates and in
        inference mode for the validation. With ``patience``, training stops after ``patience``
        epochs without improvement of ``monitor`` (a history key; names ending in ``loss`` are
        minimised, others maximised) and, with ``restore_best``, the parameters of the best epoch
        are copied back into the layers. ``progress`` shows a tqdm bar on stderr: one per epoch,
        or one over all epochs when each epoch is a single batch.
        """
        self._check_ready("fit", loss=True, optimizer=True)
        epochs = _positive_int(epochs, "epochs")
        X, y = _as_data(X, y, "the training data")
        batch = len(X) if batch_size is None else min(_positive_int(batch_size, "batch_size"), len(X))
        n_batches = -(-len(X) // batch)
        if validation_data is not None:
            if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
                raise ValueError("Model.fit: validation_data must be a pair (X_val, y_val).")
            X_val, y_val = _as_data(*validation_data, "validation_data")
            if X_val.shape[1] != X.shape[1]:
                raise ValueError(f"Model.fit: the validation data has {X_val.shape[1]} features per sample, the "
                                 f"training data {X.shape[1]}; both must come from the same kind of samples.")
        metric = self._metric_fn[0] if self._metric_fn else None
        keys = ["epoch", "loss", "data_loss", "regularization_loss"] + ([metric] if metric else [])
        if validation_data is not None:
            keys += ["val_loss"] + ([f"val_{metric}"] if metric else [])
        keys.append("learning_rate")
        stopper = None
        if patience is not None:
            if monitor not in keys[1:]:
                hint = " (pass validation_data=(X_val, y_val))" if monitor.startswith("val_") else ""
                raise ValueError(f"Model.fit: cannot monitor {monitor!r}{hint}; this run records {keys[1:]}.")
            stopper = _EarlyStopping(monitor, _positive_int(patience, "patience"), restore_best)
        history = History({k: [] for k in keys}, monitor=monitor if stopper else None)
        shown = [k for k in keys if k in ("loss", "val_loss", metric, f"val_{metric}")]
        rng = make_rng(seed)
        epoch_bar = tqdm(total=epochs, unit="epoch", file=sys.stderr) if progress and n_batches == 1 else None
        try:
            for epoch in range(1, epochs + 1):
                order = rng.permutation(len(X)) if shuffle and n_batches > 1 else None
                batch_bar = (tqdm(total=n_batches, desc=f"epoch {epoch}/{epochs}", unit="batch", file=sys.stderr)
                             if progress and n_batches > 1 else None)
                try:
                    logs = {"epoch": epoch, **self._train_epoch(X, y, batch, order, batch_bar)}
                    if validation_data is not None:
                        scores = self.evaluate(X_val, y_val, batch_size=batch_size)
                        logs.update({f"val_{name}": value for name, value in scores.items()})
                    logs["learning_rate"] = self.optimizer.current_learning_rate
                    for key in keys:
                        history.logs[key].append(logs[key])
                    for bar in (batch_bar, epoch_bar):
                        if bar is not None:
                            bar.set_postfix({k: f"{logs[k]:.4f}" for k in shown}, refresh=False)
                    if epoch_bar is not None:
                        epoch_bar.update()
                finally:
                    if batch_bar is not None:
                        batch_bar.close()
                if stopper is not None and stopper.should_stop(epoch, logs[monitor], self.layers):
                    history.stopped_epoch = epoch
                    break
        finally:
            if epoch_bar is not None:
                epoch_bar.close()
        if stopper is not None:
            history.best_epoch = stopper.best_epoch
            stopper.restore(self.layers)
            if progress and history.stopped_epoch is not None:
                restored = f"; restored the parameters of epoch {stopper.best_epoch}" if restore_best else ""
                tqdm.write(f"Early stopping after epoch {epoch}: {monitor} has not improved for {patience} "
                           f"epochs{restored} ({monitor} {stopper.best_value:.4f}).", file=sys.stderr)
        self._set_training(False)
        return history

    def _train_epoch(self, X: np.ndarray, y: np.ndarray, batch: int, order: np.ndarray | None,
                     bar: Any = None) -> dict[str, float]:
        """One pass of updates over ``X`` in batches (rows ``order`` if given, else in order);
        returns the epoch's mean losses and metric, each batch weighted by its size."""
        self._set_training(True)
        metric = self._metric_fn
        n = len(X)
        sum_data = sum_reg = sum_metric = 0.0
        first = self.layers[0]  # fit never uses dL/dX of the data: the first Dense layer skips G W^T
        skip_input_grad = isinstance(first, Dense) and first.input_grad
        if skip_input_grad:
            first.input_grad = False
        try:
            for start in range(0, n, batch):
                if order is None:
                    xb, yb = X[start:start + batch], y[start:start + batch]
                else:
                    rows = order[start:start + batch]
                    xb, yb = X[rows], y[rows]
                out = self.forward(xb)
                k = len(xb)
                sum_data += self.loss.forward(out, yb) * k
                sum_reg += regularization_loss(self.layers) * k  # the penalty before this step's update
                if metric:
                    sum_metric += metric[1](out, yb) * k
                self.backward()
                self.optimizer.step(self.layers)
                if bar is not None:
                    seen = min(start + batch, n)
                    running = {"loss": f"{(sum_data + sum_reg) / seen:.4f}"}
                    if metric:
                        running[metric[0]] = f"{sum_metric / seen:.4f}"
                    bar.set_postfix(running, refresh=False)
                    bar.update()
        finally:
            if skip_input_grad:
                first.input_grad = True
        logs = {"loss": (sum_data + sum_reg) / n, "data_loss": sum_data / n, "regularization_loss": sum_reg / n}
        if metric:
            logs[metric[0]] = sum_metric / n
        return logs

    # --- inference ------------------------------------------------------------------------------

    def predict(self, X: np.ndarray, batch_size: int | None = None) -> np.ndarray:
        """The last layer's output for ``X`` in inference mode (dropout off), ``batch_size`` rows at a time."""
        self._check_ready("predict")
        X = np.asarray(X)
        if X.ndim != 2 or len(X) == 0:
            raise ValueError(f"Model.predict expects a 2-D array (samples, features) with at least one sample, "
                             f"got shape {X.shape}. Reshape a single sample with x.reshape(1, -1).")
        batch = len(X) if batch_size is None else _positive_int(batch_size, "batch_size", "predict")
        self._set_training(False)
        outputs = [self.forward(X[start:start + batch]) for start in range(0, len(X), batch)]
        out = outputs[0] if len(outputs) == 1 else np.concatenate(outputs)
        check_finite(out, "Model.predict", "output")
        return out

    def evaluate(self, X: np.ndarray, y: np.ndarray, batch_size: int | None = None) -> dict[str, float]:
        """``{"loss": data loss, <metric>: value}`` on ``(X, y)`` in inference mode."""
        self._check_ready("evaluate", loss=True)
        X, y = _as_data(X, y, "evaluate")
        out = self.predict(X, batch_size)
        scores = {"loss": self.loss.forward(out, y)}
        if self._metric_fn:
            name, fn = self._metric_fn
            scores[name] = float(fn(out, y))
        return scores

    # --- description ----------------------------------------------------------------------------

    def count_params(self) -> int:
        """The number of trainable numbers in all layers."""
        return sum(p.size for layer in self.layers for p in layer.params.values())

    def summary(self) -> str:
        """A table of the layers with their output shapes and parameter counts."""
        rows = [("#", "layer", "output shape", "parameters")]
        for i, (layer, features) in enumerate(zip(self.layers, self._features())):
            shape = f"(batch, {features})" if features is not None else "?"
            rows.append((str(i), repr(layer), shape, f"{sum(p.size for p in layer.params.values()):,}"))
        widths = [max(len(r[c]) for r in rows) for c in range(4)]
        lines = [f"{r[0]:>{widths[0]}}  {r[1]:<{widths[1]}}  {r[2]:<{widths[2]}}  {r[3]:>{widths[3]}}" for r in rows]
        rule = "-" * len(lines[0])
        metric = self._metric_fn[0] if self._metric_fn else None
        return "\n".join([lines[0], rule, *lines[1:], rule, f"total parameters: {self.count_params():,}",
                          f"loss: {self.loss!r}, optimizer: {self.optimizer!r}, metric: {metric}"])

    def __repr__(self) -> str:
        metric = self._metric_fn[0] if self._metric_fn else None
        return f"Model({self.layers!r}, loss={self.loss!r}, optimizer={self.optimizer!r}, metric={metric!r})"

    # --- saving ---------------------------------------------------------------------------------

    def architecture(self) -> dict[str, Any]:
        """The description ``save`` stores: each layer's type and constructor arguments, loss and metric."""
        layers = []
        for layer in self.layers:
            config: dict[str, Any] = {"type": type(layer).__name__}
            if type(layer) is Dense:
                config.update(n_inputs=layer.n_inputs, n_neurons=layer.n_neurons)
                config.update({k.replace("_", "_regularizer_"): v for k, v in layer.regularizers.items()})
            elif type(layer) is Dropout:
                config["rate"] = layer.rate
            layers.append(config)
        return {"format": _FORMAT, "version": 1, "layers": layers,
                "loss": None if self.loss is None else type(self.loss).__name__,
                "metric": self.metric if isinstance(self.metric, str) else None}

    def save(self, path: str | Path) -> Path:
        """Write every layer's parameters (keys ``"layer0.W"``, ...) and the architecture (as JSON text)
        to a ``.npz`` file that loads without pickle; returns the path written (``.npz`` appended if missing)."""
        path = Path(path)
        if path.suffix != ".npz":
            path = path.with_name(path.name + ".npz")
        arrays = {f"layer{i}.{name}": p for i, layer in enumerate(self.layers) for name, p in layer.params.items()}
        np.savez(path, architecture=np.array(json.dumps(self.architecture())), **arrays)
        return path

    def load_params(self, path: str | Path) -> "Model":
        """Copy the parameters saved in ``path`` into this model's layers (in place, in their dtype).

        Raises ``ValueError``, and changes nothing, when the file does not fit the model."""
        arrays, arch = _read_npz(path)
        self._copy_from(arrays, arch, path)
        return self

    @classmethod
    def load(cls, path: str | Path) -> "Model":
        """Rebuild a model saved with ``save``: its layers, parameters (in their saved dtype), loss and metric.

        The optimiser is not saved; set ``model.optimizer`` to train further."""
        arrays, arch = _read_npz(path)
        if arch is None:
            raise ValueError(f"{path} has no architecture description, so the layers cannot be rebuilt; build the "
                             "same layers yourself and call model.load_params(path).")
        layers = [_build_layer(i, config, arrays, path) for i, config in enumerate(arch["layers"])]
        loss_name = arch.get("loss")
        loss = _SAVED_LOSSES[loss_name]() if loss_name in _SAVED_LOSSES else None
        metric = arch.get("metric") if arch.get("metric") in METRICS else None
        model = cls(layers, loss=loss, metric=metric)
        model._copy_from(arrays, arch, path)
        return model

    def _copy_from(self, arrays: dict[str, np.ndarray], arch: dict[str, Any] | None, path: str | Path) -> None:
        """Check that every saved array fits its parameter, then copy them all in place."""
        mine = [type(layer).__name__ for layer in self.layers]
        if arch is not None:
            saved = [str(config.get("type")) for config in arch["layers"]]
            if len(saved) != len(mine):
                raise ValueError(
                    f"{path} holds a model of {len(saved)} layers ({', '.join(saved)}), this model has {len(mine)} "
                    f"({', '.join(mine)}). Build the same layers, or rebuild the saved model with Model.load(path)."
                )
            for i, (theirs, ours) in enumerate(zip(saved, mine)):
                if theirs != ours:
                    raise ValueError(f"{path}: layer {i} is a {theirs} in the file but {self.layers[i]!r} in this "
                                     "model. Build the same layers, or use Model.load(path).")
        targets = {f"layer{i}.{name}": (i, layer, name, p)
                   for i, layer in enumerate(self.layers) for name, p in layer.params.items()}
        for key, (i, layer, name, p) in targets.items():
            if key not in arrays:
                raise ValueError(f"{path} has no {key!r} for parameter {name!r} of layer {i}, {layer!r}: the file is "
                                 "incomplete or belongs to another model. Save the model again with model.save(path).")
            found = arrays[key]
            if found.shape != p.shape:
                raise ValueError(
                    f"{path}: parameter {name!r} of layer {i}, {layer!r}, has shape {p.shape} in this model but "
                    f"{found.shape} in the file. Build the layers with the sizes of the saved model, "
                    "or rebuild it with Model.load(path)."
                )
            if found.dtype.kind != "f":
                raise ValueError(f"{path}: {key!r} holds {found.dtype} values, not floating-point parameters; "
                                 "the file was not written by Model.save.")
        extra = sorted(set(arrays) - set(targets))
        if extra:
            raise ValueError(f"{path} has arrays {extra} that no parameter of this model takes ({mine}); the file "
                             "belongs to another model. Build the same layers, or use Model.load(path).")
        for key, (_, _, _, p) in targets.items():
            np.copyto(p, arrays[key], casting="same_kind")


class _EarlyStopping:
    """Tracks the best value of one history key and keeps a copy of the parameters of its epoch."""

    def __init__(self, monitor: str, patience: int, restore_best: bool) -> None:
        self.minimise = monitor.endswith("loss")
        self.patience, self.restore_best = patience, restore_best
        self.best_value: float | None = None
        self.best_epoch: int | None = None
        self.best_params: list[dict[str, np.ndarray]] | None = None

    def should_stop(self, epoch: int, value: float, layers: Sequence[Layer]) -> bool:
        """Record this epoch's value; True once ``patience`` epochs have passed without improvement."""
        if self.best_value is None or (value < self.best_value if self.minimise else value > self.best_value):
            self.best_value, self.best_epoch = value, epoch
            if self.restore_best:
                self.best_params = [{k: p.copy() for k, p in layer.params.items()} for layer in layers]
            return False
        return epoch - self.best_epoch >= self.patience

    def restore(self, layers: Sequence[Layer]) -> None:
        """Copy the best epoch's parameters back, in place, so the optimiser's state stays attached."""
        if self.best_params is not None:
            for layer, saved in zip(layers, self.best_params):
                for name, param in layer.params.items():
                    np.copyto(param, saved[name])


def _read_npz(path: str | Path) -> tuple[dict[str, np.ndarray], dict[str, Any] | None]:
    """All arrays of a ``.npz`` file (never unpickling) and its parsed architecture, if any."""
    fix = "Pass a file written by Model.save."
    try:
        data = np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as e:
        raise ValueError(f"{path} is not a readable .npz archive: not a zip file of arrays, or a damaged one. "
                         f"{fix}") from e
    if not isinstance(data, np.lib.npyio.NpzFile):
        raise ValueError(f"{path} holds a single array (.npy), not a .npz archive of parameters. {fix}")
    arrays: dict[str, np.ndarray] = {}
    with data:
        for key in data.files:
            try:
                arrays[key] = data[key]
            except ValueError as e:
                if "allow_pickle" in str(e):
                    raise ValueError(f"{path}: {key!r} holds Python objects that only pickle could load, and "
                                     f"loading pickle can run arbitrary code, so it is refused. {fix}") from e
                raise ValueError(f"{path}: {key!r} cannot be read ({e}); the file is corrupt. {fix}") from e
            except (OSError, EOFError, KeyError, zipfile.BadZipFile, zlib.error) as e:
                raise ValueError(f"{path}: {key!r} cannot be read ({e}); the file is corrupt. {fix}") from e
    text = arrays.pop("architecture", None)
    if text is None:
        return arrays, None
    try:
        if text.dtype.kind != "U" or text.ndim != 0:
            raise ValueError("not a text entry")
        arch = json.loads(str(text[()]))
        if arch.get("format") != _FORMAT or not isinstance(arch.get("layers"), list):
            raise ValueError(f"no {_FORMAT!r} format and layer list")
        if not all(isinstance(config, dict) for config in arch["layers"]):
            raise ValueError("a layer description is not a JSON object")
    except (ValueError, AttributeError) as e:
        raise ValueError(f"{path}: the architecture description cannot be read ({e}). {fix}") from e
    return arrays, arch


def _build_layer(i: int, config: dict[str, Any], arrays: dict[str, np.ndarray], path: str | Path) -> Layer:
    """Layer ``i`` from its saved description (parameters are filled in afterwards)."""
    kind = config.get("type")
    if kind not in _SAVED_LAYERS:
        raise ValueError(f"{path}: layer {i} has type {kind!r}, which Model.load cannot rebuild (it knows "
                         f"{sorted(_SAVED_LAYERS)}). Build the layers yourself and call model.load_params(path).")
    args = {k: v for k, v in config.items() if k != "type"}
    try:
        if kind == "Dense":
            saved = arrays.get(f"layer{i}.W")
            dtype = saved.dtype if saved is not None and saved.dtype.kind == "f" else np.float64
            return Dense(rng=0, dtype=dtype, **args)
        return _SAVED_LAYERS[kind](**args)
    except (TypeError, ValueError) as e:
        raise ValueError(f"{path}: layer {i} ({kind}) cannot be rebuilt from {args}: {e}") from e


__all__ = ["History", "METRICS", "Model"]
