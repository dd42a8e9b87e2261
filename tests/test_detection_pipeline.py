"""R-CNN and SPPNet as runnable pipelines: warp, proposals, SVMs, box regressors, the
detector on an image, ``archlens detect`` and its bad inputs."""
import sys
import types

import pytest
import torch

import archlens
from archlens.detection import proposals as proposals_mod
from archlens.detection.detector import build_detector, save_weights
from archlens.detection.svm import fit_bbox_regressors, fit_svms
from archlens.detection.warp import dilate, warp_regions


@pytest.fixture(scope="module")
def scene(tmp_path_factory):
    from PIL import Image, ImageDraw
    path = tmp_path_factory.mktemp("img") / "scene.png"
    im = Image.new("RGB", (160, 120), (200, 200, 180))
    pen = ImageDraw.Draw(im)
    pen.ellipse((20, 25, 70, 75), fill=(220, 30, 30))
    pen.rectangle((90, 40, 145, 100), fill=(30, 30, 220))
    im.save(path)
    return path


def test_warp_of_the_whole_image_at_its_own_size_is_the_image():
    image = torch.rand(3, 6, 9) * 255
    out = warp_regions(image, torch.tensor([[0.0, 0.0, 9.0, 6.0]]), (6, 9), context_pad=0)
    assert torch.allclose(out[0], image, atol=1e-3)


def test_context_padding_by_hand():
    # R-CNN App. A: a 195-px box warped to 227 with p = 16 keeps 1 image px per warped px
    assert dilate(torch.tensor([[100.0, 100.0, 295.0, 295.0]]), (227, 227), 16).tolist() == \
        [[84.0, 84.0, 311.0, 311.0]]
    # outside the image the warp reads the (subtracted) mean: zeros
    out = warp_regions(torch.ones(3, 40, 40), torch.tensor([[0.0, 0.0, 40.0, 40.0]]), (48, 48), 8)
    assert out[0, :, :4, :].abs().max() == 0 and out[0, :, 24, 24].min() > 0.99


def test_sliding_window_fallback_is_deterministic_capped_and_clean():
    image = torch.rand(3, 120, 160) * 255
    a, method = proposals_mod.propose(image, 300, method="sliding_windows")
    b, _ = proposals_mod.propose(image, 300, method="sliding_windows")
    assert method == "sliding_windows" and torch.equal(a, b) and len(a) == 300
    assert (a[:, 2] > a[:, 0]).all() and (a[:, 3] > a[:, 1]).all()
    assert a[:, 2].max() <= 160 and a[:, 3].max() <= 120 and a.min() >= 0
    assert len(torch.unique(a, dim=0)) == len(a)
    tiny, _ = proposals_mod.propose(torch.rand(3, 5, 7), 10, method="sliding_windows")
    assert len(tiny) >= 1


def test_selective_search_path_uses_opencv_contrib(monkeypatch):
    class FakeSS:  # stands in for cv2.ximgproc's segmentation object
        def setBaseImage(self, img):
            assert img.shape == (20, 30, 3) and img.dtype.name == "uint8"

        def switchToSelectiveSearchFast(self):
            pass

        def process(self):
            return [[2, 3, 10, 5], [2, 3, 10, 5], [25, 0, 40, 40]]  # x, y, w, h
    seg = types.SimpleNamespace(createSelectiveSearchSegmentation=FakeSS)
    fake = types.SimpleNamespace(ximgproc=types.SimpleNamespace(segmentation=seg))
    monkeypatch.setitem(sys.modules, "cv2", fake)
    boxes, method = proposals_mod.propose(torch.rand(3, 20, 30) * 255, 2000)
    assert method == "selective_search"
    assert boxes.tolist() == [[2, 3, 12, 8], [25, 0, 30, 20]]  # deduplicated, clipped


def test_svms_separate_separable_features():
    torch.manual_seed(0)
    centres = torch.randn(3, 16) * 4
    labels = torch.arange(3).repeat(40)
    feats = centres[labels] + 0.3 * torch.randn(120, 16)
    svms = fit_svms(feats, labels, num_classes=3)
    scores = svms(feats)
    fg = labels > 0
    assert (scores[fg].argmax(1) + 1 == labels[fg]).all()
    assert (scores[~fg] < 0).all()                       # background: every SVM says no


@pytest.mark.parametrize("at_the_kink", [False, True])
def test_svm_step_is_autograds_subgradient_of_the_objective(at_the_kink):
    """fit_svms writes its step out; the oracle is autograd on the objective it states."""
    from archlens.detection.svm import hinge_loss, hinge_subgradient
    torch.manual_seed(1)
    x = torch.relu(torch.randn(50, 12, dtype=torch.float64))
    y = torch.where(torch.rand(50, 3) < 0.3, 1.0, -1.0).double()
    w = torch.zeros(3, 12, dtype=torch.float64) if at_the_kink else torch.randn(3, 12, dtype=torch.float64)
    b = torch.ones(3, dtype=torch.float64) if at_the_kink else torch.randn(3, dtype=torch.float64)
    w.requires_grad_(True)
    b.requires_grad_(True)
    lam = 0.02
    objective = hinge_loss(x @ w.T + b, y).mean(0).sum() + lam / 2 * w.pow(2).sum()
    want_w, want_b = torch.autograd.grad(objective, (w, b))
    got_w, got_b = hinge_subgradient(x, y, w.detach(), b.detach(), lam)
    assert torch.allclose(got_w, want_w, atol=1e-12) and torch.allclose(got_b, want_b, atol=1e-12)
    assert want_b.abs().sum() > 0           # the kink counts as inside the margin, as in clamp


def test_box_regressors_recover_a_linear_map():
    torch.manual_seed(0)
    props = torch.tensor([[10.0, 10.0, 50.0, 60.0]]).repeat(64, 1)
    true_w = torch.randn(8, 4) * 0.05
    feats = torch.randn(64, 8)
    deltas = feats @ true_w
    from archlens.detection.boxes import decode
    gts = decode(props, deltas)
    regs = fit_bbox_regressors(feats, props, gts, torch.ones(64, dtype=torch.long), 2,
                               lam=1e-6, min_iou=0.0)
    assert torch.allclose(regs(feats)[:, 0], deltas, atol=1e-4)
    assert torch.allclose(regs.refine(feats, props)[:, 0], gts, atol=1e-2)


@pytest.mark.slow
@pytest.mark.parametrize("name,n", [("sppnet_zf5", 40), ("rcnn_zf5", 6)])
def test_detect_writes_a_png_and_prints_boxes(cli, scene, tmp_path, name, n):
    out = tmp_path / "boxes.png"
    code, text, err = cli("detect", name, scene, "--proposals", n, "--out", out)
    assert code == 0, err
    assert f"{n} proposals" in text and "box x0=" in text and out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    from PIL import Image
    with Image.open(out) as im:
        assert im.size == (160, 120)


def test_zero_proposals_and_unusable_boxes_give_no_detections(spp_detector):
    detector = spp_detector
    image = torch.rand(3, 120, 160) * 255
    assert len(detector(image, torch.zeros(0, 4))) == 0
    outside = torch.tensor([[500.0, 500.0, 600.0, 600.0], [10.0, 10.0, 10.0, 50.0], [30, 30, 5, 5]])
    assert len(detector(image, outside)) == 0
    partly = detector(image, torch.tensor([[-40.0, -40.0, 60.0, 70.0]]), score_threshold=-1e9)
    assert len(partly) >= 1 and partly.boxes.min() >= 0 and partly.boxes[:, 2].max() <= 160


@pytest.fixture(scope="module")
def spp_detector():
    return build_detector("sppnet_zf5", seed=3)


@pytest.mark.slow
def test_rcnn_and_sppnet_share_the_trunk_computation(spp_detector):
    # With the same ZF-5 weights, R-CNN's per-region conv5 on a 224x224 region equals SPPNet's
    # once-per-image conv5 on that image: the only difference is how often it runs.
    from archlens.detection.networks import Chain, names_between
    from archlens.detection.warp import normalize_pixels
    rcnn = build_detector("rcnn_zf5")
    spp_detector.network.load_state_dict({k: v for k, v in rcnn.network.state_dict().items()
                                          if not k.startswith("fc6")}, strict=False)
    x = normalize_pixels(torch.rand(3, 224, 224) * 255)[None]
    to_conv5 = Chain(rcnn.network, names_between(archlens.load_spec("rcnn_zf5"), 0, "relu5"),
                     ("relu5",))
    with torch.inference_mode():
        assert torch.allclose(to_conv5(x)[0], spp_detector.trunk(x)[0], atol=1e-5)


@pytest.mark.slow
def test_weights_round_trip_and_bad_checkpoints(tmp_path, spp_detector):
    from archlens.detection.detector import load_weights
    path = tmp_path / "ckpt.pt"
    save_weights(spp_detector, path)
    image = torch.rand(3, 60, 80) * 255
    boxes = torch.tensor([[0.0, 0.0, 40.0, 40.0], [20.0, 10.0, 80.0, 60.0]])
    before = spp_detector(image, boxes, -1e9).scores
    with torch.no_grad():
        spp_detector.head.svms.weight.add_(1.0)
    load_weights(spp_detector, path)
    assert torch.equal(spp_detector(image, boxes, -1e9).scores, before)
    (tmp_path / "junk.pt").write_text("not a checkpoint")
    torch.save({"conv1.weight": torch.zeros(1)}, tmp_path / "other.pt")
    for bad, message in ((tmp_path / "junk.pt", "not a torch checkpoint"),
                         (tmp_path / "none.pt", "no such weights file"),
                         (tmp_path / "other.pt", "does not fit this spec")):
        with pytest.raises(archlens.ArchlensError, match=message):
            load_weights(spp_detector, bad)


@pytest.mark.parametrize("content", [b"", b"plain text, not pixels", b"\x89PNG\r\n\x1a\nbroken"])
def test_detect_rejects_files_that_are_not_images(cli, tmp_path, content):
    bad = tmp_path / "bad.png"
    bad.write_bytes(content)
    code, out, err = cli("detect", "sppnet_zf5", bad)
    assert code == 2 and out == "" and err.startswith(f"archlens: {bad}: not a readable image")
    assert err.count("\n") == 1


def test_detect_names_missing_files_and_non_detection_specs(cli, scene, tmp_path):
    code, _, err = cli("detect", "sppnet_zf5", tmp_path / "missing.jpg")
    assert code == 2 and "no such image file" in err
    code, _, err = cli("detect", "vgg16", scene)
    assert code == 2 and "not a detection spec" in err
    code, text, _ = cli("detect", "rcnn_zf5", scene, "--proposals", "0")
    assert code == 0 and "0 proposals" in text and "0 detections" in text
