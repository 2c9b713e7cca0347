"""Tenants: several municipalities in one store, each identified by its 8-digit AGS
(Amtlicher Gemeindeschlüssel).

Every table that holds a municipality's data has an ``ags`` column (``TENANT_TABLES``), set
by the writer of the import and part of every unique key, so the same service code, location
code or case number may exist in two municipalities without clashing. Every read of such a
table goes through :func:`tenant_filter` (or :func:`scoped`), so it sees one municipality;
``tests/test_tenants.py`` checks at the cursor that no statement touching these tables
forgets it.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from sqlalchemy import Engine, FromClause, Select, inspect, select, union
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.sql.expression import ColumnElement

from connectors.errors import ServicepulsError
from connectors.store import Base, ImportRun, Service

AGS_PATTERN = re.compile(r"\d{8}")

# Every table with an ``ags`` column (the tenant's data, its bookkeeping and its cube).
TENANT_TABLES: frozenset[str] = frozenset(
    t.name for t in Base.metadata.sorted_tables if "ags" in t.c)


def check_ags(value: str, *, where: str = "AGS") -> str:
    """``value`` if it is an 8-digit AGS, else one clear error saying what to write."""
    text = str(value).strip()
    if not AGS_PATTERN.fullmatch(text):
        raise ServicepulsError(
            f"{where}: '{value}' ist kein Amtlicher Gemeindeschlüssel",
            fix="die 8 Ziffern des AGS angeben, z. B. 05170024 (führende Null mitschreiben)")
    return text


def _table(table: FromClause | type[DeclarativeBase]) -> FromClause:
    return table.__table__ if hasattr(table, "__table__") else table  # type: ignore[return-value]


Tenants = str | Collection[str] | None  # one AGS, several (the tenant grain), None: default


def current(ags: Tenants) -> str | list[str]:
    """``ags`` as given, or the installation's default (``SERVICEPULS_AGS``) for None."""
    if ags is None:
        from connectors.settings import get_settings

        return get_settings().ags
    return ags if isinstance(ags, str) else sorted(ags)


def tenant_filter(table: FromClause | type[DeclarativeBase], ags: Tenants
                  ) -> ColumnElement[bool]:
    """The condition that keeps ``table`` to one municipality (or, for the tenant grain,
    to the listed ones) — the one filter every read of a tenant table carries. None means
    the installation's default municipality."""
    ags = current(ags)
    column = _table(table).c.ags
    return column == ags if isinstance(ags, str) else column.in_(ags)


def scoped(stmt: Select, ags: Tenants, *tables: FromClause | type[DeclarativeBase]) -> Select:
    """``stmt`` kept to one municipality in each of ``tables`` (default: every tenant table
    it selects from)."""
    froms = [_table(t) for t in tables] or [
        f for f in stmt.get_final_froms() if getattr(f, "name", None) in TENANT_TABLES]
    for table in froms:
        stmt = stmt.where(tenant_filter(table, ags))
    return stmt


def tenants(engine: Engine) -> list[str]:
    """The municipalities the store holds data of (master data or imports), sorted."""
    if not inspect(engine).has_table(Service.__tablename__):
        return []
    with engine.connect() as conn:
        if "ags" not in {c["name"] for c in inspect(conn).get_columns(Service.__tablename__)}:
            return []
        rows = conn.execute(union(select(Service.ags).distinct(),
                                  select(ImportRun.ags).distinct())).scalars().all()
    return sorted(rows)
