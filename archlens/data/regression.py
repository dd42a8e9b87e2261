"""A 1-D linear-regression set: ``y = slope * x + intercept + noise``, deterministic by seed.

``x`` is drawn uniformly from ``x_range``; noise is Gaussian with standard deviation ``noise_std``
(same units as y). Values are computed in float64 and stored as float32 (what torch trains on).
The true parameters travel with the data so a fit can be checked against them.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from archlens.errors import DataError


@dataclass(frozen=True, eq=False)
class RegressionSet:
    """Samples and the truth they were drawn from."""

    x: np.ndarray       # float32, shape (n,)
    y: np.ndarray       # float32, shape (n,)
    slope: float        # true slope, y units per x unit
    intercept: float    # true intercept, y units
    noise_std: float    # standard deviation of the added Gaussian noise, y units
    seed: int           # numpy default_rng seed that produced x and the noise

    def __len__(self) -> int:
        return len(self.x)


def make_regression(n: int = 256, slope: float = 2.0, intercept: float = -1.0,
                    noise_std: float = 0.1, x_range: tuple[float, float] = (-1.0, 1.0),
                    seed: int = 0) -> RegressionSet:
    """Draw ``n`` points; the same arguments always give identical arrays."""
    lo, hi = x_range
    if n < 2 or not lo < hi or noise_std < 0:
        raise DataError(f"make_regression: need n >= 2, x_range low < high and noise_std >= 0 "
                        f"(got n={n}, x_range={x_range}, noise_std={noise_std})")
    rng = np.random.default_rng(seed)
    x = rng.uniform(lo, hi, size=n)
    y = slope * x + intercept + rng.normal(0.0, noise_std, size=n)
    return RegressionSet(x.astype(np.float32), y.astype(np.float32),
                         float(slope), float(intercept), float(noise_std), seed)
