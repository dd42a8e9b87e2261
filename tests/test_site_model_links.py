"""Issue 18's page items: the spec-format reference, each model page's YAML, the links both
ways between concept and model pages, and the exercise-mode page with its toggle."""
import dataclasses
import html
import re

import markdown
import pytest
import yaml

from archlens.core.kinds import KINDS
from archlens.core.profile import profile
from archlens.site.concept_uses import USES, concept_rows, model_uses, models_section
from archlens.site.spec_format import EXAMPLE, TOP_MEANING, spec_format_page
from archlens.site.spec_page import PageData
from archlens.spec.load import TOP_KEYS, load_spec, spec_from_dict


@pytest.fixture(scope="module")
def format_page():
    return spec_format_page()


def _kind_section(page: str, name: str) -> str:
    start = page.index(f"### `{name}` {{ #kind-")
    end = page.find("\n### ", start + 1)
    return page[start:] if end < 0 else page[start:end]


def test_spec_format_lists_every_registered_kind_with_every_argument(format_page):
    for name, kind in KINDS.items():
        section = _kind_section(format_page, name)
        for f in dataclasses.fields(kind.Args):      # the record itself is the oracle
            assert f"| `{f.name}` |" in section, (name, f.name)
        assert f"[`{name}`](#kind-{name.replace('_', '-')})" in format_page
    assert "kernal_sizee" not in format_page          # a made-up argument is not invented
    conv = _kind_section(format_page, "conv")          # torch.nn.Conv2d's signature, by hand
    assert "| `out_channels` | required |" in conv and "| `groups` | 1 |" in conv
    assert "| `stride` | &#91;1, 1&#93; |" in conv and "| `kernal_size` |" not in conv


def test_spec_format_states_each_kinds_receptive_field_rule(format_page):
    from archlens.site.kind_reference import POINTWISE_RF, rf_rule
    for name, kind in KINDS.items():
        assert rf_rule(kind), f"kind {name} computes a field but states no rule"
    assert rf_rule(KINDS["relu"]) == POINTWISE_RF
    assert "r&#39; = r &#43; (k−1)·d·j" in format_page      # conv's window rule, as printed


def test_spec_format_describes_exactly_the_loaders_top_level_keys(format_page):
    assert set(TOP_MEANING) == set(TOP_KEYS)
    table = format_page[format_page.index("## Top-level keys"):format_page.index("## Layers")]
    assert [re.match(r"\| `(\w+)`", row).group(1) for row in table.splitlines()
            if row.startswith("| `")] == list(TOP_KEYS)


def test_spec_format_example_loads_and_counts_as_by_hand():
    p = profile(spec_from_dict(yaml.safe_load(EXAMPLE)))
    # conv1 3*3*3*16 + 16 = 448; fc (16*16*16 -> 10) 4096*10 + 10 = 40,970
    assert p.totals.params == 448 + 40_970


def _md_html(text: str) -> str:
    return markdown.markdown(text, extensions=["admonition", "pymdownx.details",
                                               "pymdownx.superfences", "attr_list", "md_in_html"])


def test_model_page_shows_the_users_yaml_verbatim_and_inert(tmp_path):
    from archlens.site.spec_source import spec_yaml_section
    text = ("# a comment with ```` fences, <script>alert(1)</script> and $x$\n"
            "name: mine\ninput: [3, 8, 8]\nlayers:\n\n"
            "  - {name: c, kind: conv, out_channels: 2, kernel_size: 3}   # `tick`\n")
    path = tmp_path / "mine.yaml"
    path.write_text(text)
    s = load_spec(path)
    d = PageData(s, profile(s), "mine", tmp_path / "models")
    section = spec_yaml_section(d)
    assert "(../spec-format.md)" in section
    page = _md_html(section)
    code = re.search(r"<code[^>]*>(.*?)</code>", page, re.S).group(1)
    assert html.unescape(re.sub(r"<[^>]+>", "", code)) == text   # the file, byte for byte
    assert "<script>" not in code                                   # its own markup is text
    assert "<script>" not in page
    assert (tmp_path / "models" / "figures" / "mine" / "mine.yaml").read_text() == text
    assert "[Download mine.yaml](figures/mine/mine.yaml)" in section


def test_model_page_lists_the_concepts_its_layers_and_recipe_use():
    doc = {"name": "toy", "input": [3, 8, 8], "layers": [
        {"name": "c", "kind": "conv", "out_channels": 4, "kernel_size": 3},
        {"name": "f", "kind": "flatten"}, {"name": "d", "kind": "dropout"},
        {"name": "fc", "kind": "linear", "out_features": 2}]}
    assert set(concept_rows(spec_from_dict(doc))) == {"convolution", "neural-networks", "generalization"}
    fcn = concept_rows(load_spec("fcn32s"))             # deconv, crop, a segmentation task, a recipe
    assert {"segmentation", "convolution", "losses", "optimization"} <= set(fcn)
    assert any("upscore" in why for why in fcn["segmentation"])
    assert set(concept_rows(load_spec("sppnet_zf5"))) >= {"detection"}


def test_the_concept_table_names_real_kinds_traits_and_pages():
    from archlens.core.kinds.registry import Kind
    from archlens.site.concept_uses import CONCEPT_TEMPLATES, concept_title
    for use in USES:
        assert (CONCEPT_TEMPLATES / f"{use.concept}.md.j2").is_file()   # a page the site writes
        if use.by == "kind":
            assert use.key in KINDS
        if use.by == "trait":
            assert isinstance(getattr(Kind, use.key), bool)
    assert concept_title("segmentation") == "Semantic segmentation"


def test_concept_pages_link_only_to_the_sites_own_models_and_their_worksheets(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text("name: mine\ninput: [3, 8, 8]\nlayers:\n"
                    "  - {name: c, kind: conv, out_channels: 2, kernel_size: 3}\n")
    uses = model_uses([load_spec(path)])
    section = models_section("convolution", uses)
    assert "(../models/mine.md)" in section and "(../models/mine.md#worksheet)" in section
    assert "(../exercises/mine.md)" in section and "vgg" not in section
    assert models_section("detection", uses) == ""


def _numbers(text: str) -> set[str]:
    text = re.sub(r"<style>.*?</style>", "", text, flags=re.S)
    return set(re.findall(r"(?<![\w.])\d(?:[\dx,]*\d)?(?![\w.])", text))


def test_exercise_page_holds_no_answer_and_the_toggles_resolve(tmp_path):
    from archlens.site.worksheet_section import TO_EXERCISE, TO_WORKSHEET, exercise_page, worksheet_section
    p = profile("vgg11")
    models = tmp_path / "generated" / "models"
    d = PageData(p.spec, p, "vgg11", models)
    section = worksheet_section(d)
    exercise = (tmp_path / "generated" / "exercises" / "vgg11.md")
    assert exercise.read_text() == exercise_page(d) and exercise in d.written
    page = exercise.read_text()
    # the answers, from the profile itself (not the worksheet code that writes the page)
    given = {str(v) for layer in p.spec.layers for v in layer.raw.values()}
    answers = set()
    for lp in p.layers:
        answers |= {str(lp.params.total), f"{lp.params.total:,}", str(lp.macs.value),
                    f"{lp.macs.value:,}", "x".join(map(str, lp.out_shape))}
        if lp.rf is not None:
            answers.add(str(int(lp.rf.size[0])))
    answers = {a for a in answers if len(a) >= 3 and a not in given}
    assert {"1,792", "9,408", "211x7x7"} & answers == {"1,792"}   # conv1_1 3*3*3*64 + 64, by hand
    assert answers & _numbers(page) == set()
    assert answers & _numbers(section)                 # the worked sheet does show them
    assert 'class="al-hashed-key"' in page and 'class="al-key"' not in page   # no plain key
    # each toggle links to the other page, and the targets are where the build writes them
    assert f"[{TO_EXERCISE}](../exercises/vgg11.md)" in section
    assert f"[{TO_WORKSHEET}](../models/vgg11.md#worksheet)" in page
    assert (models / "../exercises/vgg11.md").resolve() == exercise.resolve()
    assert section.startswith("## Worksheet\n")        # Markdown's id for it: "worksheet"


def test_imported_resnet18_page_has_diagram_worksheet_and_the_imports_yaml(tmp_path):
    """Issue 15: `archlens site examples/resnet18.py:resnet18`: the import and the page sections
    it asks for (the charts, drawn with matplotlib for every page, are left out for time)."""
    from archlens.importers.api import write_import
    from archlens.site import spec_page as sp
    written, spec = write_import("examples/resnet18.py:resnet18", None)   # the YAML `import` writes
    d = PageData(spec, profile(spec), "resnet18", tmp_path / "models")
    parts = [sp.header, sp.concepts_section, sp.diagram, sp.worksheet_section,
             sp.spec_yaml_section, sp.usage]
    assert all(part in sp.SECTIONS for part in parts)
    page = "\n\n".join(part(d) for part in parts)
    svg = (d.fig_dir / "architecture-light.svg").read_text()
    assert "## Architecture" in page and "figures/resnet18/architecture-light.svg" in page
    assert svg.lstrip().startswith(("<svg", "<?xml")) and "layer4_1_add" in svg
    assert "## Worksheet" in page and 'class="al-key"' in page and "layer1_0_conv1" in page
    yaml_block = page[page.index("## Spec"):page.index("## Build it yourself")]
    body = re.search(r"(`{3,})yaml\n(.*?)\n    \1", yaml_block, re.S).group(2)
    assert "\n".join(line[4:] for line in body.splitlines()) == written.rstrip("\n")
    assert "opaque layers" not in page                 # every op of ResNet-18 has a kind
    assert (tmp_path / "exercises" / "resnet18.md").is_file()


def test_a_comment_edit_changes_the_page_key(tmp_path):
    from archlens.site.spec_source import source_key
    path = tmp_path / "mine.yaml"
    body = "name: mine\ninput: [3, 8, 8]\nlayers:\n  - {name: c, kind: conv, out_channels: 2, kernel_size: 3}\n"
    path.write_text(body)
    first = load_spec(path)
    before = source_key(first)
    path.write_text("# a new comment\n" + body)
    second = load_spec(path)
    assert second == first                      # the Spec cannot see a comment ...
    assert source_key(second) != before         # ... the page key does, so the page is redrawn
