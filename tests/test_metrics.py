"""The KPI engine against small tables computed by hand, and on a real store (SQLite and
PostgreSQL give the same numbers)."""

from __future__ import annotations

import datetime as dt
import random

import polars as pl
import pytest

from connectors.db import get_engine
from metrics.catalogue import CATALOGUE
from metrics.cube import load_cube
from metrics.kpis import compute, nearest_rank, percentile, ratio, suppress
from metrics.overview import shift_month, tiles, trend

JAN, FEB, MAR = dt.date(2026, 1, 1), dt.date(2026, 2, 1), dt.date(2026, 3, 1)


def test_ratio_sums_before_dividing_and_zero_denominator_has_no_value() -> None:
    frame = pl.DataFrame({
        "service_id": [1, 1, 2, 3],
        "digital": [1, 9, 0, 0],
        "cases": [2, 10, 4, 0],
    })
    out = {r["service_id"]: r for r in ratio(frame, ["service_id"], "digital", "cases").to_dicts()}
    assert out[1]["value"] == pytest.approx(10 / 12)  # not the mean of 1/2 and 9/10 (0.7)
    assert out[2]["value"] == 0.0 and out[2]["n"] == 4
    assert out[3]["value"] is None and out[3]["n"] == 0  # no value, not 0 % and not NaN
    total = ratio(frame, [], "digital", "cases").row(0, named=True)
    assert (total["numerator"], total["n"]) == (10, 16)


@pytest.mark.parametrize(("days", "counts", "q", "expected"), [
    ([0, 2, 10], [1, 2, 1], 0.5, 2),  # 0,2,2,10 → rank ceil(2)=2 → 2
    ([0, 2, 10], [1, 2, 1], 0.9, 10),  # rank ceil(3.6)=4 → 10
    ([0, 10], [1, 1], 0.5, 0),  # even n: the lower middle (nearest rank)
    ([5], [3], 0.9, 5),
    ([1, 2, 3, 4], [25, 25, 25, 25], 0.5, 2),
    ([1, 2, 3, 4], [25, 25, 25, 25], 0.51, 3),
])
def test_percentile_nearest_rank_from_counts(days, counts, q, expected) -> None:  # noqa: ANN001
    frame = pl.DataFrame({"days": days, "cases": counts})
    assert percentile(frame, [], q).row(0, named=True)["value"] == expected


def test_percentile_from_counts_equals_percentile_of_raw_values() -> None:
    rng = random.Random(7)
    raw = {g: [rng.randint(0, 40) for _ in range(rng.randint(1, 200))] for g in range(20)}
    counts = pl.DataFrame(
        [(g, d, v.count(d)) for g, v in raw.items() for d in set(v)],
        schema=["g", "days", "cases"], orient="row",
    )
    for q in (0.5, 0.9):
        got = {r["g"]: r["value"] for r in percentile(counts, ["g"], q).to_dicts()}
        assert got == {g: nearest_rank(v, q) for g, v in raw.items()}


def test_suppression_hides_small_cells_but_not_empty_ones() -> None:
    frame = pl.DataFrame({"n": [0, 3, 5], "numerator": [0, 1, 2],
                          "value": [None, 1 / 3, 0.4]})
    out = suppress(frame, 5).to_dicts()
    assert [r["suppressed"] for r in out] == [False, True, False]
    assert [r["value"] for r in out] == [None, None, 0.4]
    assert out[1]["numerator"] is None


def test_catalogue_ids_are_unique_and_complete() -> None:
    assert len({k.id for k in CATALOGUE}) == len(CATALOGUE)
    for k in CATALOGUE:
        assert k.label_de and k.label_en and k.method_de and k.method_en
        assert (k.kind == "ratio") == bool(k.numerator and k.denominator)


def test_shift_month_crosses_years() -> None:
    assert shift_month(JAN, -1) == dt.date(2025, 12, 1)
    assert shift_month(JAN, -12) == dt.date(2025, 1, 1)
    assert shift_month(dt.date(2025, 12, 1), 1) == JAN


# Kleinstadt (tests/data/kleinstadt/vorgaenge.csv), valid cases by month of receipt:
# Jan: V-1 online 2d, V-2 in person 0d, V-3 post 10d (2 follow-ups), V-4 online open,
#      V-5 assisted digital 2d (1 follow-up)  → take-up 2/5, median of 0,2,2,10 = 2,
#      P90 = 10, follow-up rate 2/4
# Feb: V-6 video 0d, V-7 e-mail 10d, V-8 online withdrawn → take-up 1/3, median of 0,10 = 0,
#      follow-up rate 0/2
EXPECTED = {
    "digital_take_up": {JAN: (0.4, 5), FEB: (1 / 3, 3)},
    "processing_days_median": {JAN: (2.0, 4), FEB: (0.0, 2)},
    "processing_days_p90": {JAN: (10.0, 4), FEB: (10.0, 2)},
    "follow_up_rate": {JAN: (0.5, 4), FEB: (0.0, 2)},
}


@pytest.mark.parametrize("kpi", sorted(EXPECTED))
def test_kpis_on_the_kleinstadt_store(kleinstadt, kpi: str) -> None:
    cube = load_cube(get_engine(kleinstadt))
    got = {r["month"]: (pytest.approx(r["value"]), r["n"])
           for r in compute(kpi, cube).to_dicts()}
    assert got == EXPECTED[kpi]


def test_kpis_by_service_and_location(kleinstadt) -> None:
    cube = load_cube(get_engine(kleinstadt))
    ids = {r["code"]: r["service_id"] for r in cube.services.to_dicts()}
    locs = {r["code"]: r["location_id"] for r in cube.locations.to_dicts()}
    by_service = {r["service_id"]: (r["numerator"], r["n"])
                  for r in compute("digital_take_up", cube, ("service_id",)).to_dicts()}
    assert by_service == {ids["L1"]: (3, 5), ids["L2"]: (0, 3)}
    video = compute("digital_take_up", cube, ("month",), locations=[locs["V"]]).to_dicts()
    assert [(r["month"], r["numerator"], r["n"]) for r in video] == [(FEB, 0, 1)]


def test_tiles_and_trend_with_suppression(kleinstadt) -> None:
    cube = load_cube(get_engine(kleinstadt))
    by_id = {t.kpi.id: t for t in tiles(cube, min_n=1)}
    take_up = by_id["digital_take_up"]
    assert take_up.month == FEB and take_up.value == pytest.approx(1 / 3)
    assert take_up.change_month == pytest.approx(1 / 3 - 0.4)  # percentage points
    assert take_up.change_year is None  # no Feb 2025
    assert by_id["processing_days_median"].change_month == pytest.approx(0 / 2 - 1)  # relative
    # With the default minimum of 5, February (3 cases) is suppressed, January (5) is not.
    series = trend(cube, "digital_take_up", min_n=5).to_dicts()
    assert [(r["month"], r["value"], r["suppressed"]) for r in series] == [
        (JAN, pytest.approx(0.4), False), (FEB, None, True)]
    assert tiles(cube, min_n=5)[0].suppressed is True


def test_trend_fills_missing_months(kleinstadt) -> None:
    cube = load_cube(get_engine(kleinstadt))
    locs = {r["code"]: r["location_id"] for r in cube.locations.to_dicts()}
    series = trend(cube, "digital_take_up", locations=[locs["V"]], min_n=1).to_dicts()
    assert [(r["month"], r["n"], r["value"]) for r in series] == [(JAN, 0, None), (FEB, 1, 0.0)]


def test_empty_store_gives_an_empty_cube(settings) -> None:
    cube = load_cube(get_engine(settings))
    assert cube.is_empty and tiles(cube) == [] and cube.months == []


def test_mature_month_is_the_newest_mostly_closed_cohort() -> None:
    from metrics.overview import mature_month

    shares = {JAN: 0.95, FEB: 0.92, MAR: 0.5}
    assert mature_month(shares, MAR) == FEB
    assert mature_month(shares, JAN) == JAN
    assert mature_month({MAR: 0.3}, MAR) == MAR  # nothing mature: the month itself


def test_cohort_tiles_use_the_mature_month(kleinstadt) -> None:
    cube = load_cube(get_engine(kleinstadt))
    # Jan: 5 cases, V-4 still open → 80 % closed (not mature); Feb: 3 of 3 closed.
    by_id = {t.kpi.id: t for t in tiles(cube, month=JAN, min_n=1)}
    assert by_id["processing_days_median"].month == JAN
    assert by_id["processing_days_median"].closed_share == pytest.approx(0.8)
    assert by_id["digital_take_up"].closed_share is None
    by_id = {t.kpi.id: t for t in tiles(cube, min_n=1)}
    assert by_id["follow_up_rate"].month == FEB
    assert by_id["follow_up_rate"].closed_share == 1.0


def test_months_are_calendar_months_without_gaps() -> None:
    from metrics.cube import Cube

    volume = pl.DataFrame({"month": [JAN, MAR], "cases": [1, 1]})
    cube = Cube(volume=volume, durations=pl.DataFrame(), services=pl.DataFrame(),
                locations=pl.DataFrame())
    assert cube.months == [JAN, FEB, MAR]


def test_supply_side_from_online_since(kleinstadt) -> None:
    """L1 online since 2020 (5 cases in 2026), L2 without an online date (3 cases): L2 is
    unknown, outside the denominator — 1 of 1 known; "nie" makes it known not online: 1 of
    2 services, 5 of 8 transactions. End to end unknown without stage attributes."""
    from dataclasses import replace

    from connectors.store import NEVER_ONLINE
    from metrics.supply import supply_side

    cube = load_cube(get_engine(kleinstadt))
    got = supply_side(cube, dt.date(2026, 1, 1), grain="year")
    assert (got["online_services"], got["online_known"], got["online_share"]) == (1, 1, 1.0)
    never = replace(cube, services=cube.services.with_columns(
        online_since=pl.col("online_since").fill_null(NEVER_ONLINE)))
    got = supply_side(never, dt.date(2026, 1, 1), grain="year")
    assert (got["online_services"], got["online_known"], got["online_share"]) == (1, 2, 0.5)
    assert got["online_volume_share"] == pytest.approx(5 / 8)
    assert got["end_to_end_known"] == 0 and got["end_to_end_share"] is None


def test_a_broken_catalogue_reports_every_problem_at_once() -> None:
    from dataclasses import replace

    from metrics.catalogue import KPIS, validate

    good = KPIS["digital_take_up"]
    broken = (
        good,
        replace(good, label_en=" "),  # duplicate id + missing label
        replace(KPIS["follow_up_rate"], numerator="follow_ups", unit="days"),
        replace(KPIS["processing_days_p90"], quantile=1.5),
        replace(KPIS["processing_days_median"], id="x", cube="termine"),
        replace(KPIS["processing_days_median"], id="y", cube="appointments"),
        replace(KPIS["satisfaction_mean"], id="z", measure=None, unit="stars", min_n=0),
        replace(KPIS["cost_per_transaction"], id="w", derived_from=(), computed_by="costs"),
    )
    problems = validate(broken)
    assert problems == [
        "digital_take_up: die Kennung ist doppelt vergeben",
        "digital_take_up.label_en: fehlt",
        "follow_up_rate.numerator: 'follow_ups' ist keine Kennzahl des Würfels 'volume' — "
        "cases, completed, completed_with_follow_up, digital, open",
        "follow_up_rate.unit: ein Anteil hat die Einheit percent",
        "processing_days_p90.quantile: 1.5 — eine Zahl in (0, 1]",
        "x.cube: 'termine' unbekannt — volume, durations, standards, open_cases, feedback, "
        "appointments, appointment_waits, funnel, costs, supply",
        # the engine does not read appointments: the module computing it must be named
        "y.computed_by: fehlt — die Engine rechnet nur auf durations, open_cases, standards, "
        "volume; sonst das Modul nennen",
        "y.measure: 'days' ist keine Kennzahl des Würfels 'appointments' — appointments, due, "
        "lead_days, no_show",
        "y.cube: Perzentile rechnet die Engine nur auf 'durations', 'open_cases'",
        "z.unit: 'stars' unbekannt — percent, days, minutes, rating, eur, hours",
        "z.min_n: 0 — mindestens 1 (oder leer)",
        "z.measure: 'None' ist keine Kennzahl des Würfels 'feedback' — rating, ratings, top2",
        "w.computed_by: 'costs' — ein Modul unter metrics.",
        "w.derived_from: fehlt — woraus wird der Wert abgeleitet?",
    ]
    assert validate(tuple(KPIS.values())) == []


def test_complementary_suppression_prevents_recomputing_by_subtraction() -> None:
    """Month totals are published; within a month one small cell alone would be revealed
    as total − others, so the next-smallest cell is withheld too."""
    from metrics.kpis import suppress_complementary

    cells = pl.DataFrame({
        "month": [JAN, JAN, JAN, FEB, FEB, FEB, MAR, MAR],
        "service_id": [1, 2, 3, 1, 2, 3, 1, 2],
        "numerator": [10, 2, 30, 10, 2, 1, 10, 20],
        "n": [40, 3, 60, 40, 3, 4, 40, 50],
    }).with_columns(value=pl.col("numerator") / pl.col("n"))
    out = suppress_complementary(cells, ["month"], min_n=5).sort("month", "service_id")
    assert out["suppressed"].to_list() == [
        True, True, False,   # Jan: service 2 (n 3) primary, service 1 (n 40) secondary
        False, True, True,   # Feb: two primary cells already protect each other
        False, False,        # Mar: nothing small
    ]
    assert out.filter(pl.col("suppressed"))["numerator"].null_count() == 4
    total_jan = 10 + 2 + 30
    visible = out.filter((pl.col("month") == JAN) & ~pl.col("suppressed"))["numerator"].sum()
    assert total_jan - visible == 12  # only the sum of two withheld cells can be derived


def _series(start: dt.date, values: list[float | None]) -> pl.DataFrame:
    return pl.DataFrame({"month": [shift_month(start, i) for i in range(len(values))],
                         "value": values}, schema={"month": pl.Date, "value": pl.Float64})


@pytest.mark.parametrize(("values", "target", "due", "as_of", "status", "projected"), [
    # take-up rising 1 pp a month from 30 %: in 6 months (due Jul from Jan) → 36 % + 5 = 41 %
    ([0.30, 0.31, 0.32, 0.33, 0.34, 0.35], 0.40, dt.date(2026, 11, 1), None, "on_track", 0.40),
    ([0.30, 0.31, 0.32, 0.33, 0.34, 0.35], 0.45, dt.date(2026, 11, 1), None, "at_risk", 0.40),
    ([0.30, 0.31, 0.32, 0.33, 0.34, 0.41], 0.40, dt.date(2026, 11, 1), None, "reached", None),
    ([0.30, 0.31, 0.32, 0.33, 0.34, 0.35], 0.40, dt.date(2026, 5, 1), dt.date(2026, 6, 1),
     "missed", None),
    ([None, None, None, None, 0.34, 0.35], 0.40, dt.date(2026, 11, 1), None, "unknown", None),
])
def test_target_status(values, target, due, as_of, status, projected) -> None:  # noqa: ANN001
    from metrics.targets import Target, target_status

    got = target_status(_series(JAN, values), Target("digital_take_up", target, due),
                        as_of=as_of)
    assert got.status == status
    if projected is None:
        assert got.projected is None
    else:  # last month Jun 2026 at 35 %, +1 pp a month, 5 months to Nov → 40 %
        assert got.projected == pytest.approx(projected)
        assert got.slope_per_month == pytest.approx(0.01)


def test_target_status_for_a_lower_is_better_kpi() -> None:
    from metrics.targets import Target, target_status

    falling = _series(JAN, [20.0, 18.0, 16.0, 14.0])  # processing days, −2 a month
    assert target_status(falling, Target("processing_days_median", 10.0,
                                         dt.date(2026, 6, 1))).status == "on_track"
    assert target_status(falling, Target("processing_days_median", 5.0,
                                         dt.date(2026, 6, 1))).status == "at_risk"
    assert target_status(falling, Target("processing_days_median", 15.0,
                                         dt.date(2026, 6, 1))).status == "reached"


@pytest.mark.parametrize("start", range(1, 13))
def test_fiscal_years_start_in_any_month(start: int) -> None:
    """A fiscal year starting in month ``start`` holds a day of that month and the 11 after
    it; 15.01.2026 belongs to the year starting in 2025 unless the year starts in January."""
    from metrics.periods import period_end, period_start

    days = pl.DataFrame({"day": [dt.date(2026, 1, 15), dt.date(2026, start, 1),
                                 dt.date(2026, 12, 31)]})
    got = days.select(first=period_start(pl.col("day"), "fiscal_year", start)).with_columns(
        last=period_end(pl.col("first"), "fiscal_year"))
    begin = dt.date(2026 if start == 1 else 2025, start, 1)
    assert got["first"].to_list() == [begin, dt.date(2026, start, 1), dt.date(2026, start, 1)]
    assert got["last"][1] == dt.date(2027, start, 1) - dt.timedelta(days=1)


def test_fiscal_years_with_an_odd_start_on_the_store(kleinstadt) -> None:
    """Take-up on the Kleinstadt store (Jan 2 of 5, Feb 1 of 3) per fiscal year starting in
    February: January belongs to the year from 01.02.2025, February to the one from 2026."""
    cube = load_cube(get_engine(kleinstadt))
    got = compute("digital_take_up", cube, ("period",), grain="fiscal_year",
                  fiscal_start_month=2)
    assert got.select("period", "numerator", "n").rows() == [
        (dt.date(2025, 2, 1), 2, 5), (dt.date(2026, 2, 1), 1, 3)]
    january = compute("digital_take_up", cube, ("period",), grain="fiscal_year")
    assert january.select("numerator", "n").rows() == [(3, 8)]  # start 1: the calendar year
    with pytest.raises(ValueError, match="fiscal_start_month"):
        compute("digital_take_up", cube, ("period",), grain="fiscal_year",
                fiscal_start_month=13)
