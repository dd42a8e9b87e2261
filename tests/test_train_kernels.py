"""The training harness's faster kernels compute what torch's own layers compute, with the same
parameters: FCN's fixed bilinear upsampling as two matrix products against ConvTranspose2d."""
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from archlens.nn.build import build_model
from archlens.nn.fcn import bilinear_
from archlens.train.config import recipe
from archlens.spec.load import load_spec, with_num_classes
from archlens.train.kernels import SeparableUpsampling, is_fixed_bilinear, with_fast_kernels
from archlens.train.model import training_model


def fixed_bilinear(channels: int, k, s, p=0, d=1, op=0, dtype=torch.float32) -> nn.ConvTranspose2d:
    deconv = nn.ConvTranspose2d(channels, channels, k, s, p, op, bias=False, dilation=d, dtype=dtype)
    bilinear_(deconv).weight.requires_grad_(False)
    return deconv


# FCN-32s/16s/8s's upsamplings at the quick recipes' score-map sizes, then odd and
# non-square kernels, padding, dilation and output padding.
CASES = [
    dict(k=64, s=32, hw=(5, 5)), dict(k=32, s=16, hw=(11, 12)), dict(k=16, s=8, hw=(22, 21)),
    dict(k=4, s=2, hw=(5, 7)), dict(k=3, s=2, p=1, hw=(4, 6)), dict(k=(5, 4), s=(3, 2), p=(2, 1), hw=(3, 5)),
    dict(k=3, s=2, d=2, hw=(4, 4)), dict(k=4, s=3, op=2, hw=(3, 4)), dict(k=7, s=1, p=3, hw=(6, 5)),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: "-".join(f"{k}{v}" for k, v in c.items()))
def test_separable_upsampling_is_torchs_transposed_convolution(case):
    geometry = {k: v for k, v in case.items() if k != "hw"}
    deconv = fixed_bilinear(3, **geometry, dtype=torch.float64)
    fast = SeparableUpsampling(deconv)
    x = torch.randn(2, 3, *case["hw"], dtype=torch.float64, requires_grad=True)
    want = F.conv_transpose2d(x, deconv.weight, None, deconv.stride, deconv.padding,
                              deconv.output_padding, 1, deconv.dilation)
    got = fast(x)
    assert got.shape == want.shape
    torch.testing.assert_close(got, want, rtol=1e-12, atol=1e-12)
    g = torch.randn_like(want)
    want_grad, = torch.autograd.grad(want, x, g)
    got_grad, = torch.autograd.grad(got, x, g)
    torch.testing.assert_close(got_grad, want_grad, rtol=1e-12, atol=1e-12)


def test_channels_last_and_bfloat16_autocast_match_torch_within_their_rounding():
    deconv = fixed_bilinear(4, 64, 32)
    x = torch.randn(4, 4, 5, 5).to(memory_format=torch.channels_last)
    torch.testing.assert_close(SeparableUpsampling(deconv)(x), deconv(x), rtol=1e-5, atol=1e-5)
    # Under autocast torch's layer takes bfloat16 and returns bfloat16; ours must too, with the
    # float32 sums rounded once: within half a bfloat16 step (2^-8 relative) of the exact map.
    xb = x.bfloat16()
    exact = deconv.double()(xb.double())
    with torch.autocast("cpu", torch.bfloat16):
        got = SeparableUpsampling(deconv.float())(xb)
        assert deconv(xb).dtype == got.dtype == torch.bfloat16
    assert ((got.double() - exact).abs() <= 2 ** -8 * exact.abs() + 1e-9).all()


def test_only_frozen_bilinear_upsamplings_by_32_or_more_are_swapped():
    learnt = fixed_bilinear(3, 64, 32)
    learnt.weight.requires_grad_(True)                     # learnt from a bilinear start
    other = nn.ConvTranspose2d(3, 3, 64, 32, bias=False).requires_grad_(False)  # frozen, not bilinear
    widening = nn.ConvTranspose2d(3, 6, 64, 32, bias=False)
    bilinear_(widening).weight.requires_grad_(False)       # not channel to itself
    assert is_fixed_bilinear(fixed_bilinear(3, 64, 32))
    assert not is_fixed_bilinear(fixed_bilinear(3, 16, 8))   # FCN-8s's: torch's layer is as fast
    assert not any(is_fixed_bilinear(m) for m in (learnt, other, widening, nn.Conv2d(3, 3, 3)))


def test_fcn32s_training_model_keeps_its_state_dict_and_outputs():
    """The harness's FCN-32s (quick recipe) upsamples with matrices; loaded into the plain
    built model (torch's ConvTranspose2d), the same state dict gives the same scores."""
    spec = with_num_classes(load_spec("fcn32s"), 4)
    config = recipe(spec, "quick")
    model = training_model(spec, config, 4, torch.randn(2, *config.input))
    assert isinstance(model.upscore, SeparableUpsampling)
    plain = build_model(spec, input=config.input, width=config.width)
    assert isinstance(plain.upscore, nn.ConvTranspose2d)
    assert plain.state_dict().keys() == model.state_dict().keys()
    plain.load_state_dict(model.state_dict())
    x = torch.randn(2, *config.input)
    model.eval(), plain.eval()
    with torch.no_grad():
        torch.testing.assert_close(model(x), plain(x), rtol=1e-4, atol=1e-4)


def test_with_fast_kernels_leaves_other_models_alone():
    model = nn.Sequential(nn.Conv2d(3, 3, 3), nn.ConvTranspose2d(3, 3, 64, 32))
    before = {k: v.clone() for k, v in model.state_dict().items()}
    with_fast_kernels(model)
    assert [type(m) for m in model] == [nn.Conv2d, nn.ConvTranspose2d]
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
