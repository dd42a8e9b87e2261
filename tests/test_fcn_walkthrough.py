"""The segmentation page's FCN-8s walk-through: shapes from torch, offsets from the Caffe model."""
import torch

from archlens.site.fcn_walkthrough import fcn_walkthrough

# crop offsets in the `crop` layers of the authors' voc-fcn8s Caffe definition
# (shelhamer/fcn.berkeleyvision.org, voc-fcn8s/train.prototxt: crop offsets 5, 9 and 31)
CAFFE_OFFSETS = {"score_pool4c": 5, "score_pool3c": 9, "score": 31}


def _deconv(n_in, k, s):
    with torch.device("meta"):
        layer = torch.nn.ConvTranspose2d(21, 21, k, stride=s, bias=False)
        return tuple(layer(torch.empty(1, 21, *n_in)).shape[2:]), layer.weight.numel()


def test_walkthrough_numbers():
    w = fcn_walkthrough()
    rows = {r["layer"]: r for r in w["rows"]}
    assert w["offsets"] == CAFFE_OFFSETS
    assert rows["score_fr"]["out"] == "21x12x16"             # 500x375 / 32, ceil pooling
    for name, n_in, k, s in (("upscore2", (12, 16), 4, 2), ("upscore_pool4", (26, 34), 4, 2),
                             ("upscore8", (54, 70), 16, 8)):
        shape, params = _deconv(n_in, k, s)
        assert rows[name]["out"] == "21x" + "x".join(map(str, shape))
        assert f"{params:,} parameters" in rows[name]["how"]
    assert (rows["upscore2"]["out"], rows["score"]["out"]) == ("21x26x34", "21x375x500")
    assert "= 5$" in rows["score_pool4c"]["how"] and "= 9$" in rows["score_pool3c"]["how"]
