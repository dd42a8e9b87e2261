"""Property tests: random valid specs agree with torch; random corruptions give SpecError only."""
import copy

import pytest
import torch
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import archlens
from archlens.errors import SpecError

pair = st.one_of(st.integers(1, 3), st.lists(st.integers(1, 3), min_size=2, max_size=2))


@st.composite
def conv_layer(draw):
    groups = draw(st.sampled_from([1, 1, 2]))
    return {"kind": "conv", "out_channels": groups * draw(st.integers(1, 4)),
            "kernel_size": draw(pair), "stride": draw(pair),
            "padding": draw(st.integers(0, 2)), "dilation": draw(st.integers(1, 2)),
            "groups": groups, "bias": draw(st.booleans())}


@st.composite
def pool_layer(draw):
    k = draw(st.integers(1, 3))
    layer = {"kind": draw(st.sampled_from(["maxpool", "avgpool"])), "kernel_size": k,
             "stride": draw(st.integers(1, 3)), "padding": draw(st.integers(0, k // 2)),
             "ceil_mode": draw(st.booleans())}
    return layer


simple = st.sampled_from([{"kind": "relu"}, {"kind": "batchnorm"}, {"kind": "dropout", "p": 0.2},
                          {"kind": "lrn", "size": 3}])


@st.composite
def valid_spec(draw):
    body = draw(st.lists(st.one_of(conv_layer(), pool_layer(), simple), min_size=1, max_size=6))
    if draw(st.booleans()):
        body += [{"kind": "flatten"}, {"kind": "linear", "out_features": draw(st.integers(1, 5))}]
    layers = [{"name": f"l{i}", **layer} for i, layer in enumerate(body)]
    c = draw(st.sampled_from([2, 4]))  # even, so grouped convs divide their input
    return {"name": "random", "input": [c, draw(st.integers(6, 24)), draw(st.integers(6, 24))],
            "layers": layers}


def _loads(doc):
    try:
        return archlens.load_spec(copy.deepcopy(doc)) and archlens.profile(copy.deepcopy(doc))
    except SpecError:
        return None


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(valid_spec())
def test_random_valid_specs_agree_with_torch(doc):
    prof = _loads(doc)
    assume(prof is not None)
    # grouped convs need channels divisible by groups all along the chain
    report = archlens.verify(archlens.load_spec(doc), peers=False)
    assert report.ok, report.failures


@pytest.mark.slow
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(valid_spec())
def test_random_valid_specs_agree_with_peers(doc):
    assume(_loads(doc) is not None)
    report = archlens.verify(archlens.load_spec(doc))
    assert report.ok, report.failures


JUNK = st.one_of(st.none(), st.text(max_size=5), st.integers(-3, 3), st.floats(allow_nan=True),
                 st.lists(st.integers(-2, 4), max_size=3), st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
                 st.booleans())


@st.composite
def corrupted(draw):
    doc = copy.deepcopy(draw(valid_spec()))
    layers = doc["layers"]
    i = draw(st.integers(0, len(layers) - 1))
    how = draw(st.sampled_from(["junk_arg", "drop_key", "typo_key", "bad_input", "dup_name",
                                "junk_kind", "junk_input_shape", "junk_layer", "extra_key"]))
    layer = layers[i]
    if how == "junk_arg":
        key = draw(st.sampled_from(sorted(layer)))
        layer[key] = draw(JUNK)
    elif how == "drop_key":
        layer.pop(draw(st.sampled_from(sorted(layer))))
    elif how == "typo_key":
        key = draw(st.sampled_from(sorted(layer)))
        layer[key + "x"] = layer.pop(key)
    elif how == "bad_input":
        layer["inputs"] = draw(st.one_of(st.just(["nowhere"]), st.just([layer["name"]]), JUNK))
    elif how == "dup_name" and len(layers) > 1:
        layers[(i + 1) % len(layers)]["name"] = layer["name"]
    elif how == "junk_kind":
        layer["kind"] = draw(JUNK)
    elif how == "junk_input_shape":
        doc["input"] = draw(JUNK)
    elif how == "junk_layer":
        layers[i] = draw(JUNK)
    else:
        doc[draw(st.text(min_size=1, max_size=4))] = 1
    return doc


@settings(max_examples=300, deadline=None)
@given(corrupted())
def test_corruptions_raise_spec_error_and_nothing_else(doc):
    try:
        spec = archlens.load_spec(doc)
        archlens.profile(spec)
        with torch.device("meta"):
            archlens.build_model(spec)
    except SpecError as exc:
        assert "\n" not in str(exc) and str(exc)
