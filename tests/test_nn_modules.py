"""archlens' own torch modules against the torch modules they stand in for."""
import pytest
import torch
import torch.nn as nn

from archlens.nn.modules import LocalResponseNormModule


@pytest.mark.parametrize("beta", [0.75, 0.6])    # 0.75 takes the two-roots path, others pow
@pytest.mark.parametrize("size", [1, 2, 3, 5, 6])
@pytest.mark.parametrize("shape", [(2, 9, 7, 5), (3, 4, 2, 2), (2, 1, 3, 3)])
@pytest.mark.parametrize("layout", [torch.contiguous_format, torch.channels_last], ids=["nchw", "nhwc"])
def test_lrn_equals_torch_forward_and_backward(size, shape, beta, layout):
    """Both ways of summing the window: channel slices (NCHW) and a band product (NHWC)."""
    torch.manual_seed(size)
    x = (3 * torch.randn(*shape, dtype=torch.float64)).to(memory_format=layout).requires_grad_()
    ours, theirs = LocalResponseNormModule(size, 0.01, beta, 2.0), nn.LocalResponseNorm(size, 0.01, beta, 2.0)
    a, b = ours(x), theirs(x)
    torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-12)
    weights = torch.randn_like(a)
    (ga,), (gb,) = torch.autograd.grad(a, x, weights), torch.autograd.grad(b, x, weights)
    torch.testing.assert_close(ga, gb, rtol=1e-10, atol=1e-12)
    # the written-out gradient against finite differences too, independent of torch's formula
    assert torch.autograd.gradcheck(ours, (x,))


def test_lrn_on_flat_features_and_bfloat16():
    x = torch.randn(4, 10)
    expected = nn.LocalResponseNorm(5, 1e-2, 0.75, 1.0)(x.unsqueeze(-1)).squeeze(-1)
    torch.testing.assert_close(LocalResponseNormModule(5, 1e-2, 0.75, 1.0)(x), expected)
    half = LocalResponseNormModule(5, 1e-2, 0.75, 1.0)(x.bfloat16())
    assert half.dtype == torch.bfloat16
    torch.testing.assert_close(half.float(), expected, rtol=2e-2, atol=2e-2)


def test_lrn_window_sums_stay_float32_under_bfloat16_autocast():
    """Autocast would run the channels-last band product in bfloat16; LRN sums in float32."""
    x = torch.randn(2, 24, 6, 6).to(memory_format=torch.channels_last) * 20
    lrn = LocalResponseNormModule(5, 1e-2, 0.75, 1.0)
    with torch.autocast("cpu", torch.bfloat16):
        inside = lrn(x)
    torch.testing.assert_close(inside, nn.LocalResponseNorm(5, 1e-2, 0.75, 1.0)(x), rtol=1e-6, atol=1e-6)
