"""The persisted cube: the case aggregates the KPIs read, kept in step with ``cases``.

``cube_volume``, ``cube_durations`` and ``cube_open`` (schema in :mod:`connectors.store`) hold
what :func:`metrics.cube.load_cube` used to compute from every case on every new data
version. Each row belongs to one key — (municipality, month of receipt, service) — and a
key's rows are
always replaced together from a ``GROUP BY`` over that key's cases, so a refreshed key is
exactly what a full rebuild would give.

- **After an import** the case writer hands over the keys it touched (new cases, and both the
  old and the new key of each changed case) and :func:`refresh` recomputes only those, in the
  import's own transaction: a failed or killed import leaves cube and cases as they were.
- **Watermark**: ``cube_state.cases_max_id`` is ``max(cases.id)`` when the cube last agreed
  with ``cases``. Cases written around the import (by hand, by another tool, or before
  migration 0006 created the cube) make the two differ; then the next import — or
  :func:`ensure_current`, which ``metrics.cube.load_cube`` and ``servicepuls db upgrade`` call —
  rebuilds the cube whole. Cases *changed* around the import cannot be noticed this way:
  ``servicepuls db rebuild-cube`` repairs that.
- **PostgreSQL**, where imports run concurrently: maintenance takes a lock on ``cube_state``
  first (readers are not blocked), so two imports never interleave their delete and insert of
  the same key; the second one sees the first one's committed cases and cube.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Date,
    DateTime,
    Engine,
    Integer,
    MetaData,
    Select,
    String,
    Table,
    and_,
    case,
    delete,
    func,
    insert,
    inspect,
    null,
    or_,
    select,
)
from sqlalchemy.sql.expression import ColumnElement

from connectors.errors import StoreError
from connectors.sql import day_of, days_between, month_start
from connectors.store import Case, CaseStatus, CubeDuration, CubeOpen, CubeState, CubeVolume

log = logging.getLogger(__name__)

Key = tuple[str, dt.date, int]  # (ags, month of receipt, service_id)
# Above this many touched keys an import rebuilds the cube instead (also keeps the statement
# within every database's limit of bound parameters).
MAX_KEYS = 5_000


def _parts_table() -> Table:
    """The one pass over ``cases``: its rows grouped by everything any cube table needs —
    key, location, channel, status, follow-ups yes/no, processing days (completed cases) and
    day of receipt (open cases) — a few hundred thousand rows for millions of cases, from
    which the three cube tables are summed. One sort or hash of the cases instead of three."""
    return Table(
        "cube_parts", MetaData(),
        Column("ags", String(8)), Column("month", Date), Column("service_id", Integer),
        Column("location_id", Integer), Column("channel", String(20)),
        Column("status", String(20)), Column("follow_up", Integer), Column("days", Integer),
        Column("received", Date), Column("cases", BigInteger),
        Column("last_received", DateTime), Column("last_completed", DateTime),
        prefixes=["TEMPORARY"],
    )


def _parts(keys: list[Key] | None) -> Select:
    """The GROUP BY filling ``cube_parts`` — over every case, or, with ``keys``, only over
    the cases of those keys."""
    c = Case.__table__.c
    completed = c.status == CaseStatus.COMPLETED.value
    groups = [c.ags, month_start(c.received_at), c.service_id, c.location_id, c.channel,
              c.status, case((c.follow_up_count > 0, 1), else_=0),
              case((completed & c.completed_at.is_not(None),
                    days_between(c.received_at, c.completed_at)), else_=null()),
              case((c.status == CaseStatus.OPEN.value, day_of(c.received_at)), else_=null())]
    ags, month, service, location, channel, status, follow_up, days, received = groups
    # Grouped most selective first: SQLite sorts the cases for it, and a comparison that
    # decides on the first column is cheaper (the AGS is mostly the same for all).
    stmt = select(*groups, func.count(), func.max(c.received_at), func.max(c.completed_at)
                  ).group_by(service, month, location, days, channel, status, follow_up,
                             received, ags)
    if keys is not None:
        # Per month a range of receipt timestamps and its services: each database finds
        # a key's cases through the index on (ags, received_at, service_id).
        stmt = stmt.where(or_(*[and_(c.received_at >= dt.datetime(m.year, m.month, 1),
                                     c.received_at < dt.datetime(m.year + m.month // 12,
                                                                 m.month % 12 + 1, 1),
                                     c.service_id.in_(services), c.ags == ags)
                                for ags, m, services in _by_month(keys)]))
    return stmt


def _statements(p: Table) -> list[tuple[Table, list[str], Select]]:
    """(cube table, its columns, the GROUP BY over ``cube_parts`` filling it)."""
    dims = [p.c.ags, p.c.month, p.c.service_id, p.c.location_id, p.c.channel]
    names = ["ags", "month", "service_id", "location_id", "channel"]
    completed = p.c.status == CaseStatus.COMPLETED.value
    is_open = p.c.status == CaseStatus.OPEN.value

    def cases_where(condition: ColumnElement[bool]) -> ColumnElement[int]:
        return func.coalesce(func.sum(case((condition, p.c.cases), else_=0)), 0)

    volume = select(
        *dims, func.sum(p.c.cases), cases_where(completed),
        cases_where(completed & (p.c.follow_up == 1)), cases_where(is_open),
        day_of(func.max(p.c.last_received)), day_of(func.max(p.c.last_completed)),
    ).group_by(*dims)
    durations = (select(*dims, p.c.days, func.sum(p.c.cases))
                 .where(completed, p.c.days.is_not(None)).group_by(*dims, p.c.days))
    open_cases = (select(*dims, p.c.received, func.sum(p.c.cases))
                  .where(is_open).group_by(*dims, p.c.received))
    return [
        (CubeVolume.__table__, [*names, "cases", "completed", "completed_with_follow_up",
                                "open", "last_received", "last_completed"], volume),
        (CubeDuration.__table__, [*names, "days", "cases"], durations),
        (CubeOpen.__table__, [*names, "received", "cases"], open_cases),
    ]


def _fill(conn: Connection, keys: list[Key] | None) -> None:
    """Insert the cube rows of ``keys`` (None: of every case) — their old rows deleted."""
    if conn.dialect.name == "postgresql":
        # Hash aggregation in memory instead of a sort spilling at the 4 MB default
        # (this transaction only).
        conn.exec_driver_sql("SET LOCAL work_mem = '256MB'")
    parts = _parts_table()
    parts.drop(conn, checkfirst=True)
    parts.create(conn)
    conn.execute(insert(parts).from_select([col.name for col in parts.c], _parts(keys)))
    for table, columns, stmt in _statements(parts):
        conn.execute(insert(table).from_select(columns, stmt))
    parts.drop(conn)


def _by_month(keys: list[Key]) -> list[tuple[str, dt.date, list[int]]]:
    months: dict[tuple[str, dt.date], list[int]] = {}
    for ags, month, service in sorted(keys):
        months.setdefault((ags, month), []).append(service)
    return [(ags, month, services) for (ags, month), services in months.items()]


def lock(conn: Connection) -> None:
    """Serialise cube maintenance until this transaction ends (PostgreSQL; SQLite has one
    writer at a time anyway). Readers are not blocked."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(
            f"LOCK TABLE {CubeState.__tablename__} IN SHARE ROW EXCLUSIVE MODE")


def is_current(conn: Connection) -> bool:
    """Does the cube reflect every case in the store (see the module docstring)?"""
    marked = conn.execute(select(CubeState.cases_max_id)).scalar()
    newest = conn.execute(select(func.max(Case.id))).scalar()
    return (marked or 0) == (newest or 0)


def _mark_current(conn: Connection) -> None:
    newest = conn.execute(select(func.max(Case.id))).scalar()
    conn.execute(delete(CubeState))
    conn.execute(insert(CubeState).values(
        id=1, cases_max_id=newest, refreshed_at=dt.datetime.now(dt.UTC).replace(tzinfo=None)))


def rebuild(conn: Connection) -> None:
    """Replace the whole cube with aggregates of every case (migrations, repairs, and
    imports into a store whose cube is behind)."""
    lock(conn)
    for table in (CubeVolume.__table__, CubeDuration.__table__, CubeOpen.__table__):
        conn.execute(delete(table))
    _fill(conn, None)
    _mark_current(conn)
    log.info("cube rebuilt from every case")


def refresh(conn: Connection, keys: Iterable[Key]) -> int:
    """Recompute the cube rows of ``keys`` from their cases (call after writing the cases,
    in the same transaction, with :func:`lock` taken before writing). Returns the number of
    keys. Touching most of the cube, a rebuild is cheaper than many small ranges."""
    keys = sorted(set(keys))
    if len(keys) > MAX_KEYS:
        rebuild(conn)
        return len(keys)
    if keys:
        for table in (CubeVolume.__table__, CubeDuration.__table__, CubeOpen.__table__):
            conn.execute(delete(table).where(or_(*[
                and_(table.c.ags == ags, table.c.month == m, table.c.service_id.in_(services))
                for ags, m, services in _by_month(keys)])))
        _fill(conn, keys)
    _mark_current(conn)
    log.info("cube refreshed for %d (ags, month, service) keys", len(keys))
    return len(keys)


def ensure_current(engine: Engine) -> bool:
    """Rebuild the cube when it is behind ``cases``; True when it had to."""
    if not inspect(engine).has_table(CubeState.__tablename__):
        raise StoreError("Das Datenbankschema ist veraltet: die Tabellen des Kennzahlen-"
                         "Würfels fehlen", fix="servicepuls db upgrade")
    with engine.connect() as conn:
        if is_current(conn):
            return False
    with engine.begin() as conn:
        lock(conn)
        if is_current(conn):  # another process was quicker
            return False
        log.warning("the cube is behind the cases (written around the import, or the store "
                    "predates the cube): rebuilding it whole")
        rebuild(conn)
    return True


def as_date(value: object) -> dt.date:
    """A date computed in SQL (SQLite hands back ISO text)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])
