"""Volume facts from every source, without counting twice.

Case-level data (the cases cube, by month of receipt) and pre-aggregated usage statistics
(any period) are brought to one grain. Where a service has case-level data in a period,
its aggregated statistics for that period are left out — the cases are the finer source.
"""

from __future__ import annotations

import polars as pl

from connectors.store import DIGITAL_CHANNELS
from metrics.cube import Cube
from metrics.periods import Grain, period_end, period_start

FACT_COLUMNS = ["period", "service_id", "location_id", "channel", "cases", "digital",
                "completed", "completed_with_follow_up", "source_kind"]


def in_periods(frame: pl.DataFrame, grain: Grain, fiscal_start_month: int = 1) -> pl.DataFrame:
    """Add ``period`` to a frame of delivered periods (period_start, period_end), keeping
    only rows whose period fits wholly into one reporting period of ``grain``."""
    return (frame.with_columns(period=period_start(pl.col("period_start"), grain,
                                                   fiscal_start_month))
            .filter(period_end(pl.col("period"), grain) >= pl.col("period_end")))


def volume_facts(cube: Cube, grain: Grain = "month", fiscal_start_month: int = 1) -> pl.DataFrame:
    cases = cube.volume.select(
        period_start(pl.col("month"), grain, fiscal_start_month).alias("period"),
        "service_id", "location_id", "channel", "cases", "digital", "completed",
        "completed_with_follow_up", pl.lit("cases").alias("source_kind"),
    )
    usage = (
        in_periods(cube.usage, grain, fiscal_start_month)
        .select(
            "period", "service_id", "location_id", "channel",
            pl.col("volume").alias("cases"),
            pl.when(pl.col("channel").is_in(list(DIGITAL_CHANNELS))).then(pl.col("volume"))
            .otherwise(0).alias("digital"),
            pl.lit(None, pl.Int64).alias("completed"),
            pl.lit(None, pl.Int64).alias("completed_with_follow_up"),
            pl.lit("usage").alias("source_kind"),
        )
    )
    covered = cases.select("period", "service_id").unique()
    usage = usage.join(covered, on=["period", "service_id"], how="anti")
    return pl.concat([cases.cast(usage.schema), usage], how="vertical")


def coverage(facts: pl.DataFrame, services: pl.DataFrame, by: list[str]) -> pl.DataFrame:
    """Per group: how many services have data (volume > 0) of the services in scope —
    "27 of 31 services have data". ``services`` is the scope (service_id [+ by columns])."""
    with_data = (facts.group_by([*by, "service_id"]).agg(pl.col("cases").sum())
                 .filter(pl.col("cases") > 0)
                 .group_by(by or pl.lit(1)).agg(pl.len().alias("services_with_data")))
    total = services.height
    if not by:
        n = with_data["services_with_data"].sum() if with_data.height else 0
        return pl.DataFrame({"services_with_data": [n], "services_total": [total]})
    return with_data.with_columns(services_total=pl.lit(total))
