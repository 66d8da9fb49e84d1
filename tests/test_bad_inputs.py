"""Bad input to the package's public entry points: one row each, the call, the exception type and a
fragment of its message (the data loader's rows are in ``test_bad_inputs_data.py``). After the table,
the issue "Nothing lost, nothing silently wrong", item by item, each with the case that was wrong.
"""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest

import nnscratch as nn
from nnscratch import (
    SGD,
    Adagrad,
    Adam,
    BinaryCrossentropy,
    CategoricalCrossentropy,
    Dense,
    Dropout,
    Linear,
    MeanAbsoluteError,
    MeanSquaredError,
    Model,
    ReLU,
    RMSprop,
    Sigmoid,
    SigmoidBinaryCrossentropy,
    Softmax,
    SoftmaxCrossentropy,
    accuracy,
    binary_accuracy,
    regression_accuracy,
)

X = np.array([[0.1, 0.2], [0.3, -0.1], [-0.2, 0.4]])
Y = np.array([0, 1, 2])
NAN_X = np.array([[np.nan, 0.0], [0.0, 0.0], [0.0, 0.0]])
INF_X = np.array([[np.inf, 0.0], [0.0, 0.0], [0.0, 0.0]])
PROBS = np.array([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.2, 0.2, 0.6]])
LOGITS = np.array([[2.0, -1.0, 0.5], [0.1, 3.0, -2.0], [-1.0, 0.2, 1.5]])


def classifier(**kw) -> Model:
    return Model([Dense(2, 4, rng=0), ReLU(), Dense(4, 3, rng=1)], loss=SoftmaxCrossentropy(),
                 optimizer=SGD(0.1), **kw)


def regressor(**kw) -> Model:
    return Model([Dense(2, 4, rng=0), ReLU(), Dense(4, 1, rng=1), Linear()],
                 loss=MeanSquaredError(), optimizer=Adam(0.01), **kw)


def forwarded(layer, x=X):
    layer.forward(x)
    return layer


def saved(tmp_path, model=None):
    return (model or classifier()).save(tmp_path / "m.npz")


def write_npz(path, **arrays):
    np.savez(path, **arrays)
    return path


def arch_text(**changes):
    arch = classifier().architecture()
    arch.update(changes)
    return np.array(json.dumps(arch))


# (id, call taking tmp_path, exception type, message fragment)
ROWS = [
    # --- constructors ---------------------------------------------------------------------------
    ("Dense float size", lambda t: Dense(2.7, 3), TypeError, "n_inputs must be a whole number, got 2.7"),
    ("Dense zero neurons", lambda t: Dense(2, 0), ValueError, "n_neurons must be at least 1, got 0"),
    ("Dense str size", lambda t: Dense("2", 3), TypeError, "n_inputs must be a whole number"),
    ("Dense bool size", lambda t: Dense(True, 3), TypeError, "n_inputs must be a whole number"),
    ("Dense bad scale", lambda t: Dense(2, 3, weight_scale="kaiming"), ValueError, "'he'"),
    ("Dense negative scale", lambda t: Dense(2, 3, weight_scale=-1), ValueError, "weight_scale"),
    ("Dense int dtype", lambda t: Dense(2, 3, dtype=np.int32), TypeError, "floating-point"),
    ("Dense negative l2", lambda t: Dense(2, 3, weight_regularizer_l2=-1), ValueError,
     "weight_regularizer_l2 must be zero or positive, got -1"),
    ("Dropout str", lambda t: Dropout("0.5"), TypeError, "rate (the fraction of values dropped) "
     "must be a number, got '0.5' (str)"),
    ("Dropout 1", lambda t: Dropout(1.0), ValueError, "must be in [0, 1), got 1.0"),
    ("Dropout NaN", lambda t: Dropout(float("nan")), ValueError, "must be in [0, 1)"),
    ("SGD str", lambda t: SGD("0.1"), TypeError, "SGD: learning_rate must be a number, got '0.1'"),
    ("SGD zero", lambda t: SGD(0), ValueError, "learning_rate must be a positive finite number"),
    ("SGD inf", lambda t: SGD(float("inf")), ValueError, "positive finite number, got inf"),
    ("SGD momentum 1", lambda t: SGD(0.1, momentum=1), ValueError, "momentum must be in [0, 1)"),
    ("SGD decay None", lambda t: SGD(0.1, decay=None), TypeError, "decay must be a number"),
    ("Adagrad epsilon", lambda t: Adagrad(epsilon=0), ValueError, "epsilon must be a positive"),
    ("RMSprop rho", lambda t: RMSprop(rho=1.5), ValueError, "rho must be in [0, 1)"),
    ("Adam beta_1 str", lambda t: Adam(beta_1="0.9"), TypeError, "beta_1 must be a number"),
    ("Adam lr array", lambda t: Adam(np.array([0.1])), TypeError, "learning_rate must be a number"),
    ("Model not a layer", lambda t: Model([Dense(2, 3), "relu"]), TypeError, "expects a layer"),
    ("Model sizes", lambda t: Model([Dense(2, 3), Dense(4, 2)]), ValueError, "use Dense(3, 2)"),
    ("Model metric name", lambda t: Model(metric="acc"), ValueError, "unknown metric 'acc'"),
    ("Model metric type", lambda t: Model(metric=3), TypeError, "metric must be a name"),
    ("Model Softmax+SoftmaxCE", lambda t: Model([Dense(2, 3), Softmax()],
                                                loss=SoftmaxCrossentropy()),
     ValueError, "use CategoricalCrossentropy() with it"),
    ("Model Sigmoid+SigmoidBCE", lambda t: Model([Dense(2, 1), Sigmoid()],
                                                 loss=SigmoidBinaryCrossentropy()),
     ValueError, "use BinaryCrossentropy() with it"),
    # --- layers: forward / backward -------------------------------------------------------------
    ("Dense 1-D", lambda t: Dense(2, 3).forward(np.zeros(2)), ValueError, "x.reshape(1, -1)"),
    ("Dense features", lambda t: Dense(2, 3).forward(np.zeros((4, 5))), ValueError,
     "expects input of shape (batch, 2), got shape (4, 5)"),
    ("Dense strings", lambda t: Dense(2, 3).forward(np.array([["a", "b"]])), TypeError,
     "expects numbers"),
    ("ReLU 3-D", lambda t: ReLU().forward(np.zeros((2, 2, 2))), ValueError, "2-D array"),
    ("Softmax objects", lambda t: Softmax().forward(np.array([[None, 1]])), TypeError, "numbers"),
    ("Dropout 1-D", lambda t: Dropout(0.5).forward(np.zeros(3)), ValueError, "2-D array"),
    ("Dense backward first", lambda t: Dense(2, 3).backward(np.zeros((3, 3))), RuntimeError,
     "before forward"),
    ("Dense backward shape", lambda t: forwarded(Dense(2, 3)).backward(np.zeros((3, 2))),
     ValueError, "gradient of the output's shape (3, 3), got (3, 2)"),
    ("ReLU backward shape", lambda t: forwarded(ReLU()).backward(np.zeros((1, 2))), ValueError,
     "gradient of the output's shape"),
    ("Sigmoid backward first", lambda t: Sigmoid().backward(np.zeros((3, 2))), RuntimeError,
     "before forward"),
    # --- losses ---------------------------------------------------------------------------------
    ("CCE logits", lambda t: CategoricalCrossentropy().forward(LOGITS, Y), ValueError,
     "look like logits"),
    ("CCE names SoftmaxCE", lambda t: CategoricalCrossentropy().forward(LOGITS, Y), ValueError,
     "Use SoftmaxCrossentropy()"),
    ("BCE logits", lambda t: BinaryCrossentropy().forward(np.array([[2.0], [-1.0]]), [1, 0]),
     ValueError, "Use SigmoidBinaryCrossentropy()"),
    ("CCE NaN", lambda t: CategoricalCrossentropy().forward(np.full((3, 3), np.nan), Y),
     ValueError, "NaN or infinite"),
    ("SoftmaxCE inf", lambda t: SoftmaxCrossentropy().forward(np.array([[np.inf, 0.0]]), [0]),
     ValueError, "NaN or infinite"),
    ("SoftmaxCE empty", lambda t: SoftmaxCrossentropy().forward(np.zeros((0, 3)), []), ValueError,
     "the batch is empty"),
    ("SoftmaxCE label range", lambda t: SoftmaxCrossentropy().forward(LOGITS, [0, 1, 3]),
     ValueError, "label 3 is out of range"),
    ("SoftmaxCE negative label", lambda t: SoftmaxCrossentropy().forward(LOGITS, [0, -1, 2]),
     ValueError, "label -1 is out of range"),
    ("SoftmaxCE label 1e20", lambda t: SoftmaxCrossentropy().forward(LOGITS, [0.0, 1.0, 1e20]),
     ValueError, "label 1e+20 is out of range"),
    ("SoftmaxCE label 1.5", lambda t: SoftmaxCrossentropy().forward(LOGITS, [0, 1.5, 2]),
     ValueError, "whole numbers, got 1.5"),
    ("SoftmaxCE label NaN", lambda t: SoftmaxCrossentropy().forward(LOGITS, [0, np.nan, 2]),
     ValueError, "whole numbers, got nan"),
    ("SoftmaxCE label str", lambda t: SoftmaxCrossentropy().forward(LOGITS, ["a", "b", "c"]),
     TypeError, "whole numbers"),
    ("SoftmaxCE label count", lambda t: SoftmaxCrossentropy().forward(LOGITS, [0, 1]),
     ValueError, "labels must be integers of shape (3,)"),
    ("SoftmaxCE bad one-hot", lambda t: SoftmaxCrossentropy().forward(LOGITS, np.ones((3, 3))),
     ValueError, "exactly one 1 per row"),
    ("SigmoidBCE targets", lambda t: SigmoidBinaryCrossentropy().forward(np.zeros((2, 1)), [0, 2]),
     ValueError, "targets must be 0 or 1, got 2"),
    ("SigmoidBCE shape", lambda t: SigmoidBinaryCrossentropy().forward(np.zeros((2, 2)), [0, 1]),
     ValueError, "predictions' shape (2, 2)"),
    ("MSE shape", lambda t: MeanSquaredError().forward(np.zeros((3, 2)), np.zeros((3, 3))),
     ValueError, "targets must have the predictions' shape (3, 2), got (3, 3)"),
    ("MSE NaN targets", lambda t: MeanSquaredError().forward(np.zeros((2, 1)), [0.0, np.nan]),
     ValueError, "in its targets"),
    ("MAE str targets", lambda t: MeanAbsoluteError().forward(np.zeros((2, 1)), ["a", "b"]),
     TypeError, "targets must be numbers"),
    ("loss backward first", lambda t: MeanSquaredError().backward(), RuntimeError,
     "before forward"),
    # --- metrics --------------------------------------------------------------------------------
    ("accuracy NaN", lambda t: accuracy(np.full((3, 3), np.nan), Y), ValueError, "NaN or infinite"),
    ("accuracy empty", lambda t: accuracy(np.zeros((0, 3)), []), ValueError, "the batch is empty"),
    ("accuracy label range", lambda t: accuracy(PROBS, [0, 1, 5]), ValueError, "out of range"),
    ("binary_accuracy targets", lambda t: binary_accuracy(np.zeros((2, 1)), [0, 0.5]), ValueError,
     "targets must be 0 or 1, got 0.5"),
    ("binary_accuracy threshold str", lambda t: binary_accuracy(np.zeros((2, 1)), [0, 1], "0.5"),
     TypeError, "threshold must be a number, got '0.5'"),
    ("binary_accuracy threshold NaN",
     lambda t: binary_accuracy(np.zeros((2, 1)), [0, 1], float("nan")), ValueError,
     "threshold must be a finite number"),
    ("binary_accuracy empty", lambda t: binary_accuracy(np.zeros((0, 1)), []), ValueError,
     "the batch is empty"),
    ("regression_accuracy NaN", lambda t: regression_accuracy(np.array([[np.nan]]), [1.0]),
     ValueError, "NaN or infinite"),
    ("regression_accuracy empty", lambda t: regression_accuracy(np.zeros((0, 1)), []), ValueError,
     "the batch is empty"),
    ("regression_accuracy precision", lambda t: regression_accuracy(np.zeros((1, 1)), [0.0], -1),
     ValueError, "precision must be zero or positive"),
    # --- Model: fit / evaluate / predict --------------------------------------------------------
    ("fit no loss", lambda t: Model([Dense(2, 3)], optimizer=SGD()).fit(X, Y), RuntimeError,
     "needs a loss"),
    ("fit no optimizer", lambda t: Model([Dense(2, 3)], loss=SoftmaxCrossentropy()).fit(X, Y),
     RuntimeError, "needs an optimiser"),
    ("fit 1-D X", lambda t: classifier().fit(X[:, 0], Y), ValueError, "X must be 2-D"),
    ("fit empty", lambda t: classifier().fit(X[:0], Y[:0]), ValueError, "X has no samples"),
    ("fit rows", lambda t: classifier().fit(X, Y[:2]), ValueError, "3 samples in X but 2 targets"),
    ("fit epochs", lambda t: classifier().fit(X, Y, epochs=0), ValueError, "epochs must be"),
    ("fit batch_size", lambda t: classifier().fit(X, Y, batch_size=1.5), ValueError, "batch_size"),
    ("fit NaN X", lambda t: classifier().fit(NAN_X, Y, progress=False), ValueError,
     "Model got 1 NaN or infinite value(s) in its the training data X"),
    ("fit inf X", lambda t: classifier().fit(INF_X, Y, progress=False), ValueError,
     "NaN or infinite"),
    ("fit label range", lambda t: classifier().fit(X, [0, 1, 3], progress=False), ValueError,
     "label 3 is out of range"),
    ("fit label 1e20", lambda t: classifier().fit(X, [0.0, 1.0, 1e20], progress=False),
     ValueError, "label 1e+20 is out of range"),
    ("fit regression default metric", lambda t: Model(
        [Dense(2, 1)], loss=MeanSquaredError(), optimizer=SGD()).fit(X, [1.0, 2, 3]),
     ValueError, "metric='accuracy' (the default) counts correct classes"),
    ("fit BCE default metric", lambda t: Model(
        [Dense(2, 1), Sigmoid()], loss=BinaryCrossentropy(), optimizer=SGD()).fit(X, [1, 0, 1]),
     ValueError, "pass metric='binary_accuracy'"),
    ("fit Softmax added later", lambda t: Model(
        [Dense(2, 3)], loss=SoftmaxCrossentropy(), optimizer=SGD()).add(Softmax()).fit(X, Y),
     ValueError, "would be applied twice"),
    ("fit monitor no metric", lambda t: classifier(metric=None).fit(
        X, Y, validation_data=(X, Y), patience=2, monitor="val_accuracy", progress=False),
     ValueError, "the model's metric is None"),
    ("fit monitor no validation", lambda t: classifier().fit(
        X, Y, patience=2, monitor="val_accuracy", progress=False),
     ValueError, "pass validation_data"),
    ("fit validation features", lambda t: classifier().fit(
        X, Y, validation_data=(np.zeros((2, 3)), [0, 1]), progress=False),
     ValueError, "3 features per sample"),
    ("fit validation pair", lambda t: classifier().fit(X, Y, validation_data=X), ValueError,
     "must be a pair"),
    ("fit metric returns str", lambda t: classifier(metric=lambda p, y: "high").fit(
        X, Y, progress=False), TypeError, "returned 'high' (str); a metric must return one number"),
    ("fit metric returns NaN", lambda t: classifier(metric=lambda p, y: float("nan")).fit(
        X, Y, progress=False), ValueError, "must return a finite number"),
    ("fit metric returns array", lambda t: classifier(metric=lambda p, y: np.ones(3)).fit(
        X, Y, progress=False), TypeError, "must return one number"),
    ("evaluate no loss", lambda t: Model([Dense(2, 3)]).evaluate(X, Y), RuntimeError,
     "needs a loss"),
    ("evaluate rows", lambda t: classifier().evaluate(X, Y[:1]), ValueError, "targets in y"),
    ("evaluate NaN", lambda t: classifier().evaluate(NAN_X, Y), ValueError, "NaN or infinite"),
    ("evaluate label range", lambda t: classifier().evaluate(X, [0, 1, 7]), ValueError,
     "label 7 is out of range"),
    ("evaluate regression metric", lambda t: Model(
        [Dense(2, 1)], loss=MeanAbsoluteError()).evaluate(X, [1.0, 2, 3]),
     ValueError, "pass metric='regression_accuracy'"),
    ("predict empty", lambda t: classifier().predict(X[:0]), ValueError, "at least one sample"),
    ("predict 1-D", lambda t: classifier().predict(X[0]), ValueError, "x.reshape(1, -1)"),
    ("predict features", lambda t: classifier().predict(np.zeros((2, 5))), ValueError,
     "expects input of shape (batch, 2)"),
    ("predict strings", lambda t: classifier().predict(np.array([["a", "b"]])), TypeError,
     "expects numbers"),
    ("predict batch_size", lambda t: classifier().predict(X, batch_size=0), ValueError,
     "batch_size"),
    ("predict no layers", lambda t: Model().predict(X), RuntimeError, "has no layers"),
    # --- save / load ----------------------------------------------------------------------------
    ("save folder missing", lambda t: classifier().save(t / "no" / "m.npz"), FileNotFoundError,
     ""),
    ("load missing", lambda t: Model.load(t / "nothing.npz"), FileNotFoundError, ""),
    ("load a folder", lambda t: Model.load(t), IsADirectoryError, ""),
    ("load text file", lambda t: Model.load(t / "x.npz" if (t / "x.npz").write_text("hi") else 0),
     ValueError, "not a readable .npz archive"),
    ("load .npy", lambda t: Model.load(np.save(t / "x.npy", X) or t / "x.npy"), ValueError,
     "single array (.npy)"),
    ("load version 2", lambda t: Model.load(write_npz(
        t / "v.npz", architecture=arch_text(version=2))), ValueError,
     "format version 2; this nnscratch reads version 1"),
    ("load complex", lambda t: Model.load(write_npz(
        t / "c.npz", architecture=arch_text(), **{"layer0.W": np.zeros((2, 4), complex)})),
     ValueError, "complex128 values of shape (2, 4), not plain floating-point numbers"),
    ("load structured", lambda t: Model.load(write_npz(
        t / "s.npz", architecture=arch_text(),
        **{"layer0.W": np.zeros((2, 4), dtype=[("a", "f8")])})), ValueError,
     "not plain floating-point numbers"),
    ("load objects", lambda t: Model.load(write_npz(
        t / "o.npz", architecture=arch_text(), **{"layer0.W": np.array([{}], dtype=object)})),
     ValueError, "only pickle could load"),
    ("load architecture not text", lambda t: Model.load(write_npz(
        t / "a.npz", architecture=np.zeros(3))), ValueError, "not one text entry"),
    ("load wrong shape", lambda t: Model.load(write_npz(
        t / "w.npz", architecture=arch_text(), **{"layer0.W": np.zeros((3, 4))})), ValueError,
     "'layer0.W' has shape (3, 4) in the file, but its architecture needs (2, 4)"),
    ("load missing array", lambda t: Model.load(write_npz(t / "m.npz", architecture=arch_text())),
     ValueError, "has no 'layer0.W', which its architecture needs"),
    ("load_params other model", lambda t: Model([Dense(2, 5), ReLU(), Dense(5, 3)]).load_params(
        saved(t)), ValueError, "has shape (2, 5) in this model but (2, 4) in the file"),
    ("load_params other layers", lambda t: Model([Dense(2, 3)]).load_params(saved(t)),
     ValueError, "holds a model of 3 layers"),
]


@pytest.mark.parametrize("call, error, fragment", [row[1:] for row in ROWS],
                         ids=[row[0] for row in ROWS])
def test_bad_input_is_refused_with_a_clear_message(tmp_path, call, error, fragment):
    with pytest.raises(error) as info:
        call(tmp_path)
    assert type(info.value) is error
    assert fragment in str(info.value)


# --- 2. fit: NaN or inf loss; diverging ------------------------------------------------------------

def test_an_infinite_loss_stops_fit_and_suggests_a_smaller_learning_rate():
    # Outputs finite, squared errors overflow: the loss is inf, not NaN.
    model = Model([Dense(1, 1, weight_scale=1.0, rng=0), Linear()], loss=MeanSquaredError(),
                  optimizer=SGD(0.1), metric=None)
    with np.errstate(over="ignore"), pytest.raises(
            ValueError, match=r"epoch 1, batch 1 of 1: the loss became inf.*"
                              r"smaller learning_rate than 0\.1"):
        model.fit(np.array([[1e200], [1.0]]), np.array([0.0, 0.0]), progress=False)


def test_a_diverging_fit_is_reported():
    X_s, y_s = nn.spiral_data(100, 3)
    model = Model([Dense(2, 64, rng=1), ReLU(), Dense(64, 3, rng=2), Softmax()],
                  loss=CategoricalCrossentropy(), optimizer=SGD(1e3))
    with pytest.warns(RuntimeWarning, match="training is diverging. Try a smaller learning_rate"):
        model.fit(X_s, y_s, epochs=10, progress=False)


# --- 3. probabilities and logits -------------------------------------------------------------------

def test_probability_losses_still_accept_probabilities():
    assert CategoricalCrossentropy().forward(PROBS, Y) == pytest.approx(
        -np.mean(np.log([0.7, 0.8, 0.6])))
    assert BinaryCrossentropy().forward(np.array([[0.0], [1.0]]), [0, 1]) < 1e-6


def test_train_step_refuses_softmax_before_softmax_crossentropy():
    with pytest.raises(ValueError, match="Remove the last Softmax"):
        nn.train_step([Dense(2, 3, rng=0), Softmax()], SoftmaxCrossentropy(), SGD(), X, Y)


# --- 4. confident mistakes -------------------------------------------------------------------------

def test_softmax_crossentropy_of_a_confident_mistake_is_not_capped():
    z = np.array([[0.0, 50.0]])  # sure of class 1, the answer is 0: loss 50 (clipped: 16.12)
    assert SoftmaxCrossentropy().forward(z, [0]) == pytest.approx(50.0, rel=1e-12)
    assert SoftmaxCrossentropy().forward(np.array([[0.0, 1e5]]), [0]) == pytest.approx(1e5)


def test_sigmoid_binary_crossentropy_is_exact_where_the_clipped_one_caps():
    z = np.array([[-40.0], [40.0], [0.0], [800.0]])
    y = np.array([1, 0, 1, 1])
    loss = SigmoidBinaryCrossentropy()
    expected = [40.0, 40.0, np.log(2), 0.0]  # log(1 + e^{-z y'}) with y' = +-1
    value = loss.forward(z, y)
    np.testing.assert_allclose(loss.sample_losses, expected, rtol=1e-12, atol=1e-300)
    assert value == pytest.approx(np.mean(expected))
    # the clipped loss on the probabilities caps at -log(1e-7) = 16.12
    probs = np.exp(-np.logaddexp(0, -z))
    assert BinaryCrossentropy().forward(probs, y) < 9


def test_sigmoid_binary_crossentropy_matches_sigmoid_then_binary_crossentropy():
    rng = np.random.default_rng(0)
    z, y = rng.normal(size=(6, 3)), rng.integers(0, 2, size=(6, 3))
    fused, separate = SigmoidBinaryCrossentropy(), BinaryCrossentropy()
    sigmoid = Sigmoid()
    assert fused.forward(z, y) == pytest.approx(separate.forward(sigmoid.forward(z), y), rel=1e-12)
    np.testing.assert_allclose(fused.backward(), sigmoid.backward(separate.backward()), rtol=1e-9)


# --- 5. metrics ------------------------------------------------------------------------------------

def test_regression_accuracy_of_perfect_predictions_of_constant_targets_is_one():
    assert regression_accuracy(np.full((4, 1), 3.0), np.full(4, 3.0)) == 1.0
    assert regression_accuracy(np.array([[3.0], [3.1]]), [3.0, 3.0]) == 0.5


def test_binary_accuracy_with_logits_model_thresholds_at_zero():
    model = Model([Dense(2, 1, rng=0)], loss=SigmoidBinaryCrossentropy(),
                  metric="binary_accuracy")
    model.layers[0].params["W"][:] = [[1.0], [0.0]]
    scores = model.evaluate(np.array([[0.2, 0], [-0.3, 0]]), [1, 0])  # logits 0.2 and -0.3
    assert scores["binary_accuracy"] == 1.0


# --- 6. arguments ----------------------------------------------------------------------------------

def test_float_whole_labels_still_work():
    assert accuracy(PROBS, np.array([0.0, 1.0, 2.0])) == 1.0


# --- 7. load: sizes checked before allocating; permission errors -----------------------------------

def test_a_crafted_small_file_cannot_make_load_allocate(tmp_path):
    """A 1 kB file whose architecture and header claim a 100000 x 100000 layer (74.5 GiB)."""
    arch = classifier().architecture()
    arch["layers"][0].update(n_inputs=100_000, n_neurons=100_000)
    path = tmp_path / "crafted.npz"
    np.savez(path, architecture=np.array(json.dumps(arch)), **{"layer0.W": np.zeros((2, 4))})
    with zipfile.ZipFile(path) as z:
        members = {name: z.read(name) for name in z.namelist()}
    header = members["layer0.W.npy"]
    members["layer0.W.npy"] = header.replace(b"(2, 4)", b"(100000, 100000)".ljust(6))
    with zipfile.ZipFile(path, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    assert path.stat().st_size < 3000
    with pytest.raises(ValueError, match=r"claims shape \(100000, 100000\) \(80,000,000,000 "
                                         r"bytes\) but holds \d+ bytes"):
        Model.load(path)


def test_a_permission_error_is_reported_as_such(tmp_path, monkeypatch):
    path = saved(tmp_path)

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(np, "load", refuse)
    with pytest.raises(PermissionError, match="Permission denied"):
        Model.load(path)
    with pytest.raises(PermissionError):
        classifier().load_params(path)


def test_sigmoid_binary_crossentropy_round_trips(tmp_path):
    model = Model([Dense(2, 1, rng=0)], loss=SigmoidBinaryCrossentropy(), metric="binary_accuracy")
    loaded = Model.load(model.save(tmp_path / "m"))
    assert isinstance(loaded.loss, SigmoidBinaryCrossentropy)
    assert loaded.metric == "binary_accuracy"
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


def test_sigmoid_binary_crossentropy_passes_the_gradient_check():
    rng = np.random.default_rng(1)
    z, y = rng.normal(scale=3, size=(5, 2)), rng.integers(0, 2, size=(5, 2))
    assert nn.gradcheck_loss(SigmoidBinaryCrossentropy(), z, y) < 1e-6
    assert nn.gradcheck_loss(SoftmaxCrossentropy(), rng.normal(size=(4, 3)), [0, 2, 1, 2]) < 1e-6
