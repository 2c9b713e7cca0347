"""Real data: waiting times of the Bürgerservice Moers (../shared/realdata, never edited),
comma-joined JSON objects without brackets, one file per ISO week.

Expected values are computed here from the raw files with the json module, independently
of the product's reader: exact repeats are one slot, and where a delivery contradicts
itself the first value stands (the importer quarantines the later one).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict

import pytest
from sqlalchemy import func, select

from connectors.db import get_engine
from connectors.store import ImportRun, RejectedRow, WaitStat
from metrics.cube import load_cube
from metrics.waits import wait_by_weekday_hour
from tests.conftest import REALDATA, import_dir

MOERS = REALDATA / "moers-wartezeit"


@pytest.fixture(scope="module")
def published() -> dict[tuple, int]:
    if not MOERS.exists():
        pytest.fail(f"real data missing at {MOERS} (../shared/realdata is part of the checkout)")
    slots: dict[tuple, int] = {}
    for path in sorted(MOERS.rglob("*.json")):
        text = path.read_text(encoding="utf-8").strip().rstrip(",")
        for r in json.loads(f"[{text}]"):
            day = dt.date.fromisocalendar(r["year"], r["week"], r["weekday"] + 1)
            slots.setdefault((day, r["hour"]), r["wait"])
    return slots


@pytest.fixture(scope="module")
def moers(module_settings):  # noqa: ANN001, ANN201
    settings = module_settings
    results = [r for folder in sorted(MOERS.iterdir()) for r in import_dir(folder, settings)]
    assert len(results) == 138
    return settings, results


def test_every_record_is_accounted_for(moers, published) -> None:  # noqa: ANN001
    settings, results = moers
    assert sum(r.rows_read for r in results) == 5165
    assert sum(r.inserted for r in results) == len(published) == 4875
    assert sum(r.duplicate for r in results) == 284
    assert sum(r.rejected for r in results) == 6  # 2014-36: Thursday 10–15 twice, differing
    with get_engine(settings).connect() as conn:
        assert conn.execute(select(func.count()).select_from(WaitStat)).scalar_one() == 4875
        reasons = conn.execute(select(RejectedRow.reason)).scalars().all()
        runs = conn.execute(select(ImportRun.status).distinct()).scalars().all()
    assert runs == ["succeeded"]
    assert all(r.startswith("widerspricht einem früheren Wert für 04.09.2014") for r in reasons)


def test_wait_by_weekday_and_hour(moers, published) -> None:  # noqa: ANN001
    settings, _ = moers
    cells: dict[tuple, list[int]] = defaultdict(list)
    for (day, hour), wait in published.items():
        cells[(day.isoweekday(), hour)].append(wait)
    got = wait_by_weekday_hour(load_cube(get_engine(settings)))
    assert got.height == len(cells) == 6 * 10 - 3 * 2 - 5 * 2  # Mo–Mi 8–15, Do 8–17, Fr/Sa 8–12
    for r in got.iter_rows(named=True):
        values = cells[(r["weekday"], r["hour"])]
        assert r["slots"] == len(values)
        assert r["mean_wait"] == pytest.approx(sum(values) / len(values))
    assert not got["weighted"].any()  # Moers publishes no visit counts


def test_a_period_of_one_year(moers, published) -> None:  # noqa: ANN001
    settings, _ = moers
    start, end = dt.date(2016, 1, 1), dt.date(2016, 12, 31)
    thursday_ten = [w for (d, h), w in published.items()
                    if start <= d <= end and d.isoweekday() == 4 and h == 10]
    got = wait_by_weekday_hour(load_cube(get_engine(settings)), start=start, end=end)
    row = got.filter((got["weekday"] == 4) & (got["hour"] == 10)).row(0, named=True)
    assert row["slots"] == len(thursday_ten) > 40
    assert row["mean_wait"] == pytest.approx(sum(thursday_ten) / len(thursday_ten))
