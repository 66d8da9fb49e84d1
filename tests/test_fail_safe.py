"""Injected failures: a save interrupted midway leaves the old file; a fit that raises at a chosen
batch leaves the layers' modes, the best parameters and the history so far, and says where."""

from __future__ import annotations

import numpy as np
import pytest

import nnscratch as nn
from nnscratch import SGD, Dense, Dropout, Model, ReLU, SoftmaxCrossentropy

X, Y = nn.spiral_data(20, 3)


def model() -> Model:
    return Model([Dense(2, 8, rng=0), ReLU(), Dropout(0.1, rng=0), Dense(8, 3, rng=1)],
                 loss=SoftmaxCrossentropy(), optimizer=SGD(0.5))


@pytest.mark.parametrize("error", [OSError("disk full"), KeyboardInterrupt()])
def test_a_save_interrupted_midway_leaves_the_old_file(tmp_path, monkeypatch, error):
    old = model()
    path = old.save(tmp_path / "m.npz")
    before = path.read_bytes()
    real_savez = np.savez

    def savez_then_fail(file, *args, **kwargs):
        real_savez(file, *args, **kwargs)  # write it all ...
        f = file if hasattr(file, "write") else open(file, "r+b")
        f.seek(0)
        f.write(b"half-written")  # ... damage it, as if cut off, and stop
        f.flush()
        raise error

    monkeypatch.setattr(np, "savez", savez_then_fail)
    new = model()
    new.layers[0].params["W"] += 1
    with pytest.raises(type(error)):
        new.save(path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    np.testing.assert_array_equal(Model.load(path).layers[0].params["W"], old.layers[0].params["W"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.npz"]  # no temporary file left


class FailAt:
    """A stand-in loss that raises ``error`` at its ``n``-th call (counting from 1)."""

    def __init__(self, loss, n, error):
        self.loss, self.n, self.error, self.calls = loss, n, error, 0

    def __call__(self, *args):
        self.calls += 1
        if self.calls == self.n:
            raise self.error
        return self.loss(*args)


@pytest.mark.parametrize("error", [ValueError("a bad batch"), KeyboardInterrupt()])
def test_fit_that_fails_at_a_batch_leaves_modes_history_and_best_parameters(monkeypatch, error):
    m = model()
    for layer in m.layers:
        layer.eval()
    m.layers[2].train()  # a mix of modes, which must come back as they were
    modes = [layer.training for layer in m.layers]
    kept = {}

    real_restore = nn.model._EarlyStopping.should_stop

    def remember(self, epoch, value, layers):
        stop = real_restore(self, epoch, value, layers)
        if self.best_epoch == epoch:
            kept["best"] = (epoch, [p.copy() for p in layers[0].params.values()])
        return stop

    monkeypatch.setattr(nn.model._EarlyStopping, "should_stop", remember)
    # 60 samples in batches of 20: 3 batches per epoch; the 8th batch is epoch 3, batch 2.
    monkeypatch.setattr(m.loss, "forward", FailAt(m.loss.forward, 8 + 2, error))  # + 2 val
    with pytest.raises(type(error)) as info:
        m.fit(X, Y, epochs=5, batch_size=20, validation_data=(X, Y), patience=3, progress=False)
    where = "Model.fit stopped in epoch 3, batch 2 of 3"
    text = str(info.value) + " ".join(getattr(info.value, "__notes__", []))
    assert where in text and "restored the parameters of epoch" in text
    assert [layer.training for layer in m.layers] == modes
    assert len(m.history) == 2 and m.history["epoch"] == [1, 2]
    best_epoch, best = kept["best"]
    assert m.history.best_epoch == best_epoch
    for p, b in zip(m.layers[0].params.values(), best):
        np.testing.assert_array_equal(p, b)


def test_a_nan_loss_stops_fit_with_where_and_a_smaller_learning_rate(monkeypatch):
    m = model()
    monkeypatch.setattr(m.loss, "forward", lambda *a: float("nan"))
    monkeypatch.setattr(m.loss, "backward", lambda *a: np.zeros((20, 3)))
    m.loss.y_true = None
    with pytest.raises(ValueError, match=r"epoch 1, batch 1 of 3: the loss became nan.*smaller "
                                         r"learning_rate than 0\.5"):
        m.fit(X, Y, batch_size=20, progress=False)
    assert m.history is not None and len(m.history) == 0
