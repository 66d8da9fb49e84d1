"""Datasets: shapes, dtypes, reproducibility, NumPy's global random state left alone, and errors."""

import numpy as np
import pytest

from nnscratch import sine_data, spiral_data, vertical_data

MAKERS = [spiral_data, vertical_data]


@pytest.mark.parametrize("make", MAKERS)
def test_shapes_dtypes_and_label_order(make):
    X, y = make(100, 3, seed=0)
    assert X.shape == (300, 2) and X.dtype == np.float64
    assert y.shape == (300,) and y.dtype.kind in "iu"
    np.testing.assert_array_equal(y, np.repeat(np.arange(3), 100))  # class by class
    X32, y32 = make(10, 4, seed=0, dtype=np.float32)
    assert X32.shape == (40, 2) and X32.dtype == np.float32 and y32.shape == (40,)
    np.testing.assert_array_equal(X32, make(10, 4, seed=0)[0].astype(np.float32))


@pytest.mark.parametrize("make", MAKERS)
def test_reproducible_with_seed(make):
    X1, y1 = make(50, 3, seed=7)
    X2, y2 = make(50, 3, seed=7)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(X1, make(50, 3, seed=8)[0])


@pytest.mark.parametrize("make", MAKERS)
def test_global_random_state_untouched(make):
    np.random.seed(123)
    expected = np.random.random(5)
    np.random.seed(123)
    state = np.random.get_state()
    make(30, 2, seed=0)
    after = np.random.get_state()
    assert after[0] == state[0] and np.array_equal(after[1], state[1]) and after[2:] == state[2:]
    np.testing.assert_array_equal(np.random.random(5), expected)


def test_spiral_geometry():
    X, _ = spiral_data(100, 3, seed=0)
    # the radius of each arm grows evenly from 0 to 1
    np.testing.assert_allclose(np.linalg.norm(X, axis=1), np.tile(np.linspace(0, 1, 100), 3), atol=1e-12)


def test_vertical_blobs_are_ordered_left_to_right():
    X, y = vertical_data(200, 3, seed=0)
    centres = [X[y == c, 0].mean() for c in range(3)]
    np.testing.assert_allclose(centres, [0, 1 / 3, 2 / 3], atol=0.03)
    assert X[:, 1].mean() == pytest.approx(0.5, abs=0.02)


def test_sine_data():
    X, y = sine_data(8)
    assert X.shape == (8, 1) and y.shape == (8, 1) and X.dtype == y.dtype == np.float64
    np.testing.assert_allclose(X.ravel(), np.arange(8) / 8)
    np.testing.assert_allclose(y, np.sin(2 * np.pi * X), atol=1e-15)
    X32, y32 = sine_data(5, dtype=np.float32)
    assert X32.dtype == y32.dtype == np.float32


@pytest.mark.parametrize("make", MAKERS)
@pytest.mark.parametrize("samples, classes", [(0, 3), (-5, 3), (10, 0)])
def test_non_positive_counts(make, samples, classes):
    with pytest.raises(ValueError, match=rf"{make.__name__}: samples and classes must be positive"):
        make(samples, classes)


@pytest.mark.parametrize("samples", [0, -1])
def test_sine_data_non_positive_samples(samples):
    with pytest.raises(ValueError, match="sine_data: samples"):
        sine_data(samples)
