"""The page Standorte through Streamlit's AppTest, against the metrics it shows.

On the sample city (``sample_store``): the comparison of digital take-up per location equals
``compute("digital_take_up", …, ("location_id",))`` over the chosen months, its 95 % interval
equals a Wilson interval computed here by hand, the appointment figures equal
``metrics.appointments`` and every heatmap cell equals ``metrics.appointments.wait``. Filters
come from the URL. A store without appointments, an empty store and English are checked too,
and the real Moers wait statistics (cases and appointments absent) against
``metrics.waits.wait_by_weekday_hour``.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import replace
from functools import partial
from pathlib import Path

import polars as pl
import pytest
from plotly.colors import sequential
from streamlit.testing.v1 import AppTest

from connectors.db import get_engine, upgrade
from connectors.settings import Settings
from dashboard.formatting import fmt_count, fmt_days, fmt_month, fmt_number, fmt_percent
from metrics.appointments import lead_time, load_appointments, no_show_rate, wait
from metrics.cube import load_cube
from metrics.headline import period_series
from metrics.kpis import compute
from metrics.overview import shift_month
from metrics.waits import WEEKDAYS_DE, wait_by_weekday_hour
from tests.conftest import import_dir
from tests.test_dashboard_overview import open_page, use_store
from tests.test_realdata_moers import MOERS

PAGE = "views/locations.py"
NB = "\u00a0"
Z95 = 1.959963984540054


run_page = partial(open_page, PAGE)  # link=True: a shared URL


def rows(at: AppTest, key: str) -> list[dict]:
    tables = at.get_by_key(key).table
    assert len(tables) == 1
    return tables[0].value.to_dict("records")


def spec(at: AppTest, key: str) -> dict:
    return json.loads(at.get_by_key(key).proto.spec)


def texts(at: AppTest) -> str:
    return "\n".join([c.value for c in at.caption] + [m.value for m in at.markdown]
                     + [i.value for i in at.info])


def last_12_months(cube, facts) -> tuple[dt.date, dt.date]:  # noqa: ANN001
    last = max(cube.volume["month"].max(), facts.lead["month"].max())
    return shift_month(last, -11), last


def wilson(k: int, n: int) -> tuple[float, float]:
    """The 95 % Wilson score interval, written out from the textbook formula."""
    p = k / n
    centre = (p + Z95**2 / (2 * n)) / (1 + Z95**2 / n)
    half = Z95 / (1 + Z95**2 / n) * math.sqrt(p * (1 - p) / n + Z95**2 / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def expected_take_up(settings: Settings, first: dt.date, last: dt.date,
                     locations: list[int] | None = None, lang: str = "de") -> dict[str, dict]:
    cube = load_cube(get_engine(settings))
    scoped = replace(cube, volume=cube.volume.filter(pl.col("month").is_between(first, last)))
    got = compute("digital_take_up", scoped, ("location_id",), locations=locations,
                  min_n=settings.min_n)
    names = dict(zip(cube.locations["location_id"], cube.locations["name"], strict=True))
    out = {}
    for r in got.drop_nulls("location_id").iter_rows(named=True):
        value = (f"<{NB}{settings.min_n}" if r["suppressed"]
                 else fmt_percent(r["value"], lang))
        out[names[r["location_id"]]] = {
            "value": value, "n": fmt_count(r["n"], r["suppressed"], settings.min_n, lang),
            "numerator": r["numerator"], "cases": r["n"], "suppressed": r["suppressed"]}
    return out


def range_text(lo: float, hi: float) -> str:
    return f"{fmt_number(lo * 100, 'de', 1)}–{fmt_number(hi * 100, 'de', 1)}{NB}%"


# --- the sample city -------------------------------------------------------------------------


@pytest.fixture
def sample(monkeypatch, sample_store):  # noqa: ANN001, ANN201
    use_store(monkeypatch, sample_store)
    engine = get_engine(sample_store)
    return sample_store, load_cube(engine), load_appointments(engine)


def test_comparison_equals_the_kpi_engine_over_the_last_12_months(sample):  # noqa: ANN001
    settings, cube, facts = sample
    first, last = last_12_months(cube, facts)
    at = run_page()
    period = f"{fmt_month(first)} – {fmt_month(last)}"
    assert f"Zeitraum: {period}." in texts(at)
    expected = expected_take_up(settings, first, last)
    # The mobile office and the video consultation: the Überblick filtered to either
    # withholds some of its months (the location guard makes each the partner of a small
    # office month) inside the 12 months and before them — so the 12 months' total minus the
    # shown months would give the withheld ones back: "geschützt" (dashboard.data.locations)
    ids = dict(zip(cube.locations["name"], cube.locations["location_id"], strict=True))
    withheld = ["Mobiles Bürgeramt", "Videoberatung"]
    for name in withheld:
        months = period_series(cube, "digital_take_up", "month", cube.months[0],
                               cube.months[-1], locations=[ids[name]])
        held = months.filter(pl.col("suppressed"))["period"].to_list()
        assert any(first <= m <= last for m in held) and any(m < first for m in held), name
        expected[name] = {**expected[name], "value": "geschützt", "n": "geschützt"}
    shown = rows(at, "l_take_up_table")
    assert {r["Standort"]: {"value": r["Digitale Nutzungsquote"], "n": r["Vorgänge (n)"]}
            for r in shown} == {k: {"value": v["value"], "n": v["n"]}
                                for k, v in expected.items()}
    assert len(shown) == cube.locations.height == 7
    # highest share first, each with its Wilson interval (computed here by hand)
    values = [expected[r["Standort"]]["numerator"] / expected[r["Standort"]]["cases"]
              for r in shown if r["Standort"] not in withheld]
    assert values == sorted(values, reverse=True)
    assert [r["Standort"] for r in shown][-2:] == withheld  # then the withheld, by name
    for r in shown:
        e = expected[r["Standort"]]
        if r["Standort"] not in withheld:
            assert r["95-%-Intervall"] == range_text(*wilson(e["numerator"], e["cases"]))
    # the chart: one point per location at the same value, n in the row label
    trace = spec(at, "l_take_up_chart")["data"][0]
    assert sorted(trace["text"]) == sorted(v["value"] for v in expected.values())
    for label, text in zip(trace["y"], trace["text"], strict=True):
        name, n = label.split(" · n = ")
        assert (text, n) == (expected[name]["value"], expected[name]["n"])
    assert any(c.startswith("Textalternative: Digitale Nutzungsquote je Standort") for c in
               [c.value for c in at.caption])


def test_period_and_locations_come_from_the_url(sample):  # noqa: ANN001
    settings, cube, _ = sample
    names = dict(zip(cube.locations["location_id"], cube.locations["name"], strict=True))
    codes = dict(zip(cube.locations["name"], cube.locations["code"], strict=True))
    at = run_page(link=True, raster="year", von="2025", bis="2025",
                  standort=[codes["Bürgeramt Nord"], codes["Bürgeramt Süd"]])
    assert at.sidebar.selectbox(key="raster").value == "year"
    assert at.sidebar.selectbox(key="von").value == dt.date(2025, 1, 1)
    ids = at.sidebar.multiselect(key="standort").value
    assert sorted(names[i] for i in ids) == ["Bürgeramt Nord", "Bürgeramt Süd"]
    first, last = dt.date(2025, 1, 1), dt.date(2025, 12, 1)
    assert "Zeitraum: Jan 2025 – Dez 2025." in texts(at)
    expected = expected_take_up(settings, first, last, ids)
    assert {r["Standort"]: r["Digitale Nutzungsquote"] for r in rows(at, "l_take_up_table")} \
        == {k: v["value"] for k, v in expected.items()}
    # the dashed line: both locations together, Σ/Σ
    scoped = replace(cube, volume=cube.volume.filter(pl.col("month").is_between(first, last)))
    total = compute("digital_take_up", scoped, (), locations=ids).row(0, named=True)
    annotations = [a["text"] for a in spec(at, "l_take_up_chart")["layout"]["annotations"]]
    assert f"Alle Standorte: {fmt_percent(total['value'])}" in annotations


def test_small_locations_are_withheld_not_drawn(monkeypatch, sample):  # noqa: ANN001
    settings, cube, facts = sample
    monkeypatch.setenv("SERVICEPULS_MIN_N", "200")
    settings = settings.model_copy(update={"min_n": 200})
    at = run_page()
    first, last = last_12_months(cube, facts)
    expected = expected_take_up(settings, first, last)
    withheld = sorted(k for k, v in expected.items() if v["suppressed"])
    assert withheld == ["Mobiles Bürgeramt", "Videoberatung"]  # 190 and 88 cases
    shown = {r["Standort"]: r for r in rows(at, "l_take_up_table")}
    for name in withheld:
        assert shown[name]["Digitale Nutzungsquote"] == f"<{NB}200"
        assert shown[name]["Vorgänge (n)"] == f"<{NB}200"
        assert shown[name]["95-%-Intervall"] == "–"
    points, marks = spec(at, "l_take_up_chart")["data"][:2]
    drawn = {label.split(" · ")[0]: x for label, x in zip(points["y"], points["x"], strict=True)}
    assert all(drawn[name] is None for name in withheld)  # no point at zero …
    # … but "< 200" where it would be, and why
    small = f"<{NB}200 · ausgeblendet (weniger als 200 Fälle)"
    guarded = ("geschützt · ausgeblendet („geschützt“: sonst ließe sich ein ausgeblendeter "
               "Wert errechnen)")
    assert marks["text"].count(small) == 2
    # the other offices: "geschützt" exactly where the Überblick filtered to the office
    # withholds some of its months inside the 12 months (fewer than 200 cases, or the
    # location guard) and some before — the 12 months' total would give them back
    ids = dict(zip(cube.locations["name"], cube.locations["location_id"], strict=True))
    protected = sorted(name for name, r in shown.items()
                       if r["Digitale Nutzungsquote"] == "geschützt")
    assert marks["text"].count(guarded) == len(protected) and len(marks["text"]) == 2 + len(
        protected)
    for name in set(ids) - set(withheld):
        months = period_series(cube, "digital_take_up", "month", cube.months[0],
                               cube.months[-1], locations=[ids[name]], min_n=200)
        held = months.filter(pl.col("suppressed"))["period"].to_list()
        inside = [m for m in held if first <= m <= last]
        assert (name in protected) == (bool(inside) and len(inside) < len(held)), name
    assert "Bürgeramt Mitte (Rathaus)" not in protected  # the busy office is shown


def test_map_draws_every_location_with_coordinates_offline(sample):  # noqa: ANN001
    _, cube, _ = sample
    at = run_page()
    figure = spec(at, "l_map_chart")
    assert {t["type"] for t in figure["data"]} == {"scatter"}  # no geo, no mapbox: no CDN
    placed = cube.locations.drop_nulls("latitude")
    points = {(x, y) for t in figure["data"] for x, y in zip(t["x"], t["y"], strict=True)}
    assert points == set(zip(placed["longitude"], placed["latitude"], strict=True))
    ratio = figure["layout"]["yaxis"]["scaleratio"]
    assert figure["layout"]["yaxis"]["scaleanchor"] == "x"
    assert ratio == pytest.approx(1 / math.cos(math.radians(placed["latitude"].mean())))
    # the virtual location is listed below the map
    assert any("Ohne Lage auf der Karte" in m.value and "Videoberatung" in m.value
               for m in at.markdown)


def test_appointment_figures_equal_metrics(sample):  # noqa: ANN001
    settings, cube, facts = sample
    first, last = last_12_months(cube, facts)
    at = run_page()
    lead = facts.lead.filter(pl.col("month").is_between(first, last))
    by = ("location_id",)
    median = lead_time(lead, by, 0.5, min_n=settings.min_n)
    p90 = lead_time(lead, by, 0.9, min_n=settings.min_n)
    no_show = no_show_rate(lead, by, min_n=settings.min_n)
    names = dict(zip(cube.locations["location_id"], cube.locations["name"], strict=True))
    expected = {}
    for m, p, s in zip(median.iter_rows(named=True), p90.iter_rows(named=True),
                       no_show.iter_rows(named=True), strict=True):
        expected[names[m["location_id"]]] = [
            fmt_number(m["n"], "de", 0), fmt_days(m["value"]), fmt_days(p["value"]),
            fmt_percent(s["value"]), range_text(*wilson(s["numerator"], s["n"])),
            fmt_number(s["n"], "de", 0)]
    shown = {r["Standort"]: [r["Buchungen (n)"], r["Median"], r["90. Perzentil"],
                             r["No-Show-Quote"], r["95-%-Intervall"], r["Fällige Termine (n)"]]
             for r in rows(at, "l_appointments_table")}
    assert shown == expected
    assert len(shown) == 5  # the five offices take bookings
    assert "Ohne Terminbuchungen im Zeitraum: Mobiles Bürgeramt, Videoberatung" in texts(at)


@pytest.mark.parametrize(("location", "withheld"),
                         [("Bürgeramt West", True), ("Bürgeramt Mitte (Rathaus)", False)])
def test_heatmap_cells_equal_the_median_wait(sample, location, withheld):  # noqa: ANN001
    settings, cube, facts = sample
    first, last = last_12_months(cube, facts)
    at = run_page(link=True, wartestandort=location)
    location_id = cube.locations.filter(pl.col("name") == location)["location_id"][0]
    assert at.selectbox(key="wartestandort").value == location_id
    scoped = facts.waits.filter(pl.col("month").is_between(first, last))
    expected = wait(scoped, ("location_id", "weekday", "hour"), 0.5, min_n=settings.min_n) \
        .filter(pl.col("location_id") == location_id)
    cells = {(WEEKDAYS_DE[r["weekday"] - 1], f"{r['hour']:02d}–{r['hour'] + 1:02d}{NB}Uhr"):
             f"<{NB}5" if r["suppressed"] else fmt_number(r["value"], "de", 0)
             for r in expected.iter_rows(named=True)}
    table = {(r["Wochentag"], r["Uhrzeit"]): r["Wartezeit (Median, Minuten)"]
             for r in rows(at, "l_wait_table")}
    assert table == cells
    # West's small hours are withheld ("< 5" in the cell, no colour); Mitte has none
    assert any(v == f"<{NB}5" for v in cells.values()) == withheld
    # the same numbers are written in the heatmap's cells; cells without any appointment "–"
    heatmap = spec(at, "l_wait_chart")["data"][0]
    assert heatmap["type"] == "heatmap"
    assert heatmap["texttemplate"] == "%{text}"
    assert [colour for _, colour in heatmap["colorscale"]] == sequential.Cividis
    for i, day in enumerate(heatmap["y"]):
        for j, hour in enumerate(heatmap["x"]):
            assert heatmap["text"][i][j] == cells.get((day, hour), "–")
            shown = cells.get((day, hour), "–")
            assert heatmap["z"][i][j] == (None if shown[0] in "<–" else float(shown))
    assert f"Median (nächster Rang) je Wochentag und Stunde des Termins, {location}" in texts(at)


def test_english(sample):  # noqa: ANN001
    settings, cube, facts = sample
    first, last = last_12_months(cube, facts)
    at = run_page(lang="en")
    assert at.title[0].value == "Locations"
    assert [h.value for h in at.header] == [
        "Digital take-up by location", "Where the locations are", "Appointments",
        "On-site wait by weekday and hour"]
    expected = expected_take_up(settings, first, last, lang="en")
    for name in ("Mobiles Bürgeramt", "Videoberatung"):  # as in German (test above)
        expected[name]["value"] = "protected"
    assert {r["Location"]: r["Digital take-up"] for r in rows(at, "l_take_up_table")} \
        == {k: v["value"] for k, v in expected.items()}
    assert "withheld (“protected”: else a withheld value could be recomputed)" in {
        r["Note"] for r in rows(at, "l_take_up_table")}
    assert {r["Weekday"] for r in rows(at, "l_wait_table")} <= {"Mon", "Tue", "Wed", "Thu",
                                                                   "Fri"}


# --- stores without appointments, without anything ---------------------------------------------


@pytest.fixture(scope="module")
def cases_only(sample_export, tmp_path_factory) -> Settings:  # noqa: ANN001
    """The sample city's master data and cases, but no appointment export."""
    folder = tmp_path_factory.mktemp("cases_only")
    for name in ("leistungen.csv", "standorte.csv", "vorgaenge.csv"):
        (folder / name).write_bytes((sample_export.out_dir / name).read_bytes())
    settings = Settings(data_dir=folder, database_url=f"sqlite:///{folder / 'store.db'}",
                        pseudonymisation_key="test-key")
    import_dir(folder, settings)
    return settings


def test_without_appointments_the_page_explains_how_to_import_them(monkeypatch, cases_only):
    use_store(monkeypatch, cases_only)
    at = run_page()
    infos = [i.value for i in at.info]
    assert any("Noch keine Termine importiert" in i and "termine_<Standortnummer>.json" in i
               and "servicepuls import <Ordner>" in i for i in infos)
    assert any(i.startswith("Noch keine Wartezeiten im Datenbestand") for i in infos)
    assert at.get_by_key("l_take_up_table").table  # the comparison is still there
    assert at.get_by_key("l_map_table").table


@pytest.mark.parametrize("with_schema", [False, True], ids=["no-tables", "no-rows"])
def test_empty_store_explains_how_to_import(monkeypatch, tmp_path: Path, with_schema: bool):
    settings = Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'none.db'}")
    if with_schema:
        upgrade(settings)
    use_store(monkeypatch, settings)
    at = run_page()
    assert at.title[0].value == "Standorte"
    assert len(at.info) == 1
    assert "Noch keine Daten" in at.info[0].value
    assert "servicepuls import data/musterstadt" in at.info[0].value
    assert not at.get("plotly_chart")


# --- real data: the Moers wait statistics ------------------------------------------------------


@pytest.fixture(scope="module")
def moers(tmp_path_factory) -> Settings:  # noqa: ANN001
    if not MOERS.exists():
        pytest.fail(f"real data missing at {MOERS} (../shared/realdata is part of the checkout)")
    folder = tmp_path_factory.mktemp("moers")
    settings = Settings(data_dir=folder, database_url=f"sqlite:///{folder / 'store.db'}",
                        pseudonymisation_key="test-key")
    for week_folder in sorted(MOERS.iterdir()):
        import_dir(week_folder, settings)
    return settings


@pytest.mark.parametrize("period", [None, "all", "2015"])
def test_moers_heatmap_equals_wait_by_weekday_hour(monkeypatch, moers, period):  # noqa: ANN001
    use_store(monkeypatch, moers)
    cube = load_cube(get_engine(moers))
    last_day = cube.waits["day"].max()
    if period is None:  # the last 12 months of the data
        start, end = shift_month(last_day.replace(day=1), -11), last_day
    elif period == "all":  # from the first to the last month of the data
        start, end = None, None
        query = {"von": f"{cube.waits['day'].min():%Y-%m}", "bis": f"{last_day:%Y-%m}"}
    else:
        start, end = dt.date(2015, 1, 1), dt.date(2015, 12, 31)
        query = {"raster": "year", "von": "2015", "bis": "2015"}
    at = run_page(link=True, **({} if period is None else query))
    expected = wait_by_weekday_hour(cube, start=start, end=end)
    assert not expected["weighted"].any()  # Moers publishes no visit counts
    cells = {(WEEKDAYS_DE[r["weekday"] - 1], f"{r['hour']:02d}–{r['hour'] + 1:02d}{NB}Uhr"):
             (fmt_number(r["mean_wait"], "de", 1), fmt_number(r["slots"], "de", 0))
             for r in expected.iter_rows(named=True)}
    table = {(r["Wochentag"], r["Uhrzeit"]): (r["Wartezeit (Mittel, Minuten)"],
                                              r["Stundenwerte (n)"])
             for r in rows(at, "l_wait_table")}
    assert table == cells
    heatmap = spec(at, "l_wait_chart")["data"][0]
    for i, day in enumerate(heatmap["y"]):
        for j, hour in enumerate(heatmap["x"]):
            assert heatmap["text"][i][j] == cells.get((day, hour), ("–",))[0]
    notes = texts(at)
    assert "Mittelwert der veröffentlichten Stundenmittel" in notes
    assert "jede Stunde zählt gleich" in notes
    # no cases, no appointments: both explained, the one location still on the map
    assert any("Noch keine Vorgänge im Datenbestand" in i.value for i in at.info)
    assert any("Noch keine Termine importiert" in i.value for i in at.info)
    assert [r["Standort"] for r in rows(at, "l_map_table")] == ["Bürgerservice Moers"]


# --- the span's total of a location against its months (hand-made) -------------------------
# month, location (1 Mitte, 2 Nord), service, channel, cases, processing days, follow-ups
SPAN_CASES = [
    ("2026-09", 1, 1, "online", 5, 2, 0),
    ("2026-09", 1, 1, "in_person", 5, 4, 0),
    ("2026-09", 2, 1, "online", 1, 2, 0),
    ("2026-09", 2, 1, "in_person", 2, 4, 0),
    ("2026-10", 1, 1, "online", 4, 2, 0),
    ("2026-10", 1, 1, "in_person", 6, 4, 0),
    ("2026-10", 2, 1, "online", 2, 2, 0),
    ("2026-10", 2, 1, "in_person", 6, 4, 0),
]


@pytest.fixture
def span_store(settings, monkeypatch):  # noqa: ANN001, ANN201
    """Mitte: Sep 10 cases (5 online), Okt 10 (4 online). Nord: Sep 3 (1 online), Okt 8 (2
    online). The Überblick filtered to Nord withholds Sep ("< 5"); filtered to Mitte it
    withholds Sep too (the location guard: Nord's 3 and Mitte's 10 are Sep's pool), so
    Sep–Okt of either office minus its Okt would give its Sep back: both are "geschützt" on
    this page over Sep–Okt, the line of all locations (12 / 31 = 38,7 %) stays — it is the
    Überblick's Sep + Okt, and 31 = Mitte + Nord with both ≥ 5 pins neither down. Okt alone:
    Mitte 4 / 10 = 40,0 %, Nord 2 / 8 = 25,0 %, all 6 / 18 = 33,3 %. Sep alone: Nord "< 5",
    Mitte "geschützt" (its Sep is withheld on the Überblick), all 6 / 13 = 46,2 %."""
    import tests.test_dashboard_overview as overview_store

    monkeypatch.setattr(overview_store, "CASES", SPAN_CASES)
    overview_store.fill_store(settings)
    use_store(monkeypatch, settings)
    return settings


@pytest.mark.parametrize(("von", "bis", "mitte", "nord", "total"), [
    ("2026-09", "2026-10", "geschützt", "geschützt", f"38,7{NB}%"),
    ("2026-10", "2026-10", f"40,0{NB}%", f"25,0{NB}%", f"33,3{NB}%"),
    ("2026-09", "2026-09", "geschützt", f"<{NB}5", f"46,2{NB}%"),
])
def test_a_locations_span_cannot_give_its_withheld_months_back(
        span_store, von, bis, mitte, nord, total):  # noqa: ANN001
    at = run_page(link=True, raster="month", von=von, bis=bis)
    shown = {r["Standort"]: r for r in rows(at, "l_take_up_table")}
    assert shown["Bürgeramt Mitte"]["Digitale Nutzungsquote"] == mitte
    assert shown["Bürgeramt Nord"]["Digitale Nutzungsquote"] == nord
    for r in shown.values():
        value = r["Digitale Nutzungsquote"]
        if value == "geschützt":
            assert r["Vorgänge (n)"] == "geschützt" and r["95-%-Intervall"] == "–"
            assert r["Hinweis"] == ("ausgeblendet („geschützt“: sonst ließe sich ein "
                                    "ausgeblendeter Wert errechnen)")
    annotations = [a["text"] for a in spec(at, "l_take_up_chart")["layout"]["annotations"]]
    assert f"Alle Standorte: {total}" in annotations
    # the Überblick of the same months agrees: what it withholds, this page cannot undo
    overview = open_page("views/overview.py", link=True, raster="month", von=von, bis=bis)
    captions = " ".join(c.value for c in overview.get_by_key("o_tiles").caption)
    assert f"n = {13 if bis == '2026-09' else 18} Vorgänge" in captions


@pytest.mark.parametrize(("mitte_online", "line"), [
    (4, f"Alle Standorte: 30,8{NB}%"),
    (0, None)])
def test_the_line_of_all_locations_goes_when_it_would_give_one_away(
        settings, monkeypatch, mitte_online, line):  # noqa: ANN001
    """Okt 2026 only: Mitte 10 cases, Nord 3 (none online). Nord is "< 5", Mitte "geschützt"
    (the location guard withholds Mitte's Okt on the Überblick as Nord's partner). With 4
    of Mitte's cases online the line of both (4 / 13 = 30,8 %) stays: 13 = Mitte + Nord
    pins neither down (Nord 1 … 4, Mitte 9 … 12), and 4 digital of 13 are neither none nor
    all. With none online at Mitte either, the line would read 0,0 % — every withheld
    take-up 0 % — so it goes, and the caption says why."""
    import tests.test_dashboard_overview as overview_store

    monkeypatch.setattr(overview_store, "CASES", [
        ("2026-10", 1, 1, "online", mitte_online, 2, 0),
        ("2026-10", 1, 1, "in_person", 10 - mitte_online, 4, 0),
        ("2026-10", 2, 1, "in_person", 3, 4, 0)])
    overview_store.fill_store(settings)
    use_store(monkeypatch, settings)
    at = run_page(link=True, raster="month", von="2026-10", bis="2026-10")
    shown = {r["Standort"]: r["Digitale Nutzungsquote"] for r in rows(at, "l_take_up_table")}
    assert shown == {"Bürgeramt Mitte": "geschützt", "Bürgeramt Nord": f"<{NB}5"}
    annotations = [a["text"] for a in spec(at, "l_take_up_chart")["layout"].get(
        "annotations", [])]
    said = ("Alle Standorte: geschützt — keine Linie, sonst ließe sich ein ausgeblendeter "
            "Standort errechnen.")
    if line:
        assert line in annotations and said not in texts(at)
    else:
        assert not [a for a in annotations if a.startswith("Alle Standorte")]
        assert said in texts(at)


def test_a_service_never_online_has_no_take_up_and_no_error(sample):  # noqa: ANN001
    """Filtered to L032 (online since 9999-12-31 in the sample city: never online), no case
    counts for take-up: the comparison says why it is empty and the page carries on with
    the appointments — before, the line's empty total raised an IndexError."""
    at = run_page(link=True, leistungen="L032")
    assert not at.exception, [e.message for e in at.exception]
    assert [i.value for i in at.info] == [
        "Im Zeitraum Nov 2025 – Okt 2026 zählt kein Vorgang der gewählten Standorte und "
        "Leistungen für die digitale Nutzungsquote: Es gibt keine, oder nur solche von "
        "Leistungen, die damals nicht online waren."]
    assert [s.value for s in at.subheader] == ["Vorlaufzeit", "Nicht wahrgenommene Termine"]
