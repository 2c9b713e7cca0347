"""Data quality of the store: import runs, the quarantine, freshness of sources, coverage gaps.

Everything here reads the bookkeeping tables the importer writes (``import_runs``,
``rejected_rows``) or the cube, and returns small polars frames with a fixed schema — also
for an empty store, so a page never needs to special-case missing tables. No Streamlit.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re

import polars as pl
from sqlalchemy import Engine, case, func, select

from connectors.store import ImportRun, RejectedRow
from connectors.tenants import Tenants, tenant_filter
from metrics.cube import Cube, store_ready
from metrics.sql import count_where, query_frame

log = logging.getLogger(__name__)

STALE_AFTER_DAYS = 35  # monthly deliveries plus a few days of slack
SUCCEEDED = "succeeded"

RUN_SCHEMA = {
    "id": pl.Int64,
    "source": pl.String,
    "profile": pl.String,
    "file_name": pl.String,
    "started_at": pl.Datetime("us"),
    "finished_at": pl.Datetime("us"),
    "status": pl.String,
    "rows_read": pl.Int64,
    "rows_inserted": pl.Int64,
    "rows_updated": pl.Int64,
    "rows_duplicate": pl.Int64,
    "rows_rejected": pl.Int64,
    "rows_skipped": pl.Int64,  # summary lines: read, no record, not in rows_read
    "message": pl.String,
}
REASON_SCHEMA = {"column": pl.String, "reason": pl.String, "rows": pl.Int64,
                 "example": pl.String}
REJECTED_SCHEMA = {"import_run_id": pl.Int64, "row_number": pl.Int64, "column": pl.String,
                   "reason": pl.String, "raw": pl.String}
FRESHNESS_SCHEMA = {
    "source": pl.String,
    "runs": pl.Int64,
    "failed_runs": pl.Int64,
    "last_success": pl.Datetime("us"),
    "days_since": pl.Int64,
    "stale": pl.Boolean,
}
COVERAGE_SCHEMA = {
    "service_id": pl.Int64,
    "code": pl.String,
    "service": pl.String,
    "months_with_cases": pl.Int64,
    "missing_months": pl.Int64,
    "missing": pl.List(pl.Date),
    "has_usage_stats": pl.Boolean,
}


# --- import runs ----------------------------------------------------------------------------


def import_runs(engine: Engine, limit: int = 200, ags: Tenants = None) -> pl.DataFrame:
    """The newest ``limit`` import runs of municipality ``ags`` (None: SERVICEPULS_AGS),
    newest first, with their row counts."""
    if not store_ready(engine):
        return pl.DataFrame(schema=RUN_SCHEMA)
    r = ImportRun
    stmt = (
        select(r.id, r.source, r.profile, r.file_name, r.started_at, r.finished_at, r.status,
               r.rows_read, r.rows_inserted, r.rows_updated, r.rows_duplicate,
               r.rows_rejected, r.rows_skipped, r.message)
        .where(tenant_filter(r, ags))
        .order_by(r.started_at.desc(), r.id.desc())
        .limit(limit)
    )
    return query_frame(engine, stmt, RUN_SCHEMA)


# --- the quarantine -------------------------------------------------------------------------

# A quoted raw value as the importer writes it: "Leistung: 'X999' ist keine …". It starts a
# reason (or follows "Label: " / "; ") and ends at the first quote followed by a space, so
# values containing an apostrophe ("O'Brien") are taken whole and quotes inside a hint
# ("Dezimalzeichen ','") are left alone.
_QUOTED = re.compile(r"(?:(?<=: )|(?<=; )|^)'.*?'(?= |$)")
_NUMBER = re.compile(r"\b\d+\b")
_HINT = " — "  # the importer's separator between a problem and what to do about it
PLACEHOLDER = "…"


def reason_group(reason: str) -> str:
    """The stable part of an importer reason, so rows with the same problem group together.

    Raw values become ``'…'`` and other numbers ``…``; only the first problem of a row is
    kept (it belongs to the row's ``column``), without the hint after " — ".

    >>> reason_group("Leistung: 'X999' ist keine bekannte Leistung — in den Stammdaten …")
    "Leistung: '…' ist keine bekannte Leistung"
    """
    text = _QUOTED.sub(f"'{PLACEHOLDER}'", " ".join(reason.split()))
    text = _NUMBER.sub(PLACEHOLDER, text)
    return text.split("; ", 1)[0].split(_HINT, 1)[0].strip()


def _run_filter(stmt, run_id: int | None, ags: Tenants):  # noqa: ANN001, ANN202 - Select
    """The quarantine of one municipality, and of one run if ``run_id`` is given."""
    stmt = stmt.where(tenant_filter(RejectedRow, ags))
    return stmt if run_id is None else stmt.where(RejectedRow.import_run_id == run_id)


def rejected_by_reason(engine: Engine, run_id: int | None = None,
                       ags: Tenants = None) -> pl.DataFrame:
    """Rejected rows per column and :func:`reason_group`, most frequent first.

    ``example`` is one full reason of the group, with the importer's hint on what to fix.
    ``column`` is null for rows the reader could not split into fields at all.
    """
    if not store_ready(engine):
        return pl.DataFrame(schema=REASON_SCHEMA)
    q = RejectedRow
    # Identical reasons are counted in the database; the regex grouping runs on the rest.
    stmt = _run_filter(
        select(q.column, q.reason, func.count().label("rows")).group_by(q.column, q.reason),
        run_id, ags,
    )
    exact = query_frame(engine, stmt, {"column": pl.String, "reason": pl.String, "rows": pl.Int64})
    if exact.is_empty():
        return pl.DataFrame(schema=REASON_SCHEMA)
    return (
        exact.sort("reason")
        .with_columns(group=pl.col("reason").map_elements(reason_group, pl.String))
        .group_by("column", "group", maintain_order=True)
        .agg(pl.col("rows").sum(), pl.col("reason").first().alias("example"))
        .rename({"group": "reason"})
        .sort(["rows", "column", "reason"], descending=[True, False, False], nulls_last=True)
        .select(list(REASON_SCHEMA))
    )


def readable_raw(raw: str | None) -> str:
    """The quarantined raw values as one line: "Leistung: X999 · Standort: A".

    Empty fields show as "–". A row the reader could not split was stored by position
    ({"0": …, "1": …}); its fields are joined with " ; " like the original line.
    """
    if not raw:
        return ""
    try:
        values = json.loads(raw)
    except ValueError:
        return raw
    if not isinstance(values, dict):
        return str(values)

    def show(value: object) -> str:
        return "–" if value is None or value == "" else str(value)

    if all(str(k).isdigit() for k in values):
        return " ; ".join(show(v) for v in values.values())
    return " · ".join(f"{k}: {show(v)}" for k, v in values.items())


def rejected_rows(engine: Engine, run_id: int | None = None, limit: int = 500,
                  ags: Tenants = None) -> pl.DataFrame:
    """Quarantined rows (newest run first, then by line) with their raw values readable.

    The raw values were minimised and pseudonymised by the importer: only mapped columns,
    the case number as a keyed hash. Safe to show to the people who fix the exports.
    """
    if not store_ready(engine):
        return pl.DataFrame(schema=REJECTED_SCHEMA)
    q = RejectedRow
    stmt = _run_filter(
        select(q.import_run_id, q.row_number, q.column, q.reason, q.raw)
        .order_by(q.import_run_id.desc(), q.row_number, q.id)
        .limit(limit),
        run_id, ags,
    )
    rows = query_frame(engine, stmt, REJECTED_SCHEMA)
    return rows.with_columns(pl.col("raw").map_elements(readable_raw, pl.String))


# --- freshness ------------------------------------------------------------------------------


def freshness(
    engine: Engine, today: dt.date | None = None, stale_after_days: int = STALE_AFTER_DAYS,
    ags: Tenants = None,
) -> pl.DataFrame:
    """Per source: runs, failed runs, the last successful import and how many days ago.

    ``stale`` when that is more than ``stale_after_days`` before ``today`` (default: the
    date now, in UTC like the importer's timestamps), or when a source never succeeded.
    Stale sources come first.
    """
    if not store_ready(engine):
        return pl.DataFrame(schema=FRESHNESS_SCHEMA)
    today = today or dt.datetime.now(dt.UTC).date()
    r = ImportRun
    ok = r.status == SUCCEEDED
    stmt = select(
        r.source,
        func.count().label("runs"),
        count_where(r.status == "failed").label("failed_runs"),
        func.max(case((ok, r.finished_at))).label("last_success"),
    ).where(tenant_filter(r, ags)).group_by(r.source)
    schema = {k: FRESHNESS_SCHEMA[k] for k in ("source", "runs", "failed_runs", "last_success")}
    runs = query_frame(engine, stmt, schema)
    days = (pl.lit(today) - pl.col("last_success").dt.date()).dt.total_days()
    return (
        runs.with_columns(days_since=days.cast(pl.Int64))
        .with_columns(
            stale=pl.col("days_since").is_null() | (pl.col("days_since") > stale_after_days)
        )
        .sort(["stale", "source"], descending=[True, False])
        .select(list(FRESHNESS_SCHEMA))
    )


# --- coverage -------------------------------------------------------------------------------


def coverage_gaps(cube: Cube) -> pl.DataFrame:
    """Services with calendar months without any case, and services without cases at all.

    Months run over :attr:`Cube.months` (first to last month with any case), so a service
    that stopped being delivered shows its missing recent months. A row per affected
    service: ``missing`` lists the months without cases; services without any case have
    ``months_with_cases = 0`` (``has_usage_stats`` says whether aggregated statistics exist
    for them instead). Services with gaps come first, most missing months first.
    """
    months = cube.months
    services = cube.services.select(
        pl.col("service_id").cast(pl.Int64),
        pl.col("code").cast(pl.String),
        pl.col("name").cast(pl.String).alias("service"),
    )
    if services.is_empty():
        return pl.DataFrame(schema=COVERAGE_SCHEMA)
    present = (
        cube.volume.filter(pl.col("cases") > 0)
        .group_by("service_id")
        .agg(pl.col("month").unique().sort().alias("present"))
    )
    with_usage = set(cube.usage["service_id"].drop_nulls().to_list())
    rows = []
    for s in services.sort("service").iter_rows(named=True):
        have = present.filter(pl.col("service_id") == s["service_id"])
        have_months = set(have["present"][0].to_list()) if have.height else set()
        missing = [m for m in months if m not in have_months]
        if have_months and not missing:
            continue
        rows.append({**s, "months_with_cases": len(have_months),
                     "missing_months": len(missing),
                     "missing": missing,
                     "has_usage_stats": s["service_id"] in with_usage})
    if not rows:
        return pl.DataFrame(schema=COVERAGE_SCHEMA)
    return (
        pl.DataFrame(rows, schema=COVERAGE_SCHEMA, orient="row")
        .with_columns(no_cases=pl.col("months_with_cases") == 0)
        .sort(["no_cases", "missing_months", "service"], descending=[False, True, False])
        .drop("no_cases")
    )
