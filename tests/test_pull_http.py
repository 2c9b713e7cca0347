"""HTTP sources: a small JSON API the test serves on 127.0.0.1 — pagination by page number,
next link and cursor token, the auth header from the environment, clear errors, and an
incremental second run — into stores on SQLite and PostgreSQL."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from connectors.db import get_engine
from connectors.settings import Settings
from connectors.sources import import_all, load_sources
from connectors.store import Appointment, ImportRun, RejectedRow, SourceCursor
from tests.conftest import KLEINSTADT, import_dir

TOKEN = "Bearer s3cret-token-4711"
PER_PAGE = 2


def _termin(i: str, changed: str, status: str = "erschienen", wait: int | None = 5) -> dict:
    return {"terminId": i, "standort": "A", "dienstleistung": "L1",
            "gebucht": "2026-03-01T08:00:00", "termin": "2026-03-02T10:00:00",
            "kanal": "online", "status": status, "wartezeit_min": wait, "geaendert": changed}


FIRST = [
    _termin("T-1", "2026-03-02T11:00:00"),
    _termin("T-2", "2026-03-02T11:05:00"),
    _termin("T-3", "2026-03-02T11:10:00", "nicht_erschienen", None),
    _termin("T-4", "2026-03-02T11:15:00", "abgesagt", None),
    _termin("T-5", "2026-03-02T11:20:00"),
    _termin("T-6", "2026-03-02T11:25:00", "verlegt"),  # record 6: unknown outcome
    _termin("T-1", "2026-03-02T11:30:00"),  # record 7: the same appointment again
]
LATER = [
    _termin("T-7", "2026-03-03T09:00:00"),
    _termin("T-2", "2026-03-03T09:05:00", "nicht_erschienen", None),  # outcome changed
]


class Api:
    """The appointment system's API: records newer than ``since``, two per page."""

    def __init__(self) -> None:
        self.records = list(FIRST)
        self.requests: list[tuple[str, dict, str | None]] = []  # path, query, auth header
        self.delay = 0.0

    def handler(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # noqa: ANN002 - keep pytest output clean
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                url = urlsplit(self.path)
                q = {k: v[0] for k, v in parse_qs(url.query).items()}
                auth = self.headers.get("Authorization")
                api.requests.append((url.path, q, auth))
                time.sleep(api.delay)
                if url.path == "/kaputt":
                    return self._send(500, {"error": "intern"})
                if auth != TOKEN:
                    return self._send(401, {"error": "unauthorized"})
                rows = [r for r in api.records if "since" not in q or r["geaendert"] > q["since"]]
                if url.path == "/api/termine":  # page number
                    page = int(q.get("page", 1))
                    size = int(q.get("per_page", PER_PAGE))
                    return self._send(200, {"termine": rows[(page - 1) * size:page * size],
                                            "meta": {"page": page}})
                if url.path in ("/api/verweise", "/api/fremd"):  # next link in the body
                    offset = int(q.get("offset", 0))
                    more = offset + PER_PAGE < len(rows)
                    since = f"&since={q['since']}" if "since" in q else ""
                    host = "http://example.invalid" if url.path == "/api/fremd" else ""
                    nxt = f"{host}{url.path}?offset={offset + PER_PAGE}{since}" if more else None
                    return self._send(200, {"daten": {"termine": rows[offset:offset + PER_PAGE]},
                                            "links": {"next": nxt}})
                if url.path == "/api/cursor":  # cursor token
                    offset = int(q.get("cursor", "c0")[1:])
                    more = offset + PER_PAGE < len(rows)
                    return self._send(200, {"termine": rows[offset:offset + PER_PAGE],
                                            "meta": {"next": f"c{offset + PER_PAGE}" if more
                                                     else None}})
                return self._send(404, {"error": "not found"})

            def _send(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler


@pytest.fixture
def api() -> Iterator[tuple[Api, str]]:
    state = Api()
    server = ThreadingHTTPServer(("127.0.0.1", 0), state.handler())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


PATHS = {"page": "/api/termine", "next": "/api/verweise", "cursor": "/api/cursor"}
PAGINATION = {
    "page": ('url = "{base}/api/termine"\n'
             'pagination = {{ kind = "page", param = "page", size_param = "per_page", '
             'size = 2 }}\n'),
    "next": ('url = "{base}/api/verweise"\nrecord_path = "daten.termine"\n'
             'pagination = {{ kind = "next", path = "links.next" }}\n'),
    "cursor": ('url = "{base}/api/cursor"\n'
               'pagination = {{ kind = "cursor", param = "cursor", path = "meta.next" }}\n'),
}


def _sources(tmp_path: Path, base: str, pagination: str = "page", extra: str = "") -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(
        '[[source]]\nname = "Terminvergabe"\nkind = "http"\nprofile = "musterstadt_termine"\n'
        'auth_env = "TERMINE_TOKEN"\ncursor_param = "since"\ncursor_field = "geaendert"\n'
        'timeout_seconds = 5\n' + extra + PAGINATION[pagination].format(base=base),
        encoding="utf-8")
    return path


@pytest.fixture
def store(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("TERMINE_TOKEN", TOKEN)
    (tmp_path / "stamm").mkdir()
    for name in ("leistungen.csv", "standorte.csv"):
        (tmp_path / "stamm" / name).write_bytes((KLEINSTADT / name).read_bytes())
    import_dir(tmp_path / "stamm", settings)
    return settings


def _counts(outcome) -> tuple:  # noqa: ANN001
    assert outcome.error is None, outcome.error
    (r,) = outcome.results
    assert r.inserted + r.updated + r.duplicate + r.rejected == r.rows_read
    return r.rows_read, r.inserted, r.updated, r.duplicate, r.rejected


@pytest.mark.parametrize("pagination", ["page", "next", "cursor"])
def test_pages_auth_and_incremental_runs(store: Settings, api, tmp_path: Path,
                                         pagination: str, caplog) -> None:  # noqa: ANN001
    server, base = api
    caplog.set_level(logging.DEBUG)
    sources = load_sources(_sources(tmp_path, base, pagination))
    (first,) = import_all(store, sources)
    assert _counts(first) == (7, 5, 0, 1, 1)
    pages = [(p, q) for p, q, _ in server.requests]
    assert len(pages) == 4 and all(auth == TOKEN for *_, auth in server.requests)
    assert all("since" not in q for _, q in pages)  # no cursor yet, no cursor_start
    with get_engine(store).connect() as conn:
        bad = conn.execute(select(RejectedRow.row_number, RejectedRow.column,
                                  RejectedRow.reason)).one()
        run = conn.execute(select(ImportRun.file_name, ImportRun.status)).all()[-1]
        cursor = conn.execute(select(SourceCursor.source, SourceCursor.value)).one()
    assert (bad.row_number, bad.column) == (6, "status")
    assert "'verlegt' ist kein bekannter Wert" in bad.reason
    assert run == (f"HTTP {base}{PATHS[pagination]}", "succeeded")
    assert json.loads(cursor.value) == {"type": "str", "value": "2026-03-02T11:30:00"}

    server.requests.clear()
    (again,) = import_all(store, sources)
    assert _counts(again) == (0, 0, 0, 0, 0)
    assert [q.get("since") for _, q, _ in server.requests] == ["2026-03-02T11:30:00"]

    server.records += LATER
    server.requests.clear()
    (third,) = import_all(store, sources)
    assert _counts(third) == (2, 1, 1, 0, 0)
    assert len(server.requests) == (2 if pagination == "page" else 1)
    with get_engine(store).connect() as conn:
        outcomes = dict(conn.execute(select(Appointment.outcome, func.count())
                                     .group_by(Appointment.outcome)).all())
    assert outcomes == {"attended": 3, "no_show": 2, "cancelled": 1}
    assert TOKEN not in caplog.text and "s3cret" not in caplog.text


def test_without_the_auth_header_401_is_a_clear_error(store: Settings, api, tmp_path: Path,
                                                      monkeypatch) -> None:  # noqa: ANN001
    server, base = api
    path = _sources(tmp_path, base)
    path.write_text(path.read_text(encoding="utf-8").replace('auth_env = "TERMINE_TOKEN"\n', ""),
                    encoding="utf-8")
    (outcome,) = import_all(store, load_sources(path))
    assert outcome.error == (
        f"Quelle HTTP {base}/api/termine: HTTP 401 Unauthorized für {base}/api/termine?"
        "page=1&per_page=2 — Lösung: die API verlangt eine Anmeldung: auth_env "
        "(Umgebungsvariable mit dem Wert) und auth_header in der Quelle angeben")
    assert server.requests[0][2] is None

    monkeypatch.setenv("TERMINE_TOKEN", "Bearer falsch-geheim")
    (outcome,) = import_all(store, load_sources(_sources(tmp_path, base)))
    assert "HTTP 401 Unauthorized" in outcome.error
    assert "Wert der Umgebungsvariable TERMINE_TOKEN (Header Authorization" in outcome.error
    assert "falsch-geheim" not in outcome.error
    monkeypatch.delenv("TERMINE_TOKEN")
    (outcome,) = import_all(store, load_sources(_sources(tmp_path, base)))
    assert "Umgebungsvariable TERMINE_TOKEN ist nicht gesetzt" in outcome.error
    with get_engine(store).connect() as conn:
        assert conn.execute(select(func.count()).select_from(Appointment)).scalar_one() == 0
        assert conn.execute(select(func.count()).select_from(SourceCursor)).scalar_one() == 0


@pytest.mark.parametrize(("pagination", "changes", "expected"), [
    ("page", [("/api/termine", "/kaputt")],
     "HTTP 500 Internal Server Error für {base}/kaputt?page=1&per_page=2 — Lösung: Störung"),
    ("page", [("/api/termine", "/gibtsnicht"),
              ("timeout_seconds = 5", 'timeout_seconds = 5\nparams = { api_key = "k-123" }')],
     "HTTP 404 Not Found für {base}/gibtsnicht?api_key=***&page=1&per_page=2 — Lösung: url"),
    ("next", [("/api/verweise", "/api/fremd")],
     "führt zu einem anderen Server: http://example.invalid/api/fremd?offset=2"),
])
def test_http_errors_name_status_and_address(store: Settings, api, tmp_path: Path,  # noqa: ANN001
                                             pagination: str, changes: list,
                                             expected: str) -> None:
    _, base = api
    path = _sources(tmp_path, base, pagination)
    text = path.read_text(encoding="utf-8")
    for old, new in changes:
        text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")
    (outcome,) = import_all(store, load_sources(path))
    assert expected.format(base=base) in outcome.error
    assert "k-123" not in outcome.error


def test_timeout_is_a_clear_error(store: Settings, api, tmp_path: Path) -> None:  # noqa: ANN001
    server, base = api
    server.delay = 2
    path = _sources(tmp_path, base)
    path.write_text(path.read_text(encoding="utf-8").replace("timeout_seconds = 5",
                                                             "timeout_seconds = 0.2"),
                    encoding="utf-8")
    (outcome,) = import_all(store, load_sources(path))
    assert f"{base}/api/termine?page=1&per_page=2 nicht erreichbar: timed out" in outcome.error
    assert "timeout_seconds erhöhen" in outcome.error


def test_sources_file_problems_for_http(tmp_path: Path) -> None:
    from connectors.errors import ProfileError

    (tmp_path / "s.toml").write_text(
        '[[source]]\nname = "A"\nkind = "http"\nurl = "https://leser:pw@api.example/t"\n'
        'cursor_param = "since"\nprofile = "musterstadt_termine"\n', encoding="utf-8")
    with pytest.raises(ProfileError) as err:
        load_sources(tmp_path / "s.toml")
    assert [p.split(":")[0] for p in err.value.problems] == ["source[0]", "source[0].url"]


class _Recorder:
    """A progress display that keeps what it is shown (the CLI's bar takes the same calls)."""

    def __init__(self) -> None:
        self.shown: list[tuple[str, int | None, list[tuple]]] = []

    @contextlib.contextmanager
    def __call__(self, label: str, total: int | None) -> Iterator:
        calls: list[tuple] = []
        self.shown.append((label, total, calls))
        yield lambda *args: calls.append(args)


def test_progress_counts_records_and_pages(store: Settings, api, tmp_path: Path) -> None:  # noqa: ANN001
    """Rows so far after every page (the pages of a slow API move the bar); the total is
    unknown. The empty second run shows its one page with 0 rows."""
    _, base = api
    sources = load_sources(_sources(tmp_path, base))
    progress = _Recorder()
    import_all(store, sources, progress=progress)
    ((label, total, calls),) = progress.shown
    assert (label, total) == (f"[Terminvergabe] HTTP {base}/api/termine", None)
    # after each of the 4 pages (records, pages), then the reader's end: 7 records
    assert calls == [(2, 1), (4, 2), (6, 3), (7, 4), (7,)]
    import_all(store, sources, progress=progress)
    assert progress.shown[1][2] == [(0, 1), (0,)]


def _on_a_terminal(args: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    """Run ``servicepuls`` with stderr on a pseudo-terminal, as in a shell: (exit code,
    stdout, what the terminal showed). The terminal is read while the command runs."""
    main_fd, term_fd = os.openpty()
    shown: list[bytes] = []

    def read() -> None:
        while True:
            try:
                chunk = os.read(main_fd, 65536)
            except OSError:  # EIO: the terminal's other end is closed
                return
            if not chunk:
                return
            shown.append(chunk)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        done = subprocess.run([sys.executable, "-c", "from dashboard.cli import main; main()",
                               *args], stdout=subprocess.PIPE, stderr=term_fd, text=True,
                              env={**os.environ, **env}, timeout=120, check=False)
    finally:
        os.close(term_fd)
        reader.join(timeout=10)
        os.close(main_fd)
    return done.returncode, done.stdout, b"".join(shown).decode("utf-8", "replace")


def test_cli_bar_on_a_terminal_and_none_without(store: Settings, api, tmp_path: Path) -> None:  # noqa: ANN001
    from click.testing import CliRunner

    from dashboard.cli import main

    _, base = api
    env = {"SERVICEPULS_DATABASE_URL": store.db_url, "SERVICEPULS_PSEUDONYMISATION_KEY":
           "test-key", "SERVICEPULS_SOURCES_FILE": str(_sources(tmp_path, base)),
           "TERMINE_TOKEN": TOKEN}
    code, out, shown = _on_a_terminal(["import", "--all"], env)
    assert code == 0, (out, shown)
    assert f"[Terminvergabe] HTTP {base}/api/termine  [" in shown
    assert "2 Zeilen, Seite 1" in shown and "7 Zeilen, Seite 4" in shown
    assert "7 Zeilen gelesen, 5 neu, 0 aktualisiert, 1 Duplikate, 1 abgewiesen" in out
    code, out, shown = _on_a_terminal(["import", "--all", "--quiet"], env)
    assert code == 0 and shown == ""
    assert out == (f"[Terminvergabe] HTTP {base}/api/termine: nichts Neues seit dem letzten "
                   "Abruf (0 Zeilen gelesen)\n")
    piped = CliRunner(env=env).invoke(main, ["import", "--all"])  # cron, systemd, a pipe
    assert piped.exit_code == 0 and "Seite" not in piped.output and "  [" not in piped.output
    assert piped.output.startswith("[Terminvergabe] HTTP")  # the summary line, nothing before


def test_an_empty_pull_is_a_success_with_0_rows(store: Settings, api, tmp_path: Path) -> None:  # noqa: ANN001
    """Nothing new since the last run: a succeeded run with 0 rows, said as such, and the
    source stays fresh on the quality page."""
    from metrics.quality import freshness, import_runs

    _, base = api
    sources = load_sources(_sources(tmp_path, base))
    import_all(store, sources)
    (empty,) = import_all(store, sources)
    assert empty.error is None and _counts(empty) == (0, 0, 0, 0, 0)
    assert empty.results[0].summary() == (f"HTTP {base}/api/termine: nichts Neues seit dem "
                                          "letzten Abruf (0 Zeilen gelesen)")
    engine = get_engine(store)
    newest = import_runs(engine).row(0, named=True)
    assert (newest["status"], newest["rows_read"], newest["rows_rejected"]) == ("succeeded", 0, 0)
    assert newest["message"] is None
    fresh = freshness(engine).filter(source="musterstadt-termine").row(0, named=True)
    assert (fresh["runs"], fresh["failed_runs"], fresh["stale"]) == (2, 0, False)
