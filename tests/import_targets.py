"""Small models for tests/test_import.py, importable as TARGETs (tests/import_targets.py:tiny)."""
import torch
import torch.nn.functional as F
from torch import nn


class _Body(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)

    def forward(self, x):
        return torch.roll(self.conv(x), 1, dims=2)   # no archlens kind: the line the error names


class Rolled(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = _Body()
        self.fc = nn.Linear(4 * 8 * 8, 5)

    def forward(self, x):
        return self.fc(torch.flatten(self.body(x), 1))


class PReLUNet(nn.Module):
    """nn.PReLU has no kind but has parameters (one slope per channel)."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 3, padding=1)
        self.act = nn.PReLU(6)
        self.conv2 = nn.Conv2d(6, 4, 3)
        self.pool = nn.MaxPool2d(2)

    def forward(self, x):
        return self.pool(self.conv2(self.act(self.conv1(x))))


class Branchy(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)

    def forward(self, x):
        if x.sum() > 0:          # data-dependent control flow: fx cannot trace it
            return self.conv(x)
        return x


class Shared(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 3, 3, padding=1)

    def forward(self, x):
        return self.conv(self.conv(x))


class Reflect(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 3, 3, padding=1, padding_mode="reflect")

    def forward(self, x):
        return self.conv(x)


class Tiny(nn.Module):
    """Nested modules (dotted paths), a residual add, a functional relu and x.view(N, -1)."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU())
        self.block = nn.Sequential(nn.Conv2d(8, 8, 3, padding=1), nn.BatchNorm2d(8))
        self.pool = nn.AdaptiveAvgPool2d(2)
        self.head = nn.Linear(8 * 2 * 2, 3)

    def forward(self, x):
        x = self.stem(x)
        x = torch.relu(x + self.block(x))
        x = self.pool(x)
        return self.head(x.view(x.size(0), -1))


class ResizeTo(nn.Module):
    """A top-down step (FPN): the coarse map resized to the fine one's size, the size written
    the way ``how`` names (the ways of saying "the fine map's height and width", and others)."""

    def __init__(self, how: str):
        super().__init__()
        self.how = how
        self.fine = nn.Conv2d(3, 4, 3, stride=2, padding=1)
        self.coarse = nn.Conv2d(4, 4, 3, stride=2, padding=1)

    def forward(self, x):
        fine = self.fine(x)
        coarse = self.coarse(fine)
        size = {"shape": lambda: fine.shape[-2:], "size": lambda: fine.size()[2:],
                "pair": lambda: (fine.shape[2], fine.shape[3]),
                "calls": lambda: (fine.size(-2), fine.size(-1)),
                "square": lambda: (fine.shape[2], fine.shape[2])}[self.how]()
        return fine + F.interpolate(coarse, size=size, mode="bilinear")


def tiny():
    return Tiny()


def rolled():
    return Rolled()


def needs_args(width):
    return Tiny()


instance = Tiny()
