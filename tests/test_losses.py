"""Losses: values and gradients against hand-computed results, label formats, dtypes, and errors.

Numerical gradient checks of every loss are in ``test_gradcheck.py``.
"""

import numpy as np
import pytest

from nnscratch import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    MeanAbsoluteError,
    MeanSquaredError,
    Softmax,
    SoftmaxCrossentropy,
    softmax_crossentropy_grad,
)
from nnscratch.losses import EPSILON

ALL_LOSSES = [CategoricalCrossentropy, SoftmaxCrossentropy, BinaryCrossentropy, MeanSquaredError, MeanAbsoluteError]

PROBS = np.array([[0.7, 0.1, 0.2], [0.1, 0.5, 0.4], [0.02, 0.9, 0.08]])
LABELS = np.array([0, 1, 1])
ONE_HOT = np.eye(3)[LABELS]


# ----------------------------------------------------------------------------- categorical cross-entropy


def test_categorical_crossentropy_hand_computed():
    loss = CategoricalCrossentropy()
    expected = -(np.log(0.7) + np.log(0.5) + np.log(0.9)) / 3
    assert loss.forward(PROBS, LABELS) == pytest.approx(expected)
    assert expected == pytest.approx(0.385060880)
    np.testing.assert_allclose(loss.sample_losses, [-np.log(0.7), -np.log(0.5), -np.log(0.9)])
    # dL/dy_hat = -[j = c_i] / (N * y_hat_ij)
    np.testing.assert_allclose(loss.backward(), [[-1 / 2.1, 0, 0], [0, -1 / 1.5, 0], [0, -1 / 2.7, 0]])


def test_categorical_crossentropy_perfect_prediction_is_zero():
    loss = CategoricalCrossentropy()
    assert loss.forward(np.eye(3), [0, 1, 2]) == pytest.approx(0.0, abs=1e-6)


def test_categorical_crossentropy_clips_zero_probability():
    loss = CategoricalCrossentropy()
    value = loss.forward(np.array([[0.0, 1.0]]), [0])
    assert value == pytest.approx(-np.log(EPSILON))  # finite, about 16.12
    assert np.isfinite(loss.backward()).all()


@pytest.mark.parametrize("cls", [CategoricalCrossentropy, SoftmaxCrossentropy])
def test_integer_and_one_hot_labels_agree(cls):
    a, b = cls(), cls()
    assert a.forward(PROBS, LABELS) == b.forward(PROBS, ONE_HOT)
    np.testing.assert_array_equal(a.backward(), b.backward())
    c = cls()  # whole-number floats and Python lists are labels too
    assert c.forward(PROBS, [0.0, 1.0, 1.0]) == a.forward(PROBS, LABELS)


# ----------------------------------------------------------------------------- softmax + cross-entropy


def test_softmax_crossentropy_matches_softmax_then_crossentropy():
    z = np.random.default_rng(0).standard_normal((5, 4))
    y = np.array([0, 3, 1, 1, 2])
    fused = SoftmaxCrossentropy()
    value = fused.forward(z, y)
    probs = Softmax().forward(z)
    np.testing.assert_allclose(fused.output, probs)
    assert value == pytest.approx(CategoricalCrossentropy().forward(probs, y))
    np.testing.assert_allclose(fused.backward(), (probs - np.eye(4)[y]) / 5)


def test_softmax_crossentropy_grad_hand_computed():
    probs = np.array([[0.7, 0.2, 0.1], [0.3, 0.3, 0.4]])
    np.testing.assert_allclose(softmax_crossentropy_grad(probs, np.array([0, 2])),
                               [[-0.15, 0.1, 0.05], [0.15, 0.15, -0.3]])
    np.testing.assert_array_equal(probs, [[0.7, 0.2, 0.1], [0.3, 0.3, 0.4]])  # input not modified


@pytest.mark.parametrize("seed", range(5))
def test_softmax_crossentropy_grad_equals_two_step(seed):
    rng = np.random.default_rng(seed)
    n, k = rng.integers(1, 8), rng.integers(2, 6)
    z, y = rng.standard_normal((n, k)) * 2, rng.integers(0, k, n)
    softmax, cce = Softmax(), CategoricalCrossentropy()
    probs = softmax.forward(z)
    cce.forward(probs, y)
    two_step = softmax.backward(cce.backward())
    np.testing.assert_allclose(softmax_crossentropy_grad(probs, y), two_step, rtol=1e-10, atol=1e-15)


def test_softmax_crossentropy_extreme_logits():
    loss = SoftmaxCrossentropy()
    value = loss.forward(np.array([[1e4, -1e4, 0.0], [0.0, 1e4, 0.0]]), [0, 0])
    assert value == pytest.approx(1e4 / 2)  # sample 1 perfect, sample 2 its full loss 1e4
    np.testing.assert_allclose(loss.backward(), [[0, 0, 0], [-0.5, 0.5, 0]])


# ----------------------------------------------------------------------------- binary cross-entropy


def test_binary_crossentropy_hand_computed():
    loss = BinaryCrossentropy()
    assert loss.forward(np.array([[0.9], [0.2]]), [1, 0]) == pytest.approx(-(np.log(0.9) + np.log(0.8)) / 2)
    np.testing.assert_allclose(loss.backward(), [[-1 / (2 * 0.9)], [1 / (2 * 0.8)]])
    two = BinaryCrossentropy()  # two outputs: mean over outputs, then over samples
    value = two.forward(np.array([[0.9, 0.4]]), np.array([[1, 0]]))
    assert value == pytest.approx(-(np.log(0.9) + np.log(0.6)) / 2)
    np.testing.assert_allclose(two.backward(), [[-1 / (2 * 0.9), 1 / (2 * 0.6)]])


def test_binary_crossentropy_perfect_and_clipped():
    assert BinaryCrossentropy().forward(np.array([[1.0, 0.0]]), [[1, 0]]) == pytest.approx(0.0, abs=1e-6)
    loss = BinaryCrossentropy()
    assert loss.forward(np.array([[0.0]]), [1]) == pytest.approx(-np.log(EPSILON))
    assert np.isfinite(loss.backward()).all()


# ----------------------------------------------------------------------------- regression losses


def test_mean_squared_error_hand_computed():
    loss = MeanSquaredError()
    y_pred, y = np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[1.0, 0.0], [0.0, 4.0]])
    assert loss.forward(y_pred, y) == pytest.approx(3.25)  # (0 + 4)/2 = 2 and (9 + 0)/2 = 4.5
    np.testing.assert_allclose(loss.sample_losses, [2.0, 4.5])
    np.testing.assert_allclose(loss.backward(), [[0.0, 1.0], [1.5, 0.0]])  # -2 (y - y_hat) / (N K)


def test_mean_absolute_error_hand_computed():
    loss = MeanAbsoluteError()
    y_pred, y = np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[1.5, 0.0], [0.0, 5.0]])
    assert loss.forward(y_pred, y) == pytest.approx(1.625)  # (0.5 + 2)/2 and (3 + 1)/2
    np.testing.assert_allclose(loss.backward(), [[-0.25, 0.25], [0.25, -0.25]])  # sign(y_hat - y) / (N K)


@pytest.mark.parametrize("cls", [MeanSquaredError, MeanAbsoluteError, BinaryCrossentropy])
def test_one_dimensional_targets_for_one_output(cls):
    y_pred = np.array([[0.2], [0.7]])
    a, b = cls(), cls()
    assert a.forward(y_pred, np.array([0, 1])) == b.forward(y_pred, np.array([[0], [1]]))
    np.testing.assert_array_equal(a.backward(), b.backward())


@pytest.mark.parametrize("cls", ALL_LOSSES)
def test_backward_scales_with_upstream_gradient(cls):
    y_pred, y = np.array([[0.2, 0.8], [0.6, 0.4]]), np.array([[0, 1], [1, 0]])
    loss = cls()
    loss.forward(y_pred, y)
    np.testing.assert_allclose(loss.backward(2.0), 2 * loss.backward())


# ----------------------------------------------------------------------------- dtypes


@pytest.mark.parametrize("cls", ALL_LOSSES)
def test_float32_gradient_stays_float32(cls):
    y_pred = np.array([[0.2, 0.8], [0.6, 0.4]], dtype=np.float32)
    loss = cls()
    value = loss.forward(y_pred, np.array([[0, 1], [1, 0]]))
    assert isinstance(value, float)
    assert loss.backward().dtype == np.float32


# ----------------------------------------------------------------------------- errors


@pytest.mark.parametrize("cls", ALL_LOSSES)
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nan_or_inf_predictions(cls, bad):
    y_pred = np.array([[0.3, 0.7], [bad, 0.5]])
    with pytest.raises(ValueError, match=r"1 NaN or infinite value\(s\) in its predictions"):
        cls().forward(y_pred, np.array([[0, 1], [1, 0]]))


@pytest.mark.parametrize("cls", [MeanSquaredError, MeanAbsoluteError, BinaryCrossentropy])
def test_nan_targets(cls):
    with pytest.raises(ValueError, match="targets"):
        cls().forward(np.array([[0.5]]), np.array([[np.nan]]))


@pytest.mark.parametrize("cls", ALL_LOSSES)
def test_backward_before_forward(cls):
    with pytest.raises(RuntimeError, match="before forward"):
        cls().backward()


@pytest.mark.parametrize("cls", [CategoricalCrossentropy, SoftmaxCrossentropy])
@pytest.mark.parametrize("labels, bad", [([0, 3, 1], "3"), ([0, -1, 1], "-1")])
def test_labels_out_of_range(cls, labels, bad):
    with pytest.raises(ValueError, match=rf"label {bad} is out of range.*0 \.\. 2"):
        cls().forward(PROBS, np.array(labels))


@pytest.mark.parametrize("cls", [CategoricalCrossentropy, SoftmaxCrossentropy])
@pytest.mark.parametrize("labels", [np.array([0, 1]), np.array([[0], [1], [1]]), np.zeros((3, 4), dtype=int)])
def test_labels_of_wrong_shape(cls, labels):
    with pytest.raises(ValueError, match=r"shape \(3,\) or one-hot of shape \(3, 3\)"):
        cls().forward(PROBS, labels)


@pytest.mark.parametrize("cls", [CategoricalCrossentropy, SoftmaxCrossentropy])
def test_labels_not_whole_numbers(cls):
    with pytest.raises(ValueError, match="whole numbers"):
        cls().forward(PROBS, np.array([0.0, 1.5, 1.0]))
    with pytest.raises(ValueError, match="whole numbers"):
        cls().forward(PROBS, np.array([0.0, np.nan, 1.0]))


@pytest.mark.parametrize("cls", [CategoricalCrossentropy, SoftmaxCrossentropy])
def test_bad_one_hot_rows(cls):
    with pytest.raises(ValueError, match="one-hot"):
        cls().forward(PROBS, np.array([[1, 1, 0], [0, 1, 0], [0, 1, 0]]))
    with pytest.raises(ValueError, match="one-hot"):
        cls().forward(PROBS, np.array([[0.5, 0.5, 0], [0, 1, 0], [0, 1, 0]]))


@pytest.mark.parametrize("cls", [MeanSquaredError, MeanAbsoluteError, BinaryCrossentropy])
def test_regression_targets_of_wrong_shape(cls):
    with pytest.raises(ValueError, match=r"predictions' shape \(2, 2\), got \(2, 3\)"):
        cls().forward(np.full((2, 2), 0.5), np.zeros((2, 3)))


def test_binary_crossentropy_targets_must_be_0_or_1():
    with pytest.raises(ValueError, match="0 or 1"):
        BinaryCrossentropy().forward(np.array([[0.5]]), [[0.5]])


@pytest.mark.parametrize("cls", ALL_LOSSES)
def test_predictions_must_be_2d_numbers(cls):
    with pytest.raises(ValueError, match="2-D"):
        cls().forward(np.array([0.5, 0.5]), np.array([0, 1]))
    with pytest.raises(TypeError, match="numbers"):
        cls().forward(np.array([["a"]]), np.array([0]))


def test_calling_a_loss_is_forward():
    assert MeanSquaredError()(np.array([[1.0]]), np.array([[3.0]])) == 4.0
    assert repr(SoftmaxCrossentropy()) == "SoftmaxCrossentropy()"


def test_backward_after_a_failed_forward_raises_instead_of_using_an_old_batch():
    loss = CategoricalCrossentropy()
    loss.forward(np.full((2, 3), 1 / 3), np.array([0, 1]))
    with pytest.raises(ValueError, match="out of range"):
        loss.forward(np.full((2, 3), 1 / 3), np.array([0, 7]))
    with pytest.raises(RuntimeError, match="before forward"):
        loss.backward()
