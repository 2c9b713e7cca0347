"""What database and web API sources share: secrets from the environment, addresses without
secrets, the identity of what is asked, and the tiny incremental state (a cursor).

A cursor is the largest value of one column (SQL) or record field (HTTP) seen so far —
e.g. ``geaendert_am`` — kept per source in ``source_cursors`` and handed to the next run,
which asks only for newer rows (dlt's ``Incremental``, Singer's ``replication_key``). It is
written in the import's own transaction, so a failed run keeps the old one. The value keeps
its type (JSON with a type tag), so a timestamp is bound as a timestamp again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import re
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection, Engine, insert, select, update

from connectors.errors import SourceError
from connectors.profiles import Profile
from connectors.store import SourceCursor
from connectors.tenants import tenant_filter

log = logging.getLogger(__name__)

CursorValue = dt.datetime | dt.date | int | float | str
ENV_NAME = r"^[A-Za-z_][A-Za-z0-9_]*$"
# Query parameters whose values are never shown (URLs in messages, run records, logs).
_SECRET_PARAM = re.compile(r"pass|pwd|secret|token|key|auth|sig|credential", re.IGNORECASE)


class PullSourceBase(BaseModel):
    """Fields every database or web API source has (see connectors/sources.py)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=100)
    profile: str = Field(min_length=1, description="profile whose [columns] map the result")
    expected_every_days: int | None = Field(None, ge=1)
    description: str = ""
    # the value the first run (or a run after the query changed) asks from
    cursor_start: dt.datetime | dt.date | int | float | str | None = None
    ags: str | None = Field(None, pattern=r"^\d{8}$",
                            description="municipality (8-digit AGS) imported into; "
                                        "empty: SERVICEPULS_AGS")


def secret(env: str, source: str, what: str) -> str:
    """The value of environment variable ``env``; a clear error when it is not set."""
    value = os.environ.get(env)
    if not value:
        raise SourceError(
            f"Umgebungsvariable {env} ist nicht gesetzt ({what})", source=source,
            fix=f"{env} in der Umgebung des Imports setzen (cron: in der Zeile davor "
                f"export {env}=…; systemd: Environment= oder EnvironmentFile=) — der Wert "
                "gehört nie in die Quellen-Datei")
    return value


def redact_url(url: str) -> str:
    """An http(s) URL without password and without values of secret-looking parameters."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        user, host = netloc.rsplit("@", 1)
        netloc = f"{user.split(':', 1)[0]}:***@{host}" if ":" in user else f"{user}@{host}"
    query = urlencode([(k, "***" if _SECRET_PARAM.search(k) else v)
                       for k, v in parse_qsl(parts.query, keep_blank_values=True)], safe="*")
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def identity(*parts: object) -> str:
    """SHA-256 of what a pull asks (kind, address without secrets, query …)."""
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False, default=str).encode()).hexdigest()


def encode_cursor(value: CursorValue) -> str:
    if isinstance(value, dt.datetime):
        return json.dumps({"type": "datetime", "value": value.isoformat()})
    if isinstance(value, dt.date):
        return json.dumps({"type": "date", "value": value.isoformat()})
    if isinstance(value, Decimal):
        return json.dumps({"type": "decimal", "value": str(value)})
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise TypeError(f"cursor value of type {type(value).__name__}")
    return json.dumps({"type": type(value).__name__, "value": value})


def decode_cursor(text: str) -> Any:
    data = json.loads(text)
    kind, value = data["type"], data["value"]
    if kind == "datetime":
        return dt.datetime.fromisoformat(value)
    if kind == "date":
        return dt.date.fromisoformat(value)
    if kind == "decimal":
        return Decimal(value)
    return value


def load_cursor(engine: Engine, source: str, ident: str, ags: str) -> Any:
    """The cursor this source reached with the same query; None when there is none yet."""
    t = SourceCursor.__table__
    with engine.connect() as conn:
        row = conn.execute(select(t.c.identity, t.c.value).where(
            tenant_filter(t, ags), t.c.source == source)).first()
    if row is None:
        return None
    if row.identity != ident:
        log.warning("source %s: query or address changed — the cursor starts again", source)
        return None
    return decode_cursor(row.value)


def save_cursor(conn: Connection, source: str, ident: str, value: Any, run_id: int,
                ags: str) -> None:
    t = SourceCursor.__table__
    values = {"identity": ident, "value": encode_cursor(value), "import_run_id": run_id,
              "updated_at": dt.datetime.now(dt.UTC).replace(tzinfo=None)}
    done = conn.execute(update(t).where(tenant_filter(t, ags), t.c.source == source)
                        .values(**values)).rowcount
    if not done:
        conn.execute(insert(t).values(ags=ags, source=source, **values))


def pull_tenant(source: PullSourceBase, profile: Profile) -> str:
    """The municipality a pull reads its cursor for and imports into (as
    :func:`connectors.importer.tenant_of`: source, profile, then SERVICEPULS_AGS)."""
    from connectors.settings import get_settings

    return source.ags or profile.source.ags or get_settings().ags


class CursorMax:
    """The largest cursor value among the rows read (rejected rows too: they are in the
    quarantine, reading them again would only repeat them)."""

    def __init__(self, source: str, name: str) -> None:
        self.source, self.name = source, name
        self.value: Any = None

    def see(self, value: Any) -> None:
        if value is None:
            return
        try:
            if self.value is None or value > self.value:
                self.value = value
        except TypeError:
            raise SourceError(
                f"Cursor '{self.name}': Werte nicht vergleichbar ({self.value!r} und "
                f"{value!r})", source=self.source,
                fix="eine Spalte bzw. ein Feld mit einheitlichem Typ als Cursor wählen "
                    "(Zeitstempel, Zahl, oder Text im Format ISO 8601)") from None
