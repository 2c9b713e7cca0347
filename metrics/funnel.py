"""Completion rate of online forms (Abschlussquote) from the portal funnel.

Completion rate = Σ submitted / Σ started over the period (GOV.UK service manual,
"completion rate") — never the mean of daily or monthly ratios, which would give a quiet
month as much weight as a busy one. ``n`` is the forms started.

Never above 100 %: a day reporting more forms submitted than started contradicts itself
(the import rejects it once the funnel rule is in place); should one be stored anyway, its
submitted count is capped at its started count — in SQL for the loader, per row in
``completion_rate`` — and the loader counts such days in ``inconsistent_days`` so they
stay visible.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import polars as pl
from sqlalchemy import Engine, case, func, select

from connectors.store import FunnelStat
from connectors.tenants import Tenants, tenant_filter
from metrics.kpis import ratio, suppress
from metrics.periods import Grain, period_start
from metrics.sql import count_where, month_start, query_frame

log = logging.getLogger(__name__)

FUNNEL_SCHEMA: dict[str, pl.DataType] = {
    "month": pl.Date,
    "service_id": pl.Int64,
    "started": pl.Int64,
    "submitted": pl.Int64,  # capped at started per day
    "abandoned": pl.Int64,  # null when no day of the group reports abandoned forms
    "days": pl.Int64,  # service-days with a row
    "inconsistent_days": pl.Int64,  # days with more submitted than started
}


def load_funnel(engine: Engine, ags: Tenants = None) -> pl.DataFrame:
    """Month × service sums of the stored funnel of municipality ``ags`` (None:
    SERVICEPULS_AGS), grouped in the database (every source)."""
    f = FunnelStat
    month = month_start(f.day).label("month")
    over = f.submitted > f.started
    stmt = (
        select(
            month,
            f.service_id,
            func.sum(f.started),
            func.sum(case((over, f.started), else_=f.submitted)),
            func.sum(f.abandoned),
            func.count(),
            count_where(over),
        )
        .where(tenant_filter(f, ags))
        .group_by(month, f.service_id)
        .order_by(month, f.service_id)
    )
    frame = query_frame(engine, stmt, FUNNEL_SCHEMA)
    bad = frame["inconsistent_days"].sum()
    if bad:
        log.warning("form funnel: %d day(s) with more submitted than started forms (capped)",
                    bad)
    return frame


def completion_rate(
    frame: pl.DataFrame,
    by: Sequence[str] = ("month",),
    min_n: int = 1,
    *,
    grain: Grain | None = None,
    fiscal_start_month: int = 1,
) -> pl.DataFrame:
    """Σ submitted / Σ started per group of ``by`` → by…, numerator, n (started), value,
    suppressed; a value resting on fewer than ``min_n`` started forms is withheld.

    With ``grain`` (month, quarter, year, fiscal_year) a ``period`` column is added from
    ``month`` first, so ``by=("period",)`` gives the rate over each whole period."""
    if grain is not None:
        frame = frame.with_columns(
            period=period_start(pl.col("month"), grain, fiscal_start_month))
    capped = frame.with_columns(
        submitted=pl.min_horizontal(pl.col("submitted"), pl.col("started")))
    return suppress(ratio(capped, by, "submitted", "started"), min_n)
