"""Site fixes of issue 17 that need no browser: legible figure widths, trained numbers labelled
with what they were trained on, the SPPNet cost balance, FCN's two fc6 shapes, header prose,
404.html on file:// and no empty sitemap, the stacked-3x3 legend matching what is drawn."""
from __future__ import annotations

import json

import pytest

from archlens.core.profile import profile
from archlens.site.figures import legible_width
from archlens.spec.load import load_spec


def _svg(viewbox_width: float, fonts: list[float], graph_scale: float | None = None) -> str:
    graph = f'<g id="graph0" class="graph" transform="scale({graph_scale} {graph_scale})">' if graph_scale else "<g>"
    texts = "".join(f'<text style="font-size: {f}px">a</text>' for f in fonts)
    return f'<svg width="10pt" viewBox="0 0 {viewbox_width} 100">{graph}{texts}</g></svg>'


def test_legible_width_is_where_the_smallest_label_reaches_9px():
    # by hand: a 400-unit-wide figure drawn w px wide draws 8 units as 8 w / 400 px; 9 px needs w = 450
    assert legible_width(_svg(400, [10, 8, 12])) == 450
    assert legible_width(_svg(460.8, [7])) == 593               # 9 * 460.8 / 7 = 592.46 -> 593
    assert legible_width(_svg(520, [10], graph_scale=0.5)) == 936   # Graphviz scaled its graph
    assert legible_width('<svg viewBox="0 0 10 10"><rect/></svg>') is None


def test_every_figure_gets_its_legible_min_width(tmp_path):
    from archlens.site import mdtext
    text = mdtext.figure_md("figures/x", "alt", "caption", 593)
    assert text.count('style="min-width: 593px"') == 2 and ".spec-figure" in text
    assert 'style=' not in mdtext.figure_md("figures/x", "alt", "caption")


def test_training_label_names_width_input_data_samples_and_classes():
    # Oracle: the run recorded with the package (its config, written by `archlens train`).
    from archlens.site.results import RECORDED, recorded_run
    from archlens.site.runlabel import label
    raw = json.loads((RECORDED / "vgg16" / "metrics.json").read_text())
    assert raw["config"]["width"] == 0.125 and raw["config"]["input"] == [3, 32, 32]
    text = label(recorded_run("vgg16")["setup"])
    assert "width-1/8 copy" in text and "at input 3x32x32" in text and "generated data" in text
    assert f"{raw['config']['data']['n_train']:,} training and {raw['config']['data']['n_val']:,} validation" in text
    assert "3 classes (circle, square, triangle)" in text
    det = label(recorded_run("rcnn_alexnet")["setup"])
    assert "4 classes (background, circle, square, triangle)" in det and "width-1/4" in det


def test_training_section_labels_the_numbers_and_folds_the_developer_text(tmp_path):
    from pathlib import Path
    from archlens.site.results import training
    from archlens.site.spec_page import PageData, training_section
    spec = load_spec("vgg16")
    d = PageData(spec, profile(spec), "vgg16", tmp_path, training=training(spec, Path(tmp_path)))
    text = training_section(d)
    table = text.index("| final metric")
    assert "width-1/8 copy" in text[:table] and "not\nthe paper's" not in text
    assert "not the paper's results" in " ".join(text[:table].split())
    fold = text.index('??? note "Reproduce"')
    assert "make site reads this file" in text[fold:] and "make site" not in text[:fold]
    assert "archlens/specs/recorded" not in text[:fold]


def test_sppnet_page_says_the_fc_layers_do_most_of_the_macs():
    # by hand (sppnet_zf5, 6/3/2/1 pyramid on 256 channels = 12,800 features): per region
    # fc6 12,800 * 4,096 + fc7 4,096 * 4,096 = 69,206,016 MACs; x 2,000 = 138.41 GMAC per image
    from archlens.detection.profile_stages import profile_stages
    from archlens.site.detection_page import _balance
    p = profile_stages(load_spec("sppnet_zf5"))
    assert p.stage("fc").macs == 12_800 * 4_096 + 4_096 * 4_096
    text = _balance(p)
    assert "138.41 GMAC per image" in text and "15.39 GMAC for the shared" in text
    assert "cheap in time on a GPU" in text
    assert _balance(profile_stages(load_spec("rcnn_zf5"))) == ""


def test_fcn8s_explains_its_two_fc6_shapes():
    # by hand, 3x375x500: VGG pools floor 375 -> 187, 93, 46, 23, 11 and 500 -> 250, 125, 62, 31, 15,
    # so fc6 (7x7) is 5x9; padded by 100 conv1_1 gives 573x698, ceil pools 287, 144, 72, 36, 18
    # and 349, 175, 88, 44, 22, so fc6 is 12x16
    from archlens.site.fcn_page import _why_shapes_differ, classifier_of
    from archlens.transforms.convolutionalize import convolutionalize

    class Page:
        spec = load_spec("fcn8s")
        profile = profile(spec)
    classifier = classifier_of(Page.spec)
    text = _why_shapes_differ(Page, classifier, convolutionalize(classifier)[0], (3, 375, 500))
    assert "fc6 gives 4096x5x9" in text and "fc6 at 4096x12x16" in text
    assert "padding 1 → 100" in text and "64x573x698" in text and "by 100 pixels" in text


@pytest.mark.parametrize("name, input_text, depth_text", [
    ("linear_regression", "1 (features, batch excluded)", "1 weighted layer (1 layer in all)"),
    ("vgg16", "3x224x224 (channels x height x width, batch excluded)", "16 weighted layers (")])
def test_header_says_what_the_input_axes_are_and_counts_in_the_plural_only_when_plural(tmp_path, name,
                                                                                      input_text, depth_text):
    from archlens.site.spec_page import PageData, header
    spec = load_spec(name)
    text = header(PageData(spec, profile(spec), name, tmp_path))
    assert input_text in text and depth_text in text


def test_404_links_work_from_file_and_no_empty_sitemap_is_left(tmp_path):
    from archlens.site.plugin import finish_site
    page = ('<link href="/assets/main.css"><script src="/generated/a.js"></script>'
            '<a href="/generated/models/vgg16.html">v</a><a href="//cdn.example/x">c</a>'
            '<script id="__config">{"base": "/", "x": 1}</script>')
    for folder, url in (("unknown", None), ("known", "https://example.org/course/")):
        site = tmp_path / folder
        site.mkdir()
        (site / "404.html").write_text(page)
        (site / "sitemap.xml").write_text("<urlset></urlset>")
        finish_site(site, url)
    fixed = (tmp_path / "unknown" / "404.html").read_text()
    assert fixed == ('<link href="assets/main.css"><script src="generated/a.js"></script>'
                     '<a href="generated/models/vgg16.html">v</a><a href="//cdn.example/x">c</a>'
                     '<script id="__config">{"base": ".", "x": 1}</script>')
    assert not (tmp_path / "unknown" / "sitemap.xml").exists()
    assert (tmp_path / "known" / "404.html").read_text() == page    # MkDocs knows the URLs there
    assert (tmp_path / "known" / "sitemap.xml").exists()


def test_stacked_3x3_legend_swatches_have_the_colours_drawn_in_the_grid():
    # Oracle: the rendered pixels. Each ring's cell (left of the centre) must show the colour of
    # its legend swatch; overlapping translucent squares drew blends the legend never showed.
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from archlens.site.figures import LIGHT
    from archlens.site.plots_networks import stacked_rf
    fig = stacked_rf(LIGHT)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    pixels = np.asarray(canvas.buffer_rgba())[..., :3].astype(int)
    height = pixels.shape[0]
    ax, legend = fig.axes[0], fig.axes[0].get_legend()

    def colour_at(x, y):
        return pixels[height - 1 - int(round(y)), int(round(x))]

    swatches = {}
    for text, handle in zip(legend.get_texts(), legend.legend_handles):
        box = handle.get_window_extent(canvas.get_renderer())
        swatches[text.get_text()] = colour_at((box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2)
    for layers, column in ((3, 0.5), (2, 1.5), (1, 2.5)):
        drawn = colour_at(*ax.transData.transform((column + 0.25, 3.75)))
        side = 1 + 2 * layers
        swatch = swatches[f"{layers} layer{'s' if layers > 1 else ''}: {side}×{side}"]
        assert np.abs(drawn - swatch).max() <= 3, (layers, drawn, swatch)
