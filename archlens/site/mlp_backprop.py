"""Backpropagation through a two-layer MLP, step by step, with plain numpy.

The neural-networks page quotes every intermediate matrix: the forward pass
z = W1 x + b1, h = relu(z), ŷ = W2 h + b2, L = ||ŷ − y||², then each gradient
of the backward pass by the chain rule (Rumelhart, Hinton & Williams, Nature
1986). The test suite checks every gradient against torch autograd.
"""
from __future__ import annotations

import numpy as np

# A 2 → 3 → 2 network. The second hidden unit's pre-activation is negative, so the
# page can show the ReLU blocking its gradient.
X = np.array([1.0, 2.0])
Y = np.array([1.0, 0.0])
W1 = np.array([[0.5, -0.2], [-0.3, -0.4], [0.1, 0.6]])
B1 = np.array([0.1, 0.0, -0.2])
W2 = np.array([[0.7, 0.2, -0.5], [0.3, -0.6, 0.4]])
B2 = np.array([0.0, 0.1])
LR = 0.1   # the learning rate of the one update step the page shows


def mlp_backprop(x=X, y=Y, w1=W1, b1=B1, w2=W2, b2=B2) -> dict:
    """Every value of one forward and one backward pass, named as on the page."""
    z = w1 @ x + b1                      # hidden pre-activation
    h = np.maximum(z, 0.0)               # ReLU
    y_hat = w2 @ h + b2                  # output
    loss = float(np.sum((y_hat - y) ** 2))
    d_yhat = 2.0 * (y_hat - y)           # ∂L/∂ŷ
    d_w2 = np.outer(d_yhat, h)           # ∂L/∂W2 = (∂L/∂ŷ) hᵀ
    d_b2 = d_yhat                        # ∂L/∂b2
    d_h = w2.T @ d_yhat                  # ∂L/∂h = W2ᵀ (∂L/∂ŷ)
    mask = (z > 0).astype(float)         # ReLU's derivative, 1[z > 0]
    d_z = d_h * mask                     # ∂L/∂z
    d_w1 = np.outer(d_z, x)              # ∂L/∂W1 = (∂L/∂z) xᵀ
    d_b1 = d_z
    lr = LR                              # one plain gradient-descent step on every parameter
    z2 = (w1 - lr * d_w1) @ x + (b1 - lr * d_b1)
    y2 = (w2 - lr * d_w2) @ np.maximum(z2, 0.0) + (b2 - lr * d_b2)
    grads = [g + 0.0 for g in (d_yhat, d_w2, d_b2, d_h, d_z, d_w1, d_b1)]  # no "−0" on the page
    d_yhat, d_w2, d_b2, d_h, d_z, d_w1, d_b1 = grads
    return dict(lr=lr, loss_after=float(np.sum((y2 - y) ** 2)),x=x, y=y, w1=w1, b1=b1, w2=w2, b2=b2, z=z, h=h, y_hat=y_hat, loss=loss,
                d_yhat=d_yhat, d_w2=d_w2, d_b2=d_b2, d_h=d_h, mask=mask, d_z=d_z,
                d_w1=d_w1, d_b1=d_b1, params=w1.size + b1.size + w2.size + b2.size)


def col(v) -> np.ndarray:
    """A vector as a column, for the page's matrix filter."""
    return np.asarray(v).reshape(-1, 1)
