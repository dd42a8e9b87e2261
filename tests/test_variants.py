"""worksheet --seed: a reproducible random variant that torch itself builds with the same numbers."""
import pytest
import torch

from archlens.cli import main
from archlens.nn.build import build_model
from archlens.teach.variants import seeded_profile


@pytest.mark.parametrize("spec, seed", [("vgg11", 3), ("fcn8s", 1)])
def test_variant_matches_torch_on_meta(spec, seed):
    p = seeded_profile(spec, seed)
    with torch.device("meta"):
        model = build_model(p.spec)
        out = model(torch.empty(1, *p.input))
    out = out[0] if isinstance(out, (tuple, list)) else out
    assert sum(t.numel() for t in model.parameters()) == p.totals.params      # torch's count
    assert tuple(out.shape[1:]) == p.layers[-1].out_shape
    assert p.spec.name == f"{spec} --seed {seed}"


def test_seed_is_reproducible_and_varies():
    a, b, c = seeded_profile("vgg11", 5), seeded_profile("vgg11", 5), seeded_profile("vgg11", 6)
    assert (a.input, a.totals.params) == (b.input, b.totals.params)
    assert (a.input, a.totals.params) != (c.input, c.totals.params)
    widths = {lp.out_shape[0] for lp in a.layers if lp.kind == "conv"}
    assert all(w % 8 == 0 for w in widths) and len(widths) > 2   # drawn per layer


def test_seed_with_input_is_a_one_line_error(capsys):
    assert main(["worksheet", "vgg11", "--seed", "1", "--input", "3x64x64"]) == 2
    assert "not both" in capsys.readouterr().err
    assert main(["check", "vgg11", "x.yaml", "--seed", "-1"]) == 2
