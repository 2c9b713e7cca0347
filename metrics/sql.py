"""Portable SQL pieces: one construct, one compilation per dialect.

Every aggregation stays in SQL that SQLite and PostgreSQL both run, so the same cube comes
out of either store.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Date, Integer
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


def count_where(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """SUM(CASE WHEN condition THEN 1 ELSE 0 END) — portable conditional count."""
    from sqlalchemy import case, func

    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)
