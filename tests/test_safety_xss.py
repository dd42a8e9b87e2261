"""Spec text never becomes a live link, an event handler or markup on any page (issue 13, item 5).

The pages are rendered from a hostile spec and converted with python-markdown and the exact
extensions of the base MkDocs config (what `mkdocs build` runs); the built-site check is in
test_site_pages.py and tests/browser/test_site_browser.py.
"""
from pathlib import Path

import markdown
import pytest
import yaml

from archlens.core.profile import profile
from archlens.render.formats import to_markdown
from archlens.site.mdtext import text   # = archlens.render.mdsafe.text, the one helper
from archlens.render.worksheet_pages import worksheet_markdown
from archlens.spec.load import load_spec
from archlens_testing import script_urls

HOSTILE = {
    "link": "[x](javascript:alert(1))",
    "html": '<a href="javascript:alert(2)">y</a>',
    "autolink": "<javascript:alert(3)>",
    "image": "![i](javascript:alert(4))",
    "reference": "[r][1]\n\n[1]: javascript:alert(5)",
    "attr_list": 'heading { onclick="alert(6)" }',
    "case": "[m](JaVaScRiPt:alert(7))",
    "entity": "[e](&#106;avascript:alert(8))",
    "nested": "[[z](javascript:alert(9))](javascript:alert(10))",
    "angle": "[w](<javascript:alert(11)>)",
    "svg": '<svg><a xlink:href="javascript:alert(12)"><text>t</text></a></svg>',
    "handler": '<img src=x onerror="alert(13)">',
}
EVIL = " ".join(HOSTILE.values())


def _mkdocs_markdown():
    """python-markdown configured as every archlens site's base config configures it."""
    from archlens.site.build import BASE_CONFIG
    config = yaml.safe_load(BASE_CONFIG.read_text())
    names, configs = [], {}
    for ext in config["markdown_extensions"]:
        name, options = next(iter(ext.items())) if isinstance(ext, dict) else (ext, None)
        names.append(name)
        if options:
            configs[name] = options
    return lambda md: markdown.markdown(md, extensions=names, extension_configs=configs)


to_html = _mkdocs_markdown()


@pytest.fixture(scope="module")
def evil_profile(tmp_path_factory):
    folder = tmp_path_factory.mktemp("evil")
    doc = {"name": "evil_page", "title": EVIL, "description": EVIL, "source": EVIL,
           "notes": "\n\n".join(HOSTILE.values()), "task": "classification", "input": [1, 6, 6],
           "num_classes": 2,
           "layers": [{"name": "conv1", "kind": "conv", "out_channels": 2, "kernel_size": 3},
                      {"name": "pool1", "kind": "maxpool", "kernel_size": 2},
                      {"name": "flat", "kind": "flatten"},
                      {"name": "fc", "kind": "linear", "out_features": "num_classes"}]}
    path = folder / "evil_page.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return profile(load_spec(path)), folder


@pytest.mark.parametrize("case", HOSTILE)
def test_the_escaping_helper_leaves_no_live_markup(case):
    for md in (text(HOSTILE[case]), f"# {text(HOSTILE[case])}", f"| a |\n|---|\n| {text(HOSTILE[case])} |"):
        html = to_html(md)
        links = html.count("<a ") - html.count('<a class="headerlink"')   # toc permalinks only
        assert script_urls(html) == [] and links == 0 and "<img" not in html, html
        assert "<svg" not in html


def _pages(p, folder: Path) -> dict[str, str]:
    from archlens.site.index import home_page, models_page
    from archlens.site.spec_page import PageData, render_page
    models = folder / "docs" / "generated" / "models"
    page = render_page(PageData(p.spec, p, "evil_page", models, cache_dir=folder / "cache"))
    index, _ = models_page([(p, "evil_page.md")], models)
    return {"spec page": page, "model index": index,
            "home": home_page([(p, "generated/models/evil_page.md")], "m.md", "c.md"),
            "worksheet": worksheet_markdown(p), "answers": worksheet_markdown(p, answers=True),
            "profile --format markdown": to_markdown(p)}


def test_no_page_built_from_a_hostile_spec_has_a_script_url(evil_profile):
    p, folder = evil_profile
    for what, md in _pages(p, folder).items():
        html = to_html(md)
        assert script_urls(html) == [], what
        assert "alert(" not in "".join(_attribute_values(html)), what
        assert "<svg><a" not in html and "<img src=x" not in html, what


def test_the_hostile_text_is_still_shown_as_text(evil_profile):
    from html import unescape
    p, folder = evil_profile
    html = to_html(_pages(p, folder)["spec page"])
    assert "[x](javascript:alert(1))" in unescape(html)


def _attribute_values(html: str) -> list[str]:
    from html.parser import HTMLParser
    values: list[str] = []

    class Scan(HTMLParser):
        def handle_starttag(self, tag, attrs):
            values.extend(v or "" for _, v in attrs)
    Scan().feed(html)
    return values
