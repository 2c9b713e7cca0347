"""The "Leistungen" page: metrics.service_view on the hand-made store (numbers checked by
hand), and the page through Streamlit's AppTest — URL, tiles, ranking, funnel, Maßnahmen,
empty store, English — on the hand-made store and on the sample city.

The hand-made store (``tests/test_dashboard_overview.CASES``) has cases in Okt 2025 and
Aug–Okt 2026, so the 12-month window is Nov 2025 – Okt 2026 and holds, for "Anmeldung einer
Wohnung": Aug 3 cases (1 online), Sep 20 (6 online), Okt 20 (8 online, 1 assisted digital) —
43 cases, 15 online: take-up 15 / 43 = 34,9 %. Processing days of the 43 completed cases:
1 day × 6, 2 × 12, 3 × 2, 4 × 5, 5 × 9, 6 × 9 → median (rank 22) 4 days, P90 (rank 39)
6 days; online only (15): 1 × 6, 2 × 8, 3 × 1 → median 2, P90 2; offline (28): 2 × 4, 3 × 1,
4 × 5, 5 × 9, 6 × 9 → median 5, P90 6. Follow-ups: 7 of 43 (16,3 %), all in person (7 / 27).
"Hundesteuer" has 3 cases, all in Okt 2026: every value is withheld ("< 5"). Beside the
Überblick's total of both services (46 cases in the window, 23 in Okt 2026) Anmeldung's
values would give Hundesteuer's back (46 − 43 = 3), so over any period that holds Okt 2026
Anmeldung is withheld as well ("geschützt", metrics.ranking_protection): the only other
cell, and with it the two withheld cells rest on 46 cases, Hundesteuer's 1 … 4 and
Anmeldung's ≥ 5 — neither can be pinned down.

Along the months (metrics.ranking_protection's grid): Anmeldung's Aug 2026 (3 cases, the
month's only service: "< 5") and Okt 2026 (20, "geschützt" beside Hundesteuer's 3) are
withheld in its monthly series. Aug's total is Anmeldung's Aug (the Überblick's Q3 2026
minus Jul and Sep gives it back), so Anmeldung's total over every month (59: Okt 2025 16,
Aug 3, Sep 20, Okt 20) minus its shown months would give Okt 2026 and with it Hundesteuer
back: its row is *open*, a period shows its total only if it holds neither Aug nor Okt
2026. Nov 2025 – Sep 2026 holds Aug: 23 − Sep's 20 would give Aug's 3 back, so Anmeldung
is "geschützt" there too. Sep 2026 alone ("von=bis=2026-09") shows it: 20 cases, 6 online →
take-up 30,0 %; processing days 2 × 5, 3 × 1, 4 × 5, 6 × 9 → median (rank 10) 4, P90 (rank
18) 6; follow-ups 4 of 20 (20,0 %), all in person (4 / 14; online 0 / 6).

In AppTest the app starts on the overview, whose own ``leistung`` filter holds the URL
parameter until the page switch releases it; a link opened on this page is therefore
simulated by changing ``?leistung=`` after switching (the page follows a URL value it did not
write itself).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from functools import partial
from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from connectors.db import get_engine, upgrade
from connectors.settings import Settings
from dashboard.formatting import fmt_count, fmt_month, fmt_number, fmt_value
from metrics import service_view
from metrics.cube import Cube, load_cube
from metrics.funnel import completion_rate, load_funnel
from metrics.kpis import compute
from metrics.overview import shift_month
from tests.test_dashboard_overview import fill_store, open_page, use_store

NB = "\u00a0"
PAGE = "views/services.py"
ANMELDUNG, HUNDESTEUER = 1, 2
PILOTS = """\
[[pilot]]
name = "Online-Anmeldung"
start = "2026-09-01"
services = ["ANM"]
locations = ["NRD"]

[[pilot.intervention]]
date = "2026-09-01"
label = "Videoanleitung online"

[[pilot.intervention]]
date = "2026-10-15"
label = "Flyer im Bürgeramt"
"""


@pytest.fixture
def handmade(tmp_path: Path) -> Settings:
    settings = Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'store.db'}",
                        pseudonymisation_key="test-key")
    fill_store(settings)
    return settings


def window_cube(cube: Cube, months: int = 12) -> Cube:
    """The last ``months`` months of receipt — written out here, independent of the page."""
    last = cube.months[-1]
    first = shift_month(last, 1 - months)
    inside = pl.col("month").is_between(first, last)
    return replace(cube, volume=cube.volume.filter(inside),
                   durations=cube.durations.filter(inside),
                   usage=cube.usage.filter((pl.col("period_start") >= first)
                                           & (pl.col("period_end") < shift_month(last, 1))))


def expected(settings: Settings, service_id: int, lang: str = "de") -> dict[str, str]:
    """The window's KPIs of one service straight from the engine, formatted for display."""
    w = window_cube(load_cube(get_engine(settings)))
    out = {}
    for kpi, grain in (("digital_take_up", "month"), ("processing_days_median", None),
                       ("processing_days_p90", None), ("follow_up_rate", None)):
        row = compute(kpi, w, ("service_id",), services=[service_id], min_n=settings.min_n,
                      grain=grain).row(0, named=True)
        out[kpi] = fmt_value(kpi, row["value"], row["suppressed"], settings.min_n, lang)
        if kpi == "digital_take_up":
            out["cases"] = fmt_count(row["n"], row["suppressed"], settings.min_n, lang)
    return out


# --- metrics.service_view: hand-checked numbers --------------------------------------------


def test_ranking_on_the_handmade_store(handmade):
    cube = load_cube(get_engine(handmade))
    funnel = load_funnel(get_engine(handmade))
    rows = {r["service_id"]: r for r in service_view.ranking(cube, funnel).to_dicts()}
    a = rows[ANMELDUNG]
    assert (a["cases"], a["cases_suppressed"]) == (43, False)
    assert a["take_up"] == pytest.approx(15 / 43)
    assert (a["median_days"], a["p90_days"], a["completed"]) == (4, 6, 43)
    assert a["follow_up"] == pytest.approx(7 / 43)
    assert (a["completion"], a["started"]) == (None, 0)  # no portal data
    assert (a["months_with_data"], a["months_total"]) == (3, 12)
    h = rows[HUNDESTEUER]
    assert (h["cases"], h["cases_suppressed"], h["take_up"], h["take_up_suppressed"]) == (
        3, True, None, True)
    assert (h["median_days"], h["days_suppressed"], h["months_with_data"]) == (None, True, 1)
    # the busiest service first
    assert service_view.ranking(cube, funnel)["service_id"].to_list() == [ANMELDUNG, HUNDESTEUER]


def test_detail_on_the_handmade_store(handmade):
    cube = load_cube(get_engine(handmade))
    d = service_view.detail(cube, load_funnel(get_engine(handmade)), ANMELDUNG)
    assert (d.first, d.last) == (dt.date(2025, 11, 1), dt.date(2026, 10, 1))
    # every calendar month Okt 2025 – Okt 2026, a gap where there were no cases
    assert d.take_up.height == 13 and d.take_up["n"].to_list()[1:10] == [0] * 9
    by_mode = {(r["month"], r["mode"]): r for r in d.processing.to_dicts()}
    sep, aug = dt.date(2026, 9, 1), dt.date(2026, 8, 1)
    assert (by_mode[sep, "online"]["median"], by_mode[sep, "online"]["n"]) == (2, 6)
    assert (by_mode[sep, "offline"]["median"], by_mode[sep, "offline"]["p90"]) == (6, 6)
    assert by_mode[aug, "offline"]["suppressed"] and by_mode[aug, "offline"]["median"] is None
    # Okt 2025: 2 completed online ("< 5") beside 14 offline — the month's 16 completed
    # cases (the Überblick under a service filter) minus 14 would give the 2 back, so
    # offline is withheld as well: each mode is a channel filter, and the guard of
    # metrics.disclosure withholds a filter holding part of the month's withheld channels
    okt25 = dt.date(2025, 10, 1)
    assert (by_mode[okt25, "online"]["n"], by_mode[okt25, "offline"]["n"]) == (2, 14)
    assert by_mode[okt25, "online"]["suppressed"] and by_mode[okt25, "offline"]["suppressed"]
    assert by_mode[okt25, "offline"]["median"] is None
    mix = {(r["month"], r["channel"]): r for r in d.mix.to_dicts()}
    assert d.mix["channel"].unique(maintain_order=True).to_list() == [
        "online", "assisted_digital", "in_person"]
    assert mix[dt.date(2026, 10, 1), "online"]["share"] == pytest.approx(8 / 20)
    assert mix[aug, "online"]["suppressed"] and mix[aug, "online"]["share"] is None  # n = 3
    follow = {r["channel"]: r for r in d.follow_up.to_dicts()}
    # online 0 of 15 is withheld: Hundesteuer's one online case is, and "all services"
    # minus this service would give it away (the guard of metrics.disclosure); assisted
    # digital rests on 1 case. In person, 7 of 27, would leave 43 − 27 = 16 completed cases
    # with 7 − 7 = 0 follow-ups to the two: both 0 % — so it is withheld too
    # (metrics.service_view.protect_parts; the page draws none of them here: the window's
    # completed total is "geschützt")
    assert list(follow) == ["online", "assisted_digital", "in_person"]
    assert all(r["suppressed"] for r in follow.values())
    assert follow["online"]["suppressed"] and follow["online"]["value"] is None
    assert follow["in_person"]["suppressed"] and follow["in_person"]["value"] is None
    # Sep 2026 alone: in person 4 of 14, online 0 of 6 — both shown (no withheld channel)
    sep_only = service_view.detail(cube, load_funnel(get_engine(handmade)), ANMELDUNG,
                                   span=(sep, sep))
    follow = {r["channel"]: r for r in sep_only.follow_up.to_dicts()}
    assert follow["in_person"]["value"] == pytest.approx(4 / 14)
    assert not follow["online"]["suppressed"] and follow["online"]["value"] == 0
    dist = {(r["mode"], r["first_day"]): r for r in d.distribution.to_dicts()}
    assert dist["online", 1]["share"] == pytest.approx(6 / 15)
    assert dist["online", 2]["share"] == pytest.approx(9 / 15)  # 2–3 days
    assert (dist["offline", 2]["cases"], dist["offline", 4]["cases"]) == (5, 23)  # 2–3, 4–7
    assert d.completion.is_empty() and not d.has_funnel


def test_processing_split_matches_the_engine(handmade):
    """Online/offline percentiles over the window equal compute() with the channels."""
    w = window_cube(load_cube(get_engine(handmade)))
    channels = service_view.mode_channels(w)
    assert channels == {"online": ["online"], "offline": ["assisted_digital", "in_person",
                                                          "post"]}
    for mode, median, p90 in (("online", 2, 2), ("offline", 5, 6)):
        got = [compute(k, w, (), services=[ANMELDUNG], channels=channels[mode])["value"][0]
               for k in ("processing_days_median", "processing_days_p90")]
        assert got == [median, p90]


@pytest.mark.parametrize(("value", "found"), [
    ("Anmeldung einer Wohnung", ANMELDUNG), ("  anmeldung EINER wohnung ", ANMELDUNG),
    ("Anmeldung einer Wohnung (99115001001000)", ANMELDUNG), ("99115001001000", ANMELDUNG),
    ("HST", HUNDESTEUER), ("Hundesteuer", HUNDESTEUER), ("Hunde", None), ("", None)])
def test_url_values_name_a_service(handmade, value, found):
    services = load_cube(get_engine(handmade)).services
    assert service_view.find_service(value, services) == found


# --- the page through AppTest -------------------------------------------------------------


run_page = partial(open_page, PAGE, query_after_click=True)  # see open_page


def tiles(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.get_by_key("v_tiles").metric}


def texts(at: AppTest) -> str:
    return "\n".join([c.value for c in at.caption] + [m.value for m in at.markdown])


def ranking(at: AppTest) -> list[dict]:
    """The ranking as shown: text, in the order the page sorted it."""
    (frame,) = at.get_by_key("v_ranking").table
    return frame.value.to_dict("records")


def number(text: str) -> float | None:
    """"1.234" / "34,9 %" back to a number; None for "< 5", "geschützt" and "–"."""
    if text.startswith("<") or text in ("–", "geschützt"):
        return None
    return float(text.replace(".", "").replace(",", ".").removesuffix(f"{NB}%"))


def table(at: AppTest, key: str) -> list[dict]:
    tables = at.get_by_key(key).table
    assert len(tables) == 1
    return tables[0].value.to_dict("records")


@pytest.mark.parametrize("with_schema", [False, True], ids=["no-tables", "no-cases"])
def test_empty_store_explains_how_to_import(monkeypatch, tmp_path, with_schema):
    settings = Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'none.db'}")
    if with_schema:
        upgrade(settings)
    use_store(monkeypatch, settings)
    at = run_page()
    assert at.title[0].value == "Leistungen"
    (info,) = at.info
    assert "Noch keine Daten" in info.value and "servicepuls import data/musterstadt" in info.value
    assert not at.metric and not at.get("plotly_chart") and not at.dataframe


def test_default_service_tiles_and_url(monkeypatch, handmade):
    use_store(monkeypatch, handmade)
    at = run_page()
    assert at.selectbox(key="v_leistung").value == ANMELDUNG  # first by name: both withheld
    # AppTest keeps the overview's binding of ``leistung`` through the first run after the
    # switch (the browser does not: test_browser sees the name in the URL at once); from the
    # next run on the page writes it
    at.run()
    assert at.query_params["leistung"] == "Anmeldung einer Wohnung"
    assert at.selectbox(key="v_leistung").options == [
        "Anmeldung einer Wohnung (99115001001000)", "Hundesteuer"]
    # the window holds Hundesteuer's 3 cases: Anmeldung protects them (see the docstring)
    assert tiles(at) == {
        "Vorgänge": "geschützt", "Digitale Nutzungsquote": "geschützt",
        "Bearbeitungszeit (Median)": "geschützt",
        "Bearbeitungszeit (90. Perzentil)": "geschützt", "Rückfragenrate": "geschützt",
        "Abschlussquote Online-Formular": "–"}
    assert "Vorgänge geschützt" in texts(at) and "n = geschützt" not in texts(at)
    assert [h.value for h in at.header] == ["Anmeldung einer Wohnung"]
    assert "LeiKa-Schlüssel 99115001001000 · Leistungsnummer ANM" in texts(at)
    # its monthly charts are drawn with the grid's months withheld (Aug "< 5", Okt 2026 "< 5"
    # with the caption naming it); the charts of the whole window split by mode or channel
    # are not: their parts would add up to the withheld 43
    assert [c.key for c in at.get("plotly_chart")] == [
        "v_mix_chart", "v_take_up_chart", "v_processing_chart", "v_supply_chart"]
    assert len([i for i in at.info if i.value.startswith("„geschützt“")]) == 2
    mix = {r["Monat"]: r for r in table(at, "v_mix")}
    assert [mix[m]["Vorgänge (n)"] for m in ("Aug 2026", "Sep 2026", "Okt 2026")] == [
        f"<{NB}5", "20", f"<{NB}5"]
    assert any(c.startswith(f"„<{NB}5“ steht in ") and "Okt 2026" in c
               for c in texts(at).splitlines())


def test_tiles_of_september_equal_the_engine(monkeypatch, handmade):
    """Sep 2026 holds none of Anmeldung's withheld months: it is shown (docstring)."""
    use_store(monkeypatch, handmade)
    at = run_page(von="2026-09", bis="2026-09")
    assert tiles(at) == {
        "Vorgänge": "20", "Digitale Nutzungsquote": f"30,0{NB}%",
        "Bearbeitungszeit (Median)": f"4{NB}Tage", "Bearbeitungszeit (90. Perzentil)":
        f"6{NB}Tage", "Rückfragenrate": f"20,0{NB}%", "Abschlussquote Online-Formular": "–"}
    w = window_cube(load_cube(get_engine(handmade)), 2)
    w = replace(w, volume=w.volume.filter(pl.col("month") == dt.date(2026, 9, 1)),
                durations=w.durations.filter(pl.col("month") == dt.date(2026, 9, 1)))
    row = compute("digital_take_up", w, ("service_id",), services=[ANMELDUNG],
                  grain="month").row(0, named=True)
    assert (row["numerator"], row["n"]) == (6, 20)


def test_a_period_holding_part_of_the_withheld_months_withholds_the_total(monkeypatch,
                                                                         handmade):
    """Nov 2025 – Sep 2026: 23 cases minus Sep's shown 20 would give Aug's withheld 3 back
    — the total is "geschützt", the monthly charts stay with Aug "< 5"."""
    use_store(monkeypatch, handmade)
    at = run_page(von="2025-11", bis="2026-09")
    assert set(tiles(at).values()) == {"geschützt", "–"}
    mix = {r["Monat"]: r for r in table(at, "v_mix")}
    assert (mix["Aug 2026"]["Vorgänge (n)"], mix["Sep 2026"]["Vorgänge (n)"]) == (
        f"<{NB}5", "20")
    assert "v_distribution_chart" not in [c.key for c in at.get("plotly_chart")]


def test_service_from_the_url_and_the_select(monkeypatch, handmade):
    use_store(monkeypatch, handmade)
    at = run_page(leistung="Hundesteuer")
    assert at.selectbox(key="v_leistung").value == HUNDESTEUER
    suppressed = f"<{NB}5"
    assert tiles(at) == {
        "Vorgänge": suppressed, "Digitale Nutzungsquote": suppressed,
        "Bearbeitungszeit (Median)": suppressed, "Bearbeitungszeit (90. Perzentil)": suppressed,
        "Rückfragenrate": suppressed, "Abschlussquote Online-Formular": "–"}
    assert tiles(at)["Digitale Nutzungsquote"] == expected(handmade, HUNDESTEUER)[
        "digital_take_up"]
    # a LeiKa key in a link finds the service; the URL then carries its name again
    at.query_params["leistung"] = "99115001001000"
    at.run()
    assert at.selectbox(key="v_leistung").value == ANMELDUNG
    assert at.query_params["leistung"] == "Anmeldung einer Wohnung"
    # choosing in the select writes the URL
    at.selectbox(key="v_leistung").set_value(HUNDESTEUER).run()
    assert at.query_params["leistung"] == "Hundesteuer"
    # an unknown value says so and keeps the current service
    at.query_params["leistung"] = "Fischereischein"
    at.run()
    assert at.selectbox(key="v_leistung").value == HUNDESTEUER
    assert [w.value for w in at.warning] == [
        "Die Leistung „Fischereischein“ aus dem Link gibt es im Datenbestand nicht; gezeigt "
        "wird „Hundesteuer“."]


def test_charts_have_method_alternative_and_tables(monkeypatch, handmade):
    use_store(monkeypatch, handmade)
    at = run_page(von="2026-09", bis="2026-09")  # Anmeldung shown: see the docstring
    charts = at.get("plotly_chart")
    assert len(charts) == 6  # mix, take-up, processing, distribution, follow-ups, offer
    for chart in charts:
        assert chart.proto.alt.startswith("Textalternative: ")
        assert chart.proto.alt in texts(at)  # the alternative is visible text as well
    mix = {r["Monat"]: r for r in table(at, "v_mix")}
    # Sep 2026: 6 of 20 online (5 Mitte, 1 Nord), 14 in person
    assert mix == {"Sep 2026": {"Monat": "Sep 2026", "Online": f"30,0{NB}%",
                                "Assistiert digital": f"0,0{NB}%", "Vor Ort": f"70,0{NB}%",
                                "Vorgänge (n)": "20", "Hinweis": ""}}
    processing = {r["Monat"]: r for r in table(at, "v_processing")}
    # Sep online: 2 days × 5, 3 × 1 → median 2, P90 3; offline: 4 × 5, 6 × 9 → 6 and 6
    assert processing["Sep 2026"]["Online: Median"] == f"2{NB}Tage"
    assert processing["Sep 2026"]["Online: 90. Perzentil"] == f"3{NB}Tage"
    assert processing["Sep 2026"]["Offline: 90. Perzentil"] == f"6{NB}Tage"
    # in person: 14 in Sep, 1 + 3 with follow-ups → 4 / 14; online 0 of 6
    follow = {r["Eingangskanal"]: r for r in table(at, "v_follow_up")}
    assert follow["Vor Ort"]["Rückfragenrate"] == f"28,6{NB}%"
    assert follow["Online"] == {"Eingangskanal": "Online", "Rückfragenrate": f"0,0{NB}%",
                                "Abgeschlossene Vorgänge (n)": "6"}
    days = {r["Bearbeitungszeit"]: r for r in table(at, "v_distribution")}
    # online: 2 days × 5, 3 × 1; offline: 4 × 5, 6 × 9
    assert (days["1 Tag"]["Online"], days["2–3 Tage"]["Online"]) == (f"0,0{NB}%", f"100,0{NB}%")
    assert days["4–7 Tage"]["Offline"] == f"100,0{NB}%"
    assert days["Abgeschlossene Vorgänge (n)"] == {
        "Bearbeitungszeit": "Abgeschlossene Vorgänge (n)", "Online": "6", "Offline": "14"}
    alt = texts(at)
    assert "Online im Sep 2026: Median 2\u00a0Tage" in alt
    assert "Methode: Median und 90. Perzentil der Kalendertage" in alt
    # Nov 2025 – Sep 2026: the total is withheld (docstring), the months are drawn
    at = run_page(von="2025-11", bis="2026-09")
    mix = {r["Monat"]: r for r in table(at, "v_mix")}
    assert mix["Aug 2026"]["Online"] == f"<{NB}5" and mix["Aug 2026"]["Vorgänge (n)"] == \
        f"<{NB}5"
    assert mix["Mär 2026"]["Hinweis"] == "keine Daten"
    assert "Okt 2026" not in mix  # after the chosen months
    processing = {r["Monat"]: r for r in table(at, "v_processing")}
    assert processing["Aug 2026"]["Offline: Median"] == f"<{NB}5"
    assert processing["Sep 2026"]["Online: Median"] == f"2{NB}Tage"


def test_detail_guard_of_the_channels(handmade):
    """Over the whole window Okt 2026 is withheld online and offline: its one
    assisted-digital case is, and its partner in the pool is the online channel, which each
    mode holds only half of (the guard of metrics.disclosure)."""
    d = service_view.detail(load_cube(get_engine(handmade)), load_funnel(get_engine(handmade)),
                            ANMELDUNG)
    by_mode = {(r["month"], r["mode"]): r for r in d.processing.to_dicts()}
    okt = dt.date(2026, 10, 1)
    assert by_mode[okt, "online"]["suppressed"] and by_mode[okt, "offline"]["suppressed"]


def test_ranking_rows_equal_the_metrics(monkeypatch, handmade):
    use_store(monkeypatch, handmade)
    at = run_page(von="2026-09", bis="2026-09")
    shown = ranking(at)
    assert [r["Leistung"] for r in shown] == ["Anmeldung einer Wohnung", "Hundesteuer"]
    assert shown[0] == {
        "Leistung": "Anmeldung einer Wohnung", "LeiKa-Schlüssel": "99115001001000",
        "Vorgänge": "20", "Digitale Nutzungsquote": f"30,0{NB}%", "Median (Tage)": "4",
        "90. Perzentil (Tage)": "6", "Rückfragenrate": f"20,0{NB}%",
        "Abschlussquote Online-Formular": "–", "Monate mit Daten": "1 von 1"}
    assert shown[1]["Vorgänge"] == "0" and shown[1]["Digitale Nutzungsquote"] == "–"
    # the default window holds Okt 2026: Hundesteuer "< 5", Anmeldung "geschützt"
    at = run_page()
    shown = ranking(at)
    assert shown == [{
        "Leistung": "Anmeldung einer Wohnung", "LeiKa-Schlüssel": "99115001001000",
        "Vorgänge": "geschützt", "Digitale Nutzungsquote": "geschützt",
        "Median (Tage)": "geschützt", "90. Perzentil (Tage)": "geschützt",
        "Rückfragenrate": "geschützt", "Abschlussquote Online-Formular": "–",
        "Monate mit Daten": "3 von 12"}, {
        "Leistung": "Hundesteuer", "LeiKa-Schlüssel": "–", "Vorgänge": f"<{NB}5",
        "Digitale Nutzungsquote": f"<{NB}5", "Median (Tage)": f"<{NB}5",
        "90. Perzentil (Tage)": f"<{NB}5", "Rückfragenrate": f"<{NB}5",
        "Abschlussquote Online-Formular": "–", "Monate mit Daten": "1 von 12"}]
    intro = texts(at)
    assert "2 von 2 Leistungen haben in diesem Zeitraum Daten." in intro
    assert "„geschützt“: zusätzlich ausgeblendet, damit sich kein ausgeblendeter Wert aus " \
        "der Summe aller Leistungen (Überblick) oder den Monaten einer Leistung errechnen " \
        "lässt" in intro
    # withheld ("< 5", "geschützt") and missing ("–") come last whichever way a column is
    # sorted, by name: neither poses as the lowest or the highest take-up
    for order in ("asc", "desc"):
        at.selectbox(key="v_sort").set_value("take_up")
        at.radio(key="v_order").set_value(order).run()
        assert [r["Leistung"] for r in ranking(at)] == ["Anmeldung einer Wohnung",
                                                         "Hundesteuer"]
    # nothing but display text reaches the browser: no stand-in number for a withheld cell
    assert not at.get_by_key("v_ranking").dataframe


def test_location_filter_changes_every_number(monkeypatch, handmade):
    use_store(monkeypatch, handmade)
    at = run_page()
    at.sidebar.multiselect(key="standort").set_value([2]).run()  # Bürgeramt Nord
    assert not at.exception
    # Nord in the window: Aug 3 (1 online), Sep 10 (1 online), Okt 10 (2 online) → 4 / 23
    assert tiles(at)["Vorgänge"] == "23"
    assert tiles(at)["Digitale Nutzungsquote"] == f"17,4{NB}%"
    assert ranking(at)[0]["Vorgänge"] == "23"


def test_without_funnel_data_the_page_explains_the_import(monkeypatch, handmade):
    use_store(monkeypatch, handmade)
    at = run_page(von="2026-09", bis="2026-09")  # nothing "geschützt" to explain
    infos = [i.value for i in at.info]
    assert len(infos) == 1
    assert "noch keine Formulardaten des Online-Portals importiert" in infos[0]
    assert "servicepuls import portal_formulare.csv" in infos[0]


def test_interventions_from_the_pilots_file(monkeypatch, handmade):
    (handmade.data_dir / "pilotprojekte.toml").write_text(PILOTS, encoding="utf-8")
    use_store(monkeypatch, handmade)
    at = run_page(von="2025-11", bis="2026-09")  # the take-up chart of its months
    chart = at.get_by_key("v_take_up").get("plotly_chart")[0]
    assert chart.proto.alt.endswith(
        "Markierte Maßnahmen: 01.09.2026 Videoanleitung online (Online-Anmeldung); 15.10.2026 "
        "Flyer im Bürgeramt (Online-Anmeldung).")
    figure = chart.proto.spec
    assert '"Videoanleitung online"' in figure and '"diamond"' in figure
    assert [r["Maßnahme"] for r in table(at, "v_interventions")] == [
        "Videoanleitung online", "Flyer im Bürgeramt"]
    # the other service has no Maßnahmen, and the page says where they would go
    at.selectbox(key="v_leistung").set_value(HUNDESTEUER).run()
    assert "Für diese Leistung sind keine Maßnahmen hinterlegt." in texts(at)
    # a broken file is reported, the page still works
    (handmade.data_dir / "pilotprojekte.toml").write_text(PILOTS.replace('"ANM"', '"ANX"'),
                                                         encoding="utf-8")
    at.run()
    assert not at.exception
    assert any("enthält 1 Fehler" in w.value for w in at.warning)


def test_english(monkeypatch, handmade):
    use_store(monkeypatch, handmade)
    at = run_page(lang="en")
    assert at.title[0].value == "Services"
    assert at.selectbox(key="v_leistung").label == "Find a service (name or LeiKa key)"
    shown = tiles(at)
    assert shown["Digital take-up"] == shown["Processing time (median)"] == "protected"
    assert [s.value for s in at.subheader][0] == "Period Nov 2025 – Oct 2026"
    rows = ranking(at)
    assert rows[0]["Months with data"] == "3 of 12"
    assert (rows[0]["Cases"], rows[1]["Cases"]) == ("protected", f"<{NB}5")
    assert at.info[0].value.startswith("“protected”: these values of the service rest on "
                                       "enough cases but are also withheld")
    assert "No online portal form statistics have been imported yet." in at.info[-1].value
    at = run_page(lang="en", von="2026-09", bis="2026-09")
    shown = tiles(at)
    assert (shown["Digital take-up"], shown["Processing time (median)"]) == (
        "30.0%", f"4{NB}days")
    assert at.get("plotly_chart")[0].proto.alt.startswith("Text alternative: channels of")


# --- the sample city ------------------------------------------------------------------------


def test_sample_city_values_equal_the_engine(monkeypatch, sample_store):
    engine = get_engine(sample_store)
    cube = load_cube(engine)
    service = cube.services.filter(pl.col("code") == "L004").row(0, named=True)
    use_store(monkeypatch, sample_store)
    at = run_page(leistung=service["name"])
    assert at.selectbox(key="v_leistung").value == service["service_id"]
    exp = expected(sample_store, service["service_id"])
    shown = tiles(at)
    assert shown["Digitale Nutzungsquote"] == exp["digital_take_up"]
    assert shown["Bearbeitungszeit (Median)"] == exp["processing_days_median"]
    assert shown["Bearbeitungszeit (90. Perzentil)"] == exp["processing_days_p90"]
    assert shown["Vorgänge"] == exp["cases"]
    # the online form: Σ submitted / Σ started over the window, and per month
    last = cube.months[-1]
    funnel = load_funnel(engine).filter(pl.col("service_id") == service["service_id"])
    in_window = funnel.filter(pl.col("month") >= shift_month(last, -11))
    rate = completion_rate(in_window, (), sample_store.min_n).row(0, named=True)
    assert shown["Abschlussquote Online-Formular"] == fmt_value(
        "digital_take_up", rate["value"], rate["suppressed"], sample_store.min_n)
    monthly = completion_rate(funnel, ("month",), sample_store.min_n).row(-1, named=True)
    rows = {r["Monat"]: r for r in table(at, "v_funnel")}
    assert rows[fmt_month(last)]["Abschlussquote Online-Formular"] == fmt_value(
        "digital_take_up", monthly["value"], False, sample_store.min_n)
    assert rows[fmt_month(last)]["Begonnene Formulare (n)"] == fmt_number(monthly["n"], "de", 0)
    # its ranking row shows the same numbers; every service of the master data is listed
    ranked = ranking(at)
    assert len(ranked) == cube.services.height
    row = next(r for r in ranked if r["Leistung"] == service["name"])
    assert (row["Digitale Nutzungsquote"], row["Median (Tage)"]) == (
        exp["digital_take_up"], exp["processing_days_median"].removesuffix(f"{NB}Tage"))
    assert row["Vorgänge"] == exp["cases"]
    assert row["Abschlussquote Online-Formular"] == shown["Abschlussquote Online-Formular"]
    assert row["Monate mit Daten"] == "12 von 12"
    counts = [number(c["Vorgänge"]) for c in ranked]
    shown_counts = [c for c in counts if c is not None]
    assert counts[:len(shown_counts)] == sorted(shown_counts, reverse=True)  # busiest first
    # sorted by take-up, lowest first: real values in order, withheld and missing last
    at.selectbox(key="v_sort").set_value("take_up")
    at.radio(key="v_order").set_value("asc").run()
    shares = [number(r["Digitale Nutzungsquote"]) for r in ranking(at)]
    real = [v for v in shares if v is not None]
    assert len(real) > 5 and shares[:len(real)] == sorted(real)
    assert not at.info  # funnel data present, so no import hint


def test_a_service_without_cases_under_the_filters_says_so(monkeypatch, handmade):
    """Hundesteuer has cases at Mitte only: filtered to Nord the page says there are none in
    the period and carries on (the channel chart's span of no months raised an IndexError —
    found by opening every page with random filters on the sample city, 12 of 80 links)."""
    use_store(monkeypatch, handmade)
    at = run_page(leistung="Hundesteuer", standort="NRD")
    assert not at.exception, [e.message for e in at.exception]
    assert at.selectbox(key="v_leistung").value == HUNDESTEUER
    assert ("Für diese Leistung liegen im Zeitraum Nov 2025 – Okt 2026 keine Vorgänge vor "
            "(mit den gewählten Standorten und Kanälen).") in [i.value for i in at.info]
    assert "Keine Vorgänge mit dieser Auswahl — nichts aufzuteilen." in texts(at)
