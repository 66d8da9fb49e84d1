r"""The ``Model``: layers, a loss, an optimiser and a metric in one object (chapter 15).

``fit`` runs the training loop of the earlier chapters over shuffled mini-batches, one
``nnscratch.training.step`` per batch (the step ``train_step`` takes too), and records a
``History``; ``evaluate`` and ``predict`` run the network in inference mode; ``save`` / ``load``
keep the parameters and the architecture in a ``.npz`` file that loads without pickle
(:mod:`nnscratch.saving`).
"""

from __future__ import annotations

import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
from tqdm import tqdm

from . import saving
from ._validate import check_finite, make_rng
from .layers import BatchNorm, Dense, Dropout, Layer, Linear, ReLU, Sigmoid, Softmax, Tanh
from .losses import (
    BinaryCrossentropy,
    Loss,
    MeanAbsoluteError,
    MeanSquaredError,
    SigmoidBinaryCrossentropy,
    softmax_crossentropy_grad,
)
from .metrics import METRICS, accuracy, binary_accuracy
from .optimizers import Optimizer
from .training import backward as _backward
from .training import forward as _forward
from .training import check_pairing, is_fused, step

#: A metric maps ``(y_pred, y_true)`` to a number people read (higher is better).
MetricFn = Callable[[np.ndarray, np.ndarray], float]

# The layers whose output has their input's shape:
_SAME_SHAPE = (BatchNorm, Dropout, Linear, ReLU, Sigmoid, Softmax, Tanh)
_RESERVED = {"epoch", "loss", "data_loss", "regularization_loss", "learning_rate"}

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
    if X.dtype.kind in "fc":
        check_finite(X, "Model", f"{what} X")
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
                 optimizer: Optimizer | None = None,
                 metric: str | MetricFn | None = "accuracy") -> None:
        self.layers: list[Layer] = []
        self.loss = loss
        self.optimizer = optimizer
        self.metric = metric
        self.history: History | None = None  # the latest fit's, also when it was interrupted
        for layer in layers:
            self.add(layer)
        if loss is not None:
            check_pairing(self.layers, loss)

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
        """Append ``layer`` (checking that a ``Dense`` takes as many inputs as the network gives);
        returns the model."""
        if not isinstance(layer, Layer):
            raise TypeError(f"Model.add expects a layer such as Dense(2, 64) or ReLU(), got "
                            f"{layer!r}.")
        if isinstance(layer, Dense):
            features = self._features()[-1] if self.layers else None
            if features is not None and features != layer.n_inputs:
                raise ValueError(
                    f"Model.add: {layer!r} takes {layer.n_inputs} inputs, but the network so far "
                    f"gives {features} features per sample; use Dense({features}, "
                    f"{layer.n_neurons})."
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
        """True when backward starts from the fused softmax-cross-entropy gradient (``Softmax``
        last, ``CategoricalCrossentropy`` loss; see ``nnscratch.training.is_fused``)."""
        return is_fused(self.layers, self.loss)

    # --- one step -------------------------------------------------------------------------------

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Feed ``x`` through every layer in its current mode (``train()`` / ``eval()``)."""
        return _forward(self.layers, x)

    def backward(self) -> np.ndarray:
        r"""Backpropagate the loss last computed by ``self.loss.forward(output, y)``, filling
        every layer's ``grads``; returns $\partial L/\partial x$.

        With ``Softmax`` last and ``CategoricalCrossentropy`` (see ``fused``), it starts from
        $(\hat y - y)/N$ at the softmax's input and skips ``Softmax.backward``."""
        if self.loss is None or getattr(self.loss, "y_pred", None) is None:
            raise RuntimeError("Model.backward needs a loss computed first: out = "
                               "model.forward(x); model.loss.forward(out, y); model.backward().")
        if self.fused:
            grad = softmax_crossentropy_grad(self.loss.y_pred, self.loss.y_true)
            return _backward(self.layers[:-1], grad)
        return _backward(self.layers, self.loss.backward())

    def _set_training(self, mode: bool) -> None:
        for layer in self.layers:
            layer.train(mode)

    def _check_ready(self, who: str, *, loss: bool = False, optimizer: bool = False) -> None:
        if not self.layers:
            raise RuntimeError(f"Model.{who}: the model has no layers; add some with "
                               "model.add(Dense(...)).")
        if loss and self.loss is None:
            raise RuntimeError(f"Model.{who} needs a loss: Model(layers, "
                               "loss=CategoricalCrossentropy(), ...) or model.loss = ...")
        if optimizer and self.optimizer is None:
            raise RuntimeError(f"Model.{who} needs an optimiser: Model(layers, optimizer=Adam(), "
                               "...) or model.optimizer = ...")
        if loss:
            check_pairing(self.layers, self.loss)
            self._check_metric_fits_loss(who)

    def _check_metric_fits_loss(self, who: str) -> None:
        """Refuse ``metric="accuracy"`` (the default), which counts classes, with a loss that has
        no classes: a regression loss, or yes/no outputs."""
        if self._metric_fn is None or self._metric_fn[1] is not accuracy:
            return
        for kinds, what, use in (((MeanSquaredError, MeanAbsoluteError), "a regression loss",
                                  "'regression_accuracy'"),
                                 ((BinaryCrossentropy, SigmoidBinaryCrossentropy),
                                  "a loss of yes/no outputs", "'binary_accuracy'")):
            if isinstance(self.loss, kinds):
                raise ValueError(
                    f"Model.{who}: metric={self._metric!r} (the default) counts correct classes, "
                    f"but the loss {self.loss!r} is {what}; pass metric={use}, another metric "
                    "function, or metric=None."
                )

    def _score(self, output: np.ndarray, y: np.ndarray) -> float:
        """The metric of ``output`` against ``y``, checked to be one finite number."""
        name, fn = self._metric_fn
        if fn is binary_accuracy and isinstance(self.loss, SigmoidBinaryCrossentropy):
            return binary_accuracy(output, y, threshold=0.0)  # sigmoid(z) > 0.5 exactly if z > 0
        value = fn(output, y)
        if isinstance(value, np.ndarray) and value.size == 1:
            value = value.reshape(())[()]
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)):
            raise TypeError(f"Model: the metric {name!r} returned {value!r} "
                            f"({type(value).__name__}); a metric must return one number.")
        if not np.isfinite(value):
            raise ValueError(f"Model: the metric {name!r} returned {value!r}; a metric must "
                             "return a finite number.")
        return float(value)

    # --- training -------------------------------------------------------------------------------

    def fit(self, X: np.ndarray, y: np.ndarray, *, epochs: int = 1,
            batch_size: int | None = None,
            validation_data: tuple[np.ndarray, np.ndarray] | None = None, shuffle: bool = True,
            seed: int | np.random.Generator | None = None, patience: int | None = None,
            monitor: str = "val_loss", restore_best: bool = True,
            progress: bool = True) -> History:
        """Train for ``epochs`` passes over ``(X, y)`` in mini-batches of ``batch_size``
        (``None``: the whole set) and return the ``History`` (also kept as ``model.history``).

        Each epoch visits the samples in a new random order drawn from ``seed`` (when ``shuffle``
        and there is more than one batch). Layers are in training mode for the updates and in
        inference mode for the validation. With ``patience``, training stops after ``patience``
        epochs without improvement of ``monitor`` (a history key; names ending in ``loss`` are
        minimised, others maximised) and, with ``restore_best``, the parameters of the best
        epoch are copied back into the layers. ``progress`` shows a tqdm bar on stderr.
        """
        self._check_ready("fit", loss=True, optimizer=True)
        epochs = _positive_int(epochs, "epochs")
        X, y = _as_data(X, y, "the training data")
        batch = len(X) if batch_size is None else min(_positive_int(batch_size, "batch_size"),
                                                      len(X))
        n_batches = -(-len(X) // batch)
        validation = _validation_data(validation_data, X)
        history = self.history = History(
            {key: [] for key in self._history_keys(validation is not None)})
        stopper = None
        if patience is not None:
            if monitor not in history.logs or monitor == "epoch":
                raise ValueError(f"Model.fit: cannot monitor {monitor!r}"
                                 f"{_monitor_hint(monitor, validation is not None, self.metric)}; "
                                 f"this run records {history.keys()[1:]}.")
            stopper = _EarlyStopping(monitor, _positive_int(patience, "patience"), restore_best)
            history.monitor = monitor
        rng = make_rng(seed)
        bar = _Progress(progress, epochs, n_batches, self._metric_fn)
        modes = [layer.training for layer in self.layers]
        at = {"epoch": 1, "batch": 0, "batches": n_batches}  # where training is, for errors
        try:
            for epoch in range(1, epochs + 1):
                at.update(epoch=epoch, batch=0)
                order = rng.permutation(len(X)) if shuffle and n_batches > 1 else None
                logs = {"epoch": epoch,
                        **self._train_epoch(X, y, batch, order, bar.epoch(epoch), at)}
                if validation is not None:
                    at["batch"] = None  # the validation
                    scores = self.evaluate(*validation, batch_size=batch_size)
                    logs.update({f"val_{name}": value for name, value in scores.items()})
                logs["learning_rate"] = self.optimizer.current_learning_rate
                for key, values in history.logs.items():
                    values.append(logs[key])
                _warn_if_diverging(history)
                bar.end_epoch(logs)
                if stopper is not None and stopper.should_stop(epoch, logs[monitor], self.layers):
                    history.stopped_epoch = epoch
                    break
        except BaseException as error:
            # Fail safely: the layers' modes as they were, the best parameters back, and the
            # history so far in model.history; the error says where training stopped.
            for layer, mode in zip(self.layers, modes):
                layer.train(mode)
            where = _where(at)
            if stopper is not None and stopper.best_params is not None:
                history.best_epoch = stopper.best_epoch
                stopper.restore(self.layers)
                where += f"; restored the parameters of epoch {stopper.best_epoch}"
            raise _located(error, where)
        else:
            self._set_training(False)
        finally:
            bar.close()
        if stopper is not None:
            history.best_epoch = stopper.best_epoch
            stopper.restore(self.layers)
            if progress and history.stopped_epoch is not None:
                restored = (f"; restored the parameters of epoch {stopper.best_epoch}"
                            if restore_best else "")
                tqdm.write(f"Early stopping after epoch {history.stopped_epoch}: {monitor} has "
                           f"not improved for {patience} epochs{restored} ({monitor} "
                           f"{stopper.best_value:.4f}).", file=sys.stderr)
        return history

    def _history_keys(self, validation: bool) -> list[str]:
        metric = [self._metric_fn[0]] if self._metric_fn else []
        val = ["val_loss"] + [f"val_{name}" for name in metric] if validation else []
        return ["epoch", "loss", "data_loss", "regularization_loss", *metric, *val,
                "learning_rate"]

    def _train_epoch(self, X: np.ndarray, y: np.ndarray, batch: int, order: np.ndarray | None,
                     bar: Any, at: dict[str, Any]) -> dict[str, float]:
        """One pass of ``training.step`` over ``X`` in batches (rows ``order`` if given, else in
        order); returns the epoch's mean losses and metric, each batch weighted by its size.
        Stops with an error when the loss is no longer finite; ``at["batch"]`` counts batches."""
        # The first layer's input is the data, whose gradient nobody uses: a Dense skips it.
        input_grad = not isinstance(self.layers[0], Dense)
        n = len(X)
        sums = {"data_loss": 0.0, "regularization_loss": 0.0}
        if self._metric_fn:
            sums[self._metric_fn[0]] = 0.0
        for start in range(0, n, batch):
            at["batch"] += 1
            rows = slice(start, start + batch) if order is None else order[start:start + batch]
            xb, yb = X[rows], y[rows]
            data_loss, penalty, output = step(self.layers, self.loss, self.optimizer, xb, yb,
                                              input_grad=input_grad)
            if not np.isfinite(data_loss + penalty):
                raise ValueError(
                    f"the loss became {data_loss + penalty} (data loss {data_loss}, penalties "
                    f"{penalty}): the weights have diverged. Try a smaller learning_rate than "
                    f"{self.optimizer.learning_rate}."
                )
            sums["data_loss"] += data_loss * len(xb)
            sums["regularization_loss"] += penalty * len(xb)
            if self._metric_fn:
                sums[self._metric_fn[0]] += self._score(output, yb) * len(xb)
            bar.update(sums, min(start + batch, n))
        logs = {name: total / n for name, total in sums.items()}
        logs["loss"] = (sums["data_loss"] + sums["regularization_loss"]) / n
        return logs

    # --- inference ------------------------------------------------------------------------------

    def predict(self, X: np.ndarray, batch_size: int | None = None) -> np.ndarray:
        """The last layer's output for ``X`` in inference mode (dropout off), ``batch_size`` rows
        at a time."""
        self._check_ready("predict")
        X = np.asarray(X)
        if X.ndim != 2 or len(X) == 0:
            raise ValueError("Model.predict expects a 2-D array (samples, features) with at least "
                             f"one sample, got shape {X.shape}. Reshape a single sample with "
                             "x.reshape(1, -1).")
        batch = len(X) if batch_size is None else _positive_int(batch_size, "batch_size",
                                                                "predict")
        self._set_training(False)
        outputs = [self.forward(X[start:start + batch]) for start in range(0, len(X), batch)]
        out = outputs[0] if len(outputs) == 1 else np.concatenate(outputs)
        check_finite(out, "Model.predict", "output")
        return out

    def evaluate(self, X: np.ndarray, y: np.ndarray,
                 batch_size: int | None = None) -> dict[str, float]:
        """``{"loss": data loss, <metric>: value}`` on ``(X, y)`` in inference mode."""
        self._check_ready("evaluate", loss=True)
        X, y = _as_data(X, y, "evaluate")
        out = self.predict(X, batch_size)
        scores = {"loss": self.loss.forward(out, y)}
        if self._metric_fn:
            scores[self._metric_fn[0]] = self._score(out, y)
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
            n_params = sum(p.size for p in layer.params.values())
            rows.append((str(i), repr(layer), shape, f"{n_params:,}"))
        w = [max(len(r[c]) for r in rows) for c in range(4)]
        lines = [f"{r[0]:>{w[0]}}  {r[1]:<{w[1]}}  {r[2]:<{w[2]}}  {r[3]:>{w[3]}}" for r in rows]
        rule = "-" * len(lines[0])
        metric = self._metric_fn[0] if self._metric_fn else None
        return "\n".join([lines[0], rule, *lines[1:], rule,
                          f"total parameters: {self.count_params():,}",
                          f"loss: {self.loss!r}, optimizer: {self.optimizer!r}, metric: {metric}"])

    def __repr__(self) -> str:
        metric = self._metric_fn[0] if self._metric_fn else None
        return (f"Model({self.layers!r}, loss={self.loss!r}, optimizer={self.optimizer!r}, "
                f"metric={metric!r})")

    # --- saving (nnscratch.saving) ---------------------------------------------------------------

    def architecture(self) -> dict[str, Any]:
        """The description ``save`` stores: each layer's type and constructor arguments, loss
        and metric."""
        return saving.architecture(self)

    def save(self, path: str | Path) -> Path:
        """Write every layer's parameters and the architecture to a ``.npz`` file that loads
        without pickle; returns the path written (``.npz`` appended if missing). An earlier file
        at ``path`` survives a failure midway."""
        return saving.save(self, path)

    def load_params(self, path: str | Path) -> "Model":
        """Copy the parameters saved in ``path`` into this model's layers (in place, in their
        dtype). Raises ``ValueError``, and changes nothing, when the file does not fit."""
        saving.load_params(self, path)
        return self

    @classmethod
    def load(cls, path: str | Path) -> "Model":
        """Rebuild a model saved with ``save``: its layers, parameters (in their saved dtype),
        loss and metric. The optimiser is not saved; set ``model.optimizer`` to train further."""
        return saving.load(cls, path)


def _monitor_hint(monitor: str, validation: bool, metric: Any) -> str:
    """Why ``monitor`` is not recorded, and what to change."""
    if monitor.startswith("val_") and not validation:
        return " (pass validation_data=(X_val, y_val))"
    if monitor.removeprefix("val_") not in ("loss", "data_loss", "regularization_loss"):
        return (f" (the model's metric is {metric!r}; set Model(..., metric=...) to the metric "
                "you want to monitor, or monitor 'val_loss')")
    return ""


#: ``fit`` warns when an epoch's loss is this many times the first epoch's: it is diverging.
DIVERGING = 3.0


def _warn_if_diverging(history: History) -> None:
    """Warn, once per run, when the loss has risen to ``DIVERGING`` times the first epoch's."""
    losses = history["loss"]
    if len(losses) > 1 and losses[-1] > DIVERGING * losses[0] and not any(
            loss > DIVERGING * losses[0] for loss in losses[1:-1]):
        warnings.warn(f"Model.fit: the loss rose from {losses[0]:.4g} in epoch 1 to "
                      f"{losses[-1]:.4g} in epoch {len(losses)}; training is diverging. Try a "
                      "smaller learning_rate.", RuntimeWarning, stacklevel=3)


def _where(at: dict[str, Any]) -> str:
    """``"epoch 3, batch 5 of 10"`` (or ``"epoch 3, validation"``)."""
    part = "validation" if at["batch"] is None else f"batch {at['batch']} of {at['batches']}"
    return f"Model.fit stopped in epoch {at['epoch']}, {part}"


def _located(error: BaseException, where: str) -> BaseException:
    """``error`` with ``where`` in front of its message: the same type for the usual errors,
    a note (shown with the traceback) for the others, such as ``KeyboardInterrupt``."""
    if type(error) in (ValueError, TypeError, RuntimeError, FloatingPointError,
                       ZeroDivisionError, OverflowError, IndexError, KeyError, MemoryError):
        located = type(error)(f"{where}: {error}")
        located.__cause__ = error
        return located
    error.add_note(f"{where}. The history so far is in model.history.")
    return error


def _validation_data(data: Any, X: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """``(X_val, y_val)`` checked against the training data, or ``None``."""
    if data is None:
        return None
    if not isinstance(data, (tuple, list)) or len(data) != 2:
        raise ValueError("Model.fit: validation_data must be a pair (X_val, y_val).")
    X_val, y_val = _as_data(*data, "validation_data")
    if X_val.shape[1] != X.shape[1]:
        raise ValueError(f"Model.fit: the validation data has {X_val.shape[1]} features per "
                         f"sample, the training data {X.shape[1]}; both must come from the same "
                         "kind of samples.")
    return X_val, y_val


class _Progress:
    """tqdm bars on stderr: one per epoch over its batches, or one over all epochs when each
    epoch is a single batch; does nothing when ``show`` is false."""

    def __init__(self, show: bool, epochs: int, n_batches: int,
                 metric: tuple[str, MetricFn] | None) -> None:
        self.show, self.epochs, self.n_batches = show, epochs, n_batches
        self.metric = metric[0] if metric else None
        self.epochs_bar = (tqdm(total=epochs, unit="epoch", file=sys.stderr)
                           if show and n_batches == 1 else None)
        self.batches_bar = None

    def epoch(self, epoch: int) -> "_Progress":
        if self.show and self.n_batches > 1:
            self.batches_bar = tqdm(total=self.n_batches, desc=f"epoch {epoch}/{self.epochs}",
                                    unit="batch", file=sys.stderr)
        return self

    def update(self, sums: dict[str, float], seen: int) -> None:
        """After a batch: the running mean loss and metric over the ``seen`` samples so far."""
        if self.batches_bar is not None:
            running = {"loss": (sums["data_loss"] + sums["regularization_loss"]) / seen}
            if self.metric:
                running[self.metric] = sums[self.metric] / seen
            self.batches_bar.set_postfix({k: f"{v:.4f}" for k, v in running.items()},
                                         refresh=False)
            self.batches_bar.update()

    def end_epoch(self, logs: dict[str, float]) -> None:
        shown = {k: f"{v:.4f}" for k, v in logs.items()
                 if k in ("loss", "val_loss", self.metric, f"val_{self.metric}")}
        for bar in (self.batches_bar, self.epochs_bar):
            if bar is not None:
                bar.set_postfix(shown, refresh=False)
        if self.epochs_bar is not None:
            self.epochs_bar.update()
        self._close_batches()

    def _close_batches(self) -> None:
        if self.batches_bar is not None:
            self.batches_bar.close()
            self.batches_bar = None

    def close(self) -> None:
        self._close_batches()
        if self.epochs_bar is not None:
            self.epochs_bar.close()


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


__all__ = ["History", "METRICS", "Model"]
