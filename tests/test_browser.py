"""What a person sees: the real server in Debian's Chromium (never a downloaded browser).

Starts ``streamlit run dashboard/app.py`` on a free port against the hand-made store of
``test_dashboard_overview``, waits for the tiles and the chart, compares a tile with the
metrics module, and saves a full-page screenshot to ``test-artifacts/overview.png``.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from connectors.db import get_engine
from connectors.settings import Settings
from dashboard.formatting import fmt_value
from metrics.cube import load_cube
from metrics.overview import tiles
from tests.conftest import skip_or_fail
from tests.test_dashboard_overview import fill_store  # hand-made store (could go to conftest)

pytestmark = pytest.mark.browser

ROOT = Path(__file__).parents[1]

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
STARTUP_SECONDS = 60


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_healthy(url: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"streamlit exited with {server.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"streamlit did not answer within {STARTUP_SECONDS} s:\n{log.read_text()}")


@pytest.fixture
def handmade_store(tmp_path: Path) -> Settings:
    settings = Settings(
        data_dir=tmp_path,
        database_url=f"sqlite:///{tmp_path / 'store.db'}",
        pseudonymisation_key="test-key",
    )
    fill_store(settings)
    return settings


@pytest.fixture
def server(handmade_store: Settings, tmp_path: Path) -> Iterator[str]:
    if not CHROMIUM.exists():
        skip_or_fail("browser", "Debian chromium not installed at /usr/bin/chromium "
                     "(apt-get install chromium)")
    port = free_port()
    env = {
        **os.environ,
        "SERVICEPULS_DATABASE_URL": handmade_store.db_url,
        "SERVICEPULS_DATA_DIR": str(handmade_store.data_dir),
        "SERVICEPULS_LANGUAGE": "de",
    }
    log = tmp_path / "streamlit.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                "dashboard/app.py",
                "--server.port",
                str(port),
                "--server.address",
                "127.0.0.1",
                "--server.headless",
                "true",
                "--browser.gatherUsageStats",
                "false",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_healthy(url, proc, log)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def test_overview_in_chromium(server: str, handmade_store: Settings) -> None:
    from playwright import sync_api
    store = handmade_store
    expected = tiles(load_cube(get_engine(store)), min_n=store.min_n)
    take_up = fmt_value(expected[0].kpi, expected[0].value, expected[0].suppressed, store.min_n)

    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="de-DE")
            page.goto(server)
            metrics = page.locator('[data-testid="stMetric"]')
            metrics.first.wait_for(state="visible", timeout=30_000)
            page.locator(".js-plotly-plot").first.wait_for(state="visible", timeout=30_000)
            assert metrics.count() == 3
            assert page.locator('[data-testid="stException"]').count() == 0
            value = metrics.first.locator('[data-testid="stMetricValue"]').inner_text()
            assert value.strip() == take_up
            assert page.get_by_text("Kennzahlen für Okt 2026").is_visible()
            # German month labels on the chart's axis
            assert page.locator(".js-plotly-plot .xtick text", has_text="Okt 2026").count() == 1
            # Streamlit scrolls inside its main container, so "full page" needs a viewport
            # as tall as that container's content.
            height = page.evaluate(
                "() => Math.max(...[...document.querySelectorAll("
                '\'[data-testid="stMain"], [data-testid="stAppViewContainer"]\')]'
                ".map(e => e.scrollHeight), document.body.scrollHeight)"
            )
            page.set_viewport_size({"width": 1400, "height": int(height) + 40})
            page.wait_for_timeout(800)  # let the chart re-layout to the new size
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "overview.png"), full_page=True)
        finally:
            browser.close()
