"""R-CNN's classifiers and box regressors on CNN features (Girshick et al., CVPR 2014).

- One linear SVM per object class, one-vs-rest, hinge loss with L2 regularisation (Sec. 2.3;
  R-CNN trains them with hard-negative mining, which the training harness orchestrates).
  Here: full-batch (sub)gradient descent in torch on the primal objective
  λ/2·||w||² + mean(max(0, 1 − y·(w·x + b))).
- One class-specific linear box regressor per class on pool5 (SPPNet: pooled conv5) features,
  regularised least squares with λ = 1000, trained on proposals with IoU > 0.6 to a ground
  truth box (Appendix C), solved in closed form.
Label 0 is background; classes 1..K-1 have an SVM and a regressor each.
"""
from __future__ import annotations

import torch
from torch import nn

from archlens.errors import DataError
from archlens.detection.boxes import decode, encode, iou


class LinearSVMs(nn.Module):
    """Scores (M, K-1) = features (M, D) @ weight (D, K-1) + bias."""

    def __init__(self, dim: int, classes: int):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(dim, classes))
        self.bias = nn.Parameter(torch.zeros(classes))

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return features @ self.weight + self.bias


class BoxRegressors(nn.Module):
    """Class-specific deltas (M, K-1, 4) from features (M, D); zero weights = no change."""

    def __init__(self, dim: int, classes: int):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(classes, dim, 4))
        self.bias = nn.Parameter(torch.zeros(classes, 4))

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return torch.einsum("md,kdf->mkf", features, self.weight) + self.bias

    def refine(self, features: torch.Tensor, boxes: torch.Tensor) -> torch.Tensor:
        """(M, K-1, 4) boxes moved by each class's predicted deltas."""
        deltas = self(features)
        m, k = deltas.shape[:2]
        return decode(boxes.repeat_interleave(k, 0), deltas.reshape(m * k, 4)).reshape(m, k, 4)


def _check(features: torch.Tensor, labels: torch.Tensor, num_classes: int) -> None:
    if features.dim() != 2 or labels.shape != (features.shape[0],):
        raise DataError(f"features must be (M, D) and labels (M,), got {tuple(features.shape)} "
                        f"and {tuple(labels.shape)}")
    if len(labels) and (labels.min() < 0 or labels.max() >= num_classes):
        raise DataError(f"labels must lie in 0..{num_classes - 1} (0 = background)")


def hinge_loss(scores: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Elementwise hinge loss max(0, 1 − y·score) for labels y = ±1: zero once a window is on
    the right side of the margin, growing linearly the further it is on the wrong side."""
    return (1 - y * scores).clamp(min=0)


def fit_svms(features: torch.Tensor, labels: torch.Tensor, num_classes: int, c: float = 1.0,
             lr: float = 0.1, steps: int = 500) -> LinearSVMs:
    """One-vs-rest linear SVMs for classes 1..num_classes-1 by full-batch gradient descent.

    λ = 1/(C·M) (the usual primal scaling); features are used as given (R-CNN rescales fc7 to
    mean norm 20 first, a caller's choice).
    """
    labels = labels.long()
    _check(features, labels, num_classes)
    svms = LinearSVMs(features.shape[1], num_classes - 1)
    if len(labels) == 0:
        return svms
    y = torch.where(labels[:, None] == torch.arange(1, num_classes)[None], 1.0, -1.0)
    lam = 1.0 / (c * len(labels))
    weight_t, bias = torch.zeros(num_classes - 1, features.shape[1]), torch.zeros(num_classes - 1)
    for _ in range(steps):
        step_t, step_b = hinge_subgradient(features, y, weight_t, bias, lam)
        weight_t -= lr * step_t
        bias -= lr * step_b
    with torch.no_grad():
        svms.weight.copy_(weight_t.T)
        svms.bias.copy_(bias)
    return svms


def hinge_subgradient(x: torch.Tensor, y: torch.Tensor, weight_t: torch.Tensor, bias: torch.Tensor,
                      lam: float) -> tuple[torch.Tensor, torch.Tensor]:
    """The (sub)gradient of λ/2·||w||² + Σ_k mean_i max(0, 1 − y_ik·(x_i·w_k + b_k)) in w
    (as (K, D), the transpose of ``LinearSVMs.weight``) and b: autograd's own subgradient of
    that objective (clamp's, which counts the kink as inside the margin), written out so that
    each step reads the (M, D) features twice in the orders BLAS reads fastest; through
    autograd, ``x.T @ grad`` ran 7x slower than ``grad.T @ x`` (27k x 1024 features, one
    thread: 178 against 25 ms)."""
    scores = torch.nn.functional.linear(x, weight_t, bias)
    d_scores = torch.where(y * scores <= 1, -y, 0.0) / len(x)
    return d_scores.T @ x + lam * weight_t, d_scores.sum(0)


def fit_bbox_regressors(features: torch.Tensor, proposals: torch.Tensor, gt_boxes: torch.Tensor,
                        labels: torch.Tensor, num_classes: int, lam: float = 1000.0,
                        min_iou: float = 0.6) -> BoxRegressors:
    """Ridge regression per class from features to R-CNN deltas (Appendix C, λ = 1000).

    Pairs (proposal P, ground truth G of class ``label``) count where IoU(P, G) > ``min_iou``;
    a class with no such pair keeps zero weights (boxes unchanged).
    """
    labels = labels.long()
    _check(features, labels, num_classes)
    regs = BoxRegressors(features.shape[1], num_classes - 1)
    overlap = iou(proposals, gt_boxes).diagonal() if len(labels) else torch.zeros(0)
    targets = encode(proposals, gt_boxes) if len(labels) else torch.zeros(0, 4)
    with torch.no_grad():
        for k in range(1, num_classes):
            use = (labels == k) & (overlap > min_iou)
            if use.any():
                regs.weight[k - 1], regs.bias[k - 1] = _ridge(features[use], targets[use], lam)
    return regs


def _ridge(x: torch.Tensor, t: torch.Tensor, lam: float):
    """argmin_W ||[x 1] W − t||² + λ||W_x||² (the bias is not regularised)."""
    xa = torch.cat([x, torch.ones(len(x), 1, dtype=x.dtype)], 1).double()
    reg = lam * torch.eye(xa.shape[1], dtype=torch.float64)
    reg[-1, -1] = 0.0
    w = torch.linalg.lstsq(xa.T @ xa + reg, xa.T @ t.double()).solution.float()
    return w[:-1], w[-1]
