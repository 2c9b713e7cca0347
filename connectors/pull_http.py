"""HTTP sources: a web API that answers JSON, page by page, with an auth header.

Each page is fetched with the standard library (``urllib``: no extra dependency for a few
GET requests), decoded, and its records — the list at ``record_path`` (the source's, else
the profile's ``read.record_path``; none: the body is the list) — go through the same text
conversion and batching as a JSON file. Pages are bounded by the API's page size, so one
page is decoded at a time and memory stays bounded whatever the total.

Pagination (``[source.pagination]``):

- ``kind = "page"``: a page number parameter (``param``, from ``start``), optionally with a
  page size (``size_param`` = ``size``); an empty page, or a short one when ``size`` is
  given, is the last;
- ``kind = "next"``: the body names the next page's URL at ``path`` (e.g. ``links.next``;
  relative links resolved against the page), missing or null on the last page; a next link
  to another server is refused, so the auth header never leaves the configured host;
- ``kind = "cursor"``: the body names a token at ``path`` that goes back as ``param``.

The auth header's value comes from the environment variable ``auth_env`` at run time; it is
never stored, never logged, and not repeated on redirects (``add_unredirected_header``).
Incremental: with ``cursor_param``/``cursor_field`` the largest ``cursor_field`` of the
records read is sent as ``cursor_param`` (e.g. ``since``) on the next run.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any, Literal
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Engine

from connectors.errors import SourceError
from connectors.importer import Pull
from connectors.json_reader import record_batches
from connectors.profiles import Profile
from connectors.pull import (
    ENV_NAME,
    CursorMax,
    PullSourceBase,
    identity,
    load_cursor,
    pull_tenant,
    redact_url,
    save_cursor,
    secret,
)
from connectors.readers import Batch

log = logging.getLogger(__name__)

USER_AGENT = "Servicepuls (import --all)"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PagePagination(_Strict):
    kind: Literal["page"]
    param: str = "page"
    start: int = Field(1, ge=0)
    size_param: str | None = None
    size: int | None = Field(None, ge=1)


class NextLinkPagination(_Strict):
    kind: Literal["next"]
    path: str = "next"


class CursorPagination(_Strict):
    kind: Literal["cursor"]
    param: str = "cursor"
    path: str


class HttpSource(PullSourceBase):
    kind: Literal["http"]
    url: str = Field(pattern=r"^https?://[^/?#]+")
    record_path: str | None = None
    params: dict[str, str | int | float | bool] = {}
    auth_env: str | None = Field(None, pattern=ENV_NAME)
    auth_header: str = Field("Authorization", pattern=r"^[A-Za-z0-9-]+$")
    pagination: PagePagination | NextLinkPagination | CursorPagination | None = Field(
        None, discriminator="kind")
    cursor_param: str | None = None
    cursor_field: str | None = None
    timeout_seconds: float = Field(30, gt=0, le=600)
    max_pages: int = Field(10_000, ge=1)

    def problems(self, i: int) -> list[str]:
        out = []
        if bool(self.cursor_param) != bool(self.cursor_field):
            out.append(f"source[{i}]: cursor_param und cursor_field nur zusammen angeben — "
                       "der größte Wert von cursor_field wird beim nächsten Lauf als "
                       "cursor_param geschickt")
        if self.cursor_start is not None and not self.cursor_param:
            out.append(f"source[{i}].cursor_start: nur mit cursor_param und cursor_field")
        if urlsplit(self.url).password:
            out.append(f"source[{i}].url: enthält ein Passwort — Zugangsdaten gehören in die "
                       "Umgebungsvariable auth_env, nie in die Quellen-Datei")
        return out


def http_pull(source: HttpSource, profile: Profile, store: Engine) -> Pull:
    """The pull for ``import_pull``; the auth header's value comes from the environment now."""
    token = secret(source.auth_env, source.name, f"Wert des Headers {source.auth_header}"
                   ) if source.auth_env else None
    shown = redact_url(source.url)
    record_path = source.record_path or profile.read.record_path
    ident = identity("http", shown, sorted(source.params.items()), record_path,
                     source.cursor_param, source.cursor_field)
    label = f"HTTP {shown}"
    ags = pull_tenant(source, profile)
    start = load_cursor(store, source.name, ident, ags) if source.cursor_field else None
    if start is None:
        start = source.cursor_start
    seen = CursorMax(label, source.cursor_field or "")
    count = [0]

    def read(required: list[str], optional: list[str],
             on_progress: Callable[..., None] | None) -> Iterator[Batch]:
        records = _records(source, token, start, record_path, label, seen, count, on_progress)
        yield from record_batches(records, origin={"source": label}, position=lambda: count[0],
                                  batch_rows=profile.read.batch_rows, required_headers=required,
                                  optional_headers=optional, missing=profile.read.missing,
                                  skip_row_patterns=profile.read.skip_row_patterns,
                                  on_progress=on_progress)

    def save_state(conn, run_id: int) -> None:  # noqa: ANN001 - Connection
        if source.cursor_field and seen.value is not None:
            save_cursor(conn, source.name, ident, seen.value, run_id, ags)

    return Pull(label=label, identity=ident, read=read, save_state=save_state, ags=ags)


def _records(source: HttpSource, token: str | None, start: Any, record_path: str | None,
             label: str, seen: CursorMax, count: list[int],
             on_progress: Callable[..., None] | None = None) -> Iterator[tuple[int, Any]]:
    """(record number, record) over every page; numbers run on across pages. After each
    page ``on_progress(records so far, pages so far)`` — a page takes a request, a batch
    many pages."""
    for page, records in enumerate(_pages(source, token, start, record_path, label), 1):
        for record in records:
            count[0] += 1
            if source.cursor_field and isinstance(record, dict):
                seen.see(record.get(source.cursor_field))
            yield count[0], record
        if on_progress:
            on_progress(count[0], page)


def _pages(source: HttpSource, token: str | None, start: Any, record_path: str | None,
           label: str) -> Iterator[list]:
    params: dict[str, Any] = dict(source.params)
    if source.cursor_param and start is not None:
        params[source.cursor_param] = start.isoformat() if isinstance(
            start, dt.date) else str(start)
    p = source.pagination
    if isinstance(p, PagePagination):
        params[p.param] = p.start
        if p.size_param and p.size:
            params[p.size_param] = p.size
    url = _with_params(source.url, params)
    visited = set()
    for _ in range(source.max_pages):
        visited.add(url)
        body = _get(url, token, source, label)
        records = _at_path(body, record_path, url, label)
        yield records
        if isinstance(p, PagePagination):
            if not records or (p.size and len(records) < p.size):
                return
            params[p.param] += 1
            url = _with_params(source.url, params)
        elif isinstance(p, NextLinkPagination):
            link = _lookup(body, p.path)
            if not link:
                return
            url = urljoin(url, str(link))
            if urlsplit(url)[:2] != urlsplit(source.url)[:2]:
                raise SourceError(
                    f"der Verweis auf die nächste Seite ({p.path}) führt zu einem anderen "
                    f"Server: {redact_url(url)}", source=label,
                    fix="url der Quelle auf den Server setzen, der die Seiten ausliefert — "
                        "der Zugangs-Header geht nur an den konfigurierten Server")
            if url in visited:
                raise SourceError(f"Seitenverweis im Kreis: {redact_url(url)} kam schon",
                                  source=label, fix="pagination.path prüfen")
        elif isinstance(p, CursorPagination):
            token_ = _lookup(body, p.path)
            if token_ in (None, ""):
                return
            params[p.param] = token_
            url = _with_params(source.url, params)
        else:
            return
    raise SourceError(f"mehr als {source.max_pages} Seiten", source=label,
                      fix="max_pages erhöhen, oder pagination prüfen (endet die Folge?)")


def _with_params(url: str, params: dict[str, Any]) -> str:
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True) + [
        (k, str(v).lower() if isinstance(v, bool) else str(v)) for k, v in params.items()]
    return urlunsplit((*parts[:3], urlencode(query), ""))


def _get(url: str, token: str | None, source: HttpSource, label: str) -> Any:
    request = urllib.request.Request(url, headers={"Accept": "application/json",
                                                   "User-Agent": USER_AGENT})
    if token:
        request.add_unredirected_header(source.auth_header, token)
    shown = redact_url(url)
    try:
        with urllib.request.urlopen(request, timeout=source.timeout_seconds) as response:
            raw = response.read()
            charset = response.headers.get_content_charset() or "utf-8"
    except urllib.error.HTTPError as exc:
        raise SourceError(f"HTTP {exc.code} {exc.reason} für {shown}", source=label,
                          fix=_fix(exc.code, source)) from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise SourceError(f"{shown} nicht erreichbar: {reason}", source=label,
                          fix="Adresse, Netz und Firewall prüfen; antwortet die API langsam, "
                              "timeout_seconds erhöhen") from None
    log.debug("GET %s: %d bytes", shown, len(raw))
    try:
        return json.loads(raw.decode(charset))
    except (UnicodeDecodeError, LookupError, json.JSONDecodeError) as exc:
        raise SourceError(f"Antwort von {shown} ist kein JSON ({exc})", source=label,
                          fix="url prüfen: liefert sie JSON (und nicht eine Anmeldeseite)?"
                          ) from None


def _fix(status: int, source: HttpSource) -> str:
    if status in (401, 403):
        if source.auth_env:
            return (f"Zugang abgelehnt: den Wert der Umgebungsvariable {source.auth_env} "
                    f"(Header {source.auth_header}, z. B. 'Bearer …') prüfen oder erneuern")
        return ("die API verlangt eine Anmeldung: auth_env (Umgebungsvariable mit dem Wert) "
                "und auth_header in der Quelle angeben")
    if status == 404:
        return "url (und die Seitenparameter) in der Quellen-Datei prüfen"
    if status == 429 or status >= 500:
        return "Störung oder Überlastung beim Anbieter — der nächste Lauf versucht es erneut"
    return "Anfrage prüfen: url, params und pagination in der Quellen-Datei"


def _lookup(body: Any, path: str) -> Any:
    node = body
    for part in path.split("."):
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node


def _at_path(body: Any, record_path: str | None, url: str, label: str) -> list:
    """The page's list of records; a clear error saying what is there instead."""
    node, at = body, "oberster Ebene"
    for part in record_path.split(".") if record_path else []:
        if isinstance(node, dict) and part in node:
            node, at = node[part], part if at == "oberster Ebene" else f"{at}.{part}"
            continue
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node, at = node[int(part)], f"{at}.{part}"
            continue
        found = (f"Schlüssel dort: {', '.join(repr(k) for k in node)}"
                 if isinstance(node, dict) else f"dort steht {_kind(node)}")
        raise SourceError(f"record_path '{record_path}': '{part}' fehlt unter {at} in der "
                          f"Antwort von {redact_url(url)}; {found}", source=label,
                          fix="record_path der Quelle (oder read.record_path des Profils) an "
                              "die Antwort anpassen")
    if not isinstance(node, list):
        raise SourceError(f"die Antwort von {redact_url(url)} hat unter "
                          f"'{record_path or '(oberste Ebene)'}' {_kind(node)}, keine Liste "
                          "von Datensätzen", source=label,
                          fix="record_path der Quelle auf die Liste der Datensätze setzen")
    return node


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "ein Objekt"
    if isinstance(value, list):
        return f"ein Array mit {len(value)} Einträgen"
    return f"den Wert {json.dumps(value, ensure_ascii=False)[:40]}"
