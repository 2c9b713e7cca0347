"""Import one file (or one pull of a database or web API) through one profile: atomic,
idempotent, nothing lost.

One file (one pull) is one transaction. Every input row ends up inserted, updated, a duplicate, or
rejected into the quarantine with its line, column, reason and (mapped, pseudonymised) raw
values; the import run records counts that add up to the rows read.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import (
    Connection,
    insert,
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
    ImportRun,
    Location,
    RejectedRow,
    Service,
)
from connectors.tenants import check_ags, tenant_filter
from connectors.writers import writer_for

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ImportResult:
    run_id: int | None
    file: Path | None  # None for a pull (see ``label``)
    profile: str
    skipped: bool
    rows_read: int = 0
    inserted: int = 0
    updated: int = 0
    duplicate: int = 0
    rejected: int = 0
    label: str = ""  # a pull: the database or web address without secrets
    summary_rows: int = 0  # lines skipped as summary rows (read.skip_row_patterns)

    @property
    def name(self) -> str:
        return self.label or (self.file.name if self.file else "")

    def summary(self) -> str:
        if self.skipped:
            return f"{self.name}: bereits importiert (unverändert) — übersprungen"
        if self.label and not (self.rows_read or self.summary_rows):  # a pull, nothing new
            return f"{self.name}: nichts Neues seit dem letzten Abruf (0 Zeilen gelesen)"
        return (f"{self.name}: {self.rows_read} Zeilen gelesen, {self.inserted} neu, "
                f"{self.updated} aktualisiert, {self.duplicate} Duplikate, "
                f"{self.rejected} abgewiesen"
                + (f", {self.summary_rows} Summenzeile(n) übersprungen"
                   if self.summary_rows else ""))


@dataclass(frozen=True)
class Pull:
    """One pull of a configured database or web API (connectors/pull_sql.py, pull_http.py).

    There are no bytes to recognise a pull by: its incremental cursor makes a scheduled run
    ask only for what is new, and ``save_state`` keeps the new cursor inside the import's
    transaction, so a failed run leaves the old one."""

    label: str  # the run's file_name: address without secrets, and the query's identity
    identity: str  # SHA-256 of what is asked (kind, address, query): the run's file_sha256
    # (required, optional headers, on_progress) → batches of text columns, like a file reader
    read: Callable[[list[str], list[str], Callable[[int], None] | None], Iterator[Batch]]
    save_state: Callable[[Connection, int], None]  # (connection, run id), after the rows
    ags: str | None = None  # the municipality whose cursor this pull reads and saves


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def tenant_of(profile: Profile, settings: Settings, ags: str | None = None) -> str:
    """The municipality an import writes into: the caller's (``--ags``, the sources file),
    else the profile's ``[source] ags``, else ``SERVICEPULS_AGS``."""
    return check_ags(ags or profile.source.ags or settings.ags)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def import_file(
    path: Path,
    profile: Profile,
    settings: Settings,
    *,
    force: bool = False,
    on_progress: Callable[[int], None] | None = None,
    sha: str | None = None,
    ags: str | None = None,
) -> ImportResult:
    """Import ``path`` into municipality ``ags`` (see :func:`tenant_of`); skip it when this
    source already imported the same bytes there (``sha``: the file's SHA-256 when the
    caller has computed it already)."""
    upgrade(settings)
    engine = get_engine(settings)
    sha = sha or file_sha256(path)
    source = profile.source.name
    ags = tenant_of(profile, settings, ags)
    with engine.begin() as conn:
        done = conn.execute(
            select(ImportRun.id).where(tenant_filter(ImportRun, ags),
                                       ImportRun.source == source, ImportRun.file_sha256 == sha,
                                       ImportRun.profile == profile.name,
                                       ImportRun.status == "succeeded").limit(1)
        ).scalar()
        if done is not None and not force:
            log.info("%s already imported in run %s", path, done)
            return ImportResult(run_id=done, file=path, profile=profile.source.name, skipped=True)
        _mark_aborted(conn, ags, source, profile, sha)
        run_id = _start_run(conn, ags, source, profile, path.name, sha)
    required, optional = profile.headers()
    return _run(engine, run_id, ags, profile, settings, {"file": str(path)},
                lambda: _batches(path, profile, required, optional, on_progress),
                ImportResult(run_id=run_id, file=path, profile=source, skipped=False))


def import_pull(pull: Pull, profile: Profile, settings: Settings, *,
                on_progress: Callable[[int], None] | None = None) -> ImportResult:
    """Import what a database query or web API delivers now: never skipped (the source's
    cursor decides what is new), one transaction with the new cursor."""
    upgrade(settings)
    engine = get_engine(settings)
    source = profile.source.name
    ags = tenant_of(profile, settings, pull.ags)
    with engine.begin() as conn:
        _mark_aborted(conn, ags, source, profile, pull.identity)
        run_id = _start_run(conn, ags, source, profile, pull.label, pull.identity)
    required, optional = profile.headers()
    return _run(engine, run_id, ags, profile, settings, {"source": pull.label},
                lambda: pull.read(required, optional, on_progress),
                ImportResult(run_id=run_id, file=None, profile=source, skipped=False,
                             label=pull.label),
                pull.save_state)


def _mark_aborted(conn: Connection, ags: str, source: str, profile: Profile, sha: str) -> None:
    """A run of the same input that never finished was killed with its process; its
    transaction was rolled back by the database, so nothing of it is in the store."""
    conn.execute(update(ImportRun).where(
        tenant_filter(ImportRun, ags), ImportRun.source == source,
        ImportRun.profile == profile.name,
        ImportRun.file_sha256 == sha, ImportRun.status == "running",
    ).values(status="aborted", finished_at=_now(),
             message="abgebrochen (Prozess beendet) — nichts davon wurde gespeichert"))


def _start_run(conn: Connection, ags: str, source: str, profile: Profile, name: str,
               sha: str) -> int:
    return conn.execute(insert(ImportRun).values(
        ags=ags, source=source, profile=profile.name,
        file_name=name[:500], file_sha256=sha, started_at=_now(), status="running",
        rows_read=0, rows_inserted=0, rows_updated=0, rows_duplicate=0, rows_rejected=0,
    )).inserted_primary_key[0]


def _run(engine, run_id: int, ags: str, profile: Profile, settings: Settings, where: dict,  # noqa: ANN001
         batches: Callable[[], Iterator[Batch]], result: ImportResult,
         save_state: Callable[[Connection, int], None] | None = None) -> ImportResult:
    """Load in one transaction; a failure marks the run failed and re-raises."""
    try:
        with engine.begin() as conn:
            result = _load(conn, run_id, ags, batches(), where, profile, settings, result)
            if save_state:
                save_state(conn, run_id)
    except Exception as exc:
        with engine.begin() as conn:
            conn.execute(update(ImportRun).where(ImportRun.id == run_id).values(
                status="failed", finished_at=_now(), message=str(exc)[:4000]))
        raise
    log.info(result.summary())
    return result


def _load(conn: Connection, run_id: int, ags: str, batches: Iterator[Batch], where: dict,
          profile: Profile, settings: Settings, result: ImportResult) -> ImportResult:
    """Map, validate, quarantine and write every batch; ``where`` names the input in errors
    (``{"file": …}`` or ``{"source": …}``)."""
    kind = profile.kind
    if profile.location:
        _ensure_location(conn, ags, profile.location)
    lookups = Lookups(  # codes of this municipality only
        services=dict(conn.execute(select(Service.code, Service.id)
                                   .where(tenant_filter(Service, ags))).all()),
        locations=dict(conn.execute(select(Location.code, Location.id)
                                    .where(tenant_filter(Location, ags))).all()),
    )
    key = settings.key_bytes()
    writer = writer_for(kind.name, conn, run_id, profile.source.name, ags)
    read = rejected = summary_rows = 0
    for batch in batches:
        summary_rows += batch.skipped
        mapped = map_batch(batch.frame, profile, lookups, key)
        quarantine = [
            {"import_run_id": run_id, "ags": ags, "row_number": line, "column": None,
             "reason": reason,
             "raw": json.dumps(dict(zip(map(str, range(len(raw))), raw, strict=True)),
                               ensure_ascii=False)}
            for line, reason, raw in batch.malformed
        ] + [
            {"import_run_id": run_id, "ags": ags, "row_number": r[LINE_COL], "column": r["column"],
             "reason": r["reason"], "raw": r["raw"]}
            for r in mapped.rejected.iter_rows(named=True)
        ]
        # A writer may refuse valid rows that contradict each other (e.g. two waits for
        # the same slot); they go to the quarantine like any other rejected row.
        conflicts = writer.add(mapped.valid) or []
        quarantine += [{"import_run_id": run_id, "ags": ags, **c} for c in conflicts]
        read += mapped.valid.height + mapped.rejected.height + len(batch.malformed)
        rejected += _quarantine(conn, quarantine, profile, where)
    if hasattr(writer, "settle"):  # contradictions only visible once every row is seen
        rejected += _quarantine(conn, [{"import_run_id": run_id, "ags": ags, **c}
                                       for c in writer.settle()], profile, where)
    inserted, updated, duplicate = writer.finish()
    assert inserted + updated + duplicate + rejected == read, "import counts do not add up"
    conn.execute(update(ImportRun).where(ImportRun.id == run_id).values(
        status="succeeded", finished_at=_now(), rows_read=read, rows_inserted=inserted,
        rows_updated=updated, rows_duplicate=duplicate, rows_rejected=rejected,
        rows_skipped=summary_rows))
    return dataclasses.replace(result, rows_read=read, inserted=inserted, updated=updated,
                               duplicate=duplicate, rejected=rejected,
                               summary_rows=summary_rows)


def _quarantine(conn: Connection, rows: list[dict], profile: Profile, where: dict) -> int:
    """Store rejected rows — or, under the policy 'fail_file', refuse the whole input."""
    if rows and profile.on_error == "fail_file":
        first = rows[0]
        raise RejectedFileError(
            f"{first['reason']} ({len(rows)} fehlerhafte Zeile(n) in diesem "
            "Abschnitt; Richtlinie 'fail_file': nichts wurde importiert)",
            row=first["row_number"], column=first["column"],
            fix="Export korrigieren, oder im Profil on_error = \"reject_row\" setzen", **where,
        )
    if rows:
        conn.execute(insert(RejectedRow), rows)
    return len(rows)


def _ensure_location(conn: Connection, ags: str, loc: LocationSection) -> None:
    """Create the location a single-location profile declares, if it is not there yet."""
    exists_ = conn.execute(select(Location.id).where(
        tenant_filter(Location, ags), Location.code == loc.code)).scalar()
    if exists_ is None:
        conn.execute(insert(Location).values(ags=ags, **loc.model_dump()))


def _batches(path: Path, profile: Profile, required: list[str], optional: list[str],
             on_progress: Callable[[int], None] | None) -> Iterator[Batch]:
    """The reader for the profile's format; each yields the same kind of batches."""
    r = profile.read
    common = dict(encoding=r.encoding, batch_rows=r.batch_rows, required_headers=required,
                  optional_headers=optional, missing=r.missing, on_progress=on_progress,
                  skip_row_patterns=r.skip_row_patterns)
    if profile.source.format == "json":
        from connectors.json_reader import read_json_batches

        return read_json_batches(path, record_path=r.record_path, **common)
    if profile.source.format == "xlsx":
        from connectors.xlsx_reader import read_xlsx_batches

        return read_xlsx_batches(path, sheets=r.sheets, skip_rows=r.skip_rows, **common)
    return read_csv_batches(path, delimiter=r.delimiter, skip_rows=r.skip_rows, **common)
