"""For any generated input, a layer, loss or metric either returns finite numbers of the documented
shape or raises ``ValueError``/``TypeError`` with a message: never another exception type, never a
silent NaN."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import nnscratch as nn

FLOATS = st.floats(allow_nan=True, allow_infinity=True, width=32)
SHAPES = hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4)
ARRAYS = st.one_of(
    hnp.arrays(st.sampled_from([np.float64, np.float32]), SHAPES, elements=FLOATS),
    hnp.arrays(np.int64, SHAPES, elements=st.integers(-5, 5)),
    hnp.arrays(np.bool_, SHAPES),
    st.lists(st.sampled_from(["a", 1, None]), max_size=3),
)
LABELS = st.one_of(
    ARRAYS,
    hnp.arrays(np.int64, st.integers(0, 4), elements=st.integers(-2, 4)),
    hnp.arrays(np.float64, st.integers(0, 4), elements=st.sampled_from([0.0, 1.0, 2.5, 1e20])),
)

LAYERS = [lambda: nn.Dense(3, 2, rng=0), nn.ReLU, nn.Sigmoid, nn.Softmax, nn.Linear,
          lambda: nn.Dropout(0.5, rng=0)]
LOSSES = [nn.CategoricalCrossentropy, nn.SoftmaxCrossentropy, nn.BinaryCrossentropy,
          nn.SigmoidBinaryCrossentropy, nn.MeanSquaredError, nn.MeanAbsoluteError]
METRICS = [nn.accuracy, nn.binary_accuracy, nn.regression_accuracy]


def finite_or_clear_error(call):
    """The result of ``call()``, or ``None`` when it raised a ``ValueError``/``TypeError`` with a
    message; anything else fails the test."""
    try:
        with np.errstate(all="ignore"):
            return call()
    except (ValueError, TypeError) as e:
        assert len(str(e)) > 20, f"{type(e).__name__} without a useful message: {e!r}"
        return None


@settings(max_examples=25)
@pytest.mark.parametrize("make", LAYERS)
@given(x=ARRAYS, grad_seed=st.integers(0, 3))
def test_layers_return_finite_outputs_or_refuse(make, x, grad_seed):
    layer = make()
    out = finite_or_clear_error(lambda: layer.forward(x))
    if out is None:
        return
    x = np.asarray(x)
    if not np.isfinite(x).all():
        return  # non-finite input may give non-finite output; the loss refuses it later
    assert out.ndim == 2 and len(out) == len(x)
    assert np.isfinite(out).all()
    grad = np.random.default_rng(grad_seed).normal(size=out.shape)
    back = layer.backward(grad)
    assert back.shape == x.shape and np.isfinite(back).all()


@settings(max_examples=25)
@pytest.mark.parametrize("make", LOSSES)
@given(y_pred=ARRAYS, y_true=LABELS)
def test_losses_return_a_finite_number_or_refuse(make, y_pred, y_true):
    loss = make()
    value = finite_or_clear_error(lambda: loss.forward(y_pred, y_true))
    if value is None:
        return
    assert isinstance(value, float) and np.isfinite(value) and value >= 0
    grad = loss.backward()
    assert grad.shape == np.asarray(y_pred).shape and np.isfinite(grad).all()


@settings(max_examples=25)
@pytest.mark.parametrize("metric", METRICS)
@given(y_pred=ARRAYS, y_true=LABELS)
def test_metrics_return_a_fraction_or_refuse(metric, y_pred, y_true):
    value = finite_or_clear_error(lambda: metric(y_pred, y_true))
    if value is not None:
        assert isinstance(value, float) and 0 <= value <= 1
