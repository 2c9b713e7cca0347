"""SQL sources: a query against a Fachverfahren's reporting database, read-only and streamed.

The database is given by any SQLAlchemy URL in an environment variable the source names
(``url_env``), so no password sits in the sources file. The connection is opened read-only
— SQLite through a ``mode=ro`` URI plus ``PRAGMA query_only``, PostgreSQL with
``SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY`` (checked before the query runs),
MySQL/MariaDB with ``SET SESSION TRANSACTION READ ONLY`` — so a query that tries to write
fails; other databases are refused rather than trusted. Rows are fetched in batches
through a server-side cursor where the driver has one (``stream_results``/``yield_per``;
SQLite's cursor steps through the result anyway) and handed to the importer as the same
text batches a file reader yields: the profile's ``[columns]`` name result columns.
Native values are written in the profile's own formats (``read.datetime_format``,
``read.date_format``, ``read.decimal``), so the profile parses them as it parses a file.

Incremental: with ``cursor_column`` the query gets the last value seen as the bound
parameter ``:cursor`` (``cursor_start`` on the first run), e.g.
``… WHERE geaendert_am > :cursor``; the largest value read becomes the next run's cursor.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import Field
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from connectors.errors import InputFileError, SourceError
from connectors.importer import Pull
from connectors.profiles import Profile, ReadSection
from connectors.pull import (
    ENV_NAME,
    CursorMax,
    PullSourceBase,
    identity,
    load_cursor,
    pull_tenant,
    save_cursor,
    secret,
)
from connectors.readers import Batch, BatchBuffer, _normalise

log = logging.getLogger(__name__)


class SqlSource(PullSourceBase):
    kind: Literal["sql"]
    url_env: str = Field(pattern=ENV_NAME, description="variable holding the SQLAlchemy URL")
    query: str = Field(min_length=1)
    cursor_column: str | None = None

    def problems(self, i: int) -> list[str]:
        """Rules beyond types, for load_sources (every problem at once)."""
        out = []
        if self.cursor_column and ":cursor" not in self.query:
            out.append(f"source[{i}].query: mit cursor_column muss die Abfrage den Parameter "
                       ":cursor enthalten, z. B. WHERE geaendert_am > :cursor")
        if self.cursor_column and self.cursor_start is None:
            out.append(f"source[{i}].cursor_start: fehlt — Startwert des Cursors für den "
                       "ersten Lauf angeben, z. B. 1970-01-01T00:00:00 oder 0")
        if not self.cursor_column and ":cursor" in self.query:
            out.append(f"source[{i}].cursor_column: die Abfrage nutzt :cursor — die Spalte "
                       "angeben, deren größter Wert der nächste Cursor ist")
        return out


def readonly_engine(url: str, source: str) -> Engine:
    """An engine whose every connection refuses writes (see the module docstring)."""
    try:
        u = make_url(url)
    except ArgumentError:
        raise SourceError("die Datenbank-Adresse ist keine SQLAlchemy-URL", source=source,
                          fix="z. B. postgresql+psycopg://leser@host:5432/fachverfahren "
                              "oder sqlite:////pfad/berichte.db") from None
    backend = u.get_backend_name()
    if backend == "sqlite":
        if not u.database or u.database == ":memory:" or u.database.startswith("file:"):
            raise SourceError("SQLite-Quelle braucht einen Dateipfad", source=source,
                              fix="sqlite:////absoluter/pfad/berichte.db angeben")
        path = Path(u.database).resolve()
        if not path.is_file():
            raise SourceError(f"SQLite-Datei {path} gibt es nicht", source=source,
                              fix="Pfad in der URL prüfen")
        u = u.set(database=f"file:{path.as_posix()}", query={"mode": "ro", "uri": "true"})
        statement = "PRAGMA query_only = ON"
    elif backend == "postgresql":
        statement = "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY"
    elif backend in ("mysql", "mariadb"):
        statement = "SET SESSION TRANSACTION READ ONLY"
    else:
        raise SourceError(
            f"für Datenbanken vom Typ '{backend}' kann Servicepuls den Nur-Lese-Modus nicht "
            "einschalten", source=source,
            fix="über PostgreSQL, MySQL/MariaDB oder SQLite anbinden (z. B. eine "
                "Berichtsdatenbank oder einen Export nach SQLite)")
    engine = create_engine(u, pool_pre_ping=backend != "sqlite")

    @event.listens_for(engine, "connect")
    def _read_only(dbapi_conn, _record) -> None:  # noqa: ANN001 - DBAPI connection
        cur = dbapi_conn.cursor()
        cur.execute(statement)
        cur.close()
        if backend != "sqlite":
            dbapi_conn.commit()  # a session setting, not undone by the pool's rollback

    return engine


def sql_pull(source: SqlSource, profile: Profile, store: Engine) -> Pull:
    """The pull for ``import_pull``; the address comes from ``source.url_env`` now."""
    url = secret(source.url_env, source.name, "SQLAlchemy-URL der Berichtsdatenbank")
    try:
        shown = make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        shown = "(ungültige URL)"
    ident = identity("sql", shown, source.query, source.cursor_column)
    label = f"SQL {shown} · Abfrage {ident[:12]}"
    ags = pull_tenant(source, profile)
    start = load_cursor(store, source.name, ident, ags) if source.cursor_column else None
    if start is None:
        start = source.cursor_start
    seen = CursorMax(label, source.cursor_column or "")

    def read(required: list[str], optional: list[str],
             on_progress: Callable[[int], None] | None) -> Iterator[Batch]:
        params = {"cursor": start} if source.cursor_column else {}
        engine = readonly_engine(url, label)
        try:
            yield from _rows(engine, source, label, params, profile.read, required, optional,
                             seen, on_progress, secret_text=make_url(url).password)
        finally:
            engine.dispose()

    def save_state(conn, run_id: int) -> None:  # noqa: ANN001 - Connection
        if source.cursor_column and seen.value is not None:
            save_cursor(conn, source.name, ident, seen.value, run_id, ags)

    return Pull(label=label, identity=ident, read=read, save_state=save_state, ags=ags)


def _rows(engine: Engine, source: SqlSource, label: str, params: dict, fmt: ReadSection,
          required: list[str], optional: list[str], seen: CursorMax,
          on_progress: Callable[[int], None] | None, secret_text: str | None) -> Iterator[Batch]:
    try:
        conn = engine.connect()
    except SQLAlchemyError as exc:
        raise SourceError(f"Datenbank nicht erreichbar: {_message(exc, secret_text)}",
                          source=label, fix="die URL in der Umgebungsvariable der Quelle "
                                            "(url_env), Netz und Zugangsdaten prüfen") from None
    n = 0
    with conn:
        try:
            if conn.dialect.name == "postgresql" and conn.exec_driver_sql(
                    "SHOW transaction_read_only").scalar() != "on":
                raise SourceError("Verbindung ist nicht nur lesend", source=label,
                                  fix="einen Datenbanknutzer mit reinen Leserechten verwenden")
            result = conn.execution_options(stream_results=True, yield_per=fmt.batch_rows
                                            ).execute(text(source.query), params)
            keys = list(result.keys())
            positions = {_normalise(k): i for i, k in enumerate(keys)}
            absent = [h for h in required if _normalise(h) not in positions]
            if absent:
                raise InputFileError(
                    f"Spalte(n) fehlen im Abfrageergebnis: {', '.join(map(repr, absent))}; "
                    f"gefunden: {', '.join(map(repr, keys))}", source=label, column=absent[0],
                    fix="die Spalten in der Abfrage mit AS so benennen, wie das Profil sie in "
                        "[columns] nennt, oder das Profil anpassen")
            cursor_at = None
            if source.cursor_column:
                cursor_at = positions.get(_normalise(source.cursor_column))
                if cursor_at is None:
                    raise InputFileError(
                        f"cursor_column '{source.cursor_column}' fehlt im Abfrageergebnis; "
                        f"gefunden: {', '.join(map(repr, keys))}", source=label,
                        fix="die Cursor-Spalte in die SELECT-Liste aufnehmen")
            wanted = [h for h in [*required, *optional] if _normalise(h) in positions]
            index = [positions[_normalise(h)] for h in wanted]
            missing = set(fmt.missing)
            buffer = BatchBuffer(wanted, fmt.batch_rows)
            # An explicit size: without one, partitions() hands over every remaining row
            # at once (the driver still fetches yield_per rows at a time).
            for part in result.partitions(fmt.batch_rows):
                for row in part:
                    n += 1
                    for col, i in zip(buffer.columns, index, strict=True):
                        col.append(_cell(row[i], fmt, missing))
                    buffer.lines.append(n)
                    if cursor_at is not None:
                        seen.see(row[cursor_at])
                    if buffer.full:
                        yield buffer.take(n)
                        if on_progress:
                            on_progress(n)
            if buffer:
                yield buffer.take(n)
            if on_progress:
                on_progress(n)
        except SQLAlchemyError as exc:
            raise SourceError(
                f"Abfrage fehlgeschlagen nach {n} Zeilen: {_message(exc, secret_text)}",
                source=label, fix="die Abfrage (query) in der Quellen-Datei prüfen — die "
                                  "Verbindung ist nur lesend, eine Abfrage, die schreibt, wird "
                                  "abgewiesen") from None
    log.info("%s: %d rows", label, n)


def _message(exc: SQLAlchemyError, secret_text: str | None) -> str:
    """The driver's own message (first line) — never the statement or its parameters."""
    orig = getattr(exc, "orig", None) or exc
    message = (str(orig).strip().splitlines() or [type(orig).__name__])[0]
    return message.replace(secret_text, "***") if secret_text else message


def _cell(value: Any, fmt: ReadSection, missing: set[str]) -> str | None:
    """A result value as text in the profile's formats (see the module docstring)."""
    if value is None:
        return None
    kind = type(value)
    if kind is str:
        text_ = value.strip()
        return None if text_ in missing else text_
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return str(value)
    if kind is float:
        if value != value:
            return None
        text_ = str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
        return text_.replace(".", fmt.decimal)
    if isinstance(value, Decimal):
        return format(value, "f").replace(".", fmt.decimal)
    if isinstance(value, dt.datetime):
        return value.strftime(fmt.datetime_format)
    if isinstance(value, dt.date):
        return value.strftime(fmt.date_format)
    return str(value)
