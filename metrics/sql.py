"""Portable SQL pieces for the metrics: the dialect constructs (defined in
:mod:`connectors.sql`, which the persisted cube's maintenance uses too) and reading query
results into typed frames.

Every aggregation stays in SQL that SQLite and PostgreSQL both run, so the same cube comes
out of either store.
"""

from __future__ import annotations

import polars as pl
from sqlalchemy import Engine, Executable

from connectors.sql import (  # noqa: F401 - re-exported: metrics import them from here
    count_where,
    day_of,
    days_between,
    hour_of,
    iso_weekday,
    month_start,
)


def query_frame(engine: Engine, stmt: Executable, schema: dict) -> pl.DataFrame:
    """Run ``stmt`` and return its rows as a frame typed by ``schema`` (columns in select
    order). SQLite returns computed dates (``date(…)``) as ISO text; they are parsed here,
    so every loader gets the same types from either database."""
    with engine.connect() as conn:
        rows = [tuple(r) for r in conn.execute(stmt)]
    if not rows:
        return pl.DataFrame(schema=schema)
    raw = pl.DataFrame(rows, schema=list(schema), orient="row")
    text_dates = [c for c, kind in schema.items() if kind == pl.Date and raw.schema[c] == pl.String]
    if text_dates:
        raw = raw.with_columns(pl.col(text_dates).str.to_date("%Y-%m-%d"))
    return raw.cast(schema)
