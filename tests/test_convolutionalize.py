"""Convolutionalization (Long et al. 2015, Sec. 3.1): PyTorch is the oracle for equal logits."""

import pytest
import torch
import yaml

import archlens
from archlens.transforms.convolutionalize import convolutionalize, convolutionalized_doc, spec_yaml
from archlens.spec.load import load_spec, scale_width

THIN = 1 / 16


@pytest.fixture(scope="module")
def thin_vgg16():
    spec = scale_width(load_spec("vgg16"), THIN)
    torch.manual_seed(0)
    return spec, archlens.build_model(spec).eval()


def test_fc_layers_become_convolutions():
    conv_spec, _ = convolutionalize("vgg16")
    kinds = {l.name: (l.kind, getattr(l.args, "kernel_size", None), getattr(l.args, "out_channels", None))
             for l in conv_spec.layers}
    assert kinds["fc6"] == ("conv", (7, 7), 4096)
    assert kinds["fc7"] == ("conv", (1, 1), 4096)
    assert kinds["fc8"] == ("conv", (1, 1), 1000)
    assert "flatten" not in kinds
    # the same numbers, reshaped: parameters and (at 224) MACs are unchanged
    a, b = archlens.profile("vgg16"), archlens.profile(conv_spec)
    assert (a.totals.params, a.totals.macs) == (b.totals.params, b.totals.macs) == (138_357_544, 15_470_264_320)


def test_score_map_at_224_equals_the_logits(thin_vgg16):
    spec, classifier = thin_vgg16
    conv_spec, state = convolutionalize(spec, classifier.state_dict())
    fully_conv = archlens.build_model(conv_spec).eval()
    fully_conv.load_state_dict(state)
    x = torch.randn(2, 3, 224, 224)
    with torch.no_grad():
        logits, scores = classifier(x), fully_conv(x)
    assert scores.shape == (2, 1000, 1, 1)
    torch.testing.assert_close(scores[:, :, 0, 0], logits, atol=1e-4, rtol=1e-4)


def test_score_map_size_at_320x480_is_predicted(thin_vgg16):
    spec, classifier = thin_vgg16
    conv_spec, state = convolutionalize(spec, classifier.state_dict())
    predicted = archlens.profile(conv_spec, input=(3, 320, 480)).layers[-1].out_shape
    assert predicted == (1000, 320 // 32 - 6, 480 // 32 - 6)  # by hand: pool5 10x15, 7x7 fc6
    model = archlens.build_model(conv_spec, input=(3, 320, 480)).eval()
    model.load_state_dict(state)
    with torch.no_grad():
        assert tuple(model(torch.randn(1, 3, 320, 480)).shape[1:]) == predicted


def test_written_yaml_loads_back(tmp_path):
    doc, _ = convolutionalized_doc(load_spec("vgg16"))
    path = tmp_path / "vgg16_fc.yaml"
    path.write_text(spec_yaml(doc))
    assert yaml.safe_load(path.read_text()) == doc
    again, direct = archlens.profile(path, input=(3, 320, 480)), archlens.profile(convolutionalize("vgg16")[0],
                                                                              input=(3, 320, 480))
    assert [(l.name, l.out_shape, l.params.total, l.macs.value) for l in again.layers] == \
        [(l.name, l.out_shape, l.params.total, l.macs.value) for l in direct.layers]


SMALL = """
name: small
input: [3, 32, 32]
num_classes: 5
layers:
  - {name: conv1, kind: conv, out_channels: 8, kernel_size: 3, padding: 1}
  - {name: relu1, kind: relu}
  - {name: pool1, kind: maxpool, kernel_size: 2, stride: 2}
  - {name: flatten, kind: flatten}
  - {name: fc1, kind: linear, out_features: 16}
  - {name: relu2, kind: relu}
  - {name: fc2, kind: linear, out_features: num_classes}
"""


def test_cli_writes_spec_and_weights(tmp_path, cli):
    src = tmp_path / "small.yaml"
    src.write_text(SMALL)
    classifier = archlens.build_model(src).eval()
    torch.save(classifier.state_dict(), tmp_path / "in.pt")
    code, out, err = cli("convolutionalize", src, "--weights", tmp_path / "in.pt",
                         "--out-spec", tmp_path / "out.yaml", "--out-weights", tmp_path / "out.pt")
    assert (code, out, err) == (0, "", "")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.pt", "out.pt", "out.yaml", "small.yaml"]
    model = archlens.build_model(tmp_path / "out.yaml").eval()
    model.load_state_dict(torch.load(tmp_path / "out.pt", weights_only=True))
    x = torch.randn(3, 3, 32, 32)
    with torch.no_grad():
        torch.testing.assert_close(model(x)[:, :, 0, 0], classifier(x), atol=1e-5, rtol=1e-5)
    assert load_spec(tmp_path / "out.yaml").layer("fc1").args.kernel_size == (16, 16)


@pytest.mark.parametrize("args,message", [
    (["--out-weights", "x.pt"], "--out-weights needs --weights"),
    (["--weights", "missing.pt"], "missing.pt: no such weights file"),
])
def test_cli_errors_are_one_line(cli, tmp_path, args, message):
    code, out, err = cli("convolutionalize", "vgg11", *[str(tmp_path / a) if a.endswith(".pt") else a for a in args])
    assert code == 2 and message in err and err.count("\n") == 1


def test_weights_without_the_dense_layer_are_rejected(tmp_path, cli):
    src = tmp_path / "small.yaml"
    src.write_text(SMALL)
    torch.save({"conv1.weight": torch.zeros(8, 3, 3, 3)}, tmp_path / "in.pt")
    code, _, err = cli("convolutionalize", src, "--weights", tmp_path / "in.pt")
    assert code == 2 and "no 'fc1.weight'" in err


def test_flat_input_has_nothing_to_convolutionalize():
    with pytest.raises(archlens.SpecError, match="no spatial map"):
        convolutionalize("linear_regression")
