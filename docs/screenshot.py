"""Refresh docs/overview.png from a running dashboard (``make demo`` in another shell).

Uses Debian's /usr/bin/chromium through Playwright; never downloads a browser.
Usage: .venv/bin/python docs/screenshot.py [URL] [OUT]
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def main(url: str = "http://localhost:8501", out: str = "docs/overview.png") -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1350})
        page.goto(url)
        page.wait_for_selector('[data-testid="stMetric"]', timeout=60_000)
        page.wait_for_selector(".js-plotly-plot", timeout=60_000)
        page.wait_for_timeout(1500)  # let the chart finish drawing
        page.screenshot(path=out, full_page=True)
        browser.close()
    print(f"saved {Path(out).resolve()}")


if __name__ == "__main__":
    main(*sys.argv[1:])
