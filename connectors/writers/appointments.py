"""Appointments (Terminvergabe): staged in a temporary table, then upserted set-wise.

An appointment is identified by its source and pseudonymised id. Delivered again with the
same values it is a duplicate; with changed values (an outcome known later, a moved slot)
it is updated. Within one file the first record of an id counts: a repeat with the same
values is a duplicate, a repeat with other values contradicts it and is quarantined — so
nothing is dropped silently. (A booking after its slot never gets here: the mapping's
rules quarantine it.)
"""

from __future__ import annotations

import json
import logging

import polars as pl
from sqlalchemy import (
    Column,
    Connection,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    delete,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)

from connectors.readers import LINE_COL
from connectors.store import Appointment

log = logging.getLogger(__name__)

FIELDS = ["service_id", "location_id", "booked_at", "slot_at", "channel", "outcome",
          "wait_minutes"]
_LABELS = {"service_id": "Leistung", "location_id": "Standort", "booked_at": "Buchung",
           "slot_at": "Termin", "channel": "Kanal", "outcome": "Ausgang",
           "wait_minutes": "Wartezeit"}
_SQLITE_DATETIME = "%Y-%m-%d %H:%M:%S%.6f"  # SQLAlchemy's own storage format on SQLite


class AppointmentWriter:
    """Stage a file's appointments (with a running number ``seq`` and the record's line),
    settle repeats per batch, and at the end update changed and insert new appointments
    with two set-based statements — the same SQL on SQLite and PostgreSQL."""

    def __init__(self, conn: Connection, run_id: int, source: str, kind: str,
                 ags: str) -> None:
        self.conn, self.run_id, self.source, self.ags = conn, run_id, source, ags
        self.valid = 0  # staged rows that are not contradictions
        self.seq = 0
        md = MetaData()
        self.stage = Table(
            "staging_appointments", md,
            Column("seq", Integer, primary_key=True, autoincrement=False),
            Column("line", Integer),
            Column("appointment_key", String(32)),
            Column("service_id", Integer), Column("location_id", Integer),
            Column("booked_at", DateTime), Column("slot_at", DateTime),
            Column("channel", String(20)), Column("outcome", String(20)),
            Column("wait_minutes", Integer),
            Index("ix_staging_appointments_key", "appointment_key", "seq"),
            prefixes=["TEMPORARY"],
        )
        self.stage.drop(conn, checkfirst=True)
        self.stage.create(conn)

    def add(self, frame: pl.DataFrame) -> list[dict]:
        if frame.is_empty():
            return []
        staged = frame.select(
            pl.col(LINE_COL).alias("line"), pl.col("appointment").alias("appointment_key"),
            pl.col("service").alias("service_id"), pl.col("location").alias("location_id"),
            "booked_at", "slot_at", "channel", "outcome", "wait_minutes",
        )
        conflicts: list[dict] = []  # a booking after its slot: mapping._rule_checks
        first = self.seq + 1
        staged = staged.with_columns(seq=pl.int_range(first, first + staged.height))
        self.seq += staged.height
        staged = staged.select("seq", *[c for c in staged.columns if c != "seq"])
        if self.conn.dialect.name == "sqlite":
            staged = staged.with_columns(pl.col("booked_at", "slot_at").dt.strftime(
                _SQLITE_DATETIME))
        self._stage_rows(staged)
        repeats = self._settle_repeats(first)
        conflicts += repeats
        self.valid += staged.height - len(repeats)
        return conflicts

    def _stage_rows(self, staged: pl.DataFrame) -> None:
        """Bulk-load through the driver: COPY on PostgreSQL (executemany there managed
        ~7,000 rows/s, COPY ~10× that), executemany with tuples on SQLite — SQLAlchemy's
        per-row parameter processing would cost more than the database itself."""
        cols = ", ".join(staged.columns)
        if self.conn.dialect.name == "postgresql":
            cursor = self.conn.connection.dbapi_connection.cursor()
            with cursor, cursor.copy(f"COPY {self.stage.name} ({cols}) FROM STDIN") as copy:
                for row in staged.iter_rows():
                    copy.write_row(row)
            return
        mark = "?" if self.conn.dialect.paramstyle == "qmark" else "%s"
        self.conn.exec_driver_sql(
            f"INSERT INTO {self.stage.name} ({cols}) VALUES ({', '.join([mark] * staged.width)})",
            staged.rows())

    def _settle_repeats(self, first: int) -> list[dict]:
        """Ids of this batch seen before in the file: quarantine those whose values differ
        from the first record, then drop every repeat so each id is staged once."""
        s, e, f = self.stage, self.stage.alias("e"), self.stage.alias("f")
        first_seq = (select(func.min(e.c.seq)).where(e.c.appointment_key == s.c.appointment_key)
                     .scalar_subquery())
        rows = self.conn.execute(
            select(s, f.c.line.label("first_line"), *[f.c[x].label(f"first_{x}") for x in FIELDS])
            .join_from(s, f, f.c.seq == first_seq)
            .where(s.c.seq >= first, s.c.seq != f.c.seq)
        ).mappings().all()
        if not rows:
            return []
        self.conn.execute(delete(s).where(s.c.seq >= first, s.c.seq > first_seq))
        conflicts = []
        for r in rows:
            differ = [x for x in FIELDS if r[x] != r[f"first_{x}"]]
            if differ:
                what = ", ".join(_LABELS[x] for x in differ)
                conflicts.append(_reject(
                    dict(r), differ[0], f"Termin kommt in dieser Datei schon in Datensatz "
                    f"{r['first_line']} vor, mit anderem Wert für {what} — der erste Eintrag "
                    "gilt; Export prüfen"))
        log.info("%d repeated appointment ids in one file, %d with other values", len(rows),
                 len(conflicts))
        return conflicts

    def finish(self) -> tuple[int, int, int]:
        s, a = self.stage.c, Appointment.__table__.c
        match = and_(a.ags == self.ags, a.source == self.source,
                     a.appointment_key == s.appointment_key)
        changed = or_(*[a[x].is_distinct_from(s[x]) for x in FIELDS])
        updated = self.conn.execute(
            update(Appointment.__table__).where(match, changed)
            .values(**{x: s[x] for x in FIELDS}, import_run_id=self.run_id)
        ).rowcount
        new = select(s.appointment_key, *[s[x] for x in FIELDS]).where(~exists().where(match))
        self.conn.execute(insert(Appointment.__table__).from_select(
            ["appointment_key", *FIELDS, "ags", "source", "import_run_id"],
            new.add_columns(literal(self.ags), literal(self.source), literal(self.run_id)),
        ))
        # INSERT … SELECT rowcount is unreliable across drivers (psycopg: -1); every row this
        # run inserted or updated carries its id, so count those instead.
        touched = self.conn.execute(
            select(func.count()).select_from(Appointment.__table__)
            .where(a.import_run_id == self.run_id)
        ).scalar_one()
        self.stage.drop(self.conn)
        inserted = touched - updated
        return inserted, updated, self.valid - inserted - updated


def _reject(row: dict, column: str | None, reason: str) -> dict:
    """A quarantine entry; ``raw`` holds the canonical values (the id only as its hash)."""
    raw = {"appointment": row["appointment_key"],
           **{x: row[x].isoformat() if hasattr(row[x], "isoformat") else row[x]
              for x in FIELDS}}
    return {"row_number": row["line"], "column": column, "reason": reason,
            "raw": json.dumps(raw, ensure_ascii=False)}
