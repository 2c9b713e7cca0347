"""Portable SQL pieces: one construct, one compilation per dialect.

Every aggregation stays in SQL that SQLite and PostgreSQL both run, so the same cube comes
out of either store. They live here, below both layers: connectors maintain the persisted
cube (:mod:`connectors.cube`) with them, metrics query with them (re-exported by
:mod:`metrics.sql`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Date, Integer, case, func
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement


class month_start(FunctionElement):  # noqa: N801 - reads like SQL
    """First day of the timestamp's month, as a date."""

    type = Date()
    inherit_cache = True


@compiles(month_start, "sqlite")
def _month_start_sqlite(element: month_start, compiler: Any, **kw: Any) -> str:
    return f"date({compiler.process(element.clauses, **kw)}, 'start of month')"


@compiles(month_start, "postgresql")
def _month_start_pg(element: month_start, compiler: Any, **kw: Any) -> str:
    return f"CAST(date_trunc('month', {compiler.process(element.clauses, **kw)}) AS DATE)"


class day_of(FunctionElement):  # noqa: N801 - reads like SQL
    """The calendar day of a timestamp, as a date."""

    type = Date()
    inherit_cache = True


@compiles(day_of, "sqlite")
def _day_of_sqlite(element: day_of, compiler: Any, **kw: Any) -> str:
    return f"date({compiler.process(element.clauses, **kw)})"


@compiles(day_of, "postgresql")
def _day_of_pg(element: day_of, compiler: Any, **kw: Any) -> str:
    return f"CAST({compiler.process(element.clauses, **kw)} AS DATE)"


class days_between(FunctionElement):  # noqa: N801
    """Whole calendar days from the first timestamp's date to the second's."""

    type = Integer()
    inherit_cache = True


@compiles(days_between, "sqlite")
def _days_between_sqlite(element: days_between, compiler: Any, **kw: Any) -> str:
    a, b = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(julianday(date({b})) - julianday(date({a})) AS INTEGER)"


@compiles(days_between, "postgresql")
def _days_between_pg(element: days_between, compiler: Any, **kw: Any) -> str:
    a, b = (compiler.process(c, **kw) for c in element.clauses)
    return f"(CAST({b} AS DATE) - CAST({a} AS DATE))"


class iso_weekday(FunctionElement):  # noqa: N801 - reads like SQL
    """ISO weekday of a timestamp: 1 = Monday … 7 = Sunday."""

    type = Integer()
    inherit_cache = True


@compiles(iso_weekday, "sqlite")
def _iso_weekday_sqlite(element: iso_weekday, compiler: Any, **kw: Any) -> str:
    x = compiler.process(element.clauses, **kw)
    return f"((CAST(strftime('%w', {x}) AS INTEGER) + 6) % 7 + 1)"


@compiles(iso_weekday, "postgresql")
def _iso_weekday_pg(element: iso_weekday, compiler: Any, **kw: Any) -> str:
    return f"CAST(EXTRACT(ISODOW FROM {compiler.process(element.clauses, **kw)}) AS INTEGER)"


class hour_of(FunctionElement):  # noqa: N801
    """Hour of day (0–23) of a timestamp."""

    type = Integer()
    inherit_cache = True


@compiles(hour_of, "sqlite")
def _hour_sqlite(element: hour_of, compiler: Any, **kw: Any) -> str:
    return f"CAST(strftime('%H', {compiler.process(element.clauses, **kw)}) AS INTEGER)"


@compiles(hour_of, "postgresql")
def _hour_pg(element: hour_of, compiler: Any, **kw: Any) -> str:
    return f"CAST(EXTRACT(HOUR FROM {compiler.process(element.clauses, **kw)}) AS INTEGER)"


def count_where(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """SUM(CASE WHEN condition THEN 1 ELSE 0 END) — portable conditional count."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)
