"""Previews, the catalog page (checked in a real headless Chromium), and watch mode."""

import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from queue import Empty, Queue
from html.parser import HTMLParser

import pytest
from PIL import Image
from pypdf import PdfReader

from helpers import (DOCUMENTS, PROJECT, chromium, edit, editions_of, keep_regions,
                     needs_chromium, run_cli)



@pytest.fixture
def catalog(printed):
    """A full build with print-shop editions for some regions, so both kinds of link exist."""
    return printed


def every_edition_and_document():
    return {f"{e.key}/{d}" for e in editions_of() for d in DOCUMENTS}


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs, self.images, self.editions = [], [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a":
            self.hrefs.append(attrs["href"])
        if tag == "img":
            self.images.append(attrs)
        if "data-edition" in attrs:
            self.editions.append(attrs["data-edition"])


def test_every_page_of_every_pdf_has_a_thumbnail(catalog):
    for pdf in catalog.rglob("*.pdf"):
        pages = len(PdfReader(pdf).pages)
        thumbnails = sorted(pdf.parent.glob(f"{pdf.stem}-page*.png"))
        assert len(thumbnails) == pages, pdf
        width, height = Image.open(thumbnails[0]).size
        assert 355 <= width <= 365 and height > 100


def test_thumbnails_are_redrawn_only_when_their_pdf_changed(catalog, content, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(catalog, out)
    first = run_cli("preview", "--out", out)
    assert "Every page image is up to date" in first.output
    thumbnail = out / "nz/en-NZ/brochure-page1.png"
    before = thumbnail.stat().st_mtime_ns
    untouched = (out / "au/en-AU/brochure-page1.png").stat().st_mtime_ns
    # The PDF changes when it is rebuilt from other content.
    edit(content / "regions/nz.yaml", 'en: "Free."', 'en: "Free, day and night."')
    rebuilt = run_cli("build", "--region", "nz", "--jobs", "1", "--content", content, "--out", out)
    assert rebuilt.exit_code == 0
    assert thumbnail.stat().st_mtime_ns != before
    assert (out / "au/en-AU/brochure-page1.png").stat().st_mtime_ns == untouched
    again = run_cli("preview", "--out", out, "--content", content)
    assert "Every page image is up to date" in again.output


def test_catalog_lists_every_edition_with_working_relative_links(catalog):
    html = (catalog / "index.html").read_text()
    parser = Links()
    parser.feed(html)
    assert set(parser.editions) == every_edition_and_document()
    for href in parser.hrefs:
        if href.startswith("#") or re.match(r"^(tel|sms|https):", href):
            continue  # the crisis lines' own links, to call, text or open
        assert not re.match(r"^[a-z]+:", href), href  # relative: works from disk
        assert (catalog / href).is_file(), href
    assert "gb/en-GB/brochure-print.pdf" in parser.hrefs
    assert all(img["alt"].startswith("Page ") and (catalog / img["src"]).is_file()
               for img in parser.images)
    # Nothing from elsewhere: no scripts, fonts, styles or images from a network.
    assert not re.search(r"<script|<link|@import|url\(|src=\"https?://", html)
    # Each region's crisis block is the same one the handouts print.
    assert 'href="tel:988"' in html and "Samaritans" in html
    assert '<meta name="viewport"' in html and '<html lang="en">' in html


@pytest.mark.slow
@needs_chromium
def test_catalog_in_a_real_browser(catalog, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.wait import WebDriverWait

    driver = chromium(tmp_path / "profile", window="420,900")
    try:
        driver.get((catalog / "index.html").as_uri())
        assert driver.title == "IOP handouts: every edition"
        shown = {e.get_attribute("data-edition")
                 for e in driver.find_elements(By.CSS_SELECTOR, "[data-edition]")}
        assert shown == every_edition_and_document()
        images = driver.find_elements(By.CSS_SELECTOR, ".pages img")
        assert images and all(driver.execute_script(
            "return arguments[0].complete && arguments[0].naturalWidth > 0", img) for img in images)
        # Readable on a phone: nothing wider than the window.
        assert driver.execute_script(
            "return document.documentElement.scrollWidth <= window.innerWidth + 1")
        shot = tmp_path / "catalog.png"
        driver.save_screenshot(str(shot))
        colours = Image.open(shot).convert("L").getextrema()
        assert colours[1] - colours[0] > 100  # not a blank page
        # Follow a link to a PDF: the browser reaches the file.
        link = driver.find_element(By.CSS_SELECTOR, '[data-edition="us/en-US/brochure"] a.office')
        target = link.get_attribute("href")
        link.click()
        WebDriverWait(driver, 30).until(lambda d: d.current_url == target)
        assert target.endswith("us/en-US/brochure.pdf")
    finally:
        driver.quit()


@pytest.mark.slow
def test_watch_rebuilds_what_changed_and_stops_cleanly(content, tmp_path):
    keep_regions(content, "nz", "au")
    out = tmp_path / "out"
    assert run_cli("build", "--jobs", "1", "--content", content, "--out", out).exit_code == 0
    watcher = subprocess.Popen(
        [sys.executable, "generate.py", "watch", "--content", str(content), "--out", str(out),
         "--jobs", "1"],
        cwd=PROJECT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        # Ctrl-C as at a terminal: a test run started in the background (as `make test &`
        # or a CI runner may do) ignores SIGINT, and a child would inherit that.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    lines, queue = [], Queue()
    threading.Thread(target=lambda: [queue.put(line) for line in watcher.stdout],
                     daemon=True).start()

    def read_until(pattern, seconds=60):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                line = queue.get(timeout=0.5)
            except Empty:
                continue
            lines.append(line)
            if re.search(pattern, line):
                return line
        raise AssertionError(f"no {pattern!r} in:\n{''.join(lines)}")

    try:
        read_until(r"^Watching ")
        before = (out / "nz/en-NZ/brochure.pdf").read_bytes()
        path = content / "regions/nz.yaml"
        edit(path, 'en: "Free."', 'en: "Free, any time."')
        read_until(r"^built\s+nz/en-NZ/brochure.pdf")
        read_until(r"^Watching for changes")
        assert (out / "nz/en-NZ/brochure.pdf").read_bytes() != before
        # A content error is reported and the watcher keeps going.
        edit(path, "paper: a4", "paper: legal")
        read_until(r"Error: .*nz.yaml.*paper")
        read_until(r"^Watching for changes")
        assert watcher.poll() is None
    finally:
        watcher.send_signal(signal.SIGINT)
        watcher.wait(timeout=30)
    read_until("Stopped watching.", seconds=10)
    assert watcher.returncode == 0
