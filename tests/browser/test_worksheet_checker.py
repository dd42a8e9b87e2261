"""The in-page checker, in headless Chromium, gives the Python checker's verdicts and diagnoses."""
from urllib.parse import urlparse

import pytest

from archlens.teach.answers import read_answers
from archlens.teach.checker import check
from archlens.core.profile import profile
from archlens.render.worksheet_pages import checker_fragment, worksheet_html

pytestmark = pytest.mark.slow  # uses the session `browser` fixture of tests/browser/conftest.py

# (layer, field, typed text); conv1_1 and pool1 are worked examples (no input) on the page
ANSWERS = [
    ("conv1_2", "params", "640"),            # forgot C_in: 3*3*64 + 64
    ("conv1_2", "macs", "36,864"),           # the weight count: forgot H_out*W_out
    ("conv1_2", "rf", "5"),                  # right
    ("conv2_1", "rf", "8"),                  # jump left out (10 is right)
    ("conv2_1", "out_shape", "128x112x112"),  # right
    ("conv2_2", "params", "147584"),         # right: 3*3*128*128 + 128
    ("fc7", "params", "16777216"),           # forgot the bias: 4096*4096
    ("fc7", "macs", "999"),                  # wrong, no known mistake
    ("pool2", "out_shape", "[128, 57, 57]"),  # one too large
]


def _guard(route):
    url = urlparse(route.request.url)
    if url.scheme in ("file", "data", "blob") or url.hostname in ("127.0.0.1", "localhost"):
        route.continue_()
    else:
        BLOCKED.append(route.request.url)
        route.abort()


BLOCKED: list = []


def _python_verdicts(p, tmp_path):
    csv = tmp_path / "answers.csv"
    csv.write_text("layer,field,value\n" + "".join(f'{l},{f},"{t}"\n' for l, f, t in ANSWERS))
    return {(v.layer, v.field): v for v in check(p, read_answers(csv, p)).verdicts}


def _page_html(kind, p):
    if kind == "standalone":
        return worksheet_html(p)
    return f"<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>{checker_fragment(p)}</body></html>"


@pytest.mark.parametrize("kind", ["standalone", "fragment"])
def test_browser_matches_python(kind, browser, tmp_path):
    p = profile("vgg16")
    expected = _python_verdicts(p, tmp_path)
    page_path = tmp_path / "worksheet.html"
    page_path.write_text(_page_html(kind, p), encoding="utf-8")
    page = browser.new_page()
    page.route("**/*", _guard)
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(page_path.as_uri())
    for layer, field, text in ANSWERS:
        page.click(f'input[data-layer="{layer}"][data-field="{field}"]')
        page.keyboard.type(text)
    page.fill('input[data-layer="conv3_1"][data-field="params"]', "abc")
    page.click(".al-check >> nth=0")
    for layer, field, _ in ANSWERS:
        out = page.locator(f'[data-verdict="{layer}.{field}"]')
        v = expected[(layer, field)]
        assert out.locator(".al-mark").inner_text() == v.mark
        diagnosis = out.locator(".al-diagnosis")
        assert (diagnosis.inner_text() if diagnosis.count() else "") == v.diagnosis
    unreadable = page.locator('[data-verdict="conv3_1.params"]').inner_text()
    assert "non-negative integer" in unreadable and "'abc'" in unreadable
    assert page.locator(".al-summary").first.inner_text() == \
        f"{sum(v.ok for v in expected.values())} of {len(ANSWERS)} answered fields right, " \
        f"{sum(not v.ok for v in expected.values())} wrong, 1 unreadable."
    assert sum(1 for v in expected.values() if v.diagnosis) == 5   # the oracle itself names five
    assert errors == [] and BLOCKED == []
    page.close()


# Lines of issue 17 typed on the FCN-8s page (3x375x500, conv1_1 padded by 100: conv1_x maps
# 573x698): (layer, field, typed text, every slip the page must name), worked by hand.
ISSUE_LINES = [
    ("conv1_2", "macs", f"{573 * 698 * 64 * 64 * 9 + 573 * 698 * 64:,}", ["macs_with_bias_adds"]),
    ("relu1_2", "macs", str(64 * 573 * 698), ["ops_counted_as_macs"]),
    ("conv2_1", "params", "147,584", ["cout_for_cin"]),             # 3*3*128*128 + 128
    ("conv2_1", "rf", "8", ["rf_without_jump", "rf_jump_left_out_here"]),  # both give 6 + 2*1
    ("score_fr", "params", "774,165", ["kernel_3x3_not_1x1"]),      # 3*3*4096*21 + 21
    ("upscore_pool4", "params", "7,077", ["bias_added"]),           # 4*4*21*21 + 21, no bias
    ("upscore_pool4", "out_shape", "21x52x68", ["deconv_times_stride"]),  # 26*2, 34*2
    ("score_pool3c", "out_shape", "21x72x88", ["crop_kept_input_size"]),
]


def test_fcn8s_page_names_the_issue_slips(browser, tmp_path):
    from archlens.teach.mistakes import RULES
    p = profile("fcn8s")
    csv = tmp_path / "answers.csv"
    csv.write_text("layer,field,value\n" + "".join(f'{l},{f},"{t}"\n' for l, f, t, _ in ISSUE_LINES))
    expected = {(v.layer, v.field): v for v in check(p, read_answers(csv, p)).verdicts}
    page_path = tmp_path / "fcn8s.html"
    page_path.write_text(worksheet_html(p), encoding="utf-8")
    page = browser.new_page()
    page.route("**/*", _guard)
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(page_path.as_uri())
    # one call enters every answer (each fill or keystroke relayouts this long MathML page)
    page.evaluate("""lines => lines.forEach(([layer, field, text]) => {
        const input = document.querySelector(`input[data-layer="${layer}"][data-field="${field}"]`);
        input.value = text; input.dispatchEvent(new Event('input', {bubbles: true})); })""",
                  [[layer, field, text] for layer, field, text, _ in ISSUE_LINES])
    page.click(".al-check >> nth=0")
    shown_all = page.evaluate("""() => Object.fromEntries([...document.querySelectorAll(
        '[data-verdict]')].filter(e => e.querySelector('.al-mark')).map(e => [e.dataset.verdict,
        [e.querySelector('.al-mark').textContent,
         (e.querySelector('.al-diagnosis') || {}).textContent || '']]))""")
    sentences = {r.name: r.sentence for r in RULES}
    assert len(shown_all) == len(ISSUE_LINES)
    for layer, field, _, rules in ISSUE_LINES:
        mark, shown = shown_all[f"{layer}.{field}"]
        assert mark == "✗" and shown == expected[(layer, field)].diagnosis
        assert {name for name, s in sentences.items() if s in shown} == set(rules), (layer, field)
    assert errors == [] and BLOCKED == []
    page.close()
