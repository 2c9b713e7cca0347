"""On-site waiting (Wartezeit vor Ort) by weekday and hour, per location.

Queue systems publish the mean wait per location, day and hour. Where they also give the
number of visits, hours are weighted by it; otherwise every hour counts once (the mean of
hourly means) — the result says which (``weighted``). ``slots`` is the number of hours a
value rests on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import polars as pl

from metrics.cube import Cube

WEEKDAYS_DE = ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So")


def _scope(cube: Cube, locations: Iterable[int] | None, start: dt.date | None,
           end: dt.date | None) -> pl.DataFrame:
    frame = cube.waits
    if locations is not None:
        frame = frame.filter(pl.col("location_id").is_in(list(locations)))
    if start is not None:
        frame = frame.filter(pl.col("day") >= start)
    if end is not None:
        frame = frame.filter(pl.col("day") <= end)
    return frame


def wait_by_weekday_hour(
    cube: Cube,
    *,
    locations: Iterable[int] | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> pl.DataFrame:
    """weekday (1 = Monday … 7), hour, slots, mean_wait, median_wait, weighted."""
    frame = _scope(cube, locations, start, end).with_columns(weekday=pl.col("day").dt.weekday())
    weighted = frame.height > 0 and frame["visits"].null_count() == 0
    mean = ((pl.col("wait_minutes") * pl.col("visits")).sum() / pl.col("visits").sum()
            if weighted else pl.col("wait_minutes").mean())
    return (
        frame.group_by("weekday", "hour")
        .agg(pl.len().alias("slots"), mean.alias("mean_wait"),
             pl.col("wait_minutes").median().alias("median_wait"))
        .with_columns(weighted=pl.lit(weighted))
        .sort("weekday", "hour")
    )


def wait_by_month(cube: Cube, *, locations: Iterable[int] | None = None) -> pl.DataFrame:
    """month, slots, mean_wait (mean of hourly means) — the trend of a location's waits."""
    frame = _scope(cube, locations, None, None)
    return (frame.group_by(pl.col("day").dt.truncate("1mo").alias("month"))
            .agg(pl.len().alias("slots"), pl.col("wait_minutes").mean().alias("mean_wait"))
            .sort("month"))
