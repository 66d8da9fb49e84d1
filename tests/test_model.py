"""Model: the training loop against a hand-written one, reproducibility, the fused softmax-cross-entropy
gradient, the history, early stopping, inference mode, saving and loading, and every error path."""

import json
import re

import numpy as np
import pytest

import nnscratch as nn
from nnscratch import Dense, Dropout, Linear, Model, ReLU, Sigmoid, Softmax


def spiral_model(seed=0, *, width=16, dropout=0.0, dtype=np.float64, l2=0.0, lr=0.02, decay=0.0):
    """A small classifier for the 3-class spiral, every random source seeded."""
    rng = np.random.default_rng(seed)
    layers = [Dense(2, width, rng=rng, dtype=dtype, weight_regularizer_l2=l2, bias_regularizer_l2=l2), ReLU()]
    if dropout:
        layers.append(Dropout(dropout, rng=rng))
    layers += [Dense(width, 3, rng=rng, dtype=dtype), Softmax()]
    return Model(layers, loss=nn.CategoricalCrossentropy(), optimizer=nn.Adam(lr, decay=decay))


def params_of(model):
    return [{k: v.copy() for k, v in layer.params.items()} for layer in model.layers]


def assert_same_params(a, b):
    assert len(a) == len(b)
    for pa, pb in zip(a, b):
        assert pa.keys() == pb.keys()
        for k in pa:
            np.testing.assert_array_equal(pa[k], pb[k])


@pytest.fixture(scope="module")
def spiral():
    return nn.spiral_data(30, 3, seed=0), nn.spiral_data(30, 3, seed=1)


class Recorder(nn.Layer):
    """Passes its input through and remembers every batch and the mode it was in."""

    def __init__(self):
        super().__init__()
        self.batches, self.modes = [], []

    def forward(self, x):
        self.batches.append(x.copy())
        self.modes.append(self.training)
        self.output = x
        return x

    def backward(self, grad):
        return grad


# ----------------------------------------------------------------------------- building


def test_add_chains_and_checks_sizes():
    model = Model()
    assert model.add(Dense(2, 4, rng=0)).add(ReLU()) is model
    assert len(model.layers) == 2
    with pytest.raises(ValueError, match=r"Dense\(5, 3\) takes 5 inputs.*gives 4 features.*Dense\(4, 3\)"):
        model.add(Dense(5, 3, rng=0))
    with pytest.raises(TypeError, match="expects a layer"):
        model.add("ReLU")
    with pytest.raises(ValueError, match="takes 5 inputs"):
        Model([Dense(2, 4, rng=0), Dropout(0.1), Dense(5, 1, rng=0)])


def test_metric_names_and_errors():
    assert Model(metric=None).metric is None
    with pytest.raises(ValueError, match=r"unknown metric 'acc'.*accuracy.*binary_accuracy.*regression_accuracy"):
        Model(metric="acc")
    with pytest.raises(TypeError, match="metric must be"):
        Model(metric=3)
    model = Model()
    with pytest.raises(ValueError, match="unknown metric"):
        model.metric = "precision"


def test_summary_and_repr():
    model = spiral_model(width=8)
    text = model.summary()
    assert "Dense(2, 8)" in text and "(batch, 8)" in text and "(batch, 3)" in text
    assert "total parameters: 51" in text  # 2*8 + 8 + 8*3 + 3
    assert model.count_params() == 51
    assert repr(model).startswith("Model([Dense(2, 8), ReLU(), Dense(8, 3), Softmax()], loss=CategoricalCrossentropy()")
    assert "?" in Model([Recorder(), Dense(2, 1, rng=0)]).summary().splitlines()[2]


# ----------------------------------------------------------------------------- the training loop


def test_full_batch_fit_equals_hand_written_loop():
    X, y = nn.sine_data(50)
    rng = np.random.default_rng(0)
    layers = [Dense(1, 8, rng=rng, weight_regularizer_l2=1e-3), ReLU(), Dense(8, 1, rng=rng), Linear()]
    hand = [Dense(1, 8, rng=0), ReLU(), Dense(8, 1, rng=0), Linear()]
    for a, b in zip(hand, layers):
        for k in b.params:
            a.params[k][...] = b.params[k]
    hand[0].regularizers = dict(layers[0].regularizers)
    model = Model(layers, loss=nn.MeanSquaredError(), optimizer=nn.SGD(0.1), metric="regression_accuracy")
    history = model.fit(X, y, epochs=5, progress=False)
    loss, opt, losses = nn.MeanSquaredError(), nn.SGD(0.1), []
    for _ in range(5):
        data_loss = loss.forward(nn.forward(hand, X), y)
        losses.append(data_loss + nn.regularization_loss(hand))  # the penalty before the update
        nn.backward(hand, loss.backward())
        opt.step(hand)
    assert_same_params(params_of(model), [l.params for l in hand])
    np.testing.assert_allclose(history["loss"], losses, rtol=1e-14)


def test_fit_is_reproducible_with_seeds(spiral):
    (X, y), (Xv, yv) = spiral
    runs = []
    for _ in range(2):
        model = spiral_model(dropout=0.2)
        history = model.fit(X, y, epochs=3, batch_size=16, validation_data=(Xv, yv), seed=7, progress=False)
        runs.append((history, params_of(model)))
    assert runs[0][0].logs == runs[1][0].logs
    assert_same_params(runs[0][1], runs[1][1])
    other = spiral_model(dropout=0.2)
    other.fit(X, y, epochs=3, batch_size=16, seed=8, progress=False)
    assert not np.array_equal(other.layers[0].params["W"], runs[0][1][0]["W"])
    gen = spiral_model(dropout=0.2)  # a Generator works as the seed too
    h = gen.fit(X, y, epochs=3, batch_size=16, validation_data=(Xv, yv), seed=np.random.default_rng(7), progress=False)
    assert h.logs == runs[0][0].logs


def test_each_epoch_visits_every_sample_once_in_a_new_order():
    X = np.arange(20, dtype=np.float64).reshape(10, 2)
    y = np.arange(10) % 2
    rec = Recorder()
    model = Model([rec, Dense(2, 2, rng=0), Softmax()], loss=nn.CategoricalCrossentropy(), optimizer=nn.SGD(0.01))
    model.fit(X, y, epochs=2, batch_size=4, seed=0, progress=False)
    sizes = [len(b) for b in rec.batches]
    assert sizes == [4, 4, 2, 4, 4, 2]
    epochs = [np.concatenate(rec.batches[:3]), np.concatenate(rec.batches[3:])]
    for rows in epochs:
        np.testing.assert_array_equal(np.sort(rows[:, 0]), X[:, 0])
    assert not np.array_equal(epochs[0], epochs[1])
    rec.batches.clear()
    model.fit(X, y, epochs=1, batch_size=4, shuffle=False, progress=False)
    np.testing.assert_array_equal(np.concatenate(rec.batches), X)


def test_training_mode_during_fit_and_eval_mode_for_validation():
    X, y = nn.spiral_data(10, 2, seed=0)
    rec = Recorder()
    model = Model([rec, Dense(2, 2, rng=0), Softmax()], loss=nn.CategoricalCrossentropy(), optimizer=nn.SGD(0.1))
    model.fit(X, y, epochs=2, validation_data=(X, y), progress=False)
    assert rec.modes == [True, False, True, False]
    assert not any(layer.training for layer in model.layers)


def test_fused_gradient_equals_two_step(spiral, monkeypatch):
    (X, y), _ = spiral
    model = spiral_model(width=8)
    assert model.fused
    out = model.forward(X)
    model.loss.forward(out, y)
    two_step_dx = nn.backward(model.layers, model.loss.backward())
    two_step = [{k: g.copy() for k, g in layer.grads.items()} for layer in model.layers]
    calls = []
    monkeypatch.setattr(Softmax, "backward", lambda self, grad: calls.append(1))
    fused_dx = model.backward()
    assert calls == []  # Softmax.backward was skipped
    np.testing.assert_allclose(fused_dx, two_step_dx, rtol=1e-10, atol=1e-15)
    for layer, grads in zip(model.layers, two_step):
        for k in grads:
            np.testing.assert_allclose(layer.grads[k], grads[k], rtol=1e-10, atol=1e-15)
    # one-hot labels take the same path
    model.loss.forward(out, np.eye(3)[y])
    np.testing.assert_allclose(model.backward(), fused_dx, rtol=1e-12, atol=1e-15)
    assert not Model([Dense(2, 3, rng=0), Softmax()], loss=nn.MeanSquaredError()).fused


def test_backward_before_loss_is_an_error():
    model = spiral_model()
    with pytest.raises(RuntimeError, match="loss computed first"):
        model.backward()


def test_history_contents(spiral):
    (X, y), (Xv, yv) = spiral
    model = spiral_model(l2=1e-3, decay=0.1)
    loss0 = model.evaluate(X, y)["loss"]
    history = model.fit(X, y, epochs=4, batch_size=40, validation_data=(Xv, yv), seed=0, progress=False)
    assert history.keys() == ["epoch", "loss", "data_loss", "regularization_loss", "accuracy", "val_loss",
                              "val_accuracy", "learning_rate"]
    assert len(history) == 4 and history["epoch"] == [1, 2, 3, 4]
    assert all(len(v) == 4 for v in history.logs.values())
    np.testing.assert_allclose(np.add(history["data_loss"], history["regularization_loss"]), history["loss"])
    assert min(history["regularization_loss"]) > 0
    # 90 samples in batches of 40: 3 steps per epoch; the rate of the epoch's last step is recorded
    np.testing.assert_allclose(history["learning_rate"], [0.02 / (1 + 0.1 * (3 * e - 1)) for e in (1, 2, 3, 4)])
    assert history["val_loss"][-1] == model.evaluate(Xv, yv)["loss"]
    assert history["val_accuracy"][-1] == model.evaluate(Xv, yv)["accuracy"]
    assert history.best_epoch is None and history.stopped_epoch is None and history.monitor is None
    assert "val_loss" in history and "epochs=4" in repr(history)
    with pytest.raises(KeyError, match="History has no 'val_acc'"):
        history["val_acc"]
    # one full batch: the first recorded loss is the loss before any update
    full = spiral_model().fit(X, y, epochs=1, progress=False)
    assert full["data_loss"][0] == pytest.approx(loss0, rel=1e-12)
    assert "val_loss" not in full


def test_metric_variants():
    X, y = nn.sine_data(40)
    model = Model([Dense(1, 4, rng=0), ReLU(), Dense(4, 1, rng=1), Linear()], loss=nn.MeanSquaredError(),
                  optimizer=nn.Adam(0.01), metric="regression_accuracy")
    assert "regression_accuracy" in model.fit(X, y, epochs=2, progress=False)

    def max_error(y_pred, y_true):
        return float(np.abs(y_pred - y_true).max())

    model.metric = max_error
    h = model.fit(X, y, epochs=1, validation_data=(X, y), progress=False)
    assert h["val_max_error"][0] == pytest.approx(max_error(model.predict(X), y))
    model.metric = lambda p, t: 0.5
    assert model.evaluate(X, y)["metric"] == 0.5
    model.metric = None
    assert list(model.evaluate(X, y)) == ["loss"]
    Xb, yb = nn.spiral_data(20, 2, seed=0)
    binary = Model([Dense(2, 4, rng=0), ReLU(), Dense(4, 1, rng=1), Sigmoid()], loss=nn.BinaryCrossentropy(),
                   optimizer=nn.Adam(0.01), metric="binary_accuracy")
    h = binary.fit(Xb, yb.reshape(-1, 1), epochs=2, validation_data=(Xb, yb.reshape(-1, 1)), progress=False)
    assert 0 <= h["val_binary_accuracy"][-1] <= 1


def test_float32_training_keeps_float32(spiral):
    (X, y), _ = spiral
    model = spiral_model(dtype=np.float32)
    history = model.fit(X.astype(np.float32), y, epochs=2, batch_size=32, seed=0, progress=False)
    assert all(p.dtype == np.float32 for layer in model.layers for p in layer.params.values())
    assert model.predict(X.astype(np.float32)).dtype == np.float32
    assert all(isinstance(v, float) for v in history["loss"])


# ----------------------------------------------------------------------------- early stopping


def overfitting_run(patience, restore_best=True, monitor="val_loss", epochs=60):
    """A validation set whose labels are the training labels flipped: its loss rises as training succeeds."""
    X, y = nn.spiral_data(20, 2, seed=0)
    y1 = y.reshape(-1, 1)
    model = Model([Dense(2, 8, rng=0), ReLU(), Dense(8, 1, rng=1), Sigmoid()], loss=nn.BinaryCrossentropy(),
                  optimizer=nn.Adam(0.05), metric="binary_accuracy")
    history = model.fit(X, y1, epochs=epochs, validation_data=(X, 1 - y1), patience=patience, monitor=monitor,
                        restore_best=restore_best, progress=False)
    return model, history, (X, y1)


def test_early_stopping_stops_and_restores_the_best_epoch():
    model, history, (X, y) = overfitting_run(patience=5)
    assert history.monitor == "val_loss"
    assert history.best_epoch == 1 + int(np.argmin(history["val_loss"]))
    assert history.stopped_epoch == history.best_epoch + 5 == len(history)
    assert history.stopped_epoch < 60
    # the same model trained for exactly best_epoch epochs has the restored parameters
    reference, _, _ = overfitting_run(patience=None, epochs=history.best_epoch)
    assert_same_params(params_of(model), params_of(reference))
    assert model.evaluate(X, 1 - y)["loss"] == pytest.approx(min(history["val_loss"]), rel=1e-12)


def test_early_stopping_without_restoring_keeps_the_last_parameters():
    model, history, _ = overfitting_run(patience=5, restore_best=False)
    reference, _, _ = overfitting_run(patience=None, epochs=history.stopped_epoch)
    assert_same_params(params_of(model), params_of(reference))


def test_restoring_keeps_the_optimiser_state_attached():
    model, history, (X, y) = overfitting_run(patience=3)
    before = [layer.params["W"] for layer in model.layers if layer.params]
    model.fit(X, y, epochs=2, progress=False)  # continue training: same arrays, updated in place
    after = [layer.params["W"] for layer in model.layers if layer.params]
    assert all(a is b for a, b in zip(before, after))
    assert model.layers[0] in model.optimizer.states  # Adam's moments, keyed by the layer


def test_early_stopping_on_a_metric_maximises_it():
    _, history, _ = overfitting_run(patience=4, monitor="val_binary_accuracy")
    assert history.best_epoch == 1 + int(np.argmax(history["val_binary_accuracy"]))
    assert history.stopped_epoch == history.best_epoch + 4


def test_patience_that_never_runs_out():
    _, history, _ = overfitting_run(patience=100, epochs=5)
    assert history.stopped_epoch is None and len(history) == 5 and history.best_epoch == 1


def test_early_stopping_errors(spiral):
    (X, y), _ = spiral
    model = spiral_model()
    with pytest.raises(ValueError, match=r"cannot monitor 'val_loss' \(pass validation_data"):
        model.fit(X, y, patience=3, progress=False)
    with pytest.raises(ValueError, match="cannot monitor 'val_acc'"):
        model.fit(X, y, validation_data=(X, y), patience=3, monitor="val_acc", progress=False)
    with pytest.raises(ValueError, match="patience must be a whole number"):
        model.fit(X, y, validation_data=(X, y), patience=0, progress=False)
    history = model.fit(X, y, epochs=3, patience=2, monitor="loss", progress=False)
    assert history.monitor == "loss" and history.best_epoch is not None


# ----------------------------------------------------------------------------- evaluate and predict


def test_evaluate_and_predict_shapes_and_batches(spiral):
    (X, y), _ = spiral
    model = spiral_model(dropout=0.5)
    out = model.predict(X)
    assert out.shape == (90, 3)
    np.testing.assert_allclose(out.sum(axis=1), 1)
    np.testing.assert_allclose(model.predict(X, batch_size=7), out, rtol=1e-12)
    scores = model.evaluate(X, y, batch_size=16)
    assert set(scores) == {"loss", "accuracy"}
    assert scores["accuracy"] == nn.accuracy(out, y)
    assert scores["loss"] == pytest.approx(nn.CategoricalCrossentropy()(out, y), rel=1e-12)


def test_predict_turns_dropout_off(spiral):
    (X, _), _ = spiral
    model = spiral_model(dropout=0.5)
    first, second = model.predict(X), model.predict(X)
    np.testing.assert_array_equal(first, second)
    plain = nn.forward([layer for layer in model.layers if not isinstance(layer, Dropout)], X)
    np.testing.assert_array_equal(first, plain)
    assert all(not layer.training for layer in model.layers)


def test_predict_refuses_nan_outputs(spiral):
    (X, _), _ = spiral
    model = spiral_model()
    model.layers[0].params["W"][0, 0] = np.nan
    with pytest.raises(ValueError, match="Model.predict got .* NaN or infinite.*learning rate"):
        model.predict(X)


def test_progress_off_prints_nothing_and_on_draws_bars(spiral, capsys):
    (X, y), (Xv, yv) = spiral
    spiral_model().fit(X, y, epochs=2, batch_size=30, validation_data=(Xv, yv), progress=False)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
    spiral_model().fit(X, y, epochs=2, batch_size=30, validation_data=(Xv, yv), seed=0)
    err = capsys.readouterr().err
    assert "epoch 1/2" in err and "epoch 2/2" in err and "val_accuracy=" in err
    spiral_model().fit(X, y, epochs=3)
    assert "3/3" in capsys.readouterr().err
    overfitting_run(patience=2, epochs=10)  # progress=False: silent even when stopping early
    assert capsys.readouterr().err == ""


# ----------------------------------------------------------------------------- saving and loading


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_save_and_load_round_trip(tmp_path, spiral, dtype):
    (X, y), _ = spiral
    rng = np.random.default_rng(0)
    model = Model([Dense(2, 8, rng=rng, dtype=dtype, weight_regularizer_l1=1e-4, bias_regularizer_l2=2e-4), ReLU(),
                   Dropout(0.25, rng=rng), Dense(8, 3, rng=rng, dtype=dtype), Softmax()],
                  loss=nn.CategoricalCrossentropy(), optimizer=nn.Adam(0.02))
    model.fit(X.astype(dtype), y, epochs=3, batch_size=32, seed=0, progress=False)
    path = model.save(tmp_path / "spiral")
    assert path.name == "spiral.npz"
    with np.load(path, allow_pickle=False) as f:
        assert sorted(f.files) == ["architecture", "layer0.W", "layer0.b", "layer3.W", "layer3.b"]
        assert f["layer0.W"].dtype == dtype and f["architecture"].dtype.kind == "U"
    loaded = Model.load(path)
    assert [repr(l) for l in loaded.layers] == [repr(l) for l in model.layers]
    assert loaded.layers[0].regularizers == model.layers[0].regularizers
    assert loaded.layers[2].rate == 0.25
    assert isinstance(loaded.loss, nn.CategoricalCrossentropy) and loaded.metric == "accuracy"
    assert loaded.optimizer is None
    assert loaded.layers[0].params["W"].dtype == dtype
    Xd = X.astype(dtype)
    np.testing.assert_array_equal(loaded.predict(Xd), model.predict(Xd))
    fresh = Model([Dense(2, 8, rng=5, dtype=dtype), ReLU(), Dropout(0.25), Dense(8, 3, rng=5, dtype=dtype), Softmax()])
    W = fresh.layers[0].params["W"]
    assert fresh.load_params(path) is fresh
    assert fresh.layers[0].params["W"] is W  # copied in place
    np.testing.assert_array_equal(fresh.predict(Xd), model.predict(Xd))


def test_architecture_is_plain_json():
    model = Model([Dense(3, 2, rng=0, weight_regularizer_l2=0.5), Sigmoid()], loss=nn.BinaryCrossentropy(),
                  metric="binary_accuracy")
    arch = json.loads(json.dumps(model.architecture()))
    assert arch["layers"][0] == {"type": "Dense", "n_inputs": 3, "n_neurons": 2, "weight_regularizer_l1": 0.0,
                                 "weight_regularizer_l2": 0.5, "bias_regularizer_l1": 0.0, "bias_regularizer_l2": 0.0}
    assert arch["layers"][1] == {"type": "Sigmoid"} and arch["loss"] == "BinaryCrossentropy"
    assert arch["metric"] == "binary_accuracy"


@pytest.fixture
def saved(tmp_path):
    model = Model([Dense(2, 4, rng=0), ReLU(), Dense(4, 3, rng=1), Softmax()], loss=nn.CategoricalCrossentropy())
    return model, model.save(tmp_path / "model.npz")


def rewrite(path, drop=(), **changes):
    with np.load(path, allow_pickle=False) as f:
        arrays = {k: f[k] for k in f.files if k not in drop}
    arrays.update(changes)
    np.savez(path, **arrays)


def test_loading_into_another_architecture_is_refused(saved):
    model, path = saved
    with pytest.raises(ValueError, match=r"holds a model of 4 layers \(Dense, ReLU, Dense, Softmax\), this model "
                                         r"has 2 \(Dense, Softmax\).*Model.load"):
        Model([Dense(2, 3, rng=0), Softmax()]).load_params(path)
    with pytest.raises(ValueError, match=r"layer 1 is a ReLU in the file but Sigmoid\(\) in this model"):
        Model([Dense(2, 4, rng=0), Sigmoid(), Dense(4, 3, rng=0), Softmax()]).load_params(path)


def test_loading_other_shapes_is_refused_and_changes_nothing(saved):
    _, path = saved
    other = Model([Dense(2, 5, rng=0), ReLU(), Dense(5, 3, rng=0), Softmax()])
    before = params_of(other)
    expected = ("parameter 'W' of layer 0, Dense(2, 5), has shape (2, 5) in this model but (2, 4) in the file. "
                "Build the layers with the sizes of the saved model")
    with pytest.raises(ValueError, match=re.escape(expected)):
        other.load_params(path)
    assert_same_params(params_of(other), before)


def test_missing_and_extra_keys_are_refused(saved):
    model, path = saved
    rewrite(path, drop=("layer2.b",))
    with pytest.raises(ValueError, match=r"has no 'layer2.b' for parameter 'b' of layer 2, Dense\(4, 3\)"):
        model.load_params(path)
    with pytest.raises(ValueError, match="has no 'layer2.b'"):
        Model.load(path)
    model.save(path)
    rewrite(path, **{"layer1.W": np.zeros((2, 2))})
    with pytest.raises(ValueError, match=r"arrays \['layer1.W'\] that no parameter of this model takes"):
        model.load_params(path)
    model.save(path)
    rewrite(path, **{"layer0.b": np.zeros((1, 4), dtype=np.int64)})
    with pytest.raises(ValueError, match="'layer0.b' holds int64 values"):
        model.load_params(path)


def test_files_without_architecture_need_load_params(saved):
    model, path = saved
    rewrite(path, drop=("architecture",))
    with pytest.raises(ValueError, match="no architecture description.*load_params"):
        Model.load(path)
    target = Model([Dense(2, 4, rng=9), ReLU(), Dense(4, 3, rng=9), Softmax()])
    target.load_params(path)
    assert_same_params(params_of(target), params_of(model))


def test_unknown_layer_types_and_bad_descriptions_are_refused(saved):
    model, path = saved
    arch = model.architecture()
    arch["layers"][1] = {"type": "MyLayer"}
    rewrite(path, architecture=np.array(json.dumps(arch)))
    with pytest.raises(ValueError, match=r"layer 1 has type 'MyLayer', which Model.load cannot rebuild.*load_params"):
        Model.load(path)
    arch["layers"][1] = {"type": "Dropout", "rate": 2.0}
    rewrite(path, architecture=np.array(json.dumps(arch)))
    with pytest.raises(ValueError, match=r"layer 1 \(Dropout\) cannot be rebuilt"):
        Model.load(path)
    rewrite(path, architecture=np.array("{not json"))
    with pytest.raises(ValueError, match="architecture description cannot be read"):
        Model.load(path)
    rewrite(path, architecture=np.array(json.dumps({"layers": []})))
    with pytest.raises(ValueError, match="architecture description cannot be read"):
        Model.load(path)


def test_files_that_are_not_npz_archives(tmp_path, saved):
    model, path = saved
    text = tmp_path / "notes.npz"
    text.write_text("these are not weights")
    with pytest.raises(ValueError, match="is not a readable .npz archive.*Model.save"):
        Model.load(text)
    npy = tmp_path / "weights.npy"
    np.save(npy, np.zeros(3))
    with pytest.raises(ValueError, match=r"single array \(.npy\)"):
        model.load_params(npy)
    corrupt = tmp_path / "corrupt.npz"
    corrupt.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(ValueError, match="(not a readable .npz|corrupt)"):
        Model.load(corrupt)
    with pytest.raises(FileNotFoundError):
        Model.load(tmp_path / "missing.npz")


def test_files_that_need_pickle_are_refused(saved):
    model, path = saved
    rewrite(path, **{"layer0.W": np.array([[1.0, None]], dtype=object)})
    with pytest.raises(ValueError, match="'layer0.W' holds Python objects that only pickle could load"):
        model.load_params(path)


# ----------------------------------------------------------------------------- bad inputs


def test_bad_training_inputs(spiral):
    (X, y), (Xv, yv) = spiral
    model = spiral_model()
    with pytest.raises(ValueError, match="90 samples in X but 89 targets"):
        model.fit(X, y[:-1], progress=False)
    with pytest.raises(ValueError, match="validation data has 3 features per sample, the training data 2"):
        model.fit(X, y, validation_data=(np.c_[Xv, Xv[:, :1]], yv), progress=False)
    with pytest.raises(ValueError, match="validation_data has 90 samples in X but 3 targets"):
        model.fit(X, y, validation_data=(Xv, yv[:3]), progress=False)
    with pytest.raises(ValueError, match="must be a pair"):
        model.fit(X, y, validation_data=Xv, progress=False)
    with pytest.raises(ValueError, match="must be 2-D"):
        model.fit(X[:, 0], y, progress=False)
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match="epochs must be a whole number of at least 1"):
            model.fit(X, y, epochs=bad, progress=False)
    with pytest.raises(ValueError, match="batch_size must be a whole number of at least 1"):
        model.fit(X, y, batch_size=0, progress=False)
    with pytest.raises(ValueError, match=r"Model.predict: batch_size"):
        model.predict(X, batch_size=0)
    with pytest.raises(ValueError, match="2-D array"):
        model.predict(X[0])
    with pytest.raises(ValueError, match=r"Dense\(2, 16\) expects input of shape \(batch, 2\)"):
        model.predict(np.c_[X, X])


def test_missing_parts_are_runtime_errors(spiral):
    (X, y), _ = spiral
    with pytest.raises(RuntimeError, match="needs a loss"):
        Model([Dense(2, 3, rng=0), Softmax()], optimizer=nn.SGD()).fit(X, y, progress=False)
    with pytest.raises(RuntimeError, match="needs an optimiser"):
        Model([Dense(2, 3, rng=0), Softmax()], loss=nn.CategoricalCrossentropy()).fit(X, y, progress=False)
    with pytest.raises(RuntimeError, match="needs a loss"):
        Model([Dense(2, 3, rng=0), Softmax()]).evaluate(X, y)
    with pytest.raises(RuntimeError, match="has no layers"):
        Model().predict(X)
