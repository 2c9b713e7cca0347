"""Aggregated usage statistics: a wide monthly export, period replacement on re-delivery,
and combining them with case-level data without counting twice (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from connectors.db import get_engine
from connectors.importer import import_file
from connectors.profiles import load_profile
from connectors.store import RejectedRow, UsageStat
from metrics.cube import load_cube
from metrics.facts import coverage, volume_facts
from metrics.kpis import compute

DATA = Path(__file__).parent / "data"
STATS = DATA / "statistik" / "monatsstatistik_2026.csv"
PROFILE = DATA / "profiles" / "kleinstadt_monatsstatistik.toml"
JAN, FEB = dt.date(2026, 1, 1), dt.date(2026, 2, 1)


def test_wide_monthly_statistics_unpivot_with_missing_and_rejected_cells(kleinstadt) -> None:
    result = import_file(STATS, load_profile(PROFILE), kleinstadt)
    # 3 rows × 3 channels = 9 cells; "-" is no value (no record); "x" is rejected
    assert (result.rows_read, result.inserted, result.rejected) == (8, 7, 1)
    with get_engine(kleinstadt).connect() as conn:
        rows = conn.execute(select(UsageStat.period_start, UsageStat.period_end,
                                   UsageStat.channel, UsageStat.volume)
                            .order_by(UsageStat.id)).all()
        bad = conn.execute(select(RejectedRow.row_number, RejectedRow.column,
                                  RejectedRow.reason, RejectedRow.raw)
                           .where(RejectedRow.import_run_id == result.run_id)).one()
    assert (JAN, dt.date(2026, 1, 31), "in_person", 1204) in rows  # thousands dot
    assert sum(r.volume for r in rows) == 7 + 1204 + 3 + 2 + 5 + 4 + 10
    assert bad.row_number == 6 and bad.column == "Wert"
    assert "'x' ist keine ganze Zahl" in bad.reason
    assert json.loads(bad.raw)["Spalte"] == "Post"


def test_redelivered_period_replaces_that_period_only(kleinstadt, tmp_path) -> None:
    import_file(STATS, load_profile(PROFILE), kleinstadt)
    corrected = tmp_path / "monatsstatistik_korrektur.csv"
    corrected.write_bytes(b"Titel\r\n\r\nMonat;Leistung;Online;Vor Ort;Post\r\n"
                          b"02.2026;L2;6;10;1\r\n")
    result = import_file(corrected, load_profile(PROFILE), kleinstadt)
    assert (result.inserted, result.updated, result.duplicate) == (1, 1, 1)
    with get_engine(kleinstadt).connect() as conn:
        feb = dict(conn.execute(select(UsageStat.channel, UsageStat.volume)
                                .where(UsageStat.period_start == FEB)).all())
        jan = conn.execute(select(UsageStat.volume).where(UsageStat.period_start == JAN)).all()
    assert feb == {"online": 6, "in_person": 10, "post": 1}
    assert len(jan) == 5  # January untouched


def test_cases_win_over_statistics_of_the_same_service_and_period(kleinstadt) -> None:
    import_file(STATS, load_profile(PROFILE), kleinstadt)
    cube = load_cube(get_engine(kleinstadt))
    ids = {r["code"]: r["service_id"] for r in cube.services.to_dicts()}
    facts = volume_facts(cube, "month")
    # Kleinstadt's case export has L1 in Jan and Feb, L2 in Jan and Feb: every statistics
    # cell is covered by case-level data and left out.
    assert facts.filter(facts["source_kind"] == "usage").is_empty()
    take_up = {r["period"]: (r["numerator"], r["n"])
               for r in compute("digital_take_up", cube, ("period",), grain="month").to_dicts()}
    assert take_up == {JAN: (2, 5), FEB: (1, 3)}  # the cases alone, as in test_metrics
    # Drop L2's cases from the cube: its statistics count instead, L1 stays case-level.
    only_l1 = cube.__class__(
        volume=cube.volume.filter(cube.volume["service_id"] == ids["L1"]),
        durations=cube.durations, services=cube.services, locations=cube.locations,
        usage=cube.usage)
    take_up = {r["period"]: (r["numerator"], r["n"]) for r in compute(
        "digital_take_up", only_l1, ("period",), grain="month").to_dicts()}
    # Jan: L1 cases 2 of 4 online + L2 statistics 2 of 7; Feb: L1 cases 1 of 1 + L2 4 of 14
    assert take_up == {JAN: (2 + 2, 4 + 7), FEB: (1 + 4, 1 + 14)}
    cov = coverage(volume_facts(only_l1, "month"), cube.services, ["period"]).sort("period")
    assert cov.rows() == [(JAN, 2, 2), (FEB, 2, 2)]


def test_statistics_of_a_longer_period_are_not_split_into_months(kleinstadt, tmp_path) -> None:
    profile = tmp_path / "jahr.toml"
    profile.write_text(PROFILE.read_text(encoding="utf-8")
                       .replace('period_format = "%m.%Y"', 'period_format = "year"')
                       .replace("monatsstatistik*", "jahr*"), encoding="utf-8")
    year = tmp_path / "jahr.csv"
    year.write_bytes(b"T\r\n\r\nMonat;Leistung;Online;Vor Ort;Post\r\n2025;L2;40;60;-\r\n")
    import_file(year, load_profile(profile), kleinstadt)
    cube = load_cube(get_engine(kleinstadt))
    assert volume_facts(cube, "month")["source_kind"].to_list().count("usage") == 0
    yearly = compute("digital_take_up", cube, ("period",), grain="year").to_dicts()
    assert [(r["period"], r["numerator"], r["n"]) for r in yearly] == [
        (dt.date(2025, 1, 1), 40, 100), (dt.date(2026, 1, 1), 3, 8)]


@pytest.mark.parametrize(("value", "fmt", "start", "end"), [
    ("2023-2024", "fiscal_year", dt.date(2023, 4, 1), dt.date(2024, 3, 31)),
    ("2023-24", "fiscal_year", dt.date(2023, 4, 1), dt.date(2024, 3, 31)),
    ("2023-2025", "fiscal_year", None, None),
    ("2025", "year", dt.date(2025, 1, 1), dt.date(2025, 12, 31)),
    ("02.2024", "%m.%Y", dt.date(2024, 2, 1), dt.date(2024, 2, 29)),
    ("2024-13", "%Y-%m", None, None),
])
def test_period_formats(value: str, fmt: str, start, end) -> None:  # noqa: ANN001
    import polars as pl

    from connectors.mapping import _period

    profile = load_profile(PROFILE)
    read = profile.read.model_copy(update={"period_format": fmt, "fiscal_year_start_month": 4})
    profile = profile.model_copy(update={"read": read})
    s, e = _period(pl.col("p"), profile)
    row = pl.DataFrame({"p": [value]}).select(s.alias("s"), e.alias("e")).row(0)
    assert row == (start, end)
