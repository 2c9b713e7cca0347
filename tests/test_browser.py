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
from dashboard.formatting import fmt_number, fmt_value
from metrics.cube import load_cube
from metrics.overview import tiles
from metrics.quality import import_runs
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


def full_page_screenshot(page, name: str) -> None:  # noqa: ANN001 - playwright Page
    """Save ``test-artifacts/<name>`` of everything on the page, not just the viewport."""
    # Streamlit scrolls inside its main container, so "full page" needs a viewport as tall
    # as that container's content.
    height = page.evaluate(
        "() => Math.max(...[...document.querySelectorAll("
        '\'[data-testid="stMain"], [data-testid="stAppViewContainer"]\')]'
        ".map(e => e.scrollHeight), document.body.scrollHeight)"
    )
    page.set_viewport_size({"width": 1400, "height": int(height) + 40})
    page.wait_for_timeout(800)  # let charts re-layout to the new size
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


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
            full_page_screenshot(page, "overview.png")
        finally:
            browser.close()


def add_rejected_import(store: Settings) -> None:
    """A second (cases) run with three quarantined rows, two of them for the same reason."""
    import datetime as dt

    from sqlalchemy import insert

    from connectors.store import ImportRun, RejectedRow

    now = dt.datetime(2026, 11, 3, 8, 0)
    reason = "Leistung: '{}' ist keine bekannte Leistung — in den Stammdaten anlegen"
    with get_engine(store).begin() as conn:
        conn.execute(insert(ImportRun.__table__), [{
            "id": 2, "source": "handmade", "profile": "test", "file_name": "november.csv",
            "file_sha256": "2" * 64, "started_at": now, "finished_at": now,
            "status": "succeeded", "rows_read": 1234, "rows_inserted": 1231,
            "rows_updated": 0, "rows_duplicate": 0, "rows_rejected": 3}])
        conn.execute(insert(RejectedRow.__table__), [
            {"import_run_id": 2, "row_number": 7, "column": "Leistung",
             "reason": reason.format("X1"), "raw": '{"Leistung": "X1"}'},
            {"import_run_id": 2, "row_number": 9, "column": "Leistung",
             "reason": reason.format("X2"), "raw": '{"Leistung": "X2"}'},
            {"import_run_id": 2, "row_number": 12, "column": "Eingang am",
             "reason": "Eingang am: '31.02.2026' ist kein gültiges Datum (TT.MM.JJJJ)",
             "raw": '{"Eingang am": "31.02.2026"}'},
        ])


def test_quality_page_in_chromium(server: str, handmade_store: Settings) -> None:
    from playwright import sync_api

    add_rejected_import(handmade_store)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="de-DE")
            # Open the app, then click the page in the navigation like a person would. (A
            # deep link as the very first request of a fresh server shows Streamlit's
            # "Page not found" dialog over the right page: streamlit/streamlit#9624.)
            page.goto(server)
            nav = page.locator('[data-testid="stSidebarNav"]')
            nav.get_by_text("Datenqualität & Importe").click()
            page.get_by_role("heading", name="Datenqualität & Importe").wait_for(
                state="visible", timeout=30_000)
            page.wait_for_url("**/datenqualitaet**")
            page.locator(".js-plotly-plot").first.wait_for(state="visible", timeout=30_000)
            page.locator(".st-key-q_gaps_table [data-testid='stDataFrame']").wait_for(
                state="visible", timeout=30_000)
            assert page.locator('[data-testid="stException"]').count() == 0
            for heading in ["Import-Läufe", "Quarantäne", "Aktualität der Quellen", "Lücken"]:
                assert page.get_by_role("heading", name=heading).is_visible()
            read = fmt_number(int(import_runs(get_engine(handmade_store))["rows_read"].sum()))
            assert read == "1.296"  # 62 hand-made cases + 1.234 rows of the second run
            assert page.get_by_text(f"2 Import-Läufe · {read} Zeilen gelesen").is_visible()
            # the chart's text alternative is on the page, not only in an aria label
            assert page.get_by_text("Textalternative: abgewiesene Zeilen nach Grund, "
                                    "insgesamt 3:").is_visible()
            assert nav.get_by_text("Überblick").is_visible()
            assert page.get_by_text("Page not found").count() == 0
            # counts on the chart's bars in German, the longest reason not cut off
            bars = page.locator(".js-plotly-plot text.bartext")
            assert sorted(bars.all_text_contents()) == ["1", "2"]
            labels = page.locator(".js-plotly-plot .ytick text").all_text_contents()
            assert "Leistung: '…' ist keine bekannte Leistung" in labels
            full_page_screenshot(page, "quality.png")
        finally:
            browser.close()
