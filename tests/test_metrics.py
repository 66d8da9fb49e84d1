"""Metrics: hand-computed values and errors."""

import numpy as np
import pytest

from nnscratch import accuracy, binary_accuracy, regression_accuracy

PROBS = np.array([[0.7, 0.2, 0.1], [0.5, 0.1, 0.4], [0.02, 0.9, 0.08]])


def test_accuracy_hand_computed():
    # predicted classes 0, 0, 1 against 0, 1, 1: two of three right
    assert accuracy(PROBS, np.array([0, 1, 1])) == pytest.approx(2 / 3)
    assert accuracy(PROBS, np.array([0, 0, 1])) == 1.0
    assert accuracy(PROBS, np.array([1, 2, 0])) == 0.0


def test_accuracy_one_hot_and_logits():
    labels = np.array([0, 1, 1])
    assert accuracy(PROBS, np.eye(3)[labels]) == accuracy(PROBS, labels)
    assert accuracy(np.log(PROBS), labels) == accuracy(PROBS, labels)  # argmax ignores softmax


def test_accuracy_errors():
    with pytest.raises(ValueError, match="out of range"):
        accuracy(PROBS, np.array([0, 1, 3]))
    with pytest.raises(ValueError, match=r"shape \(3,\)"):
        accuracy(PROBS, np.array([0, 1]))


def test_binary_accuracy_hand_computed():
    y_pred = np.array([[0.9], [0.4], [0.6], [0.1]])
    y = np.array([1, 1, 0, 0])
    assert binary_accuracy(y_pred, y) == 0.5  # right, wrong, wrong, right
    assert binary_accuracy(y_pred, y, threshold=0.65) == 0.75
    assert binary_accuracy(np.array([[0.9, 0.2], [0.3, 0.8]]), np.array([[1, 0], [1, 1]])) == 0.75
    with pytest.raises(ValueError, match=r"shape \(4, 1\)"):
        binary_accuracy(y_pred, np.array([1, 0]))


def test_regression_accuracy_hand_computed():
    y_pred = np.array([[1.0], [2.05], [2.9]])
    y = np.array([1.01, 2.0, 3.0])
    assert regression_accuracy(y_pred, y, precision=0.06) == pytest.approx(2 / 3)
    assert regression_accuracy(y_pred, y, precision=0.2) == 1.0
    # default precision std(y)/250 ≈ 0.0032: none of the three is that close
    assert regression_accuracy(y_pred, y) == 0.0
    with pytest.raises(ValueError, match="shape"):
        regression_accuracy(y_pred, np.array([1.0, 2.0]))


@pytest.mark.parametrize("metric", [binary_accuracy, regression_accuracy])
def test_targets_of_another_shape_with_the_same_size_are_rejected(metric):
    with pytest.raises(ValueError, match=r"shape \(3, 2\), got \(2, 3\)"):
        metric(np.zeros((3, 2)), np.zeros((2, 3)))
