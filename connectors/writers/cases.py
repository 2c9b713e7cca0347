"""Case facts: staged in a temporary table, then updated and inserted set-wise."""

from __future__ import annotations

import polars as pl
from sqlalchemy import (
    Column,
    Connection,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)

from connectors.store import Case

_CASE_FIELDS = ["service_id", "location_id", "channel", "received_at", "completed_at", "status",
                "follow_up_count"]


class CaseWriter:
    """Stage a file's cases in a temporary table, then update changed and insert new ones
    with two set-based statements — same SQL on SQLite and PostgreSQL."""

    def __init__(self, conn: Connection, run_id: int, source: str, kind: str) -> None:
        self.conn, self.run_id, self.source = conn, run_id, source
        self.valid = 0
        md = MetaData()
        self.stage = Table(
            "staging_cases", md,
            Column("case_key", String(32), primary_key=True),
            Column("service_id", Integer), Column("location_id", Integer),
            Column("channel", String(20)), Column("received_at", DateTime),
            Column("completed_at", DateTime), Column("status", String(20)),
            Column("follow_up_count", Integer),
            prefixes=["TEMPORARY"],
        )
        self.stage.drop(conn, checkfirst=True)
        self.stage.create(conn)

    def add(self, frame: pl.DataFrame) -> None:
        if frame.is_empty():
            return
        self.valid += frame.height
        staged = frame.select(
            pl.col("case_number").alias("case_key"), pl.col("service").alias("service_id"),
            pl.col("location").alias("location_id"), "channel", "received_at", "completed_at",
            "status", "follow_up_count",
        )
        if self.conn.dialect.name == "sqlite":
            # SQLAlchemy's SQLite DateTime storage format, so the ORM reads these back as is.
            staged = staged.with_columns(
                pl.col("received_at", "completed_at").dt.strftime("%Y-%m-%d %H:%M:%S%.6f"))
        # Through the driver with tuples: SQLAlchemy's per-row parameter processing cost
        # more than the database itself. A case number twice in one file: the first row
        # counts, the others are duplicates (ON CONFLICT DO NOTHING, SQLite and PostgreSQL).
        mark = "?" if self.conn.dialect.paramstyle == "qmark" else "%s"
        cols = ", ".join(staged.columns)
        sql = (f"INSERT INTO {self.stage.name} ({cols}) VALUES "
               f"({', '.join([mark] * staged.width)}) ON CONFLICT DO NOTHING")
        self.conn.exec_driver_sql(sql, staged.rows())

    def finish(self) -> tuple[int, int, int]:
        s, c = self.stage.c, Case.__table__.c
        match = and_(c.source == self.source, c.case_key == s.case_key)
        changed = or_(*[c[f].is_distinct_from(s[f]) for f in _CASE_FIELDS])
        updated = self.conn.execute(
            update(Case.__table__).where(match, changed)
            .values(**{f: s[f] for f in _CASE_FIELDS}, import_run_id=self.run_id)
        ).rowcount
        new = select(
            s.case_key, *[s[f] for f in _CASE_FIELDS],
        ).where(~exists().where(match))
        self.conn.execute(
            insert(Case.__table__).from_select(
                ["case_key", *_CASE_FIELDS, "source", "import_run_id"],
                new.add_columns(literal(self.source), literal(self.run_id)),
            )
        )
        # INSERT … SELECT rowcount is not reliable across drivers (psycopg reports -1 here);
        # every row this run inserted or updated carries its id, so count those instead.
        touched = self.conn.execute(
            select(func.count()).select_from(Case.__table__).where(c.import_run_id == self.run_id)
        ).scalar_one()
        inserted = touched - updated
        self.stage.drop(self.conn)
        return inserted, updated, self.valid - inserted - updated
