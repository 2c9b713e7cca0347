"""Import one file through one profile: atomic, idempotent, nothing lost.

One file is one transaction. Every input row ends up inserted, updated, a duplicate, or
rejected into the quarantine with its line, column, reason and (mapped, pseudonymised) raw
values; the import run records counts that add up to the rows read.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

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

from connectors.db import get_engine, upgrade
from connectors.errors import RejectedFileError
from connectors.mapping import Lookups, map_batch
from connectors.profiles import LocationSection, Profile
from connectors.readers import LINE_COL, Batch, read_csv_batches
from connectors.settings import Settings
from connectors.store import (
    Case,
    ImportRun,
    Location,
    RejectedRow,
    Service,
    UsageStat,
    WaitStat,
)

log = logging.getLogger(__name__)

MASTER_MODELS = {"services": Service, "locations": Location}
_CASE_FIELDS = ["service_id", "location_id", "channel", "received_at", "completed_at", "status",
                "follow_up_count"]


@dataclass(frozen=True)
class ImportResult:
    run_id: int | None
    file: Path
    profile: str
    skipped: bool
    rows_read: int = 0
    inserted: int = 0
    updated: int = 0
    duplicate: int = 0
    rejected: int = 0

    def summary(self) -> str:
        if self.skipped:
            return f"{self.file.name}: bereits importiert (unverändert) — übersprungen"
        return (f"{self.file.name}: {self.rows_read} Zeilen gelesen, {self.inserted} neu, "
                f"{self.updated} aktualisiert, {self.duplicate} Duplikate, "
                f"{self.rejected} abgewiesen")


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def import_file(
    path: Path,
    profile: Profile,
    settings: Settings,
    *,
    force: bool = False,
    on_progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Import ``path``; skip it when this source already imported the same bytes."""
    upgrade(settings)
    engine = get_engine(settings)
    sha = file_sha256(path)
    source = profile.source.name
    with engine.begin() as conn:
        done = conn.execute(
            select(ImportRun.id).where(ImportRun.source == source, ImportRun.file_sha256 == sha,
                                       ImportRun.profile == profile.name,
                                       ImportRun.status == "succeeded").limit(1)
        ).scalar()
        if done is not None and not force:
            log.info("%s already imported in run %s", path, done)
            return ImportResult(run_id=done, file=path, profile=profile.source.name, skipped=True)
        run_id = conn.execute(insert(ImportRun).values(
            source=source, profile=profile.name,
            file_name=path.name, file_sha256=sha, started_at=_now(), status="running",
            rows_read=0, rows_inserted=0, rows_updated=0, rows_duplicate=0, rows_rejected=0,
        )).inserted_primary_key[0]
    try:
        with engine.begin() as conn:
            result = _load(conn, run_id, path, profile, settings, on_progress)
    except Exception as exc:
        with engine.begin() as conn:
            conn.execute(update(ImportRun).where(ImportRun.id == run_id).values(
                status="failed", finished_at=_now(), message=str(exc)[:4000]))
        raise
    return result


def _load(conn: Connection, run_id: int, path: Path, profile: Profile,
          settings: Settings, on_progress: Callable[[int], None] | None) -> ImportResult:
    kind = profile.kind
    required, optional = profile.headers()
    if profile.location:
        _ensure_location(conn, profile.location)
    lookups = Lookups(
        services=dict(conn.execute(select(Service.code, Service.id)).all()),
        locations=dict(conn.execute(select(Location.code, Location.id)).all()),
    )
    key = settings.key_bytes()
    if kind.name == "cases":
        writer = _CaseWriter(conn, run_id, profile.source.name)
    elif kind.name == "usage":
        writer = _UsageWriter(conn, run_id, profile.source.name)
    elif kind.name == "waits":
        writer = _WaitWriter(conn, run_id, profile.source.name)
    else:
        writer = _MasterWriter(conn, MASTER_MODELS[kind.name])
    read = rejected = 0
    for batch in _batches(path, profile, required, optional, on_progress):
        mapped = map_batch(batch.frame, profile, lookups, key)
        quarantine = [
            {"import_run_id": run_id, "row_number": line, "column": None, "reason": reason,
             "raw": json.dumps(dict(zip(map(str, range(len(raw))), raw, strict=True)),
                               ensure_ascii=False)}
            for line, reason, raw in batch.malformed
        ] + [
            {"import_run_id": run_id, "row_number": r[LINE_COL], "column": r["column"],
             "reason": r["reason"], "raw": r["raw"]}
            for r in mapped.rejected.iter_rows(named=True)
        ]
        # A writer may refuse valid rows that contradict each other (e.g. two waits for
        # the same slot); they go to the quarantine like any other rejected row.
        conflicts = writer.add(mapped.valid) or []
        quarantine += [{"import_run_id": run_id, **c} for c in conflicts]
        read += mapped.valid.height + mapped.rejected.height + len(batch.malformed)
        rejected += len(quarantine)
        if quarantine and profile.on_error == "fail_file":
            first = quarantine[0]
            raise RejectedFileError(
                f"{first['reason']} ({len(quarantine)} fehlerhafte Zeile(n) in diesem "
                "Abschnitt; Richtlinie 'fail_file': nichts wurde importiert)",
                file=str(path), row=first["row_number"], column=first["column"],
                fix="Export korrigieren, oder im Profil on_error = \"reject_row\" setzen",
            )
        if quarantine:
            conn.execute(insert(RejectedRow), quarantine)
    inserted, updated, duplicate = writer.finish()
    assert inserted + updated + duplicate + rejected == read, "import counts do not add up"
    conn.execute(update(ImportRun).where(ImportRun.id == run_id).values(
        status="succeeded", finished_at=_now(), rows_read=read, rows_inserted=inserted,
        rows_updated=updated, rows_duplicate=duplicate, rows_rejected=rejected))
    result = ImportResult(run_id=run_id, file=path, profile=profile.source.name, skipped=False,
                          rows_read=read, inserted=inserted, updated=updated,
                          duplicate=duplicate, rejected=rejected)
    log.info(result.summary())
    return result


def _ensure_location(conn: Connection, loc: LocationSection) -> None:
    """Create the location a single-location profile declares, if it is not there yet."""
    exists_ = conn.execute(select(Location.id).where(Location.code == loc.code)).scalar()
    if exists_ is None:
        conn.execute(insert(Location).values(**loc.model_dump()))


def _batches(path: Path, profile: Profile, required: list[str], optional: list[str],
             on_progress: Callable[[int], None] | None) -> Iterator[Batch]:
    """The reader for the profile's format; each yields the same kind of batches."""
    r = profile.read
    common = dict(encoding=r.encoding, batch_rows=r.batch_rows, required_headers=required,
                  optional_headers=optional, missing=r.missing, on_progress=on_progress)
    if profile.source.format == "json":
        from connectors.json_reader import read_json_batches

        return read_json_batches(path, record_path=r.record_path, **common)
    return read_csv_batches(path, delimiter=r.delimiter, skip_rows=r.skip_rows, **common)


class _MasterWriter:
    """Upsert master data by code; small tables, so a comparison in Python is fine."""

    def __init__(self, conn: Connection, model: type) -> None:
        self.conn, self.model = conn, model
        self.rows: dict[str, dict] = {}
        self.seen = 0

    def add(self, frame: pl.DataFrame) -> None:
        for row in frame.drop(LINE_COL).iter_rows(named=True):
            self.seen += 1
            self.rows[row["code"]] = row  # a later row for the same code wins

    def finish(self) -> tuple[int, int, int]:
        table = self.model.__table__
        existing = {r.code: r._asdict() for r in self.conn.execute(select(table))}
        inserted = updated = 0
        for code, row in self.rows.items():
            old = existing.get(code)
            if old is None:
                self.conn.execute(insert(table).values(**row))
                inserted += 1
            elif any(old[k] != v for k, v in row.items()):
                self.conn.execute(update(table).where(table.c.code == code).values(**row))
                updated += 1
        return inserted, updated, self.seen - inserted - updated


class _CaseWriter:
    """Stage a file's cases in a temporary table, then update changed and insert new ones
    with two set-based statements — same SQL on SQLite and PostgreSQL."""

    def __init__(self, conn: Connection, run_id: int, source: str) -> None:
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


class _UsageWriter:
    """Usage statistics: a delivery replaces the periods it contains for its source.

    Aggregated files are small (one row per period × service × channel), so the comparison
    with what is stored runs in Python: a cell with the stored value is a duplicate, a
    changed value an update, a new cell an insert; cells of a re-delivered period that the
    new delivery no longer has are removed.
    """

    KEY = ("period_start", "period_end", "service", "location", "channel")

    def __init__(self, conn: Connection, run_id: int, source: str) -> None:
        self.conn, self.run_id, self.source = conn, run_id, source
        self.rows: dict[tuple, int] = {}
        self.seen = 0

    def add(self, frame: pl.DataFrame) -> None:
        for row in frame.select(*self.KEY, "volume").iter_rows():
            self.seen += 1
            self.rows[row[:-1]] = row[-1]  # the same cell twice: the later one counts

    def finish(self) -> tuple[int, int, int]:
        t = UsageStat.__table__
        periods = {(k[0], k[1]) for k in self.rows}
        stored: dict[tuple, int] = {}
        for start, end in periods:
            where = (t.c.source == self.source, t.c.period_start == start,
                     t.c.period_end == end)
            for r in self.conn.execute(select(t.c.period_start, t.c.period_end, t.c.service_id,
                                              t.c.location_id, t.c.channel, t.c.volume)
                                       .where(*where)):
                stored[tuple(r[:-1])] = r[-1]
            self.conn.execute(t.delete().where(*where))
        if self.rows:
            self.conn.execute(insert(t), [
                {"source": self.source, "period_start": k[0], "period_end": k[1],
                 "service_id": k[2], "location_id": k[3], "channel": k[4], "volume": v,
                 "import_run_id": self.run_id}
                for k, v in self.rows.items()
            ])
        inserted = sum(1 for k in self.rows if k not in stored)
        updated = sum(1 for k, v in self.rows.items() if k in stored and stored[k] != v)
        return inserted, updated, self.seen - inserted - updated


class _WaitWriter:
    """On-site waits per location, day and hour. A slot delivered twice with the same
    value is a duplicate; with a different value in one delivery it is a contradiction
    (quarantined, the first value stays); a later delivery with a new value updates it."""

    def __init__(self, conn: Connection, run_id: int, source: str) -> None:
        self.conn, self.run_id, self.source = conn, run_id, source
        self.rows: dict[tuple, tuple[float, int | None]] = {}
        self.seen = 0

    def add(self, frame: pl.DataFrame) -> list[dict]:
        conflicts = []
        for line, loc, day, hour, wait, visits in frame.select(
                LINE_COL, "location", "day", "hour", "wait_minutes", "visits").iter_rows():
            key, value = (loc, day, hour), (wait, visits)
            first = self.rows.setdefault(key, value)
            if first != value:
                conflicts.append({
                    "row_number": line, "column": "wait_minutes",
                    "reason": f"widerspricht einem früheren Wert für {day:%d.%m.%Y} "
                              f"{hour}:00 Uhr ({first[0]:g} statt {wait:g} Minuten) — der "
                              "erste Wert bleibt; Quelle prüfen",
                    "raw": json.dumps({"day": day.isoformat(), "hour": hour, "wait": wait,
                                       "visits": visits}),
                })
            else:
                self.seen += 1
        return conflicts

    def finish(self) -> tuple[int, int, int]:
        t = WaitStat.__table__
        if not self.rows:
            return 0, 0, self.seen
        days = [k[1] for k in self.rows]
        stored = {(r.location_id, r.day, r.hour): (r.wait_minutes, r.visits) for r in
                  self.conn.execute(select(t).where(t.c.source == self.source,
                                                    t.c.day.between(min(days), max(days))))}
        new = [k for k in self.rows if k not in stored]
        changed = [k for k in self.rows if k in stored and stored[k] != self.rows[k]]
        for loc, day, hour in changed:
            wait, visits = self.rows[(loc, day, hour)]
            self.conn.execute(t.update().where(
                t.c.source == self.source, t.c.location_id == loc, t.c.day == day,
                t.c.hour == hour).values(wait_minutes=wait, visits=visits,
                                         import_run_id=self.run_id))
        if new:
            self.conn.execute(insert(t), [
                {"source": self.source, "location_id": k[0], "day": k[1], "hour": k[2],
                 "wait_minutes": self.rows[k][0], "visits": self.rows[k][1],
                 "import_run_id": self.run_id} for k in new])
        return len(new), len(changed), self.seen - len(new) - len(changed)
