"""The worksheet's print view: a model page button that prints the worksheet alone, expanded,
and the worksheet as PDF through headless Chromium (``worksheet_pdf``)."""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from archlens.errors import ArchlensError

HERE = Path(__file__).resolve().parent
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]


def _static(name: str) -> str:
    return (HERE / "static" / name).read_text(encoding="utf-8")


def print_button_html() -> str:
    """The button (one HTML block with no blank lines) for the worksheet section of a page."""
    return (f'<div class="al-print-bar"><style>{_static("print-worksheet.css")}</style>'
            '<button type="button" class="al-print md-button">Print the worksheet</button> '
            "(only the worksheet, expanded, without the answers)"
            f"<script>{_static('print-worksheet.js')}</script></div>\n")


def chromium_path() -> str | None:
    """The Chromium to drive: $ARCHLENS_CHROMIUM, else chromium on PATH, else None."""
    found = os.environ.get("ARCHLENS_CHROMIUM") or shutil.which("chromium") or \
        shutil.which("chromium-browser")
    return found if found and Path(found).exists() else None


def html_to_pdf(html: str) -> bytes:
    """Print a standalone page to A4 PDF in headless Chromium (Playwright); every request that
    is not file:/data: is refused, so the PDF needs no network."""
    browser = chromium_path()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        browser = None
    if browser is None:
        raise ArchlensError("--format pdf needs Chromium and the Python package playwright "
                            "(none found); use --format html and print it from a browser")
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        page_file = Path(tmp) / "worksheet.html"
        page_file.write_text(html, encoding="utf-8")
        chromium = pw.chromium.launch(executable_path=browser, args=CHROMIUM_ARGS)
        try:
            page = chromium.new_page()
            page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:"))
                       else r.abort())
            page.goto(page_file.as_uri(), wait_until="load")
            return page.pdf(format="A4", print_background=False)
        finally:
            chromium.close()


def pdf_pages(pdf: bytes) -> int:
    """Pages of a PDF (its /Type /Page objects), for the report line and the tests."""
    import re
    return len(re.findall(rb"/Type\s*/Page(?![a-z])", pdf))


def write_pdf(html: str) -> int:
    """The CLI's --format pdf: the PDF to stdout (never to a terminal), its page count to stderr."""
    import sys
    if sys.stdout.isatty():
        raise ArchlensError("--format pdf writes binary PDF to stdout: redirect it, e.g. > sheet.pdf")
    pdf = html_to_pdf(html)
    sys.stdout.buffer.write(pdf)
    sys.stdout.flush()
    print(f"archlens: wrote a PDF of {pdf_pages(pdf)} A4 pages", file=sys.stderr)
    return 0
