"""The network a recipe trains: the spec at the recipe's width and input, sized to the data's
classes, initialised as the recipe says, with its optimizer and learning-rate schedule."""
from __future__ import annotations

import torch
from torch import nn

from archlens.errors import TrainError
from archlens.nn.build import build_model
from archlens.spec.load import load_spec, with_num_classes
from archlens.train.kernels import with_fast_kernels

_WEIGHTED = (nn.Conv2d, nn.Linear)


def _initialisable(model: nn.Module) -> list[nn.Module]:
    """Trainable convolutions and linear layers whose spec does not fix their init (frozen
    bilinear upsampling and ``init: zeros`` skip scores keep theirs)."""
    return [m for m in model.modules() if isinstance(m, _WEIGHTED) and m.weight.requires_grad
            and not getattr(m, "keep_init", False)]


def kaiming_init(model: nn.Module) -> None:
    """He et al. (ICCV 2015) normal init, std = sqrt(2 / fan_in), zero biases, for trainable
    convolutions and linear layers; frozen layers (e.g. bilinear upsampling) keep theirs."""
    for m in _initialisable(model):
        nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
        if m.bias is not None:
            nn.init.zeros_(m.bias)


@torch.no_grad()
def lsuv_init(model: nn.Module, sample: torch.Tensor, tol: float = 0.1, tries: int = 10) -> None:
    """Layer-sequential unit-variance init (Mishkin & Matas, ICLR 2016, Alg. 1), made for deep
    plain nets such as VGG without batch norm: orthonormal weights, then each trainable layer in
    turn rescaled until its output variance on ``sample`` is 1 within ``tol``."""
    layers = _initialisable(model)
    for m in layers:
        nn.init.orthogonal_(m.weight)
        if m.bias is not None:
            nn.init.zeros_(m.bias)
    was_training = model.training
    model.eval()
    for m in layers:
        seen = {}
        handle = m.register_forward_hook(lambda mod, i, out, seen=seen: seen.__setitem__("out", out))
        for _ in range(tries):
            model(sample)
            var = seen["out"].var().item()
            if abs(var - 1.0) < tol or var == 0:
                break
            m.weight.div_(var ** 0.5)
        handle.remove()
    model.train(was_training)


MEMORY_FORMATS = {"nchw": torch.contiguous_format, "nhwc": torch.channels_last}

INITS = {"default": lambda model, sample: None,
         "kaiming": lambda model, sample: kaiming_init(model),
         "lsuv": lsuv_init}


def training_model(spec, config, num_classes: int | None, sample: torch.Tensor | None = None
                   ) -> nn.Module:
    """``spec`` at ``config.width`` and ``config.input``, predicting ``num_classes`` classes.

    Seeds torch with ``config.seed`` first, so the initial weights depend on the seed alone.
    ``sample`` is a batch of inputs for data-dependent inits (lsuv).

    ``config.memory_format`` 'nhwc' stores the convolution weights channels-last: a
    convolution whose weight is channels-last runs in that layout and hands it on, and
    oneDNN's NHWC kernels are the fast ones for plain conv stacks on a CPU (see
    ``benchmarks/train_memory_format.py``). The arithmetic is the same convolution; only the
    order of its sums differs. Fixed bilinear upsampling runs as two matrix products
    (``archlens.train.kernels``), with the same parameters.
    """
    torch.manual_seed(config.seed)
    spec = with_num_classes(load_spec(spec), num_classes)
    model = build_model(spec, input=config.input, width=config.width)
    if len(model.output_names) != 1:  # the loss reads one tensor of scores
        raise TrainError(f"{spec.where}: training needs one output, the spec has "
                         f"{len(model.output_names)} ({', '.join(model.output_names)}); "
                         f"name the one to train with 'outputs: [...]'")
    INITS[config.init](model, sample)
    return with_fast_kernels(model.to(memory_format=MEMORY_FORMATS[config.memory_format]))


def optimizer(model: nn.Module, config) -> torch.optim.Optimizer:
    o = config.optimizer
    params = [p for p in model.parameters() if p.requires_grad]
    fused = _fusable(params)
    makers = {
        "sgd": lambda: torch.optim.SGD(params, lr=o.lr, momentum=o.momentum,
                                       weight_decay=o.weight_decay, fused=fused),
        "adam": lambda: torch.optim.Adam(params, lr=o.lr, betas=tuple(o.betas),
                                         weight_decay=o.weight_decay, fused=fused),
    }
    return makers[o.name]()


def _fusable(params) -> bool | None:
    """torch's fused optimizer kernels (CPU and CUDA, float tensors): the same update in one
    kernel per step instead of a Python loop over tensors; on one CPU thread an Adam step of
    rcnn_alexnet's quick network took 0.8 against 8.5 ms, and the weights after 100 steps agree
    with the loop's to float32 rounding (2e-7). None: torch's own default elsewhere."""
    ok = params and all(p.is_floating_point() and p.device.type in ("cpu", "cuda") for p in params)
    return True if ok else None


def schedule(opt: torch.optim.Optimizer, config):
    """Stepped once per epoch."""
    s = config.schedule
    makers = {
        "constant": lambda: torch.optim.lr_scheduler.LambdaLR(opt, lambda epoch: 1.0),
        "step": lambda: torch.optim.lr_scheduler.StepLR(opt, s.step_size, s.gamma),
        "multistep": lambda: torch.optim.lr_scheduler.MultiStepLR(opt, list(s.milestones), s.gamma),
        "cosine": lambda: torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=config.epochs),
    }
    return makers[s.name]()
