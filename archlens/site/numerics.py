"""The numbers behind the concept pages, computed for real with numpy.

Pure functions, no plotting: the figures and the prose both read from here, and
the tests check the trickier ones (backprop, transposed convolution) against
PyTorch. Every random draw uses a fixed seed so the pages are reproducible.
"""

from __future__ import annotations

import numpy as np

SEED = 0


# --- 1-D linear regression: y = a x + b --------------------------------------

def linear_data(n: int = 40, a: float = 2.0, b: float = 1.0, noise: float = 0.5):
    """Noisy samples of a line. x in [0, 3] (not centred) gives an elongated
    loss valley, which is what makes plain gradient descent slow."""
    rng = np.random.default_rng(SEED)
    x = rng.uniform(0.0, 3.0, n)
    return x, a * x + b + rng.normal(0.0, noise, n)


def mse_surface(x, y, a, b):
    """Mean squared error for every (a, b) in broadcastable arrays."""
    resid = np.asarray(a)[..., None] * x + np.asarray(b)[..., None] - y
    return np.mean(resid**2, axis=-1)


def mse_grad(x, y, theta):
    """Gradient of the MSE with respect to (a, b)."""
    resid = theta[0] * x + theta[1] - y
    return np.array([2 * np.mean(resid * x), 2 * np.mean(resid)])


def least_squares(x, y):
    """Closed-form optimum (a*, b*), the point every optimiser should reach."""
    a, b = np.polyfit(x, y, 1)
    return np.array([a, b])


def gradient_descent(x, y, start, lr: float, steps: int):
    """Full-batch gradient descent; returns the (steps+1, 2) path."""
    path = [np.asarray(start, dtype=float)]
    for _ in range(steps):
        path.append(path[-1] - lr * mse_grad(x, y, path[-1]))
    return np.array(path)


def _sgd(lr):
    def step(theta, g, state):
        return theta - lr * g
    return step


def _momentum(lr, beta=0.9):
    def step(theta, g, state):
        state["v"] = beta * state.get("v", 0.0) + g  # running sum of past gradients
        return theta - lr * state["v"]
    return step


def _adam(lr, b1=0.9, b2=0.999, eps=1e-8):
    def step(theta, g, state):
        t = state["t"] = state.get("t", 0) + 1
        state["m"] = b1 * state.get("m", 0.0) + (1 - b1) * g
        state["s"] = b2 * state.get("s", 0.0) + (1 - b2) * g * g
        m_hat, s_hat = state["m"] / (1 - b1**t), state["s"] / (1 - b2**t)
        return theta - lr * m_hat / (np.sqrt(s_hat) + eps)  # per-coordinate step size
    return step


# Momentum's lr is SGD's times (1 - beta): the same step size once the velocity
# has built up, so the race compares directions, not step lengths.
OPTIMIZERS = {"SGD": _sgd(0.05), "SGD + momentum": _momentum(0.005), "Adam": _adam(0.2)}


def minibatch_paths(x, y, start, steps: int = 60, batch: int = 8):
    """Run each optimiser on the same sequence of minibatches (a fair race)."""
    rng = np.random.default_rng(SEED + 1)
    batches = [rng.choice(len(x), batch, replace=False) for _ in range(steps)]
    paths = {}
    for name, step in OPTIMIZERS.items():
        theta, state, path = np.asarray(start, float), {}, [np.asarray(start, float)]
        for idx in batches:
            theta = step(theta, mse_grad(x[idx], y[idx], theta), state)
            path.append(theta)
        paths[name] = np.array(path)
    return paths


# --- Polynomial fits: overfitting, cross-validation, bias-variance ------------

NOISE_SD = 0.25


def true_curve(x):
    return np.sin(2 * np.pi * x)


def curve_data(n: int, rng):
    x = rng.uniform(0.0, 1.0, n)
    return x, true_curve(x) + rng.normal(0.0, NOISE_SD, n)


def poly_fit(x, y, degree: int):
    # Polynomial.fit rescales x to [-1, 1], which keeps high degrees well conditioned.
    return np.polynomial.Polynomial.fit(x, y, degree)


def mse(model, x, y) -> float:
    return float(np.mean((model(x) - y) ** 2))


def kfold_error(x, y, degree: int, k: int = 5) -> float:
    """Mean validation MSE over k folds (contiguous folds of a shuffled set)."""
    folds = np.array_split(np.arange(len(x)), k)
    errs = []
    for fold in folds:
        train = np.setdiff1d(np.arange(len(x)), fold)
        errs.append(mse(poly_fit(x[train], y[train], degree), x[fold], y[fold]))
    return float(np.mean(errs))


def degree_sweep(degrees, n_train: int = 30, n_val: int = 200):
    """Train, validation and 5-fold CV error of each polynomial degree."""
    rng = np.random.default_rng(SEED + 2)
    xt, yt = curve_data(n_train, rng)
    xv, yv = curve_data(n_val, rng)
    rows = [(d, mse(poly_fit(xt, yt, d), xt, yt), mse(poly_fit(xt, yt, d), xv, yv),
             kfold_error(xt, yt, d)) for d in degrees]
    return (xt, yt), np.array(rows)


def bias_variance(degrees, n_sets: int = 200, n_train: int = 30):
    """Bias², variance over many training sets, averaged over a grid of x."""
    rng = np.random.default_rng(SEED + 3)
    grid = np.linspace(0.05, 0.95, 100)  # stay off the edges where fits explode
    sets = [curve_data(n_train, rng) for _ in range(n_sets)]
    rows = []
    for d in degrees:
        preds = np.array([poly_fit(x, y, d)(grid) for x, y in sets])
        bias2 = np.mean((preds.mean(axis=0) - true_curve(grid)) ** 2)
        rows.append((d, bias2, np.mean(preds.var(axis=0))))
    return np.array(rows)


# --- Neural networks -----------------------------------------------------------

def backprop_example(x=1.5, y=2.0, w1=0.8, w2=1.2):
    """Forward and backward pass of L = (w2 · relu(w1 · x) - y)², by hand."""
    z = w1 * x
    h = max(z, 0.0)
    y_hat = w2 * h
    loss = (y_hat - y) ** 2
    d_yhat = 2 * (y_hat - y)          # dL/dŷ
    d_w2 = d_yhat * h                 # ŷ = w2·h
    d_h = d_yhat * w2
    d_z = d_h * (1.0 if z > 0 else 0.0)  # ReLU passes the gradient only where z > 0
    d_w1 = d_z * x
    return dict(x=x, y=y, w1=w1, w2=w2, z=z, h=h, y_hat=y_hat, loss=loss,
                d_yhat=d_yhat, d_w2=d_w2, d_h=d_h, d_z=d_z, d_w1=d_w1)


# --- Images and convolution ----------------------------------------------------

def shapes_image(size: int = 64):
    """A grey-scale scene: a circle, a square and a triangle on a dark background."""
    yy, xx = np.mgrid[0:size, 0:size] / size
    img = np.full((size, size), 0.15)
    img[(xx - 0.28) ** 2 + (yy - 0.3) ** 2 < 0.17**2] = 0.95
    img[(xx > 0.58) & (xx < 0.88) & (yy > 0.12) & (yy < 0.42)] = 0.6
    tri = (yy < 0.9) & (yy > 0.55) & (np.abs(xx - 0.5) < (yy - 0.55) * 0.9)
    img[tri] = 0.75
    return img


KERNELS = {
    "blur": np.ones((3, 3)) / 9.0,
    "emboss": np.array([[-2.0, -1.0, 0.0], [-1.0, 1.0, 1.0], [0.0, 1.0, 2.0]]),
    "outline": np.array([[-1.0, -1.0, -1.0], [-1.0, 8.0, -1.0], [-1.0, -1.0, -1.0]]),
}


def correlate2d(img, kernel):
    """What a conv layer computes (cross-correlation), 'same' size, edge padding."""
    k = kernel.shape[0]
    pad = np.pad(img, k // 2, mode="edge")
    out = np.zeros_like(img)
    for i in range(k):
        for j in range(k):
            out += kernel[i, j] * pad[i:i + img.shape[0], j:j + img.shape[1]]
    return out


def conv_transpose_1d(x, kernel, stride: int):
    """Each input value scatters a scaled copy of the kernel, `stride` apart.

    Returns (rows, out): one row per input value (its contribution) and their sum,
    of length (len(x) - 1) * stride + len(kernel), as in torch with padding 0.
    """
    n_out = (len(x) - 1) * stride + len(kernel)
    rows = np.zeros((len(x), n_out))
    for i, v in enumerate(x):
        rows[i, i * stride:i * stride + len(kernel)] = v * np.asarray(kernel)
    return rows, rows.sum(axis=0)
