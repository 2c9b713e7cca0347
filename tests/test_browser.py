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


# Streamlit's words when the port it was told to use is taken (1.4x: tornado; 1.5x+: uvicorn).
PORT_TAKEN = ("is not available", "already in use")


def wait_until_healthy(url: str, server: subprocess.Popen, log: Path) -> bool:
    """Wait until *this* server answers on ``url``; False if its port was taken meanwhile.

    ``free_port`` closes its socket before Streamlit binds the port, so under ``pytest -n``
    another worker's server (or anything else) may take it in between; then a health check
    alone would be answered by the wrong server. Streamlit prints ``URL: <url>`` only once it
    has bound the port, so the log line tells whose server answers (PYTHONUNBUFFERED=1).
    """
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            output = log.read_text()
            if any(words in output for words in PORT_TAKEN):
                return False
            pytest.fail(f"streamlit exited with {server.returncode}:\n{output}")
        try:
            if f"URL: {url}" in log.read_text():
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        return True
        except OSError:
            pass
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
    env = {
        **os.environ,
        "SERVICEPULS_DATABASE_URL": handmade_store.db_url,
        "SERVICEPULS_DATA_DIR": str(handmade_store.data_dir),
        "SERVICEPULS_LANGUAGE": "de",
        "PYTHONUNBUFFERED": "1",  # the "URL:" line reaches the log as soon as it is printed
    }
    for _attempt in range(5):  # a port taken between free_port() and Streamlit's bind
        port = free_port()
        url = f"http://127.0.0.1:{port}"
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
            if wait_until_healthy(url, proc, log):
                yield url
                return
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
    pytest.fail(f"streamlit found no free port in 5 attempts:\n{log.read_text()}")


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
        conn.execute(insert(ImportRun.__table__).values(ags=store.ags), [{
            "id": 2, "source": "handmade", "profile": "test", "file_name": "november.csv",
            "file_sha256": "2" * 64, "started_at": now, "finished_at": now,
            "status": "succeeded", "rows_read": 1234, "rows_inserted": 1231,
            "rows_updated": 0, "rows_duplicate": 0, "rows_rejected": 3}])
        conn.execute(insert(RejectedRow.__table__).values(ags=store.ags), [
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


def add_survey(store: Settings) -> None:
    """A hand-made survey import: 6 months of ratings (Jul 2026 with only 3 → withheld), five
    topics (digital/analog with too few ratings → withheld) and two scrubbed comments."""
    import datetime as dt

    from sqlalchemy import insert

    from connectors.store import Feedback, ImportRun

    pattern = (5, 4, 4, 3, 5, 2, 4, 5, 3, 4, 1, 4)
    topics = ("overall", "reachability", "process_waiting", "appointments", "clarity")
    rows, now = [], dt.datetime(2026, 11, 4, 8, 0)
    for month, responses in ((5, 12), (6, 20), (7, 3), (8, 18), (9, 25), (10, 30)):
        for i in range(responses):
            key = f"r{month:02d}{i:03d}"
            answered = topics if i % 3 else topics[:3]
            answered += ("digital_analog",) if month == 10 and i < 2 else ()
            for j, topic in enumerate(answered):
                rows.append({
                    "source": "handmade-umfrage", "response_key": key, "topic": topic,
                    "submitted_on": dt.date(2026, month, 1 + i % 28),
                    "service_id": 1 + i % 2, "location_id": 1 + i % 2 if i % 4 else None,
                    "channel": "in_person" if i % 4 else "online",
                    "rating": min(5, pattern[(i + j + month) % len(pattern)] + month // 9),
                    "comment": None, "import_run_id": 2})
    rows[-1]["comment"] = "Bitte mehr Termine am Samstag."
    rows[-10]["comment"] = "Rückruf bitte: [Telefonnummer entfernt]"
    with get_engine(store).begin() as conn:
        conn.execute(insert(ImportRun.__table__).values(ags=store.ags), [{
            "id": 2, "source": "handmade-umfrage", "profile": "test", "file_name": "umfrage.csv",
            "file_sha256": "3" * 64, "started_at": now, "finished_at": now,
            "status": "succeeded", "rows_read": len(rows), "rows_inserted": len(rows),
            "rows_updated": 0, "rows_duplicate": 0, "rows_rejected": 0}])
        conn.execute(insert(Feedback.__table__).values(ags=store.ags), rows)


def test_satisfaction_page_in_chromium(server: str, handmade_store: Settings) -> None:
    import polars as pl
    from playwright import sync_api

    from dashboard.formatting import fmt_percent
    from metrics.satisfaction import load_feedback, satisfaction

    add_survey(handmade_store)
    overall = load_feedback(get_engine(handmade_store)).filter(pl.col("topic") == "overall")
    window = satisfaction(overall, [], handmade_store.min_n).row(0, named=True)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="de-DE")
            page.goto(server)
            nav = page.locator('[data-testid="stSidebarNav"]')
            nav.get_by_text("Zufriedenheit & Beteiligung").click()
            page.get_by_role("heading", name="Zufriedenheit & Beteiligung").wait_for(
                state="visible", timeout=30_000)
            page.wait_for_url("**/zufriedenheit**")
            charts = page.locator(".js-plotly-plot")
            charts.nth(1).wait_for(state="visible", timeout=30_000)
            assert page.locator('[data-testid="stException"]').count() == 0
            assert page.get_by_text("Page not found").count() == 0
            tiles = page.locator(".st-key-s_tiles_window [data-testid='stMetricValue']")
            assert [v.strip() for v in tiles.all_inner_texts()] == [
                fmt_percent(window["top2_share"]), f"{window['mean_rating']:.1f}".replace(
                    ".", ","), f"{window['score']:.2f}".replace(".", ","), str(window["n"])]
            assert page.get_by_text("Neuester Monat mit Daten: Okt 2026").is_visible()
            # the withheld month is labelled "< 5" on the chart, not drawn at zero
            assert charts.first.locator(".annotation-text", has_text="<\u00a05").count() == 1
            assert page.locator(".js-plotly-plot .xtick text", has_text="Jul 2026").count() == 1
            assert page.get_by_text("Ausgeblendet (weniger als 5 Bewertungen): Jul 2026.") \
                .is_visible()
            # its nearest month goes with it, so the window's total cannot give it back
            assert page.get_by_text("Jun 2026: „geschützt“ — sonst ließe sich ein "
                                    "ausgeblendeter Monat aus der Summe des Zeitraums "
                                    "errechnen.").is_visible()
            labels = charts.nth(1).locator(".ytick text").all_text_contents()
            assert "Zusammenspiel digital/analog · n <\u00a05" in labels
            assert page.get_by_text("Bitte mehr Termine am Samstag.").is_visible()
            assert page.get_by_role("heading", name="Wie wurden Ergebnisse zurückgespielt?") \
                .is_visible()
            full_page_screenshot(page, "satisfaction.png")
        finally:
            browser.close()


def test_pilots_page_in_chromium(server: str, handmade_store: Settings) -> None:
    from playwright import sync_api

    from dashboard.formatting import fmt_pp
    from metrics.pilot_config import load_pilots
    from metrics.pilots import pilot_effect, sentence
    from tests.test_pilot_page import add_pilot_cases

    path = add_pilot_cases(handmade_store)  # cases with a pilot, and the file at its default
    cube = load_cube(get_engine(handmade_store))
    (definition,) = load_pilots(path, cube)
    effect = pilot_effect(cube, definition.pilot, protect_min_n=handmade_store.min_n)
    before = fmt_value("digital_take_up", effect.pilot_before.share, False, handmade_store.min_n)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="de-DE")
            page.goto(server)
            page.locator('[data-testid="stSidebarNav"]').get_by_text("Pilotprojekte").click()
            page.get_by_role("heading", name="Pilotprojekte", exact=True).wait_for(
                state="visible", timeout=30_000)
            page.wait_for_url("**/pilotprojekte**")
            page.locator(".js-plotly-plot").first.wait_for(state="visible", timeout=30_000)
            assert page.locator('[data-testid="stException"]').count() == 0
            result = page.locator('[data-testid="stAlertContentInfo"] '
                                  '[data-testid="stMarkdownContainer"]').inner_text()
            assert result.replace("\u00a0", " ") == sentence(effect).replace("\u00a0", " ")
            values = page.locator('[data-testid="stMetricValue"]').all_inner_texts()
            expected = [before, fmt_value("digital_take_up", effect.pilot_after.share, False, 5),
                        fmt_pp(effect.effect_pp / 100), fmt_pp(0.15)]
            assert values == expected  # non-breaking spaces and all
            # the legend names both groups and the Maßnahmen; the start is labelled
            legend = page.locator(".js-plotly-plot .legendtext").all_text_contents()
            assert legend == ["Pilotstandorte", "Vergleichsgruppe", "Maßnahmen"]
            labels = page.locator(".js-plotly-plot .annotation-text").all_text_contents()
            assert [label.replace("\u00a0", " ") for label in labels] == ["Start 01.01.2026"]
            assert page.get_by_text("Textalternative: Digitale Nutzungsquote für Anmeldung "
                                    "einer Wohnung.").is_visible()
            full_page_screenshot(page, "pilots.png")
        finally:
            browser.close()


def add_funnel(store: Settings) -> None:
    """Portal form statistics for "Anmeldung einer Wohnung", one day a month Jan–Okt 2026."""
    import datetime as dt

    from sqlalchemy import insert

    from connectors.store import FunnelStat

    with get_engine(store).begin() as conn:
        conn.execute(insert(FunnelStat.__table__).values(ags=store.ags), [
            {"source": "handmade-portal", "day": dt.date(2026, month, 1), "service_id": 1,
             "started": 40 + month, "submitted": 26 + 2 * month, "abandoned": 10,
             "import_run_id": 1} for month in range(1, 11)])


def test_services_page_in_chromium(server: str, handmade_store: Settings) -> None:
    import datetime as dt

    import polars as pl
    from playwright import sync_api

    from metrics.funnel import load_funnel
    from metrics.service_view import ranking
    from tests.test_pilot_page import add_pilot_cases

    add_pilot_cases(handmade_store)  # 22 months of cases, a pilots file with two Maßnahmen
    add_funnel(handmade_store)
    engine = get_engine(handmade_store)
    # until Sep 2026: Hundesteuer's 3 cases of Okt 2026 lie outside, Anmeldung is shown
    span = (dt.date(2025, 11, 1), dt.date(2026, 9, 1))
    row = ranking(load_cube(engine), load_funnel(engine), span=span).filter(
        pl.col("service_id") == 1).row(0, named=True)
    take_up = fmt_value("digital_take_up", row["take_up"], False, handmade_store.min_n)
    completion = fmt_value("digital_take_up", row["completion"], False, handmade_store.min_n)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="de-DE")
            page.goto(server)
            page.locator('[data-testid="stSidebarNav"]').get_by_text("Leistungen").click()
            page.get_by_role("heading", name="Leistungen", exact=True).wait_for(
                state="visible", timeout=30_000)
            page.wait_for_url("**/leistungen**")
            grid = page.locator(".st-key-v_ranking [data-testid='stTable']")
            grid.wait_for(state="visible", timeout=30_000)
            # the ranking, sorted on the server: over Nov 2025 – Okt 2026 Hundesteuer's 3
            # cases read "< 5", and Anmeldung's values, which beside the Überblick's total
            # would give them back, "geschützt"; both listed by name
            rows = [grid.locator("tbody tr").nth(i).locator("td").all_inner_texts()[:4]
                    for i in range(2)]
            assert rows == [["Anmeldung einer Wohnung", "99115001001000", "geschützt",
                             "geschützt"], ["Hundesteuer", "–", "<\u00a05", "<\u00a05"]]
            page.goto(f"{server}/leistungen?von=2025-11&bis=2026-09")
            charts = page.locator(".js-plotly-plot")
            charts.nth(6).wait_for(state="visible", timeout=30_000)  # the online offer
            assert page.locator('[data-testid="stException"]').count() == 0
            assert page.get_by_text("Page not found").count() == 0
            # the chosen service is in the address, by name, as the overview writes it
            assert "leistung=Anmeldung+einer+Wohnung" in page.url
            tiles = page.locator(".st-key-v_tiles [data-testid='stMetricValue']")
            values = [v.strip() for v in tiles.all_inner_texts()]
            assert values[1] == take_up and values[5] == completion
            # channel mix: a legend entry per channel, shares written inside the bars
            legend = charts.first.locator(".legendtext").all_text_contents()
            assert legend == ["Online", "Assistiert digital", "Vor Ort"]
            assert charts.first.locator("text.bartext").count() > 0
            # the Maßnahmen of the pilots file are labelled on the take-up chart
            labels = charts.nth(1).locator(".textpoint text").all_text_contents()
            assert labels == ["Video online", "Plakate"]
            # the ranking until Sep 2026: Hundesteuer without cases reads "0" and "–"
            cells = grid.locator("tbody tr").nth(1).locator("td").all_inner_texts()
            assert cells[:4] == ["Hundesteuer", "–", "0", "–"]
            full_page_screenshot(page, "services.png")
        finally:
            browser.close()


def add_locations_and_appointments(store: Settings) -> None:
    """Coordinates for the two hand-made offices, a virtual location without any, and two
    weeks of appointments in Okt 2026 (Mitte 6 per hour, Nord 3 per hour → withheld)."""
    import datetime as dt

    from sqlalchemy import insert, update

    from connectors.store import Appointment, ImportRun, Location

    now = dt.datetime(2026, 11, 5, 8, 0)
    rows, serial = [], 0
    for location, per_hour in ((1, 6), (2, 3)):
        for day in [dt.date(2026, 10, d) for d in (5, 6, 7, 8, 9, 12, 13, 14, 15, 16)]:
            for hour in (8, 9, 10, 11):
                for i in range(per_hour):
                    serial += 1
                    slot = dt.datetime(day.year, day.month, day.day, hour, 15 * (i % 4))
                    outcome = ("no_show" if serial % 10 == 0
                               else "cancelled" if serial % 15 == 0 else "attended")
                    rows.append({
                        "source": "handmade-termine", "appointment_key": f"t{serial:05d}",
                        "service_id": 1, "location_id": location, "channel": "online",
                        "booked_at": slot - dt.timedelta(days=1 + serial % 9), "slot_at": slot,
                        "outcome": outcome, "import_run_id": 2,
                        "wait_minutes": (4 + (hour - 8) * 3 + i + day.isoweekday()
                                         if outcome == "attended" else None)})
    with get_engine(store).begin() as conn:
        conn.execute(update(Location).where(Location.id == 1).values(latitude=51.4556,
                                                                     longitude=7.0116))
        conn.execute(update(Location).where(Location.id == 2).values(latitude=51.4891,
                                                                     longitude=7.0042))
        conn.execute(insert(Location.__table__).values(ags=store.ags), [{"id": 3, "code": "VIDEO",
                                                   "name": "Videoberatung", "kind": "virtual"}])
        conn.execute(insert(ImportRun.__table__).values(ags=store.ags), [{
            "id": 2, "source": "handmade-termine", "profile": "test", "file_name": "termine.json",
            "file_sha256": "4" * 64, "started_at": now, "finished_at": now,
            "status": "succeeded", "rows_read": len(rows), "rows_inserted": len(rows),
            "rows_updated": 0, "rows_duplicate": 0, "rows_rejected": 0}])
        conn.execute(insert(Appointment.__table__).values(ags=store.ags), rows)


def test_locations_page_in_chromium(server: str, handmade_store: Settings) -> None:
    import datetime as dt
    from dataclasses import replace

    import polars as pl
    from playwright import sync_api

    from dashboard.formatting import fmt_percent
    from metrics.appointments import load_appointments, wait
    from metrics.kpis import compute

    add_locations_and_appointments(handmade_store)
    engine = get_engine(handmade_store)
    cube = load_cube(engine)
    # the default period: the last 12 months up to Okt 2026
    scoped = replace(cube, volume=cube.volume.filter(pl.col("month") >= dt.date(2025, 11, 1)))
    take_up = compute("digital_take_up", scoped, ("location_id",), locations=[1],
                      min_n=handmade_store.min_n).row(0, named=True)
    waits = wait(load_appointments(engine).waits.filter(pl.col("location_id") == 1),
                 ("weekday", "hour"), min_n=handmade_store.min_n)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="de-DE")
            page.goto(server)
            page.locator('[data-testid="stSidebarNav"]').get_by_text("Standorte").click()
            page.get_by_role("heading", name="Standorte", exact=True).wait_for(
                state="visible", timeout=30_000)
            page.wait_for_url("**/standorte**")
            charts = page.locator(".js-plotly-plot")
            charts.nth(4).wait_for(state="visible", timeout=30_000)  # comparison … heatmap
            assert page.locator('[data-testid="stException"]').count() == 0
            assert page.get_by_text("Page not found").count() == 0
            for heading in ["Digitale Nutzungsquote je Standort", "Lage der Standorte",
                            "Terminvergabe", "Wartezeit vor Ort nach Wochentag und Uhrzeit"]:
                assert page.get_by_role("heading", name=heading).is_visible()
            # the comparison: Mitte's share written at its point, as the KPI engine says
            assert charts.first.locator(".textpoint text",
                                        has_text=fmt_percent(take_up["value"])).count() == 1
            # the map: both offices labelled, no request for tiles or topojson
            labels = charts.nth(1).locator(".textpoint text").all_text_contents()
            assert sorted(x for x in labels if x) == ["Bürgeramt Mitte", "Bürgeramt Nord"]
            assert page.get_by_text("Ohne Lage auf der Karte").is_visible()
            # the heatmap (Bürgeramt Mitte by default): every median written in its cell
            cells = charts.nth(4).locator(".hm text, .heatmaplayer text").all_text_contents()
            expected = [fmt_number(v, "de", 0) for v in waits["value"]]
            assert sorted(c for c in cells if c and c != "–") == sorted(expected)
            full_page_screenshot(page, "locations.png")
        finally:
            browser.close()


def test_downloads_in_chromium(server: str, handmade_store: Settings, tmp_path: Path) -> None:
    """A click on "Bild (PNG)" and on "Excel (XLSX)" in the real server delivers the files:
    the image is rendered only then (Streamlit's deferred download data, kaleido in a
    worker thread), the workbook holds the trend table's numbers as numbers."""
    import openpyxl
    from playwright import sync_api

    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="de-DE",
                                    accept_downloads=True)
            page.goto(server)
            page.locator(".js-plotly-plot").first.wait_for(state="visible", timeout=30_000)
            with page.expect_download(timeout=60_000) as png:
                page.locator(".st-key-trend_chart_png").get_by_role(
                    "button", name="Bild (PNG)").click()
            assert png.value.suggested_filename.startswith(
                "digitale-nutzungsquote-alle-leistungen_")
            assert png.value.suggested_filename.endswith(".png")
            assert Path(png.value.path()).read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
            # a download click reruns the script: click the next button only when that run is
            # over, or the click can land on a button that is being replaced (seen in CI)
            _settle(page)
            expander = page.locator('[data-testid="stExpander"]',
                                    has=page.locator(".st-key-trend_table"))
            expander.get_by_text("Daten als Tabelle").click()
            button = page.locator(".st-key-trend_table_xlsx").get_by_role(
                "button", name="Excel (XLSX)")
            button.wait_for(state="visible", timeout=30_000)
            _settle(page)
            with page.expect_download(timeout=60_000) as xlsx:
                button.click()
            target = tmp_path / xlsx.value.suggested_filename
            xlsx.value.save_as(target)
            ws = openpyxl.load_workbook(target).active
            assert ws.freeze_panes == "A2"
            rows = {r[0]: r for r in ws.iter_rows(min_row=2, values_only=True)}
            assert rows["Okt 2026"][1:3] == (pytest.approx(9 / 23, abs=5e-4), 23)  # 39,1 %
            assert page.locator('[data-testid="stException"]').count() == 0
        finally:
            browser.close()


def _settle(page) -> None:  # noqa: ANN001 - playwright Page
    """Wait until Streamlit has finished its run (no "Running…" status widget)."""
    page.wait_for_timeout(300)
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden", timeout=60_000)
    page.wait_for_timeout(300)


# --- accessibility: axe-core in the same Chromium, on every page -------------------------------

# (nav label, heading, data the page needs, a locator that shows its content is drawn)
PAGES = {
    "overview": ("Überblick", None, None, '[data-testid="stMetric"]'),
    "services": ("Leistungen", None, "services", ".st-key-v_ranking [data-testid='stTable']"),
    "locations": ("Standorte", None, "locations", ".js-plotly-plot"),
    "pilots": ("Pilotprojekte", None, "pilots", '[data-testid="stMetric"]'),
    "satisfaction": ("Zufriedenheit & Beteiligung", None, "survey",
                     ".st-key-s_tiles_window [data-testid='stMetric']"),
    "quality": ("Datenqualität & Importe", None, "rejected",
                ".st-key-q_gaps_table [data-testid='stDataFrame']"),
}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# Serious or critical findings inside Streamlit's own markup, which no page of ours writes or
# can change; each listed by rule and a selector part of the element axe names, with why.
# Everything else — our headings, labels, texts, tables, charts, colours — must pass.
FRAMEWORK_EXCEPTIONS: list[tuple[str, str, str]] = []


def add_page_data(store: Settings, what: str | None) -> None:
    from tests.test_pilot_page import add_pilot_cases

    if what == "services":
        add_pilot_cases(store)
        add_funnel(store)
    elif what == "pilots":
        add_pilot_cases(store)
    elif what == "locations":
        add_locations_and_appointments(store)
    elif what == "survey":
        add_survey(store)
    elif what == "rejected":
        add_rejected_import(store)


def run_axe(page) -> list[dict]:  # noqa: ANN001 - playwright Page
    """axe-core (bundled in the PyPI package axe-playwright-python, never downloaded at run
    time) on the whole document; serious and critical violations, each node with its
    selector and markup, less :data:`FRAMEWORK_EXCEPTIONS`."""
    from axe_playwright_python.base import AXE_SCRIPT

    page.evaluate(AXE_SCRIPT)
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, "
        "resultTypes: ['violations']})", AXE_TAGS)
    found = []
    for violation in result["violations"]:
        if violation["impact"] not in ("serious", "critical"):
            continue
        nodes = [n for n in violation["nodes"]
                 if not any(rule == violation["id"] and part in " ".join(map(str, n["target"]))
                            for rule, part, _ in FRAMEWORK_EXCEPTIONS)]
        if nodes:
            found.append({"rule": violation["id"], "impact": violation["impact"],
                          "help": violation["help"],
                          "nodes": [(n["target"], n["html"][:160]) for n in nodes[:5]]})
    return found


@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_is_accessible_in_chromium(server: str, handmade_store: Settings,
                                              name: str) -> None:
    """Every page in the real browser: its content drawn, no Streamlit exception, at least one
    chart, and no serious or critical axe-core violation (WCAG 2.1 A/AA) caused by our
    content; a screenshot per page in test-artifacts/axe-<page>.png."""
    from playwright import sync_api

    label, _, what, content = PAGES[name]
    add_page_data(handmade_store, what)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="de-DE")
            page.goto(server)
            page.locator('[data-testid="stMetric"]').first.wait_for(state="visible",
                                                                    timeout=30_000)
            if name != "overview":
                page.locator('[data-testid="stSidebarNav"]').get_by_text(label,
                                                                        exact=True).click()
                page.get_by_role("heading", name=label, exact=True).wait_for(
                    state="visible", timeout=30_000)
            page.locator(content).first.wait_for(state="visible", timeout=30_000)
            page.locator(".js-plotly-plot").first.wait_for(state="visible", timeout=30_000)
            page.wait_for_timeout(500)  # let the last elements of the run arrive
            assert page.locator('[data-testid="stException"]').count() == 0
            assert page.get_by_text("Page not found").count() == 0
            full_page_screenshot(page, f"axe-{name}.png")
            violations = run_axe(page)
            assert violations == [], "\n".join(
                f"{v['impact']} {v['rule']}: {v['help']} — {v['nodes']}" for v in violations)
        finally:
            browser.close()


# (url path, nav title key) as dashboard/app.py's PAGES; the default page is the root
DEEP_LINKS = [("", "nav_overview"), ("leistungen", "v_nav"),
              ("datenqualitaet", "nav_quality"), ("pilotprojekte", "nav_pilots"),
              ("zufriedenheit", "s_nav"), ("standorte", "l_nav"), ("berichte", "r_nav")]
# the server's first session opens a link: that is where Streamlit's own navigation of a
# pages/ folder answered "Page not found" (later sessions met the app's navigation)
FIRST_LINK = ("standorte", "l_nav")


def test_a_shared_link_opens_its_page_directly_in_chromium(server: str,
                                                            handmade_store: Settings) -> None:
    """A link to a page (as a department head sends it) opens that page with the app's
    navigation — no "Page not found" first (Streamlit's own navigation of a pages/ folder
    did not know /standorte), no file names (overview, locations …) in the sidebar; with
    ?lang=en in English. Fails with the pages in dashboard/pages/."""
    from playwright import sync_api

    from dashboard.i18n import t

    titles = {lang: [t(key, lang) for _, key in DEEP_LINKS] for lang in ("de", "en")}
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="de-DE")
            for (url, key), lang in zip([FIRST_LINK, *DEEP_LINKS],
                                        ["de", "de", "de", "de", "de", "en", "de", "de"],
                                        strict=True):
                page.goto(f"{server}/{url}" + ("?lang=en" if lang == "en" else ""))
                nav = page.locator('[data-testid="stSidebarNav"]')
                current = nav.locator('a[aria-current="page"]')
                current.wait_for(state="visible", timeout=30_000)
                page.locator("h1").first.wait_for(state="visible", timeout=30_000)
                page.wait_for_timeout(500)  # the dialog came with the first message
                assert page.get_by_text("Page not found").count() == 0, url
                # a link's text: its icon's name (Material Symbols ligature), then the title
                assert current.inner_text().split("\n")[-1] == t(key, lang), url
                links = [x.split("\n")[-1] for x in nav.locator("a").all_inner_texts()]
                assert links == titles[lang], url
                assert page.locator('[data-testid="stException"]').count() == 0, url
        finally:
            browser.close()
