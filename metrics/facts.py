"""Volume facts from every source, without counting twice.

Case-level data (the cases cube, by month of receipt) and pre-aggregated usage statistics
(any period) are brought to one grain. Where a service has case-level data in a period,
its aggregated statistics for that period are left out — the cases are the finer source.

**Online only** (digital take-up): a service counts from the month it went online according
to its master data (``online_since``); its cases of earlier months count in neither the
numerator nor the denominator. Delivered statistics count when the service was online by the
period's end (a yearly figure cannot be split into months; the same rule as
:mod:`metrics.supply`). Two cases without a date are kept apart:

- **never online** — the master data say so ("Online seit" = "nie"; stored as
  :data:`connectors.store.NEVER_ONLINE`, a date no month reaches): left out like the months
  before a launch;
- **no online date known** (an empty cell, "unbekannt", or no such column at all, as in
  Canada's inventory, whose services marked "no online application" still report online
  applications): counted in every month, since dropping them would change the take-up
  without saying so.

:func:`take_up_coverage` says what was left out and how many services had no date.

**Share within standard** (:func:`standard_facts`): completed cases against the service's own
target in calendar days (service attribute ``target_days``, e.g. the master data column
"Bearbeitungsziel (Tage)"), by month of receipt; where a service has no such cases in a
period, its delivered standard statistics (``standard_stats``) count instead — never both.
"""

from __future__ import annotations

import polars as pl

from connectors.store import DIGITAL_CHANNELS
from metrics.cube import Cube, remember
from metrics.periods import Grain, period_end, period_start

FACT_COLUMNS = ["period", "service_id", "location_id", "channel", "cases", "digital",
                "completed", "completed_with_follow_up", "source_kind"]


def in_periods(frame: pl.DataFrame, grain: Grain, fiscal_start_month: int = 1) -> pl.DataFrame:
    """Add ``period`` to a frame of delivered periods (period_start, period_end), keeping
    only rows whose period fits wholly into one reporting period of ``grain``."""
    return (frame.with_columns(period=period_start(pl.col("period_start"), grain,
                                                   fiscal_start_month))
            .filter(period_end(pl.col("period"), grain) >= pl.col("period_end")))


def online_only(cube: Cube) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``cube.volume`` and ``cube.usage`` without what lies before a service went online."""
    since = cube.services.select("service_id", pl.col("online_since").cast(pl.Date))
    unknown = pl.col("online_since").is_null()
    volume = (cube.volume.join(since, on="service_id", how="left")
              .filter(unknown | (pl.col("month") >= pl.col("online_since").dt.truncate("1mo")))
              .drop("online_since"))
    usage = (cube.usage.join(since, on="service_id", how="left")
             .filter(unknown | (pl.col("online_since") <= pl.col("period_end")))
             .drop("online_since"))
    return volume, usage


def volume_facts(cube: Cube, grain: Grain = "month", fiscal_start_month: int = 1, *,
                 online: bool = False) -> pl.DataFrame:
    """Every source's volume at ``grain``; ``online=True`` leaves out what lies before a
    service went online (see the module docstring). Once per cube (:func:`metrics.cube.
    remember`): every KPI and filter of a view starts from it."""
    return remember(cube, ("volume_facts", grain, fiscal_start_month, online),
                    lambda: _volume_facts(cube, grain, fiscal_start_month, online), keep=8)


def _volume_facts(cube: Cube, grain: Grain, fiscal_start_month: int,
                  online: bool) -> pl.DataFrame:
    covered = cube.volume.select(
        period_start(pl.col("month"), grain, fiscal_start_month).alias("period"), "service_id",
    ).unique()  # before the online filter: cases stay the finer source either way
    volume, delivered = online_only(cube) if online else (cube.volume, cube.usage)
    cases = volume.select(
        period_start(pl.col("month"), grain, fiscal_start_month).alias("period"),
        "service_id", "location_id", "channel", "cases", "digital", "completed",
        "completed_with_follow_up", pl.lit("cases").alias("source_kind"),
    )
    usage = (
        in_periods(delivered, grain, fiscal_start_month)
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


def take_up_coverage(cube: Cube, grain: Grain = "month", fiscal_start_month: int = 1, *,
                     services: list[int] | None = None, locations: list[int] | None = None
                     ) -> pl.DataFrame:
    """Per period, what digital take-up counts and leaves out: ``services_counted`` (with
    transactions while online), ``services_not_yet_online`` and ``cases_not_yet_online``
    (left out: before the service went online), ``services_without_date`` (counted in every
    month, no online date known)."""
    frames = []
    for online in (False, True):
        facts = volume_facts(cube, grain, fiscal_start_month, online=online)
        if services is not None:
            facts = facts.filter(pl.col("service_id").is_in(services))
        if locations is not None:
            facts = facts.filter(pl.col("location_id").is_in(locations))
        frames.append(facts.group_by("period", "service_id").agg(pl.col("cases").sum())
                      .filter(pl.col("cases") > 0))
    every, counted = frames
    since = cube.services.select("service_id", "online_since")
    joined = (every.join(counted, on=["period", "service_id"], how="left", suffix="_online")
              .join(since, on="service_id", how="left"))
    schema = {"period": pl.Date, "services_counted": pl.Int64,
              "services_not_yet_online": pl.Int64, "cases_not_yet_online": pl.Int64,
              "services_without_date": pl.Int64}
    if joined.is_empty():
        return pl.DataFrame(schema=schema)
    online_cases = pl.col("cases_online").fill_null(0)
    return joined.group_by("period").agg(
        (online_cases > 0).sum().alias("services_counted"),
        (online_cases < pl.col("cases")).sum().alias("services_not_yet_online"),
        (pl.col("cases") - online_cases).sum().alias("cases_not_yet_online"),
        ((online_cases > 0) & pl.col("online_since").is_null()).sum()
        .alias("services_without_date"),
    ).cast(schema).sort("period")


def target_days(services: pl.DataFrame) -> pl.DataFrame:
    """service_id, target_days: the service's own processing target in calendar days, from
    the attribute ``target_days``; services without one (or with no number) are left out."""
    if services.is_empty() or "attributes" not in services.columns:
        return pl.DataFrame(schema={"service_id": pl.Int64, "target_days": pl.Float64})
    value = (pl.col("attributes").str.json_path_match("$.target_days")
             .str.strip_chars().str.replace(",", ".").cast(pl.Float64, strict=False))
    return (services.select("service_id", value.alias("target_days"))
            .filter(pl.col("target_days").is_not_null() & (pl.col("target_days") >= 0)))


STANDARD_FACT_COLUMNS = ["period", "service_id", "location_id", "channel", "volume_meeting",
                         "volume_total", "source_kind"]


def standard_facts(cube: Cube, grain: Grain = "month", fiscal_start_month: int = 1
                   ) -> pl.DataFrame:
    """Share-within-standard facts from every source, without counting twice: completed cases
    of services with a target (``source_kind = "cases"``, by month of receipt) and delivered
    standard statistics with both figures (``"standards"``) where the service has no such
    cases in the period."""
    targets = target_days(cube.services)
    cases = (cube.durations.join(targets, on="service_id", how="inner")
             .select(period_start(pl.col("month"), grain, fiscal_start_month).alias("period"),
                     "service_id", "location_id", "channel",
                     pl.when(pl.col("days") <= pl.col("target_days")).then(pl.col("cases"))
                     .otherwise(0).alias("volume_meeting"),
                     pl.col("cases").alias("volume_total"),
                     pl.lit("cases").alias("source_kind")))
    both = cube.standards.filter(pl.col("volume_meeting").is_not_null()
                                 & pl.col("volume_total").is_not_null())
    delivered = (in_periods(both, grain, fiscal_start_month)
                 .select("period", "service_id", pl.lit(None, pl.Int64).alias("location_id"),
                         "channel", "volume_meeting", "volume_total",
                         pl.lit("standards").alias("source_kind"))
                 .join(cases.select("period", "service_id").unique(),
                       on=["period", "service_id"], how="anti"))
    schema = {"period": pl.Date, "service_id": pl.Int64, "location_id": pl.Int64,
              "channel": pl.String, "volume_meeting": pl.Int64, "volume_total": pl.Int64,
              "source_kind": pl.String}
    return pl.concat([cases.cast(schema), delivered.cast(schema)], how="vertical")
