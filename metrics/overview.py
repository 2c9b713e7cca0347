"""What the overview page shows: KPI tiles for a month with changes, and monthly trends.

Tiles of cohort KPIs (processing time, follow-up rate) show the newest receipt month whose
cases are at least 90 % closed, because the newest months still wait for their slow cases.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import polars as pl

from metrics.catalogue import KPIS, KpiDef
from metrics.cube import Cube
from metrics.kpis import compute

TILE_KPIS = ("digital_take_up", "processing_days_median", "follow_up_rate")
MATURE_SHARE = 0.9  # a receipt cohort counts as mature once 90 % of its cases are closed


def shift_month(month: dt.date, months: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def change(kpi: KpiDef, current: float | None, previous: float | None) -> float | None:
    """Shares change in percentage points (as a fraction: 0.012 = 1,2 pp); other units
    change relative to the previous value (current / previous − 1)."""
    if current is None or previous is None:
        return None
    if kpi.unit == "percent":
        return current - previous
    return None if previous == 0 else current / previous - 1


@dataclass(frozen=True)
class Tile:
    kpi: KpiDef
    month: dt.date
    value: float | None
    n: int
    suppressed: bool
    previous_month: float | None
    previous_year: float | None
    change_month: float | None
    change_year: float | None
    closed_share: float | None = None  # cohort KPIs: share of the month's cases closed

    @property
    def change_unit(self) -> str:
        return "pp" if self.kpi.unit == "percent" else "relative"


def trend(
    cube: Cube,
    kpi_id: str,
    *,
    services: Iterable[int] | None = None,
    locations: Iterable[int] | None = None,
    min_n: int = 5,
) -> pl.DataFrame:
    """Monthly series over every month of the cube; months without data have n = 0, no value.

    A month whose filtered view would let a withheld service or location be recomputed as
    the difference to the unfiltered view is withheld too (metrics.disclosure)."""
    series = compute(kpi_id, cube, ("month",), services=services, locations=locations,
                     min_n=min_n, protect_filters=True)
    months = pl.DataFrame({"month": cube.months}, schema={"month": pl.Date})
    out = months.join(series.drop("numerator", strict=False), on="month", how="left")
    return out.with_columns(pl.col("n").fill_null(0), pl.col("suppressed").fill_null(False))


def closed_shares(
    cube: Cube, *, services: Iterable[int] | None = None, locations: Iterable[int] | None = None
) -> dict[dt.date, float]:
    """Month of receipt → share of its cases no longer open."""
    frame = cube.volume
    if services is not None:
        frame = frame.filter(pl.col("service_id").is_in(list(services)))
    if locations is not None:
        frame = frame.filter(pl.col("location_id").is_in(list(locations)))
    grouped = frame.group_by("month").agg(pl.col("open").sum(), pl.col("cases").sum())
    return {r["month"]: 1 - r["open"] / r["cases"] for r in grouped.iter_rows(named=True)
            if r["cases"]}


def mature_month(shares: dict[dt.date, float], month: dt.date) -> dt.date:
    """The newest month up to ``month`` whose cohort is mature; ``month`` if none is."""
    ready = [m for m, share in shares.items() if m <= month and share >= MATURE_SHARE]
    return max(ready) if ready else month


def tiles(
    cube: Cube,
    *,
    services: Iterable[int] | None = None,
    locations: Iterable[int] | None = None,
    month: dt.date | None = None,
    min_n: int = 5,
) -> list[Tile]:
    """One tile per KPI for ``month`` (default: the latest month with data)."""
    if cube.is_empty:
        return []
    month = month or cube.months[-1]
    services = list(services) if services is not None else None
    locations = list(locations) if locations is not None else None
    shares = closed_shares(cube, services=services, locations=locations)
    out = []
    for kpi_id in TILE_KPIS:
        kpi = KPIS[kpi_id]
        at = mature_month(shares, month) if kpi.cohort else month
        series = trend(cube, kpi_id, services=services, locations=locations, min_n=min_n)
        by_month = {r["month"]: r for r in series.iter_rows(named=True)}
        row = by_month.get(at, {"value": None, "n": 0, "suppressed": False})
        prev_m = by_month.get(shift_month(at, -1), {}).get("value")
        prev_y = by_month.get(shift_month(at, -12), {}).get("value")
        out.append(Tile(
            kpi=kpi, month=at, value=row["value"], n=row["n"], suppressed=row["suppressed"],
            previous_month=prev_m, previous_year=prev_y,
            change_month=change(kpi, row["value"], prev_m),
            change_year=change(kpi, row["value"], prev_y),
            closed_share=shares.get(at) if kpi.cohort else None,
        ))
    return out
