"""The regression set: deterministic, and least squares recovers the recorded truth."""
from __future__ import annotations

import numpy as np
import pytest

from archlens.data import make_regression
from archlens.errors import DataError


def test_same_seed_same_bytes():
    a, b, c = make_regression(seed=4), make_regression(seed=4), make_regression(seed=5)
    assert a.x.tobytes() == b.x.tobytes() and a.y.tobytes() == b.y.tobytes()
    assert a.x.tobytes() != c.x.tobytes()
    assert a.x.dtype == a.y.dtype == np.float32 and len(a) == 256


@pytest.mark.parametrize("slope, intercept, noise", [(2.0, -1.0, 0.1), (-0.5, 3.0, 0.5), (0.0, 0.0, 0.0)])
def test_least_squares_recovers_the_truth(slope, intercept, noise):
    data = make_regression(n=2000, slope=slope, intercept=intercept, noise_std=noise,
                           x_range=(-2.0, 3.0), seed=1)
    assert (data.slope, data.intercept, data.noise_std) == (slope, intercept, noise)
    x, y = data.x.astype(np.float64), data.y.astype(np.float64)
    design = np.stack([x, np.ones_like(x)], axis=1)
    (fit_slope, fit_intercept), *_ = np.linalg.lstsq(design, y, rcond=None)
    se = noise / np.sqrt(len(x)) / x.std() + 1e-5          # standard error of the slope, roughly
    assert abs(fit_slope - slope) < 5 * se
    assert abs(fit_intercept - intercept) < 5 * (noise / np.sqrt(len(x))) * 2 + 1e-5
    residual = y - design @ np.array([fit_slope, fit_intercept])
    assert residual.std() == pytest.approx(noise, rel=0.1, abs=1e-5)
    assert x.min() >= -2.0 and x.max() < 3.0


@pytest.mark.parametrize("kwargs", [dict(n=1), dict(x_range=(1.0, 1.0)), dict(noise_std=-0.1)])
def test_bad_arguments(kwargs):
    with pytest.raises(DataError, match="make_regression"):
        make_regression(**kwargs)
