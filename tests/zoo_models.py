"""The import test zoo: classic CNNs written in plain torch from their papers (no torchvision).

Each factory takes no arguments and returns an ``nn.Module``, as an ``archlens import`` TARGET
does. Layouts follow the papers (and torchvision's transcriptions where a paper leaves a
choice open, so the published parameter counts apply).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def alexnet(num_classes: int = 1000) -> nn.Module:
    """Krizhevsky et al. (2012) Fig. 2, on one GPU (the 'one weird trick' widths 64-192-384-256-256,
    Krizhevsky 2014, as torchvision: 61,100,840 parameters)."""
    features = nn.Sequential(
        nn.Conv2d(3, 64, 11, stride=4, padding=2), nn.ReLU(inplace=True), nn.MaxPool2d(3, 2),
        nn.Conv2d(64, 192, 5, padding=2), nn.ReLU(inplace=True), nn.MaxPool2d(3, 2),
        nn.Conv2d(192, 384, 3, padding=1), nn.ReLU(inplace=True),
        nn.Conv2d(384, 256, 3, padding=1), nn.ReLU(inplace=True),
        nn.Conv2d(256, 256, 3, padding=1), nn.ReLU(inplace=True), nn.MaxPool2d(3, 2))
    classifier = nn.Sequential(
        nn.Dropout(), nn.Linear(256 * 6 * 6, 4096), nn.ReLU(inplace=True),
        nn.Dropout(), nn.Linear(4096, 4096), nn.ReLU(inplace=True), nn.Linear(4096, num_classes))
    return _Classifier(features, nn.AdaptiveAvgPool2d((6, 6)), classifier)


class _Classifier(nn.Module):
    def __init__(self, features, pool, classifier):
        super().__init__()
        self.features, self.avgpool, self.classifier = features, pool, classifier

    def forward(self, x):
        return self.classifier(torch.flatten(self.avgpool(self.features(x)), 1))


class BasicBlock(nn.Module):
    """He et al. (2016) Fig. 2 left: two 3x3 convolutions and the identity shortcut."""
    expansion = 1

    def __init__(self, c_in: int, width: int, stride: int = 1):
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, width, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(width, width, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(width)
        self.downsample = _shortcut(c_in, width, stride)

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        out += identity
        return self.relu(out)


class Bottleneck(nn.Module):
    """He et al. (2016) Fig. 5 right: 1x1 reduce, 3x3, 1x1 expand (x4); the stride on the 3x3."""
    expansion = 4

    def __init__(self, c_in: int, width: int, stride: int = 1):
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, width, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = nn.Conv2d(width, width, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(width)
        self.conv3 = nn.Conv2d(width, width * 4, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(width * 4)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = _shortcut(c_in, width * 4, stride)

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return self.relu(out + identity)


def _shortcut(c_in: int, c_out: int, stride: int):
    """Projection shortcut (option B, Sec. 3.3) where the shape changes."""
    if stride == 1 and c_in == c_out:
        return None
    return nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride, bias=False), nn.BatchNorm2d(c_out))


class ResNet(nn.Module):
    """He et al. (2016) Table 1."""

    def __init__(self, block, layers, num_classes: int = 1000):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        c = 64
        for i, (n, width) in enumerate(zip(layers, (64, 128, 256, 512)), start=1):
            blocks = []
            for j in range(n):
                blocks.append(block(c, width, 2 if j == 0 and i > 1 else 1))
                c = width * block.expansion
            setattr(self, f"layer{i}", nn.Sequential(*blocks))
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(c, num_classes)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


def resnet18() -> nn.Module:
    return ResNet(BasicBlock, [2, 2, 2, 2])


def resnet50() -> nn.Module:
    return ResNet(Bottleneck, [3, 4, 6, 3])


class InvertedResidual(nn.Module):
    """Sandler et al. (2018) Table 1: 1x1 expand, 3x3 depthwise, 1x1 linear projection."""

    def __init__(self, c_in: int, c_out: int, stride: int, expand: int):
        super().__init__()
        hidden = c_in * expand
        self.use_residual = stride == 1 and c_in == c_out
        layers = [] if expand == 1 else [_conv_bn_relu6(c_in, hidden, 1)]
        layers += [_conv_bn_relu6(hidden, hidden, 3, stride, groups=hidden),
                   nn.Conv2d(hidden, c_out, 1, bias=False), nn.BatchNorm2d(c_out)]
        self.conv = nn.Sequential(*layers)

    def forward(self, x):
        return x + self.conv(x) if self.use_residual else self.conv(x)


def _conv_bn_relu6(c_in, c_out, k, stride=1, groups=1):
    return nn.Sequential(nn.Conv2d(c_in, c_out, k, stride, (k - 1) // 2, groups=groups, bias=False),
                         nn.BatchNorm2d(c_out), nn.ReLU6(inplace=True))


class MobileNetV2(nn.Module):
    """Sandler et al. (2018) Table 2 (t, c, n, s), width 1.0: 3,504,872 parameters."""
    SETTINGS = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1),
                (6, 160, 3, 2), (6, 320, 1, 1)]

    def __init__(self, num_classes: int = 1000):
        super().__init__()
        layers, c = [_conv_bn_relu6(3, 32, 3, 2)], 32
        for t, c_out, n, s in self.SETTINGS:
            for i in range(n):
                layers.append(InvertedResidual(c, c_out, s if i == 0 else 1, t))
                c = c_out
        layers.append(_conv_bn_relu6(c, 1280, 1))
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Sequential(nn.Dropout(0.2), nn.Linear(1280, num_classes))

    def forward(self, x):
        x = self.features(x)
        return self.classifier(x.mean((2, 3)))


class Fire(nn.Module):
    """Iandola et al. (2016) Sec. 3.2: squeeze 1x1, then expand 1x1 and 3x3, concatenated."""

    def __init__(self, c_in: int, squeeze: int, e1: int, e3: int):
        super().__init__()
        self.squeeze = nn.Conv2d(c_in, squeeze, 1)
        self.squeeze_activation = nn.ReLU(inplace=True)
        self.expand1x1 = nn.Conv2d(squeeze, e1, 1)
        self.expand1x1_activation = nn.ReLU(inplace=True)
        self.expand3x3 = nn.Conv2d(squeeze, e3, 3, padding=1)
        self.expand3x3_activation = nn.ReLU(inplace=True)

    def forward(self, x):
        x = self.squeeze_activation(self.squeeze(x))
        return torch.cat([self.expand1x1_activation(self.expand1x1(x)),
                          self.expand3x3_activation(self.expand3x3(x))], 1)


def squeezenet1_1(num_classes: int = 1000) -> nn.Module:
    """SqueezeNet 1.1 (the SqueezeNet repository's v1.1: 3x3 conv1 of 64, earlier pools):
    1,235,496 parameters."""
    features = nn.Sequential(
        nn.Conv2d(3, 64, 3, stride=2), nn.ReLU(inplace=True), nn.MaxPool2d(3, 2, ceil_mode=True),
        Fire(64, 16, 64, 64), Fire(128, 16, 64, 64), nn.MaxPool2d(3, 2, ceil_mode=True),
        Fire(128, 32, 128, 128), Fire(256, 32, 128, 128), nn.MaxPool2d(3, 2, ceil_mode=True),
        Fire(256, 48, 192, 192), Fire(384, 48, 192, 192), Fire(384, 64, 256, 256),
        Fire(512, 64, 256, 256))
    classifier = nn.Sequential(nn.Dropout(0.5), nn.Conv2d(512, num_classes, 1),
                               nn.ReLU(inplace=True), nn.AdaptiveAvgPool2d(1))
    return _Squeeze(features, classifier)


class _Squeeze(nn.Module):
    def __init__(self, features, classifier):
        super().__init__()
        self.features, self.classifier = features, classifier

    def forward(self, x):
        return torch.flatten(self.classifier(self.features(x)), 1)


class SqueezeExcitation(nn.Module):
    """Hu et al. (2018) Fig. 3: global pool, FC reduce (r), ReLU, FC expand, sigmoid, scale."""

    def __init__(self, c: int = 32, r: int = 4):
        super().__init__()
        self.conv = nn.Conv2d(3, c, 3, padding=1)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(c, c // r, 1)
        self.relu = nn.ReLU()
        self.fc2 = nn.Conv2d(c // r, c, 1)

    def forward(self, x):
        x = self.conv(x)
        scale = torch.sigmoid(self.fc2(self.relu(self.fc1(self.pool(x)))))
        return x * scale


class FPN(nn.Module):
    """Lin et al. (2017) Fig. 3: lateral 1x1 convs, a 2x nearest top-down path added in, 3x3 out."""

    def __init__(self, widths=(16, 32, 64), d: int = 32):
        super().__init__()
        c, stages = 3, []
        for w in widths:
            stages.append(nn.Sequential(nn.Conv2d(c, w, 3, 2, 1), nn.ReLU()))
            c = w
        self.stages = nn.ModuleList(stages)
        self.lateral = nn.ModuleList(nn.Conv2d(w, d, 1) for w in widths)
        self.output = nn.Conv2d(d, d, 3, padding=1)

    def forward(self, x):
        c1 = self.stages[0](x)
        c2 = self.stages[1](c1)
        c3 = self.stages[2](c2)
        p3 = self.lateral[2](c3)
        p2 = self.lateral[1](c2) + F.interpolate(p3, size=c2.shape[-2:], mode="nearest")
        p1 = self.lateral[0](c1) + F.interpolate(p2, scale_factor=2, mode="nearest")
        return self.output(p1)


class UNet(nn.Module):
    """Ronneberger et al. (2015) Fig. 1, small and padded: two levels down, up by a transposed
    convolution and by bilinear upsampling, skip features concatenated."""

    def __init__(self, c: int = 8, classes: int = 3):
        super().__init__()
        self.down1, self.down2 = _double(3, c), _double(c, 2 * c)
        self.bottom = _double(2 * c, 4 * c)
        self.pool = nn.MaxPool2d(2)
        self.up2 = nn.ConvTranspose2d(4 * c, 2 * c, 2, stride=2)
        self.dec2 = _double(4 * c, 2 * c)
        self.up1 = nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False)
        self.dec1 = _double(3 * c, c)
        self.head = nn.Conv2d(c, classes, 1)

    def forward(self, x):
        d1 = self.down1(x)
        d2 = self.down2(self.pool(d1))
        b = self.bottom(self.pool(d2))
        u2 = self.dec2(torch.cat([d2, self.up2(b)], dim=1))
        u1 = self.dec1(torch.cat([d1, self.up1(u2)], dim=1))
        return self.head(u1)


def _double(c_in: int, c_out: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, padding=1), nn.ReLU(inplace=True),
                         nn.Conv2d(c_out, c_out, 3, padding=1), nn.ReLU(inplace=True))
