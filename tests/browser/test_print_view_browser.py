"""The worksheet's print view: on the vgg16 page only the worksheet prints, expanded, and the
CLI's PDF of the standalone sheet is a handout-sized A4 document."""
import os
import subprocess
import sys

import pytest

from archlens.render.print_view import pdf_pages
from site_harness import REPO

pytestmark = pytest.mark.slow  # uses the session-built site of tests/browser/conftest.py

WHOLE_PAGE_A4 = 52   # vgg16's model page printed as it was (issue 18), the worksheet folded


def test_vgg16_page_prints_the_worksheet_alone(site_dir, tab_factory):
    tab = tab_factory(fresh=True)       # print media stays on the tab: not one to lend on
    pg = tab.page
    pg.goto((site_dir / "generated/models/vgg16.html").as_uri(), wait_until="load")
    assert pg.evaluate("window.archlensPrintWorksheet()") is True
    pg.emulate_media(media="print")
    assert pg.locator("details.question.al-print-keep").is_visible()
    assert pg.locator("details.question.al-print-keep").evaluate("d => d.open")
    sheet = pg.locator("details.question.al-print-keep")
    assert sheet.get_by_text("conv5_3 (conv)").first.is_visible()   # the last conv, expanded
    for hidden in ("#layers", "#cross-check-against-torch-torchinfo-and-fvcore",
                   "details.success", ".archlens-checker", ".md-sidebar--primary"):
        assert not pg.locator(hidden).first.is_visible(), hidden
    pages = pdf_pages(pg.pdf(format="A4"))
    print(f"vgg16 worksheet print view: {pages} A4 pages")
    assert 1 < pages < WHOLE_PAGE_A4 // 2
    assert tab.errors == [] and tab.external == []


def test_cli_pdf_is_a4_and_shorter_than_the_page(tmp_path):
    # a process of its own: the session's browser fixture already holds Playwright's sync API
    run = subprocess.run([sys.executable, "-m", "archlens", "worksheet", "vgg11", "--format", "pdf"],
                         capture_output=True, cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert run.returncode == 0, run.stderr.decode()
    pdf = run.stdout
    assert pdf.startswith(b"%PDF-") and b"/MediaBox [0 0 595" in pdf   # A4: 595 x 842 pt
    assert 1 <= pdf_pages(pdf) < WHOLE_PAGE_A4 // 2
    assert f"a PDF of {pdf_pages(pdf)} A4 pages" in run.stderr.decode()
