"""The overview page through Streamlit's AppTest: empty store, exact tile values, filters,
English, and the sample city as a smoke test.

The hand-made store below is small enough to check by hand (see ``CASES``): in Okt 2026
13 cases at Bürgeramt Mitte (7 online) and 10 at Bürgeramt Nord (2 online, 1 assisted
digital — not digital), so the digital take-up is 9 / 23 = 39,1 %, Mitte alone 7 / 13 =
53,8 %, Nord alone 2 / 10 = 20,0 %.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import insert
from streamlit.proto.Metric_pb2 import Metric as MetricProto
from streamlit.testing.v1 import AppTest

from connectors.db import get_engine, upgrade
from connectors.settings import Settings
from connectors.store import Case, ImportRun, Location, Service
from dashboard.formatting import fmt_change, fmt_month, fmt_value
from dashboard.navigation import url_path
from metrics.cube import load_cube
from metrics.overview import tiles

APP = Path(__file__).parents[1] / "dashboard" / "app.py"
NB = "\u00a0"
TIMEOUT = 60

SERVICES = [
    {"id": 1, "code": "ANM", "name": "Anmeldung einer Wohnung", "leika_key": "99115001001000"},
    {"id": 2, "code": "HST", "name": "Hundesteuer", "leika_key": None},
]
LOCATIONS = [
    {"id": 1, "code": "MIT", "name": "Bürgeramt Mitte", "kind": "office"},
    {"id": 2, "code": "NRD", "name": "Bürgeramt Nord", "kind": "office"},
]
# month, location, service, channel, cases, processing days, cases with a follow-up
CASES = [
    ("2025-10", 1, 1, "online", 2, 1, 0),
    ("2025-10", 1, 1, "in_person", 6, 3, 1),
    ("2025-10", 2, 1, "in_person", 8, 4, 2),
    ("2026-08", 2, 1, "online", 1, 2, 0),
    ("2026-08", 2, 1, "in_person", 2, 5, 0),
    ("2026-09", 1, 1, "online", 5, 2, 0),
    ("2026-09", 1, 1, "in_person", 5, 4, 1),
    ("2026-09", 2, 1, "online", 1, 3, 0),
    ("2026-09", 2, 1, "in_person", 9, 6, 3),
    ("2026-10", 1, 1, "online", 6, 1, 0),
    ("2026-10", 1, 1, "in_person", 4, 2, 1),
    ("2026-10", 1, 2, "online", 1, 1, 0),
    ("2026-10", 1, 2, "post", 2, 10, 1),
    ("2026-10", 2, 1, "online", 2, 2, 0),
    ("2026-10", 2, 1, "in_person", 7, 5, 2),
    ("2026-10", 2, 1, "assisted_digital", 1, 3, 0),
]


def fill_store(settings: Settings) -> None:
    """Create the schema through Alembic and insert ``CASES`` with SQLAlchemy Core."""
    upgrade(settings)
    now = dt.datetime(2026, 11, 2, 8, 0)
    cases, serial = [], 0
    for month, location, service, channel, count, days, follow_ups in CASES:
        year, mon = map(int, month.split("-"))
        for i in range(count):
            serial += 1
            received = dt.datetime(year, mon, 1 + i, 9, 30)
            cases.append(
                {
                    "source": "handmade",
                    "case_key": f"k{serial:05d}",
                    "service_id": service,
                    "location_id": location,
                    "channel": channel,
                    "received_at": received,
                    "completed_at": received + dt.timedelta(days=days),
                    "status": "completed",
                    "follow_up_count": 1 if i < follow_ups else 0,
                    "import_run_id": 1,
                }
            )
    with get_engine(settings).begin() as conn:
        conn.execute(insert(Service.__table__).values(ags=settings.ags), SERVICES)
        conn.execute(insert(Location.__table__).values(ags=settings.ags), LOCATIONS)
        conn.execute(
            insert(ImportRun.__table__).values(ags=settings.ags),
            [
                {
                    "id": 1,
                    "source": "handmade",
                    "profile": "test",
                    "file_name": "by hand",
                    "file_sha256": "0" * 64,
                    "started_at": now,
                    "finished_at": now,
                    "status": "succeeded",
                    "rows_read": len(cases),
                    "rows_inserted": len(cases),
                    "rows_updated": 0,
                    "rows_duplicate": 0,
                    "rows_rejected": 0,
                }
            ],
        )
        conn.execute(insert(Case.__table__).values(ags=settings.ags), cases)


@pytest.fixture
def handmade_store(tmp_path: Path) -> Settings:
    settings = Settings(
        data_dir=tmp_path,
        database_url=f"sqlite:///{tmp_path / 'store.db'}",
        pseudonymisation_key="test-key",
    )
    fill_store(settings)
    return settings


def use_store(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    monkeypatch.setenv("SERVICEPULS_DATABASE_URL", settings.db_url)
    monkeypatch.setenv("SERVICEPULS_DATA_DIR", str(settings.data_dir))
    monkeypatch.delenv("SERVICEPULS_LANGUAGE", raising=False)
    monkeypatch.delenv("SERVICEPULS_MIN_N", raising=False)


def run_app(lang: str | None = None, **query: str | list[str]) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    if lang:
        at.query_params["lang"] = lang
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def as_link(at: AppTest, page: str) -> AppTest:
    """Point ``at`` at ``page`` before its first run as a shared URL does (``/standorte``):
    before a first run AppTest names a page by its file name, a browser by the page's URL
    path (:mod:`dashboard.navigation`), so give the run the hash a browser's request
    carries — else the app's navigation would not find the page and fall back to the
    Überblick."""
    from streamlit.util import calc_hash

    at.switch_page(page)
    at._page_hash = calc_hash(url_path(page))  # noqa: SLF001 - no public way (Streamlit 1.67)
    return at


def open_page(page: str, lang: str | None = None, *, link: bool = False,
              query_after_click: bool = False, **query: str | list[str]) -> AppTest:
    """Open the app as a person does: start on the default page, then switch to ``page`` as
    a click in the navigation would. ``link``: open ``page`` directly, as a shared URL does
    (the overview binds some of the same parameters and would consume them on its first
    run). ``query_after_click``: change the URL after the click, as a link from another page
    does."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    if lang:
        at.query_params["lang"] = lang
    if not query_after_click:
        for key, value in query.items():
            at.query_params[key] = value
    if not link:
        at.run()
        at.switch_page(page)
    else:
        as_link(at, page)
    at.run()
    if query_after_click and query:
        for key, value in query.items():
            at.query_params[key] = value
        at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def expected_tiles(settings: Settings, lang: str = "de", locations=None) -> list[dict]:  # noqa: ANN001
    cube = load_cube(get_engine(settings))
    out = []
    for tile in tiles(cube, locations=locations, min_n=settings.min_n):
        out.append(
            {
                "label": tile.kpi.label(lang),
                "value": fmt_value(tile.kpi, tile.value, tile.suppressed, settings.min_n, lang),
                "delta": ""
                if tile.change_month is None
                else fmt_change(tile.change_month, tile.change_unit, lang),
            }
        )
    return out


def shown_tiles(at: AppTest) -> list[dict]:
    return [{"label": m.label, "value": m.value, "delta": m.proto.delta} for m in at.metric]


def all_text(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    return "\n".join(parts)


# --- empty store ------------------------------------------------------------------------


@pytest.mark.parametrize("with_schema", [False, True], ids=["no-tables", "no-cases"])
def test_empty_store_explains_how_to_import(monkeypatch, tmp_path, with_schema):
    settings = Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'none.db'}")
    if with_schema:
        upgrade(settings)
    use_store(monkeypatch, settings)
    at = run_app()
    assert len(at.info) == 1
    info = at.info[0].value
    assert "Noch keine Daten" in info
    assert "servicepuls sample" in info
    assert "servicepuls import data/musterstadt" in info
    assert "make demo" in info
    assert not at.metric


# --- the hand-made store: exact numbers ---------------------------------------------------


def test_tiles_show_exactly_the_formatted_metrics(monkeypatch, handmade_store):
    use_store(monkeypatch, handmade_store)
    at = run_app()
    assert shown_tiles(at) == expected_tiles(handmade_store)
    # hand-checked: 9 of 23 cases online in Okt 2026; 6 of 20 in Sep 2026; 2 of 16 in Okt 2025
    take_up = at.metric[0]
    assert take_up.label == "Digitale Nutzungsquote"
    assert take_up.value == f"39,1{NB}%"
    assert take_up.proto.delta == f"+9,1{NB}Pp."
    assert take_up.proto.delta_description == "ggü. Vormonat (Sep 2026)"
    assert f":green-badge[↑ +26,6{NB}Pp.] :small[ggü. Vorjahresmonat (Okt 2025)]" in all_text(at)
    # processing time: the median fell from 4 to 2 days; lower is better, so the falling
    # arrow is green (delta_color "inverse")
    median = at.metric[1]
    assert median.label == "Bearbeitungszeit (Median)"
    assert (median.value, median.proto.delta) == (f"2{NB}Tage", f"-50,0{NB}%")
    assert MetricProto.MetricColor.Name(median.proto.color) == "GREEN"
    assert MetricProto.MetricDirection.Name(median.proto.direction) == "DOWN"
    assert any(h.value == "Kennzahlen für Okt 2026" for h in at.subheader)


@pytest.mark.parametrize(
    ("ids", "take_up"),
    [([1], f"53,8{NB}%"), ([2], f"20,0{NB}%")],
    ids=["Bürgeramt Mitte", "Bürgeramt Nord"],
)
def test_location_filter_changes_the_numbers(monkeypatch, handmade_store, ids, take_up):
    use_store(monkeypatch, handmade_store)
    at = run_app()
    at.sidebar.multiselect(key="standort").set_value(ids).run()
    assert not at.exception
    assert shown_tiles(at) == expected_tiles(handmade_store, locations=ids)
    assert at.metric[0].value == take_up


@pytest.mark.parametrize("value", ["NRD", "Bürgeramt Nord"], ids=["code", "old link: name"])
def test_location_filter_is_read_from_the_url(monkeypatch, handmade_store, value):
    use_store(monkeypatch, handmade_store)
    at = run_app(standort=value)
    assert at.sidebar.multiselect(key="standort").value == [2]
    assert shown_tiles(at) == expected_tiles(handmade_store, locations=[2])


def test_trend_table_shows_suppressed_and_missing_months(monkeypatch, handmade_store):
    use_store(monkeypatch, handmade_store)
    at = run_app(von="2025-10")  # the default range is the last 12 months: one more
    assert at.sidebar.multiselect(key="leistungen").value == []  # "Alle Leistungen"
    table = at.get_by_key("trend_table").table[0].value
    months = table["Monat"].to_list()
    # every calendar month from Okt 2025 to Okt 2026, newest first
    assert months[0] == "Okt 2026" and months[-1] == "Okt 2025" and len(months) == 13
    rows = {r["Monat"]: r for r in table.to_dict("records")}
    assert rows["Okt 2026"]["Digitale Nutzungsquote"] == f"39,1{NB}%"
    assert rows["Okt 2026"]["Vorgänge (n)"] == "23"
    assert rows["Aug 2026"]["Digitale Nutzungsquote"] == f"<{NB}5"  # 3 cases
    assert rows["Aug 2026"]["Vorgänge (n)"] == f"<{NB}5"
    assert rows["Mär 2026"]["Digitale Nutzungsquote"] == "–"
    assert rows["Mär 2026"]["Hinweis"] == "keine Daten"
    captions = [c.value for c in at.caption]
    assert any("Werte mit weniger als 5 Fällen werden nicht angezeigt" in c for c in captions)
    assert any(
        c.startswith(
            "Textalternative: Digitale Nutzungsquote (Alle Leistungen) stieg "
            f"von 12,5{NB}% (Okt 2025) auf 39,1{NB}% (Okt 2026)"
        )
        for c in captions
    )


def test_service_select_filters_the_trend(monkeypatch, handmade_store):
    use_store(monkeypatch, handmade_store)
    at = run_app()
    at.sidebar.multiselect(key="leistungen").set_value([2]).run()  # Hundesteuer: 3 in Okt 2026
    assert not at.exception
    rows = {r["Monat"]: r for r in at.get_by_key("trend_table").table[0].value.to_dict(
        "records")}
    assert rows["Okt 2026"]["Digitale Nutzungsquote"] == f"<{NB}5"
    assert any("kein Monat mit ausreichend Fällen" in c.value for c in at.caption)


def test_english(monkeypatch, handmade_store):
    use_store(monkeypatch, handmade_store)
    at = run_app(lang="en")
    assert at.sidebar.radio(key="lang").value == "en"
    assert shown_tiles(at) == expected_tiles(handmade_store, lang="en")
    assert at.metric[0].label == "Digital take-up"
    assert at.metric[0].value == "39.1%"
    assert at.title[0].value == "Overview"
    assert any(h.value == "Key figures for Oct 2026" for h in at.subheader)
    assert at.sidebar.multiselect(key="standort").label == "Locations"
    assert at.query_params["lang"] == "en"


def test_switching_language_in_the_sidebar(monkeypatch, handmade_store):
    use_store(monkeypatch, handmade_store)
    at = run_app()
    assert at.title[0].value == "Überblick"
    at.sidebar.radio(key="lang").set_value("en").run()
    assert at.title[0].value == "Overview"
    assert at.query_params["lang"] == "en"


def test_new_import_shows_without_restart(monkeypatch, handmade_store):
    use_store(monkeypatch, handmade_store)
    at = run_app()
    assert at.metric[0].value == f"39,1{NB}%"
    now = dt.datetime(2026, 11, 3, 8, 0)
    with get_engine(handmade_store).begin() as conn:
        conn.execute(
            insert(ImportRun.__table__).values(ags=handmade_store.ags),
            [
                {
                    "id": 2,
                    "source": "handmade",
                    "profile": "test",
                    "file_name": "more",
                    "file_sha256": "1" * 64,
                    "started_at": now,
                    "finished_at": now,
                    "status": "succeeded",
                    "rows_read": 1,
                    "rows_inserted": 1,
                    "rows_updated": 0,
                    "rows_duplicate": 0,
                    "rows_rejected": 0,
                }
            ],
        )
        conn.execute(
            insert(Case.__table__).values(ags=handmade_store.ags),
            [
                {
                    "source": "handmade",
                    "case_key": "extra",
                    "service_id": 1,
                    "location_id": 1,
                    "channel": "online",
                    "received_at": dt.datetime(2026, 10, 30, 10),
                    "completed_at": None,
                    "status": "open",
                    "follow_up_count": 0,
                    "import_run_id": 2,
                }
            ],
        )
    at.run()
    assert at.metric[0].value == f"41,7{NB}%"  # 10 of 24


# --- the sample city -----------------------------------------------------------------------


def test_sample_city_smoke(monkeypatch, sample_store):
    use_store(monkeypatch, sample_store)
    at = run_app()
    assert len(at.metric) == 3
    assert shown_tiles(at) == expected_tiles(sample_store)
    assert len(at.get_by_key("trend_table").table) == 1
    month = fmt_month(load_cube(get_engine(sample_store)).months[-1])
    assert any(h.value == f"Kennzahlen für {month}" for h in at.subheader)
