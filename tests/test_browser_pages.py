"""Issue 5's promises across all pages, in the real server and Debian's Chromium (never a
downloaded browser), beside the page tests of ``tests/test_browser.py``:

- every page on an **empty store** and on a store **lacking a record kind** (cases only: no
  feedback, appointments, pilots file or portal forms) says what is missing and how to import
  it — no traceback, no axe-core violation;
- every chart is a figure whose **text alternative** screen readers get (``aria-label``) and
  everyone reads (the same text as a caption), and every "Daten als Tabelle" opens a table
  with its XLSX and CSV downloads;
- **suppressed** values read "< 5" and **missing** ones "–" in the overview's tables;
- a **link** with codes opens the same view in English (the sidebar's filters and the
  satisfaction topic);
- results are **cached by data version**: an import while the server runs shows after a
  reload, without a restart.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import insert

from connectors.db import get_engine, upgrade
from connectors.settings import Settings
from connectors.store import Case, ImportRun
from dashboard.formatting import fmt_value
from dashboard.i18n import t
from metrics.catalogue import KPIS
from metrics.cube import load_cube
from metrics.headline import period_tiles
from tests.test_browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    add_page_data,
    add_survey,
    full_page_screenshot,
    run_axe,
    server,  # noqa: F401 - the fixture, started on this module's store
)
from tests.test_dashboard_overview import fill_store

pytestmark = pytest.mark.browser

NB = "\u00a0"
NAV = {  # page: navigation label, its heading
    "overview": ("Überblick", "Überblick"),
    "services": ("Leistungen", "Leistungen"),
    "locations": ("Standorte", "Standorte"),
    "pilots": ("Pilotprojekte", "Pilotprojekte"),
    "satisfaction": ("Zufriedenheit & Beteiligung", "Zufriedenheit & Beteiligung"),
    "quality": ("Datenqualität & Importe", "Datenqualität & Importe"),
    "reports": ("Berichte", "Bericht für den Rat"),
}
# what a page says on the hand-made store, which holds cases and nothing else: what is
# missing, and a word of how to add it
LACKING = {
    "satisfaction": (t("s_no_feedback_title"), "servicepuls import"),
    "locations": (t("l_no_appointments_title"), "servicepuls import"),
    "pilots": (t("p_no_file_title"), "SERVICEPULS_PILOTS_FILE"),
    "services": (t("v_funnel_missing")[:40], "portal_formulare.csv"),
}


@pytest.fixture
def handmade_store(tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    """The store the ``server`` fixture serves: the hand-made cases, or (``empty``) the
    schema alone."""
    settings = Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'store.db'}",
                        pseudonymisation_key="test-key")
    if getattr(request, "param", "handmade") == "empty":
        upgrade(settings)
    else:
        fill_store(settings)
    return settings


@pytest.fixture
def browser() -> Iterator:
    from playwright import sync_api

    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def open_page(browser, server_url: str, name: str):  # noqa: ANN001, ANN201 - playwright
    """Open the app, then click ``name`` in the navigation as a person does (a deep link as
    the very first request shows Streamlit's "Page not found" dialog: streamlit#9624)."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="de-DE",
                            accept_downloads=True)
    page.goto(server_url)
    label, heading = NAV[name]
    page.get_by_role("heading", name="Überblick", exact=True).wait_for(timeout=30_000)
    if name != "overview":
        page.locator('[data-testid="stSidebarNav"]').get_by_text(label, exact=True).click()
        page.get_by_role("heading", name=heading, exact=True).wait_for(timeout=30_000)
    return page


def settle(page) -> None:  # noqa: ANN001 - playwright Page
    """Wait until Streamlit has finished the run (no "Running…" widget) and drawn it."""
    page.wait_for_timeout(300)
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden", timeout=60_000)
    page.wait_for_timeout(500)


def assert_clean(page, name: str) -> None:  # noqa: ANN001 - playwright Page
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.get_by_text("Page not found").count() == 0
    violations = run_axe(page)
    assert violations == [], f"{name}: " + "\n".join(
        f"{v['impact']} {v['rule']}: {v['help']} — {v['nodes']}" for v in violations)


# --- empty store, and a store lacking a record kind -----------------------------------------


@pytest.mark.parametrize("handmade_store", ["empty"], indirect=True)
@pytest.mark.parametrize("name", list(NAV))
def test_every_page_on_an_empty_store_in_chromium(server: str, browser,  # noqa: F811, ANN001
                                                 handmade_store: Settings, name: str) -> None:
    page = open_page(browser, server, name)
    info = page.locator('[data-testid="stAlertContentInfo"]').first
    info.wait_for(state="visible", timeout=30_000)
    text = info.inner_text()
    assert t("empty_title") in text and "servicepuls" in text, text  # what, and how to import
    assert page.locator(".js-plotly-plot").count() == 0
    full_page_screenshot(page, f"empty-{name}.png")
    assert_clean(page, name)


@pytest.mark.parametrize("name", list(LACKING))
def test_pages_lacking_a_record_kind_say_how_to_import_it_in_chromium(
        server: str, browser, handmade_store: Settings, name: str) -> None:  # noqa: F811, ANN001
    page = open_page(browser, server, name)
    missing, how = LACKING[name]
    page.get_by_text(missing).first.wait_for(state="visible", timeout=30_000)
    settle(page)
    assert how in page.locator('[data-testid="stMain"]').inner_text()
    full_page_screenshot(page, f"lacking-{name}.png")
    assert_clean(page, name)


# --- every chart: text alternative and table on demand --------------------------------------


@pytest.mark.parametrize("name", [n for n in NAV if n != "reports"])
def test_every_chart_has_its_text_alternative_and_table_in_chromium(
        server: str, browser, handmade_store: Settings, name: str) -> None:  # noqa: F811, ANN001
    add_page_data(handmade_store, {"overview": None, "services": "services",
                                   "locations": "locations", "pilots": "pilots",
                                   "satisfaction": "survey", "quality": "rejected"}[name])
    page = open_page(browser, server, name)
    charts = page.locator('[data-testid="stMain"] [data-testid="stPlotlyChart"]')
    charts.first.wait_for(state="visible", timeout=30_000)
    settle(page)
    captions = [c.strip() for c in page.locator('[data-testid="stCaptionContainer"]')
                .all_inner_texts()]
    assert charts.count() >= 1
    for i in range(charts.count()):
        chart = charts.nth(i)
        assert chart.get_attribute("role") == "figure"
        alt = chart.get_attribute("aria-label")
        assert alt and alt.startswith(("Textalternative:", "Verlauf ")), alt
        if not alt.startswith("Verlauf "):  # a tile's sparkline: its table is below the tiles
            assert alt in captions, f"not on the page as text: {alt}"
    expanders = page.locator('[data-testid="stExpander"]').filter(has_text="Daten als Tabelle")
    shown = page.locator('[data-testid="stMain"] [data-testid="stDataFrame"]')  # quality page
    assert expanders.count() + shown.count() >= 1
    for i in range(expanders.count()):
        expander = expanders.nth(i)
        expander.get_by_text("Daten als Tabelle").click()
        table = expander.locator('[data-testid="stTable"], [data-testid="stDataFrame"]').first
        table.wait_for(state="visible", timeout=30_000)
        buttons = [b.split("\n")[-1] for b in expander.get_by_role("button").all_inner_texts()]
        assert [b for b in buttons if b.endswith(("(XLSX)", "CSV für Excel"))] == [
            "Excel (XLSX)", "CSV für Excel"], buttons  # (after the icon's ligature name)
    assert page.locator('[data-testid="stException"]').count() == 0


def test_suppressed_and_missing_look_so_in_chromium(server: str, browser,  # noqa: F811, ANN001
                                                    handmade_store: Settings) -> None:
    """Aug 2026 has 3 cases ("< 5", never 0 %), Mär 2026 none ("–", "keine Daten") —
    in the trend's table, and as gaps in the line, not points at zero."""
    page = open_page(browser, server, "overview")
    page.goto(f"{server}/?von=2025-10")
    page.locator(".js-plotly-plot").first.wait_for(state="visible", timeout=30_000)
    settle(page)
    expander = page.locator('[data-testid="stExpander"]', has=page.locator(".st-key-trend_table"))
    expander.get_by_text("Daten als Tabelle").click()
    rows = expander.locator("tbody tr")
    rows.first.wait_for(state="visible", timeout=30_000)
    cells = {r[0]: r[1:] for r in (rows.nth(i).locator("td, th").all_inner_texts()
                                   for i in range(rows.count()))}
    assert cells["Aug 2026"][:2] == [f"<{NB}5", f"<{NB}5"]
    assert cells["Mär 2026"] == ["–", "0", "keine Daten"]
    assert cells["Okt 2026"][:2] == [f"39,1{NB}%", "23"]
    # the line has 3 points with a value (Okt 2025, Sep 2026, Okt 2026), none drawn at zero
    trend = page.locator(".st-key-trend_chart .js-plotly-plot, "
                         "[data-testid='stPlotlyChart'][aria-label^='Textalternative: "
                         "Digitale Nutzungsquote']").first
    assert trend.locator(".scatterlayer .point").count() == 3


# --- links in English, and a new import without a restart -----------------------------------


def test_a_link_with_codes_opens_the_same_view_in_english(server: str, browser,  # noqa: F811, ANN001
                                                          handmade_store: Settings) -> None:
    add_survey(handmade_store)
    page = open_page(browser, server, "overview")
    # Q4 2026, not Q3: Q3 holds Aug 2026, whose 3 cases at Nord the month view withholds, so
    # its totals read "protected" (metrics.headline.withheld_periods)
    query = "raster=quarter&von=2025-Q4&bis=2026-Q4&standort=NRD"
    page.goto(f"{server}/?lang=en&{query}")
    page.get_by_role("heading", name="Overview", exact=True).wait_for(timeout=30_000)
    page.get_by_text("Key figures for Q4 2026").wait_for(timeout=30_000)
    page.locator(".st-key-o_tiles [data-testid='stMetricValue']").first.wait_for(timeout=30_000)
    settle(page)
    cube = load_cube(get_engine(handmade_store))
    tile = period_tiles(cube, "quarter", dt.date(2025, 10, 1), dt.date(2026, 10, 1),
                        locations=[2], min_n=handmade_store.min_n)[0]
    values = page.locator(".st-key-o_tiles [data-testid='stMetricValue']").all_inner_texts()
    assert values[0].strip() == fmt_value(tile.kpi, tile.value, tile.suppressed,
                                          handmade_store.min_n, "en") == "20.0%"  # Nord Q4: 2 / 10
    assert page.get_by_text("Key figures for Q4 2026").is_visible()
    assert query in page.url  # the codes stay; nothing was translated
    # the satisfaction topic by its code
    page.goto(f"{server}/zufriedenheit?lang=en&thema=reachability")
    heading = t("s_trend_heading", "en", topic="Reachability")
    page.get_by_role("heading", name=heading).wait_for(timeout=30_000)
    settle(page)
    assert "thema=reachability" in page.url
    assert page.locator('[data-testid="stException"]').count() == 0


def test_a_new_import_shows_after_a_reload_without_restart(server: str, browser,  # noqa: F811, ANN001
                                                           handmade_store: Settings) -> None:
    from playwright.sync_api import expect

    page = open_page(browser, server, "overview")
    # the take-up tile by its label, not by its place: while a run goes on, the tiles of the
    # previous run stand beside the new ones (in CI the first place once held the
    # follow-up tile's 17,4 %); wait for the value, then once more after the run has settled
    tile = page.locator(".st-key-o_tiles [data-testid='stMetric']").filter(
        has_text=KPIS["digital_take_up"].label("de")).first
    value = tile.locator("[data-testid='stMetricValue']")
    expect(value).to_have_text(f"39,1{NB}%", timeout=30_000)  # 9 of 23
    settle(page)
    assert value.inner_text().strip() == f"39,1{NB}%"
    now = dt.datetime(2026, 11, 3, 8, 0)
    with get_engine(handmade_store).begin() as conn:
        conn.execute(insert(ImportRun.__table__).values(ags=handmade_store.ags), [{
            "id": 2, "source": "handmade", "profile": "test", "file_name": "more",
            "file_sha256": "1" * 64, "started_at": now, "finished_at": now,
            "status": "succeeded", "rows_read": 1, "rows_inserted": 1, "rows_updated": 0,
            "rows_duplicate": 0, "rows_rejected": 0}])
        conn.execute(insert(Case.__table__).values(ags=handmade_store.ags), [{
            "source": "handmade", "case_key": "extra", "service_id": 1, "location_id": 1,
            "channel": "online", "received_at": dt.datetime(2026, 10, 30, 10),
            "completed_at": None, "status": "open", "follow_up_count": 0,
            "import_run_id": 2}])
    page.reload()
    page.get_by_text(f"41,7{NB}%").first.wait_for(state="visible", timeout=30_000)  # 10 of 24
