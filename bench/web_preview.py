#!/usr/bin/env python3
"""Benchmark the staff web app's live preview: from an edit saved in the form to every page
image of the updated preview received, with the preview workers warm (as `serve` keeps
them). Run alone or from bench/run.py (`make bench`).

    .venv/bin/python bench/web_preview.py --edits 9
"""

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

TARGET_SECONDS = 1.5
LOCAL = "http://127.0.0.1:8765"
CLINIC = {"name": "Cedar Valley Health", "address": "100 Main Street\nAustin, TX 78701",
          "phone": "(512) 555-0100", "country": "US", "state": "TX",
          "hours": "Mon-Fri 8 am to 6 pm", "website": "cedarvalley.example.org"}


def edit_to_preview_seconds(edits: int = 9) -> list[float]:
    """Seconds from each edit (a new phone number) to its preview's images, one per edit."""
    from iop_handouts.live_preview import Previewer
    from iop_handouts.web import create_app

    with tempfile.TemporaryDirectory() as folder:
        previewer = Previewer(Path(folder))
        try:
            app = create_app(Path(folder), previewer=previewer)
            app.config["WTF_CSRF_ENABLED"] = False
            client = app.test_client()
            setup = client.post("/setup", base_url=LOCAL, data=CLINIC)
            page_url = setup.location
            client.get(page_url, base_url=LOCAL)       # the first preview warms the workers
            times = []
            for number in range(edits):
                edit = {**CLINIC, "languages": ["en-US", "es-US"],
                        "phone": f"(512) 555-01{10 + number:02d}"}
                started = time.perf_counter()
                saved = client.post(page_url, base_url=LOCAL, data=edit)
                page = client.get(saved.location, base_url=LOCAL)
                images = re.findall(r'<img src="([^"]+)"', page.text)
                for image in images:
                    assert client.get(image.replace("&amp;", "&"), base_url=LOCAL).status_code == 200
                times.append(time.perf_counter() - started)
                assert len(images) == 3, page.text
            return times
        finally:
            previewer.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=9)
    args = parser.parse_args()
    times = edit_to_preview_seconds(args.edits)
    median = statistics.median(times)
    print(f"edit to updated preview: median {median:.2f} s of {len(times)} edits "
          f"(min {min(times):.2f}, max {max(times):.2f}); target <= {TARGET_SECONDS} s: "
          f"{'met' if median <= TARGET_SECONDS else 'MISSED'}")


if __name__ == "__main__":
    main()
