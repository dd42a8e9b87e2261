"""The receptive-field explorer's data: the profile's fields, exact, in the page as JSON."""
import json
import re
from fractions import Fraction

from archlens.core.profile import profile
from archlens.render.rf_explorer import exact, rf_explorer_html, rf_payload
from archlens.site.rf_page import rf_explorer_section, stacked_explorer


def _data(html: str) -> dict:
    found = re.search(r'<script type="application/json" id="rf-data">(.*?)</script>', html, re.S)
    return json.loads(found.group(1))


def _entry(data, axis, layer):
    return next(e for e in data["axes"][axis] if e["layer"] == layer)


def test_vgg16_pool5_field_is_the_hand_calculation():
    data = _data(rf_explorer_html(profile("vgg16")))
    # 13 convs of 3x3 and 5 pools of 2x2 stride 2: 1 + 2*(2+2*2+4*3*4+8*3*8+16*3*16) ... by hand:
    # stage s adds 2*j per conv (j = 1, 2, 4, 8, 16) and its pool adds j: r = 212, jump 32,
    # centre of unit 0 at (32 - 1) / 2 = 15.5 (torchvision's "212" of VGG-16 pool5).
    r, j = 1, 1
    for convs in (2, 2, 3, 3, 3):
        r += convs * 2 * j + j
        j *= 2
    for axis in ("h", "w"):
        assert _entry(data, axis, "pool5") == {"layer": "pool5", "size": r, "jump": j, "start": "31/2"}
    assert r == 212 and data["input"] == {"h": 224, "w": 224}
    assert [m["layer"] for m in data["layers"]][-1] == "pool5"   # fc layers have no field


def test_every_entry_is_the_profile_row_and_parents_follow_the_main_path():
    p = profile("fcn8s")
    data = rf_payload(p)
    layers = {lp.name: lp for lp in p.layers}
    for axis_index, axis in enumerate(("h", "w")):
        for e in data["axes"][axis]:
            rf = layers[e["layer"]].rf
            assert Fraction(e["size"]) == rf.size[axis_index]
            assert Fraction(e["jump"]) == rf.jump[axis_index]
            assert Fraction(e["start"]) == rf.start[axis_index]
    meta = {m["layer"]: m for m in data["layers"]}
    assert meta["conv1_1"]["parent"] is None and meta["pool5"]["parent"] == "conv5_3"
    assert "relu5_3" not in meta                      # folded: same field as conv5_3
    assert meta["score_pool4"]["parent"] == "pool4"   # the skip branch starts at pool4
    assert meta["score_fr"]["parent"] == "fc7"        # weighted 1x1 convs are kept


def test_stacked_page_explorer_has_fields_3_5_7():
    data = _data(stacked_explorer())   # Simonyan & Zisserman Sec. 2.3: 3x3, 5x5, 7x7
    assert [e["size"] for e in data["axes"]["h"]] == [3, 5, 7]
    assert data["input"] == {"h": 11, "w": 11}


def test_no_spatial_layers_no_explorer():
    assert rf_payload(profile("mlp")) is None and rf_explorer_section(profile("mlp")) is None


def test_exact_values_and_script_safety():
    assert exact(Fraction(5, 2)) == "5/2" and exact(Fraction(4, 2)) == 2 and exact(3) == 3
    html = rf_explorer_html(profile("vgg11"))
    assert "\n\n" not in html and html.count("</script>") == 2
