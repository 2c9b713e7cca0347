"""Case facts: bulk-staged in a temporary table, then updated and inserted set-wise.

Each database's fast path does the staging, inside the file's one transaction: PostgreSQL
gets ``COPY … FROM STDIN`` (CSV written by polars, no Python object per row), SQLite gets
``executemany`` with plain tuples into an append-only table. The staging table has no key,
so neither pays a random B-tree insert per row; duplicates are resolved once at the end with a
sort. A case number twice in one file: the first row counts; a repeat with the same values
is a duplicate, a repeat with other values contradicts it and is quarantined (``settle``).
The persisted cube's (month, service) keys the file touches are recomputed at the end of
``finish``, in the same transaction (:mod:`connectors.cube`).
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager

import polars as pl
from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    and_,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.sql.expression import ColumnElement

from connectors import cube
from connectors.readers import LINE_COL
from connectors.sql import month_start
from connectors.store import Case

log = logging.getLogger(__name__)

_CASE_FIELDS = ["service_id", "location_id", "channel", "received_at", "completed_at", "status",
                "follow_up_count"]
_STAGE_COLUMNS = ["line", "case_key", *_CASE_FIELDS]
_LABELS = {"service_id": "Leistung", "location_id": "Standort", "channel": "Eingangskanal",
           "received_at": "Eingang", "completed_at": "Abschluss", "status": "Status",
           "follow_up_count": "Nachforderungen"}
# SQLAlchemy's SQLite DateTime storage format, so the ORM reads staged values back as is
# (PostgreSQL's COPY reads the same text as a timestamp).
_SQLITE_DATETIME = "%Y-%m-%d %H:%M:%S%.6f"
# From this many staged cases, when they are at least a quarter of the table, the secondary
# indexes (PostgreSQL: and foreign keys) of ``cases`` are rebuilt after the insert instead of
# maintained per row (see _deferred_checks).
_REBUILD_MIN_ROWS = 100_000


def _stage_table(md: MetaData, name: str) -> Table:
    return Table(
        name, md,
        Column("line", BigInteger),
        Column("case_key", String(32)),
        Column("service_id", Integer), Column("location_id", Integer),
        Column("channel", String(20)), Column("received_at", DateTime),
        Column("completed_at", DateTime), Column("status", String(20)),
        Column("follow_up_count", Integer),
        prefixes=["TEMPORARY"],
    )


class CaseWriter:
    """Stage a file's cases, keep the first row per case number, then update changed and
    insert new ones with two set-based statements — the same SQL on SQLite and PostgreSQL."""

    def __init__(self, conn: Connection, run_id: int, source: str, kind: str,
                 ags: str) -> None:
        self.conn, self.run_id, self.source, self.ags = conn, run_id, source, ags
        self.dialect = conn.dialect.name
        self.valid = 0
        md = MetaData()
        self.stage = _stage_table(md, "staging_cases")
        self.first = _stage_table(md, "staging_cases_first")
        self.first_rows: int | None = None
        for table in (self.stage, self.first):
            table.drop(conn, checkfirst=True)
        self.stage.create(conn)

    def add(self, frame: pl.DataFrame) -> None:
        if frame.is_empty():
            return
        self.valid += frame.height
        staged = frame.select(
            pl.col(LINE_COL).alias("line"), pl.col("case_number").alias("case_key"),
            pl.col("service").alias("service_id"), pl.col("location").alias("location_id"),
            "channel", "received_at", "completed_at", "status", "follow_up_count",
        )
        if self.dialect == "postgresql":
            self._copy(staged)
        else:
            self._executemany(staged)

    def _copy(self, staged: pl.DataFrame) -> None:
        """COPY through the psycopg connection under SQLAlchemy's, in the same transaction.
        polars writes the CSV (unquoted empty field = NULL), so no Python object per row."""
        buf = io.BytesIO()
        staged.write_csv(buf, include_header=False, datetime_format=_SQLITE_DATETIME)
        raw = self.conn.connection.driver_connection
        sql = f"COPY {self.stage.name} ({', '.join(_STAGE_COLUMNS)}) FROM STDIN (FORMAT csv)"
        with raw.cursor() as cur, cur.copy(sql) as copy:
            view = buf.getbuffer()
            for start in range(0, len(view), 1 << 20):
                copy.write(view[start:start + (1 << 20)])
            del view

    def _executemany(self, staged: pl.DataFrame) -> None:
        """Plain tuples through the driver: SQLAlchemy's per-row parameter processing would
        cost more than SQLite itself. The table has no key, so each row is an append."""
        staged = staged.with_columns(
            pl.col("received_at", "completed_at").dt.strftime(_SQLITE_DATETIME))
        mark = "?" if self.conn.dialect.paramstyle == "qmark" else "%s"
        sql = (f"INSERT INTO {self.stage.name} ({', '.join(_STAGE_COLUMNS)}) "
               f"VALUES ({', '.join([mark] * len(_STAGE_COLUMNS))})")
        self.conn.exec_driver_sql(sql, staged.rows())

    def _keep_first_rows(self) -> int:
        """``staging_cases_first``: the first row of each case number, in key order (so the
        unique index of ``cases`` is probed and filled in order, not at random)."""
        cols = ", ".join(["line", "case_key", *_CASE_FIELDS])
        if self.dialect == "postgresql":
            # The sort, the index builds and the key checks of a bulk load run in memory
            # instead of spilling at the 4 MB default (this transaction only).
            self.conn.exec_driver_sql("SET LOCAL work_mem = '256MB'")
            self.conn.exec_driver_sql("SET LOCAL maintenance_work_mem = '256MB'")
            # Byte order for the sort (the keys are hex digests): a database collation such
            # as C.UTF-8 or en_US compares through strcoll() and without abbreviated keys —
            # at 1M cases that sort took twice as long.
            self.conn.exec_driver_sql(
                f'CREATE TEMPORARY TABLE {self.first.name} AS SELECT DISTINCT ON (case_key '
                f'COLLATE "C") {cols} FROM {self.stage.name} ORDER BY case_key COLLATE "C", line')
            # Autovacuum never analyses temporary tables; without statistics the planner
            # guesses a tiny table and picks nested loops for the joins below.
            self.conn.exec_driver_sql(f"ANALYZE {self.first.name}")
        else:
            # Rows arrive sorted by (case_key, line): the unique index fills in order and
            # OR IGNORE keeps each key's first line. Three times faster here than a window
            # function (row_number() OVER (PARTITION BY case_key ORDER BY line)).
            self.first.append_constraint(UniqueConstraint("case_key"))
            self.first.create(self.conn)
            self.conn.exec_driver_sql(
                f"INSERT OR IGNORE INTO {self.first.name} ({cols}) SELECT {cols} "
                f"FROM {self.stage.name} ORDER BY case_key, line")
        return self.conn.execute(select(func.count()).select_from(self.first)).scalar_one()

    def settle(self) -> list[dict]:
        """After the last batch: repeats of a case number whose values differ from its first
        row, for the quarantine. Only when the file repeats case numbers at all (staged rows
        > distinct numbers) is the staging table joined against the first rows."""
        self.first_rows = self._keep_first_rows()
        conflicts = []
        if self.first_rows < self.valid:
            s, f = self.stage.c, self.first.c
            rows = self.conn.execute(
                select(self.stage, f.line.label("first_line"),
                       *[f[x].label(f"first_{x}") for x in _CASE_FIELDS])
                .join_from(self.stage, self.first, s.case_key == f.case_key)
                .where(s.line != f.line, or_(*[s[x].is_distinct_from(f[x])
                                               for x in _CASE_FIELDS]))
                .order_by(s.line)
            ).mappings().all()
            conflicts = [_conflict(r) for r in rows]
            log.info("%d repeated case numbers in one file, %d with other values",
                     self.valid - self.first_rows, len(conflicts))
        self.conn.exec_driver_sql(f"DROP TABLE {self.stage.name}")
        self.valid -= len(conflicts)
        return conflicts

    def finish(self) -> tuple[int, int, int]:
        if self.first_rows is None:
            raise RuntimeError("CaseWriter.settle() must run before finish()")
        staged = self.first_rows
        s, c = self.first.c, Case.__table__.c
        match = and_(c.ags == self.ags, c.source == self.source, c.case_key == s.case_key)
        changed = or_(*[c[f].is_distinct_from(s[f]) for f in _CASE_FIELDS])
        # The cube's keys this file touches, read before the cases change (None: the cube
        # is behind or the table empty, so it is rebuilt whole afterwards).
        touched = self._touched_keys(match, changed)
        updated = self.conn.execute(
            update(Case.__table__).where(match, changed)
            .values(**{f: s[f] for f in _CASE_FIELDS}, import_run_id=self.run_id)
        ).rowcount
        new = select(s.case_key, *[s[f] for f in _CASE_FIELDS]).where(~exists().where(match))
        with _deferred_checks(self.conn, self._bulk_mode(staged)):
            inserted = self.conn.execute(
                insert(Case.__table__).from_select(
                    ["case_key", *_CASE_FIELDS, "ags", "source", "import_run_id"],
                    new.add_columns(literal(self.ags), literal(self.source),
                                    literal(self.run_id)),
                ).execution_options(preserve_rowcount=True)  # else -1 with psycopg
            ).rowcount
        if touched is None:
            cube.rebuild(self.conn)
        else:
            cube.refresh(self.conn, touched)
        self.first.drop(self.conn)
        return inserted, updated, self.valid - inserted - updated

    def _touched_keys(self, match: ColumnElement[bool], changed: ColumnElement[bool]
                      ) -> set[cube.Key] | None:
        """(ags, month of receipt, service) of every case this file inserts or changes — for a
        changed case both the key it had and the key it gets; re-delivered, unchanged cases
        touch nothing."""
        cube.lock(self.conn)
        if self.conn.execute(select(func.max(Case.__table__.c.id))).scalar() is None or \
                not cube.is_current(self.conn):
            return None
        s, c = self.first.c, Case.__table__.c
        rows = self.conn.execute(
            select(month_start(s.received_at), s.service_id,
                   month_start(c.received_at), c.service_id).distinct()
            .select_from(self.first.outerjoin(Case.__table__, match))
            .where(or_(c.id.is_(None), changed))
        ).all()
        return ({(self.ags, cube.as_date(m), sid) for m, sid, _, _ in rows}
                | {(self.ags, cube.as_date(m), sid) for _, _, m, sid in rows if sid is not None})

    def _bulk_mode(self, staged: int) -> bool:
        """Big loads relative to the table rebuild indexes and foreign keys once afterwards
        (see _deferred_checks); small ones into a big table maintain them row by row."""
        if staged < _REBUILD_MIN_ROWS:
            return False
        # max(id) is an upper bound of the rows without counting them (ids only grow).
        size = self.conn.execute(select(func.max(Case.__table__.c.id))).scalar() or 0
        return staged * 4 >= size


def _secondary_structures(conn: Connection) -> list[tuple[str, str]]:
    """(drop, re-create) statements for what each inserted row of ``cases`` pays for besides
    the table and its unique key, taken from the database itself so they are restored
    exactly as the migrations made them."""
    if conn.dialect.name == "sqlite":
        # Foreign keys are cheap lookups in SQLite; a secondary index filled at random is not.
        rows = conn.execute(text(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = :t "
            "AND sql IS NOT NULL"), {"t": Case.__tablename__}).all()
        return [(f'DROP INDEX "{name}"', sql) for name, sql in rows]
    # PostgreSQL checks each foreign key with a trigger per row: three of them cost 25 s of
    # 36 s for a million cases here, re-adding them validates the table in one join each.
    fks = conn.execute(text(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = CAST(:t AS regclass) AND contype = 'f'"),
        {"t": Case.__tablename__}).all()
    indexes = conn.execute(text(
        "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = CAST(:t AS regclass) "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)"),
        {"t": Case.__tablename__}).all()
    table = Case.__tablename__
    return ([(f'ALTER TABLE {table} DROP CONSTRAINT "{n}"',
              f'ALTER TABLE {table} ADD CONSTRAINT "{n}" {d}') for n, d in fks]
            + [(f'DROP INDEX "{n}"', d) for n, d in indexes])


@contextmanager
def _deferred_checks(conn: Connection, enabled: bool) -> Iterator[None]:
    """Around a large insert into ``cases``: drop its secondary indexes (and, on PostgreSQL,
    its foreign keys), then re-create them from the database's own definitions, which sorts
    and validates once instead of once per row. It is DDL inside the file's transaction: a
    failed import leaves them as they were. On SQLite, readers (WAL) keep seeing the old
    snapshot; on PostgreSQL, the dropped constraint locks ``cases`` against readers until
    the import commits — the price of a 4× faster bulk insert, paid only by large loads."""
    if not enabled:
        yield
        return
    structures = _secondary_structures(conn)
    for drop, _ in structures:
        conn.exec_driver_sql(drop)
    yield
    for _, create in structures:
        conn.exec_driver_sql(create)
    if conn.dialect.name == "postgresql":
        # Statistics for the grown table, in this transaction (autovacuum comes later):
        # without them the planner guesses and sorts the cube's GROUP BY instead of hashing
        # it (at 1M cases 5.7 s instead of 1.9 s of server CPU). A sample, so bounded time.
        conn.exec_driver_sql(f"ANALYZE {Case.__tablename__}")
    log.info("bulk load: rebuilt %d indexes/constraints of %s", len(structures),
             Case.__tablename__)


def _conflict(row: dict) -> dict:
    """A quarantine entry for a repeat that contradicts the first row of its case number;
    ``raw`` holds the canonical values (the case number only as its hash)."""
    differ = [x for x in _CASE_FIELDS if row[x] != row[f"first_{x}"]]
    raw = {"case_number": row["case_key"],
           **{x: row[x].isoformat() if hasattr(row[x], "isoformat") else row[x]
              for x in _CASE_FIELDS}}
    return {"row_number": row["line"], "column": differ[0] if differ else None,
            "reason": f"Vorgangsnummer kommt in dieser Datei schon in Zeile {row['first_line']} "
                      f"vor, mit anderem Wert für {', '.join(_LABELS[x] for x in differ)} — "
                      "die erste Zeile gilt; Export prüfen",
            "raw": json.dumps(raw, ensure_ascii=False)}
