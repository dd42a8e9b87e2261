"""The exercise page in Chromium: hashed marking equals `archlens check`, answers survive a
reload (localStorage) and download as an answers.yaml the Python checker reads."""
import pytest

from archlens.core.profile import profile
from archlens.render.exercise import exercise_html
from archlens.teach.answers import read_answers
from archlens.teach.checker import check

pytestmark = pytest.mark.slow  # uses the session `browser` fixture of tests/browser/conftest.py

TYPED = [("conv1_1", "params", "1792"),         # 3*3*3*64 + 64: right (by hand)
         ("conv1_2", "params", "36864"),        # forgot the bias (3*3*64*64)
         ("conv1_2", "out_shape", "64x224x224"),  # right
         ("pool5", "rf", "212"),                # right (VGG-16's published 212)
         ("fc7", "macs", "999")]                # wrong, no known mistake


def test_exercise_page_marks_stores_and_exports(browser, tmp_path):
    p = profile("vgg16")
    page_path = tmp_path / "exercise.html"
    page_path.write_text(exercise_html(p), encoding="utf-8")
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(page_path.as_uri())
    for layer, field, text in TYPED:
        page.fill(f'input[data-layer="{layer}"][data-field="{field}"]', text)
    page.click(".al-check >> nth=0")
    page.wait_for_function("document.querySelector('.al-summary').textContent.length > 0")
    marks = {(l, f): page.locator(f'[data-verdict="{l}.{f}"] .al-mark').inner_text() for l, f, _ in TYPED}
    assert marks == {("conv1_1", "params"): "✓", ("conv1_2", "params"): "✗",
                     ("conv1_2", "out_shape"): "✓", ("pool5", "rf"): "✓", ("fc7", "macs"): "✗"}
    assert "forgot the bias" in page.locator('[data-verdict="conv1_2.params"]').inner_text()
    page.reload()
    assert page.input_value('input[data-layer="pool5"][data-field="rf"]') == "212"
    with page.expect_download() as done:
        page.click(".al-export >> nth=0")
    saved = tmp_path / "answers.yaml"
    done.value.save_as(saved)
    report = check(p, read_answers(saved, p))
    assert {(v.layer, v.field): v.mark for v in report.verdicts} == marks
    assert errors == []
    context.close()
