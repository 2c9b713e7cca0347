"""Online form funnel: import (upsert by source, service and day), the completion rate
Σ submitted / Σ started computed by hand, and the sample portal export (SQLite and
PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import insert, select

from connectors.db import get_engine
from connectors.importer import import_file
from connectors.profiles import resolve_profile
from connectors.store import FunnelStat, RejectedRow, Service
from metrics.funnel import completion_rate, load_funnel
from tests.conftest import import_dir

DATA = Path(__file__).parent / "data" / "portal"
PORTAL = DATA / "portal_formulare_kleinstadt.csv"
HEADER = "Datum;Formular;Gestartet;Abgeschickt;Abgebrochen"
JAN, FEB = dt.date(2026, 1, 1), dt.date(2026, 2, 1)


def profile():  # noqa: ANN201 - Profile
    return resolve_profile("musterstadt_portal")


def write_csv(path: Path, *rows: str) -> Path:
    path.write_bytes(("\r\n".join([HEADER, *rows]) + "\r\n").encode("utf-8-sig"))
    return path


def stored(settings) -> dict[tuple[str, dt.date], tuple]:  # noqa: ANN001
    with get_engine(settings).connect() as conn:
        rows = conn.execute(select(Service.code, FunnelStat.day, FunnelStat.started,
                                   FunnelStat.submitted, FunnelStat.abandoned).join(Service))
        return {(code, day): tuple(counts) for code, day, *counts in rows}


def by_key(frame: pl.DataFrame, key: str) -> dict:
    return {r[key]: (r["numerator"], r["n"], r["value"], r["suppressed"])
            for r in frame.to_dicts()}


def test_import_and_completion_rates_by_hand(kleinstadt) -> None:
    result = import_file(PORTAL, profile(), kleinstadt)
    assert (result.rows_read, result.inserted, result.rejected) == (5, 5, 0)
    assert stored(kleinstadt) == {
        ("L1", dt.date(2026, 1, 5)): (100, 80, 15), ("L1", dt.date(2026, 1, 6)): (10, 2, 8),
        ("L2", dt.date(2026, 1, 20)): (4, 3, 1), ("L1", dt.date(2026, 2, 3)): (10, 9, 1),
        ("L2", dt.date(2026, 2, 4)): (6, 6, None),  # "Abgebrochen" empty: not reported
    }
    frame = load_funnel(get_engine(kleinstadt))
    with get_engine(kleinstadt).connect() as conn:
        ids = dict(conn.execute(select(Service.code, Service.id)).all())
    assert sorted(frame.rows()) == sorted([
        # month, service, started, submitted, abandoned, days, inconsistent days
        (JAN, ids["L1"], 110, 82, 23, 2, 0), (JAN, ids["L2"], 4, 3, 1, 1, 0),
        (FEB, ids["L1"], 10, 9, 1, 1, 0), (FEB, ids["L2"], 6, 6, None, 1, 0),
    ])

    # per month, all services: Jan (82 + 3) / (110 + 4), Feb (9 + 6) / (10 + 6)
    assert by_key(completion_rate(frame, ("month",)), "month") == {
        JAN: (85, 114, pytest.approx(85 / 114), False),
        FEB: (15, 16, pytest.approx(0.9375), False),
    }
    # L2 in February: 6 of 6 — exactly 100 %, the upper bound
    per_service = completion_rate(frame, ("month", "service_id"), min_n=5)
    rows = {(r["month"], r["service_id"]): (r["value"], r["suppressed"])
            for r in per_service.to_dicts()}
    assert rows[(FEB, ids["L2"])] == (1.0, False)
    assert rows[(JAN, ids["L2"])] == (None, True)  # 4 started < 5: withheld
    assert rows[(JAN, ids["L1"])] == (pytest.approx(82 / 110), False)

    # Over both months, L1: Σ submitted / Σ started = 91 / 120 = 75.8 %. The mean of the
    # monthly ratios, (82/110 + 9/10) / 2 = 82.3 %, would give 10 forms in February the
    # same weight as 110 in January — 6.4 pp too high.
    l1 = by_key(completion_rate(frame.filter(pl.col("service_id") == ids["L1"]), ()), "n")
    assert l1 == {120: (91, 120, pytest.approx(91 / 120), False)}
    mean_of_ratios = (82 / 110 + 9 / 10) / 2
    assert round(91 / 120, 4) == 0.7583 and round(mean_of_ratios, 4) == 0.8227
    assert mean_of_ratios - 91 / 120 == pytest.approx(0.0644, abs=1e-4)
    # the whole period and every service, by grain: (82 + 3 + 9 + 6) / 130
    year = completion_rate(frame, ("period",), grain="year")
    assert year.rows() == [(dt.date(2026, 1, 1), 100, 130, pytest.approx(100 / 130), False)]


def test_reimport_skips_and_a_changed_day_updates(kleinstadt, tmp_path: Path) -> None:
    first = import_file(PORTAL, profile(), kleinstadt)
    assert import_file(PORTAL, profile(), kleinstadt).skipped
    corrected = write_csv(tmp_path / "portal_formulare_korrektur.csv",
                          "05.01.2026;L1;102;81;15",  # recounted: update
                          "06.01.2026;L1;10;2;8",  # same: duplicate
                          "07.01.2026;L1;5;4;1")  # new day: insert
    result = import_file(corrected, profile(), kleinstadt)
    assert (result.inserted, result.updated, result.duplicate, result.rejected) == (1, 1, 1, 0)
    rows = stored(kleinstadt)
    assert rows[("L1", dt.date(2026, 1, 5))] == (102, 81, 15)
    assert rows[("L1", dt.date(2026, 1, 7))] == (5, 4, 1)
    assert len(rows) == 6
    with get_engine(kleinstadt).connect() as conn:
        run = conn.execute(select(FunnelStat.import_run_id)
                           .where(FunnelStat.day == dt.date(2026, 1, 5))).scalar()
    assert run == result.run_id != first.run_id
    # the original again (forced): 05.01 changes back, the rest are duplicates, 07.01 stays
    again = import_file(PORTAL, profile(), kleinstadt, force=True)
    assert (again.inserted, again.updated, again.duplicate) == (0, 1, 4)
    assert stored(kleinstadt)[("L1", dt.date(2026, 1, 5))] == (100, 80, 15)
    assert len(stored(kleinstadt)) == 6


def test_the_same_day_twice_in_one_delivery(kleinstadt, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "portal_formulare_doppelt.csv",
                     "05.01.2026;L1;100;80;15", "05.01.2026;L1;100;80;15",  # repeated: dup
                     "06.01.2026;L1;10;2;8", "06.01.2026;L1;12;2;8")  # contradicts
    result = import_file(path, profile(), kleinstadt)
    assert (result.rows_read, result.inserted, result.duplicate, result.rejected) == (4, 2, 1, 1)
    with get_engine(kleinstadt).connect() as conn:
        bad = conn.execute(select(RejectedRow.row_number, RejectedRow.reason)
                           .where(RejectedRow.import_run_id == result.run_id)).one()
    assert bad.row_number == 5
    assert "(gestartet/abgeschickt/abgebrochen 10/2/8 statt 12/2/8)" in bad.reason
    assert stored(kleinstadt)[("L1", dt.date(2026, 1, 6))] == (10, 2, 8)


def test_more_submitted_than_started_is_rejected(kleinstadt, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "portal_formulare_falsch.csv",
                     "05.01.2026;L1;10;12;0", "06.01.2026;L1;10;10;0")
    result = import_file(path, profile(), kleinstadt)
    assert (result.inserted, result.rejected) == (1, 1)
    with get_engine(kleinstadt).connect() as conn:
        bad = conn.execute(select(RejectedRow.row_number, RejectedRow.column,
                                  RejectedRow.reason)
                           .where(RejectedRow.import_run_id == result.run_id)).one()
    assert (bad.row_number, bad.column) == (2, "Abgeschickt")
    assert "12 abgeschickt, aber nur 10 gestartet" in bad.reason


def test_never_above_100_percent_even_with_an_inconsistent_day(kleinstadt) -> None:
    run = import_file(PORTAL, profile(), kleinstadt).run_id
    engine = get_engine(kleinstadt)
    with engine.begin() as conn:  # stored past any import rule, e.g. by an older version
        l2 = conn.execute(select(Service.id).where(Service.code == "L2")).scalar()
        conn.execute(insert(FunnelStat).values(
            ags=kleinstadt.ags, source="musterstadt-portal", day=dt.date(2026, 2, 10),
            service_id=l2, started=2, submitted=5, abandoned=0, import_run_id=run))
    frame = load_funnel(engine)
    feb_l2 = frame.filter((pl.col("month") == FEB) & (pl.col("service_id") == l2))
    # 04.02: 6 of 6, 10.02: 5 of 2 counted as 2 of 2 → 8 of 8, and the day is flagged
    assert feb_l2.select("started", "submitted", "days", "inconsistent_days").row(0) == (
        8, 8, 2, 1)
    assert completion_rate(feb_l2, ()).row(0, named=True)["value"] == 1.0
    raw = pl.DataFrame({"month": [FEB], "service_id": [l2], "started": [2], "submitted": [5]})
    assert completion_rate(raw, ())["value"].to_list() == [1.0]


def test_sample_portal_export(settings, tmp_path: Path) -> None:
    from sample_data.city import SERVICES
    from sample_data.funnel import COMPLETION_GAIN, COMPLETION_START, write_funnel
    from sample_data.generate import write_services

    write_services(tmp_path / "leistungen.csv")
    path = write_funnel(tmp_path)
    assert write_funnel(tmp_path / "again").read_bytes() == path.read_bytes()
    csv = pl.read_csv(path, separator=";", schema_overrides={"Formular": pl.String})
    results = {r.file.name: r for r in import_dir(tmp_path, settings)}
    portal = results["portal_formulare.csv"]
    assert (portal.rows_read, portal.inserted, portal.rejected) == (csv.height, csv.height, 0)
    assert csv.height == 17_255

    frame = load_funnel(get_engine(settings))
    assert frame["started"].sum() == csv["Gestartet"].sum()
    assert frame["submitted"].sum() == csv["Abgeschickt"].sum()
    assert frame["inconsistent_days"].sum() == 0
    assert (csv["Gestartet"] >= csv["Abgeschickt"] + csv["Abgebrochen"]).all()

    with get_engine(settings).connect() as conn:
        codes = dict(conn.execute(select(Service.id, Service.code)).all())
    frame = frame.with_columns(code=pl.col("service_id").replace_strict(codes))
    # only services that are online, and only from the day they went online
    online = {s.code: s.online_since for s in SERVICES if s.online_since is not None}
    assert set(frame["code"]) == set(online)
    first_day = dict(csv.with_columns(pl.col("Datum").str.to_date("%d.%m.%Y"))
                     .group_by("Formular").agg(pl.col("Datum").min()).rows())
    for code, since in online.items():
        assert first_day[code] >= since, code
    assert first_day["L034"].year == 2026  # online since 01.01.2026

    # completion by service over the whole window within the generator's 55–85 %
    low, high = COMPLETION_START[0], COMPLETION_START[1] + COMPLETION_GAIN[1]
    per_service = completion_rate(frame, ("code",), min_n=1_000)
    shown = per_service.filter(~pl.col("suppressed"))
    assert shown.height >= 20
    assert shown["value"].is_between(low - 0.03, high + 0.03).all()
    # improving over time: the city-wide rate of the second year beats the first
    frame = frame.with_columns(second=pl.col("month") >= dt.date(2025, 11, 1))
    yearly = dict(completion_rate(frame, ("second",)).select("second", "value").rows())
    assert yearly[True] > yearly[False] + 0.02
