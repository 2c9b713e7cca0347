"""The attacker's test: the Überblick prints the total of all services for a month, the
Leistungen ranking the services of the same month. Total minus the shown services must
never give a withheld service's value back (metrics.ranking_protection).

The attacker knows what a person sees: the total (the take-up tile's value and its n), every
shown row, and the marks — "< 5" says 1 … 4 cases, "geschützt" at least 5. A withheld cell
is given away when these leave it one possible count, or when the withheld digital cases
are none or all of the withheld cases (every withheld take-up would be 0 % or 100 %).
"""

from __future__ import annotations

import datetime as dt
from functools import partial

import numpy as np
import polars as pl
import pytest

from connectors.db import get_engine
from metrics.cube import load_cube
from metrics.facts import volume_facts
from metrics.funnel import FUNNEL_SCHEMA, load_funnel
from metrics.kpis import compute
from metrics.ranking_protection import (
    monthly_withheld,
    protected_feed,
    protected_grid,
    protected_ranking,
)
from metrics.service_view import windowed
from tests.test_dashboard_overview import open_page, run_app, use_store
from tests.test_services_page import handmade  # noqa: F401 - the hand-made store

NB = "\u00a0"
OKT = dt.date(2026, 10, 1)


def pinned(remainder: int, marks: list[str], min_n: int) -> list[int]:
    """Which withheld cells the remainder (total − shown) and the marks pin to one count."""
    bounds = [(1, min_n - 1) if m == "primary" else (min_n, remainder) for m in marks]
    out = []
    for i, (low, high) in enumerate(bounds):
        others = [b for j, b in enumerate(bounds) if j != i]
        lo = max(low, remainder - sum(b[1] for b in others))
        hi = min(high, remainder - sum(b[0] for b in others))
        if lo >= hi:
            out.append(i)
    return out


def attack(cube, funnel, month: dt.date, min_n: int) -> dict:  # noqa: ANN001
    """Total of the month (the Überblick's take-up tile) minus the ranking's shown rows."""
    total = compute("digital_take_up", cube, ("period",), grain="month").filter(
        pl.col("period") == month).row(0, named=True)
    rows = protected_ranking(cube, funnel, (month, month), min_n=min_n)
    raw = compute("digital_take_up", windowed(cube, month, month), ("service_id",),
                  grain="month")  # what the shown rows rest on (value × n)
    shown = rows.filter(pl.col("withheld_take_up").is_null()).join(raw, on="service_id")
    cases = raw.filter(pl.col("n") > 0)["service_id"].to_list()
    marks = rows.filter(pl.col("withheld_take_up").is_not_null()
                        & pl.col("service_id").is_in(cases))["withheld_take_up"].to_list()
    remainder = total["n"] - int(shown["n"].sum())
    digital = total["numerator"] - int(shown["numerator"].sum())
    return {"remainder": remainder, "digital": digital, "marks": marks,
            "pinned": pinned(remainder, marks, min_n) if marks else []}


def test_handmade_okt_2026_by_hand(handmade):  # noqa: F811
    """Okt 2026: 23 cases, 9 online (8 Anmeldung, 1 Hundesteuer). Anmeldung 20 and
    Hundesteuer 3 are both withheld: 23 = A + H with H in 1 … 4 leaves A 19 … 22."""
    cube, funnel = load_cube(get_engine(handmade)), load_funnel(get_engine(handmade))
    got = attack(cube, funnel, OKT, 5)
    assert got == {"remainder": 23, "digital": 9, "marks": ["secondary", "primary"],
                   "pinned": []}


def test_sample_city_every_month(sample_store):
    """Every month of the sample city: withheld take-up cells come at least in twos, none can
    be pinned down, and their digital cases are neither none nor all of them."""
    cube = load_cube(get_engine(sample_store))
    funnel = load_funnel(get_engine(sample_store))
    min_n = sample_store.min_n
    months = cube.months[-12:]
    withheld = 0
    for month in months:
        got = attack(cube, funnel, month, min_n)
        assert len(got["marks"]) != 1, month
        assert got["pinned"] == [], month
        if got["marks"]:
            assert 0 < got["digital"] < got["remainder"], month
        withheld += len(got["marks"])
    assert withheld > 0  # the sample city has small services: the test has teeth


run_page = partial(open_page, "views/services.py", query_after_click=True)
one_month = {"raster": "month", "von": "2026-10", "bis": "2026-10"}


def test_pages_okt_2026(monkeypatch, handmade):  # noqa: F811
    """The same attack on what the two pages show, as text."""
    use_store(monkeypatch, handmade)
    overview = run_app(**one_month)
    captions = [c.value for c in overview.get_by_key("o_tiles").caption]
    assert "Okt 2026 · n = 23 Vorgänge" in captions  # the take-up tile: all services
    # no mover of Okt 2026 either: Anmeldung's 20 cases (40 %) beside the tile's 23 were
    # Hundesteuer's 3 (1 online) before
    for kpi in ("digital_take_up", "processing_days_median"):
        for compare in ("previous", "year"):
            key = f"o_movers_{kpi}_{compare}"
            assert not overview.get_by_key(key).table, key
    page = run_page(**one_month)
    (frame,) = page.get_by_key("v_ranking").table
    rows = frame.value.to_dict("records")
    assert [(r["Leistung"], r["Vorgänge"], r["Digitale Nutzungsquote"]) for r in rows] == [
        ("Anmeldung einer Wohnung", "geschützt", "geschützt"),
        ("Hundesteuer", f"<{NB}5", f"<{NB}5")]
    # the downloads carry the same text (widgets.table: the frame shown is the frame saved)
    assert pinned(23, ["secondary", "primary"], 5) == []


def test_a_service_filter_on_the_overview_cannot_undo_it(sample_store):
    """The Überblick filtered to one service the ranking marks "geschützt" would show that
    service's value for the month — and then the total minus the ranking's rows would give
    the small services back. Every such view is withheld; choosing all the withheld
    services together shows only their sum (the partition defence)."""
    from metrics.headline import period_series

    cube = load_cube(get_engine(sample_store))
    funnel = load_funnel(get_engine(sample_store))
    checked = 0
    for month in cube.months[-12:]:
        rows = protected_ranking(cube, funnel, (month, month), min_n=sample_store.min_n)
        held = rows.filter(pl.col("withheld_take_up").is_not_null())
        for service in held.filter(pl.col("withheld_take_up") == "secondary")["service_id"]:
            alone = period_series(cube, "digital_take_up", "month", month, month,
                                  services=[service], min_n=sample_store.min_n).row(0, named=True)
            assert alone["suppressed"] and alone["value"] is None, (month, service)
            checked += 1
        if held.height:
            together = period_series(cube, "digital_take_up", "month", month, month,
                                     services=held["service_id"].to_list(),
                                     min_n=sample_store.min_n).row(0, named=True)
            # the sum of the withheld cells: shown, or itself small and withheld
            assert together["suppressed"] or together["n"] >= sample_store.min_n
    assert checked > 0


def test_a_services_months_follow_the_months_ranking(monkeypatch, sample_store):
    """The Leistungen page's monthly series of a service stand beside the Überblick's
    monthly totals: a month the ranking of that single month withholds is withheld in the
    service's charts too, and the page says why. The sample city's Jun 2026: Fundsache
    melden has fewer than 5 cases, Briefwahl beantragen is its partner ("geschützt")."""
    cube = load_cube(get_engine(sample_store))
    funnel = load_funnel(get_engine(sample_store))
    jun = dt.date(2026, 6, 1)
    ids = dict(zip(cube.services["name"], cube.services["service_id"], strict=True))
    rows = protected_ranking(cube, funnel, (jun, jun), min_n=sample_store.min_n)
    why = dict(zip(rows["service_id"], rows["withheld_take_up"], strict=True))
    assert (why[ids["Fundsache melden"]], why[ids["Briefwahl beantragen"]]) == (
        "primary", "secondary")
    use_store(monkeypatch, sample_store)
    page = run_page(leistung="Briefwahl beantragen")
    (frame,) = page.get_by_key("v_take_up").table
    by_month = {r["Monat"]: r for r in frame.value.to_dict("records")}
    assert by_month["Jun 2026"]["Digitale Nutzungsquote"] == f"<{NB}5"
    assert by_month["Jun 2026"]["Vorgänge (n)"] == f"<{NB}5"
    captions = [c.value for c in page.get_by_key("v_take_up").caption] + [
        c.value for c in page.caption]
    assert any(c.startswith(f"„<{NB}5“ steht in ") and "Jun 2026" in c for c in captions)


def each_months_ranking(cube, funnel, first, last, **filters) -> pl.DataFrame:  # noqa: ANN001
    """What metrics.ranking_protection.monthly_withheld must give: the ranking of each single
    month on its own, month by month (the definition, written out here)."""
    frames = []
    month = first
    while month <= last:
        rows = protected_ranking(cube, funnel, (month, month), **filters)
        for family in ("cases", "take_up", "completed", "started"):
            column = f"withheld_{family}"
            frames.append(rows.filter(pl.col(column).is_not_null()).select(
                pl.lit(month, pl.Date).alias("month"), pl.col("service_id").cast(pl.Int64),
                pl.lit(family).alias("family"), pl.col(column).alias("why")))
        month = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return pl.concat(frames).sort("month", "family", "service_id")


def test_all_months_in_one_pass_equal_each_months_ranking(sample_store):
    """A service's monthly charts (monthly_withheld: the grid's cells) and the ranking of
    each single month (protected_ranking through the partition rule) must withhold the same
    months — also under a location, channel or service filter and a larger minimum, where
    the guards of metrics.disclosure start the pattern."""
    cube = load_cube(get_engine(sample_store))
    funnel = load_funnel(get_engine(sample_store))
    first, last = cube.months[-12], cube.months[-1]
    places = cube.locations["location_id"].to_list()
    ids = cube.services["service_id"].to_list()
    checked = 0
    for filters in ({"min_n": 5}, {"min_n": 30}, {"min_n": 5, "locations": places[:1]},
                    {"min_n": 10, "channels": ["online"]},
                    {"min_n": 15, "services": ids[3:9], "locations": places[1:3]}):
        want = each_months_ranking(cube, funnel, first, last, **filters)
        got = monthly_withheld(cube, funnel, first, last, **filters)
        assert got.equals(want), filters
        checked += want.height
    assert checked > 100  # the filters do withhold: the comparison is not of empty frames


def determined(equations: list[tuple[list[int], float]], unknowns: int) -> set[int]:
    """Which unknowns the equations (indices of unknowns summed, value) pin down: unknown i
    is determined iff its unit vector lies in the row space of the coefficient matrix."""
    if not equations:
        return set()
    matrix = np.zeros((len(equations), unknowns))
    for row, (cols, _) in enumerate(equations):
        matrix[row, cols] = 1.0
    _, values, vt = np.linalg.svd(matrix, full_matrices=False)
    basis = vt[values > 1e-9 * max(1.0, values[0])]
    return {int(i) for i in np.flatnonzero((basis ** 2).sum(axis=0) > 1 - 1e-6)}


@pytest.mark.parametrize(("min_n", "first_location"), [(5, False), (30, False), (5, True)])
def test_no_withheld_month_follows_from_any_periods(sample_store, min_n, first_location):
    """The attacker of the time axis. Published: the Überblick's cases of every month (all
    services), every service's months the Leistungen charts show, and the ranking's count of
    every service over every period of the last 12 months that it shows (78 periods: Jan–Mar
    minus Jan–Feb is March). Unknown: the withheld months. None may be a sum and difference
    of the published numbers — checked exactly, by linear algebra, from what the pages show.
    Also with the first location chosen (every number of the pages under that filter)."""
    cube = load_cube(get_engine(sample_store))
    funnel = load_funnel(get_engine(sample_store))
    months = cube.months
    places = cube.locations["location_id"].to_list()[:1] if first_location else None
    facts = volume_facts(cube, "month")
    if places is not None:
        facts = facts.filter(pl.col("location_id").is_in(places))
    cases = facts.group_by("period", "service_id").agg(pl.col("cases").sum())
    value = {(r["period"], r["service_id"]): r["cases"] for r in cases.iter_rows(named=True)}
    grid = protected_grid(cube, funnel, min_n=min_n, locations=places)  # as the pages cache it
    hidden = monthly_withheld(cube, funnel, months[0], months[-1], min_n=min_n,
                              locations=places, grid=grid).filter(pl.col("family") == "cases")
    unknown = sorted((r["month"], r["service_id"]) for r in hidden.iter_rows(named=True))
    assert unknown, "nothing withheld: the attack would prove nothing"
    index = {c: i for i, c in enumerate(unknown)}
    equations: list[tuple[list[int], float]] = []
    for month in months:  # month totals minus the shown months of the month
        cols = [index[(m, s)] for (m, s) in value if m == month and (m, s) in index]
        known = sum(n for (m, s), n in value.items() if m == month and (m, s) not in index)
        total = sum(n for (m, _), n in value.items() if m == month)
        equations.append((cols, total - known))
    last12 = months[-12:]
    spans = [(a, b) for i, a in enumerate(last12) for b in last12[i:]]
    shown_totals = 0
    for first, last in spans:
        rows = protected_ranking(cube, funnel, (first, last), min_n=min_n, locations=places,
                                 grid=grid)
        for r in rows.filter(pl.col("withheld_cases").is_null()
                             & (pl.col("cases") > 0)).iter_rows(named=True):
            inside = [(m, r["service_id"]) for m in months if first <= m <= last]
            cols = [index[c] for c in inside if c in index]
            equations.append((cols, r["cases"] - sum(value.get(c, 0) for c in inside
                                                      if c not in index)))
            shown_totals += 1
    assert shown_totals > 3 * len(spans)  # the periods do show totals
    leaks = determined(equations, len(unknown))
    assert not leaks, [unknown[i] for i in sorted(leaks)]


def test_handmade_grid_by_hand(handmade):  # noqa: F811
    """tests/test_services_page.py's docstring: Anmeldung's Aug 2026 (3, alone in its month)
    and Okt 2026 (20, beside Hundesteuer's 3) are withheld; Aug's total is Anmeldung's Aug,
    so Anmeldung's total over all months would give Okt 2026 back: its row is open. A
    period shows its total only if it holds neither month."""
    cube, funnel = load_cube(get_engine(handmade)), load_funnel(get_engine(handmade))
    grid = protected_grid(cube, funnel, min_n=5)
    cells = grid.cells.filter(pl.col("kpi") == "cases").sort("service_id", "month")
    assert cells.select("month", "service_id", "n", "suppressed", "row_open").rows() == [
        (dt.date(2025, 10, 1), 1, 16, False, True), (dt.date(2026, 8, 1), 1, 3, True, True),
        (dt.date(2026, 9, 1), 1, 20, False, True), (OKT, 1, 20, True, True),
        (OKT, 2, 3, True, True)]

    def cases(first: dt.date, last: dt.date) -> tuple:
        rows = protected_ranking(cube, funnel, (first, last), min_n=5, grid=grid)
        a = rows.filter(pl.col("service_id") == 1).row(0, named=True)
        return a["cases"], a["withheld_cases"]

    sep = dt.date(2026, 9, 1)
    assert cases(sep, sep) == (20, None)
    assert cases(dt.date(2025, 10, 1), dt.date(2026, 7, 1)) == (16, None)
    assert cases(dt.date(2025, 11, 1), sep) == (None, "secondary")  # 23 − 20 = Aug's 3
    # the row is open: 59 − 36 = Aug + Okt, and Aug is its month's total
    assert cases(dt.date(2025, 10, 1), OKT) == (None, "secondary")


def test_the_open_data_feed_withholds_the_grids_months(sample_store):
    """`servicepuls publish` writes the feed with the pages' pattern: each feed cell of a
    service and month is withheld exactly when the grid withholds that month of the service
    in the KPI's family — so the public feed and the council report's totals together give
    no more away than the pages (the attacker test above)."""
    cube = load_cube(get_engine(sample_store))
    feed = {k.kpi.id: k for k in protected_feed(cube, sample_store.min_n).kpis}
    grid = protected_grid(cube, pl.DataFrame(schema=FUNNEL_SCHEMA), min_n=sample_store.min_n)
    withheld = {(r["family"], r["month"], r["service_id"])
                for r in grid.cells.filter(pl.col("suppressed")).iter_rows(named=True)}
    compared = hidden = 0
    for kpi_id, family in (("digital_take_up", "cases"), ("follow_up_rate", "completed"),
                           ("processing_days_median", "completed")):
        for r in feed[kpi_id].cells.iter_rows(named=True):
            assert r["suppressed"] == ((family, r["month"], r["service_id"]) in withheld), (
                kpi_id, r["month"], r["service_id"])
            compared += 1
            hidden += r["suppressed"]
    assert compared > 1000 and hidden > 0


# --- a month whose total the grid cannot keep -------------------------------------------
# month, location, service, channel, cases, processing days, cases with a follow-up
CLOSED_CASES = [
    ("2026-09", 1, 1, "online", 5, 2, 0),
    ("2026-09", 1, 1, "in_person", 5, 4, 1),
    ("2026-10", 1, 1, "in_person", 20, 2, 1),
    ("2026-10", 1, 2, "post", 3, 10, 1),
]


@pytest.fixture
def closed_month(settings, monkeypatch):  # noqa: ANN001, ANN201
    """Sep 2026: Anmeldung 10 cases, 5 online. Okt 2026: Anmeldung 20 in person, Hundesteuer
    3 by post. Okt's take-ups are both withheld (Hundesteuer's 3 "< 5", Anmeldung's 20 its
    only partner) — and both 0 %: the month's total 0 / 23 = 0,0 % would say so. No other
    cell can be withheld beside them, so the total itself must go ("geschützt"), and with
    it every quarter or year that holds Okt (Okt is the only withheld month: its period's
    total minus the shown months would be Okt's). Follow-ups are not closed: 1 of 20 and 1
    of 3, the total 2 / 23 is neither none nor all."""
    import tests.test_dashboard_overview as overview_store

    monkeypatch.setattr(overview_store, "CASES", CLOSED_CASES)
    overview_store.fill_store(settings)
    return settings


def test_a_month_the_grid_cannot_keep_is_withheld_everywhere(closed_month):  # noqa: ANN001
    from dashboard.report import build, load_inputs
    from metrics.headline import period_series
    from metrics.ranking_protection import closed_months

    engine = get_engine(closed_month)
    cube, funnel = load_cube(engine), load_funnel(engine)
    sep = dt.date(2026, 9, 1)
    grid = protected_grid(cube, funnel)
    totals = grid.totals.filter(pl.col("month") == OKT)
    assert totals.filter(pl.col("kpi") == "take_up/rate").row(0, named=True) == {
        "kpi": "take_up/rate", "month": OKT, "n": 23, "suppressed": True}
    assert closed_months(grid, "digital_take_up") == {OKT}
    assert closed_months(grid, "follow_up_rate") == set()
    # a service filter: Hundesteuer alone holds a withheld cell of Okt, its value (or with
    # Anmeldung, the total) would give it away; nothing of Sep is withheld
    assert closed_months(grid, "digital_take_up", services=[2]) == {OKT}
    assert closed_months(grid, "digital_take_up", services=[1, 2]) == {OKT}
    # the Überblick's months: Okt "geschützt" (n ≥ 5), Sep 5 / 10
    months = period_series(cube, "digital_take_up", "month", sep, OKT)
    assert months.rows() == [(sep, 0.5, 10, False, False), (OKT, None, 23, True, True)]
    follow = period_series(cube, "follow_up_rate", "month", OKT, OKT)
    assert follow.rows() == [(OKT, pytest.approx(2 / 23), 23, False, False)]
    # Q4 2026 is Okt alone: withheld too; Q3 2026 is Sep
    quarters = period_series(cube, "digital_take_up", "quarter", dt.date(2026, 7, 1), OKT)
    assert quarters.rows() == [(dt.date(2026, 7, 1), 0.5, 10, False, False),
                               (OKT, None, 23, True, True)]
    # the council report: Okt's summary line, its chart, and Q4 2026
    report = build(load_inputs(closed_month), "2026-10", "stadt", today=dt.date(2026, 11, 2))
    lines = {k.kpi_id: (k.text, k.n_text) for k in report.kpis}
    assert lines["digital_take_up"] == ("geschützt", "geschützt")
    assert lines["follow_up_rate"] == (f"8,7{NB}%", "23")  # 2 / 23
    assert ("Digitale Nutzungsquote im Zeitverlauf: Okt 2026 geschützt (der Monatswert "
            "würde einen anderswo ausgeblendeten Wert verraten)") in report.suppressed
    november = {k.kpi_id: k for k in build(load_inputs(closed_month), "2026-Q4", "stadt",
                                           today=dt.date(2026, 11, 2)).kpis}
    assert november["digital_take_up"].text == "geschützt"


def test_the_overview_withholds_a_month_the_grid_cannot_keep(monkeypatch, closed_month):  # noqa: ANN001
    use_store(monkeypatch, closed_month)
    overview = run_app(**one_month)
    (tile,) = [m for m in overview.metric if m.label == "Digitale Nutzungsquote"]
    assert tile.value == "geschützt"
    captions = [c.value for c in overview.get_by_key("o_tiles").caption]
    assert "Okt 2026 · Vorgänge geschützt" in captions
    september = run_app(raster="month", von="2026-09", bis="2026-09")
    (tile,) = [m for m in september.metric if m.label == "Digitale Nutzungsquote"]
    assert tile.value == f"50,0{NB}%"


def test_a_place_that_fixes_take_up_keeps_its_months(settings, monkeypatch):  # noqa: ANN001
    """The store of ``closed_month`` with Sep's online cases at Bürgeramt Nord instead (5
    online, 2 in person there): Mitte has never had a digital case (28 cases, 0 online).
    Filtered to Mitte, Okt's two withheld take-ups are 0 % — but every take-up there is, as
    Mitte's own total says, so the month stays (0,0 %, n = 23); the whole city's Okt is
    still closed (Nord's online Sep makes the city's 0 % in Okt news)."""
    import tests.test_dashboard_overview as overview_store
    from metrics.headline import period_series
    from metrics.ranking_protection import closed_months, fixed_take_up

    monkeypatch.setattr(overview_store, "CASES", [
        ("2026-09", 2, 1, "online", 5, 2, 0), ("2026-09", 2, 1, "in_person", 2, 2, 0),
        *CLOSED_CASES[1:]])
    overview_store.fill_store(settings)
    engine = get_engine(settings)
    cube, funnel = load_cube(engine), load_funnel(engine)
    assert fixed_take_up(cube, [1], 5) and not fixed_take_up(cube, [2], 5)
    assert not fixed_take_up(cube, None, 5)
    assert closed_months(protected_grid(cube, funnel, locations=[1]), "digital_take_up") == set()
    assert closed_months(protected_grid(cube, funnel), "digital_take_up") == {OKT}
    mitte = period_series(cube, "digital_take_up", "month", OKT, OKT, locations=[1])
    assert mitte.rows() == [(OKT, 0.0, 23, False, False)]
    city = period_series(cube, "digital_take_up", "month", OKT, OKT)
    assert city.rows() == [(OKT, None, 23, True, True)]
