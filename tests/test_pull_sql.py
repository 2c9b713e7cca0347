"""SQL sources: a Fachverfahren's reporting database (a SQLite file made here, and a
schema in the PostgreSQL test database), read-only, streamed in batches, incremental by a
cursor column — into stores on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import DBAPIError

from connectors.db import get_engine
from connectors.errors import SourceError
from connectors.pull_sql import readonly_engine, sql_pull
from connectors.settings import Settings
from connectors.sources import import_all, load_sources
from connectors.store import Case, ImportRun, RejectedRow, SourceCursor
from tests.conftest import KLEINSTADT, _pg_admin_url, import_dir

# The reporting database's own column names; the profile maps them like file headers.
PROFILE = """
on_error = "reject_row"

[source]
name = "fv-meldewesen-db"
kind = "cases"
# no file_pattern: no files — the sources file names this profile for its database

[read]
datetime_format = "%Y-%m-%d %H:%M:%S"
batch_rows = 2

[columns]
case_number = "vorgang_nr"
service = "leistung"
location = "standort"
channel = "kanal"
received_at = "eingang"
completed_at = "abschluss"
status = "status"
follow_up_count = "nachforderungen"

[values.channel]
"Online-Antrag" = "online"
"Videoberatung" = "video"
"Post" = "post"
"Schalter" = "in_person"

[values.status]
"abgeschlossen" = "completed"
"in Bearbeitung" = "open"
"""

SOURCES = """
[[source]]
name = "Meldewesen-DB"
kind = "sql"
url_env = "FV_DB_URL"
query = \"\"\"
    SELECT vorgang_nr, leistung, standort, kanal, eingang, abschluss, status,
           nachforderungen, geaendert_am
    FROM {table} WHERE geaendert_am > :cursor ORDER BY geaendert_am\"\"\"
cursor_column = "geaendert_am"
cursor_start = 2020-01-01T00:00:00
profile = "fv_meldewesen_db"
"""

COLUMNS = ("vorgang_nr, leistung, standort, kanal, eingang, abschluss, status, "
           "nachforderungen, antragsteller, geaendert_am")
FIRST = [  # line = record number in the result (ordered by geaendert_am)
    ("S-1", "L1", "A", "Online-Antrag", "2026-01-05 10:00:00", "2026-01-07 09:00:00",
     "abgeschlossen", 0, "Erika Mustermann", "2026-01-10 08:00:00"),
    ("S-2", "L2", "V", "Videoberatung", "2026-01-06 11:00:00", None, "in Bearbeitung", 0,
     "Max Müller", "2026-01-10 09:00:00"),
    ("S-3", "X999", "A", "Post", "2026-01-06 12:00:00", None, "in Bearbeitung", 0,
     "Fritz Fehler", "2026-01-10 10:00:00"),  # 3: unknown service
    ("S-1", "L1", "A", "Online-Antrag", "2026-01-05 10:00:00", "2026-01-07 09:00:00",
     "abgeschlossen", 0, "Erika Mustermann", "2026-01-10 11:00:00"),  # 4: exact repeat
    ("S-4", "L1", "A", "Post", "2026-01-12 09:00:00", "2026-01-11 09:00:00",
     "abgeschlossen", 0, "Hans Hase", "2026-01-10 12:00:00"),  # 5: completed before received
    ("S-5", "L1", "A", "Schalter", "2026-01-08 08:30:00", None, "in Bearbeitung", 1,
     "Ida Igel", "2026-01-10 13:00:00"),
]
LATER = [
    ("S-6", "L2", "A", "Post", "2026-01-11 08:00:00", None, "in Bearbeitung", 0, "Jo Jo",
     "2026-01-11 08:00:00"),
    ("S-2", "L2", "V", "Videoberatung", "2026-01-06 11:00:00", "2026-01-11 09:00:00",
     "abgeschlossen", 1, "Max Müller", "2026-01-11 09:00:00"),  # S-2 completed meanwhile
]


@dataclass
class ReportingDb:
    url: str
    table: str
    write_query: str  # a query that would write, if the connection let it

    def insert(self, rows: list[tuple]) -> None:
        marks = ", ".join(f":c{i}" for i in range(len(rows[0])))
        engine = create_engine(self.url)
        with engine.begin() as conn:
            conn.execute(text(f"INSERT INTO {self.table} ({COLUMNS}) VALUES ({marks})"),
                         [{f"c{i}": v for i, v in enumerate(r)} for r in rows])
        engine.dispose()

    def count(self) -> int:
        engine = create_engine(self.url)
        with engine.connect() as conn:
            n = conn.execute(text(f"SELECT count(*) FROM {self.table}")).scalar_one()
        engine.dispose()
        return n


DDL = ("CREATE TABLE {t} (vorgang_nr VARCHAR(20), leistung VARCHAR(10), standort VARCHAR(10), "
       "kanal VARCHAR(30), eingang TIMESTAMP, abschluss TIMESTAMP, status VARCHAR(20), "
       "nachforderungen INTEGER, antragsteller VARCHAR(100), geaendert_am TIMESTAMP)")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def reporting_db(request: pytest.FixtureRequest, tmp_path: Path,
                 pg_reason: str | None) -> Iterator[ReportingDb]:
    """The Fachverfahren's reporting database with the first six rows."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'berichte.db'}"
        db = ReportingDb(url, "vorgaenge", 'DELETE FROM vorgaenge RETURNING vorgang_nr, '
                         'leistung, standort, kanal, eingang, abschluss, status, '
                         'nachforderungen, geaendert_am')
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text(DDL.format(t="vorgaenge")))
        engine.dispose()
        db.insert(FIRST)
        yield db
        return
    if pg_reason:
        from tests.conftest import skip_or_fail

        skip_or_fail("postgres", pg_reason)
    schema = f"fv_{uuid.uuid4().hex[:10]}"
    admin = create_engine(_pg_admin_url())
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
        conn.execute(text(DDL.format(t=f"{schema}.vorgaenge")))
        conn.execute(text(f"CREATE SEQUENCE {schema}.nummern"))
    db = ReportingDb(_pg_admin_url(), f"{schema}.vorgaenge",
                     f"SELECT v.*, nextval('{schema}.nummern') AS n FROM {schema}.vorgaenge v")
    try:
        db.insert(FIRST)
        yield db
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture
def setup(settings: Settings, reporting_db: ReportingDb, tmp_path: Path,
          monkeypatch: pytest.MonkeyPatch) -> tuple[Settings, Path]:
    """Store with Kleinstadt's master data, the profile, and the sources file."""
    profiles = tmp_path / "profile"
    profiles.mkdir()
    (profiles / "fv_meldewesen_db.toml").write_text(PROFILE, encoding="utf-8")
    sources = tmp_path / "sources.toml"
    sources.write_text(SOURCES.format(table=reporting_db.table), encoding="utf-8")
    monkeypatch.setenv("FV_DB_URL", reporting_db.url)
    settings = settings.model_copy(update={"profiles_dir": profiles})
    for name in ("leistungen.csv", "standorte.csv"):
        (tmp_path / "stamm").mkdir(exist_ok=True)
        (tmp_path / "stamm" / name).write_bytes((KLEINSTADT / name).read_bytes())
    import_dir(tmp_path / "stamm", settings)
    return settings, sources


def _state(settings: Settings) -> tuple:
    with get_engine(settings).connect() as conn:
        cursor = conn.execute(select(SourceCursor.source, SourceCursor.value)).all()
        cases = conn.execute(select(func.count()).select_from(Case)).scalar_one()
    return [(s, json.loads(v)) for s, v in cursor], cases


def test_incremental_pull_counts_quarantine_and_state(setup, reporting_db: ReportingDb) -> None:
    settings, sources_file = setup
    sources = load_sources(sources_file, settings.profiles_dir)
    (first,) = import_all(settings, sources)
    assert first.error is None, first.error
    (r,) = first.results
    assert (r.rows_read, r.inserted, r.updated, r.duplicate, r.rejected) == (6, 3, 0, 1, 2)
    assert r.inserted + r.updated + r.duplicate + r.rejected == r.rows_read
    with get_engine(settings).connect() as conn:
        bad = conn.execute(select(RejectedRow.row_number, RejectedRow.column,
                                  RejectedRow.reason, RejectedRow.raw)
                           .order_by(RejectedRow.row_number)).all()
        run = conn.execute(select(ImportRun.source, ImportRun.file_name,
                                  ImportRun.file_sha256, ImportRun.status)).all()[-1]
    assert [(b.row_number, b.column) for b in bad] == [(3, "leistung"), (5, "abschluss")]
    assert "'X999' ist keine bekannte Leistung" in bad[0].reason
    assert "Abschluss liegt vor dem Eingang" in bad[1].reason
    assert "Fritz" not in bad[0].raw and "S-3" not in bad[0].raw  # unmapped / pseudonymised
    assert run.source == "fv-meldewesen-db" and run.status == "succeeded"
    assert run.file_name.startswith(f"SQL {reporting_db.url.split(':')[0]}")
    assert run.file_name.endswith(f"· Abfrage {run.file_sha256[:12]}")
    assert _state(settings) == ([("Meldewesen-DB", {"type": _cursor_type(reporting_db),
                                                      "value": _cursor("2026-01-10 13:00:00",
                                                                       reporting_db)})], 3)

    (again,) = import_all(settings, sources)  # nothing new in the database
    (r,) = again.results
    assert (r.rows_read, r.inserted, r.updated, r.duplicate, r.rejected) == (0, 0, 0, 0, 0)
    assert _state(settings)[1] == 3

    reporting_db.insert(LATER)
    (third,) = import_all(settings, sources)
    (r,) = third.results
    assert (r.rows_read, r.inserted, r.updated, r.duplicate, r.rejected) == (2, 1, 1, 0, 0)
    cursor, cases = _state(settings)
    assert cases == 4 and cursor[0][1]["value"] == _cursor("2026-01-11 09:00:00", reporting_db)
    with get_engine(settings).connect() as conn:
        assert conn.execute(select(Case.status, func.count()).group_by(Case.status)
                            .order_by(Case.status)).all() == [("completed", 2), ("open", 2)]
        identities = conn.execute(select(ImportRun.file_sha256).where(
            ImportRun.source == "fv-meldewesen-db")).scalars().all()
    assert len(identities) == 3 and len(set(identities)) == 1


def _cursor_type(db: ReportingDb) -> str:
    return "str" if db.url.startswith("sqlite") else "datetime"


def _cursor(value: str, db: ReportingDb) -> str:
    """SQLite keeps the timestamps as the text they were written as; PostgreSQL as
    timestamps, stored in ISO format."""
    return value if db.url.startswith("sqlite") else value.replace(" ", "T")


def test_failed_pull_keeps_the_old_cursor_and_writes_nothing(setup, reporting_db, monkeypatch
                                                            ) -> None:  # noqa: ANN001
    settings, sources_file = setup
    sources = load_sources(sources_file, settings.profiles_dir)
    from connectors.writers.cases import CaseWriter

    def broken(self) -> None:  # noqa: ANN001
        raise RuntimeError("Platte voll")

    monkeypatch.setattr(CaseWriter, "finish", broken)
    (failed,) = import_all(settings, sources)
    assert "Platte voll" in failed.error
    assert _state(settings) == ([], 0)
    monkeypatch.undo()
    monkeypatch.setenv("FV_DB_URL", reporting_db.url)
    (retried,) = import_all(settings, sources)
    assert (retried.results[0].rows_read, retried.results[0].inserted) == (6, 3)
    with get_engine(settings).connect() as conn:
        assert conn.execute(select(ImportRun.status).order_by(ImportRun.id)).scalars().all()[
            -2:] == ["failed", "succeeded"]


def test_the_connection_is_read_only(reporting_db: ReportingDb) -> None:
    engine = readonly_engine(reporting_db.url, "test")
    with engine.connect() as conn, pytest.raises(DBAPIError, match="read-?only"):
        conn.execute(text(f"INSERT INTO {reporting_db.table} (vorgang_nr) VALUES ('X')"))
    with engine.connect() as conn, pytest.raises(DBAPIError, match="read-?only"):
        conn.execute(text(f"UPDATE {reporting_db.table} SET status = 'weg'"))
    engine.dispose()
    assert reporting_db.count() == 6


def test_a_query_that_writes_fails_clearly(setup, reporting_db: ReportingDb) -> None:
    settings, sources_file = setup
    sources_file.write_text(
        f'[[source]]\nname = "Schreiber"\nkind = "sql"\nurl_env = "FV_DB_URL"\n'
        f'query = "{reporting_db.write_query}"\nprofile = "fv_meldewesen_db"\n',
        encoding="utf-8")
    (outcome,) = import_all(settings, load_sources(sources_file, settings.profiles_dir))
    assert "Abfrage fehlgeschlagen nach 0 Zeilen" in outcome.error
    assert "read-only" in outcome.error or "readonly" in outcome.error
    assert "Lösung: die Abfrage (query)" in outcome.error
    assert reporting_db.count() == 6 and _state(settings) == ([], 0)


def test_missing_column_and_missing_variable_are_named(setup, reporting_db, monkeypatch
                                                      ) -> None:  # noqa: ANN001
    settings, sources_file = setup
    sources_file.write_text(sources_file.read_text(encoding="utf-8").replace(
        "SELECT vorgang_nr, leistung,", "SELECT vorgang_nr,"), encoding="utf-8")
    sources = load_sources(sources_file, settings.profiles_dir)
    (outcome,) = import_all(settings, sources)
    assert "Spalte(n) fehlen im Abfrageergebnis: 'leistung'" in outcome.error
    assert "mit AS so benennen" in outcome.error
    monkeypatch.delenv("FV_DB_URL")
    (outcome,) = import_all(settings, sources)
    assert outcome.error.startswith("Quelle Meldewesen-DB: Umgebungsvariable FV_DB_URL ist "
                                    "nicht gesetzt")
    assert _state(settings) == ([], 0)


def test_label_never_shows_the_password(settings: Settings) -> None:
    from connectors.db import upgrade
    from connectors.profiles import resolve_profile
    from connectors.pull_sql import SqlSource

    upgrade(settings)
    source = SqlSource(kind="sql", name="X", url_env="FV_SECRET_URL", query="SELECT 1",
                       profile="musterstadt_vorgaenge")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FV_SECRET_URL", "postgresql+psycopg://leser:geheim@db.intern:5432/fv")
        pull = sql_pull(source, resolve_profile("musterstadt_vorgaenge"), get_engine(settings))
    assert pull.label.startswith("SQL postgresql+psycopg://leser:***@db.intern:5432/fv · ")
    assert "geheim" not in pull.label and "geheim" not in pull.identity


def test_sources_file_problems_for_sql(tmp_path: Path) -> None:
    from connectors.errors import ProfileError

    (tmp_path / "s.toml").write_text(
        '[[source]]\nname = "A"\nkind = "sql"\nurl_env = "X"\nquery = "SELECT 1"\n'
        'cursor_column = "t"\nprofile = "musterstadt_vorgaenge"\n\n'
        '[[source]]\nname = "B"\nkind = "sql"\nurl_env = "1X"\nquery = "SELECT :cursor"\n'
        'profile = "gibtsnicht"\n', encoding="utf-8")
    with pytest.raises(ProfileError) as err:
        load_sources(tmp_path / "s.toml")
    problems = err.value.problems
    assert len(problems) == 1 and "url_env" in problems[0]  # structural errors come first
    (tmp_path / "s.toml").write_text(
        (tmp_path / "s.toml").read_text(encoding="utf-8").replace('"1X"', '"X"'),
        encoding="utf-8")
    with pytest.raises(ProfileError) as err:
        load_sources(tmp_path / "s.toml")
    assert [p.split(":")[0] for p in err.value.problems] == [
        "source[0].query", "source[0].cursor_start", "source[1].cursor_column",
        "source[1].profile"]


def test_unsupported_database_is_refused() -> None:
    with pytest.raises(SourceError, match="Nur-Lese-Modus nicht"):
        readonly_engine("mssql+pyodbc://leser@db/fv", "X")


def test_native_values_are_written_in_the_profile_formats() -> None:
    import datetime as dt
    from decimal import Decimal

    from connectors.profiles import ReadSection
    from connectors.pull_sql import _cell

    german = ReadSection(decimal=",", thousands=".", datetime_format="%d.%m.%Y %H:%M",
                         date_format="%d.%m.%Y")
    values = [dt.datetime(2026, 1, 5, 10, 7, 30), dt.date(2026, 1, 5), Decimal("1234.50"),
              12.5, 3.0, 7, True, "  Schalter ", "NA", None, float("nan")]
    assert [_cell(v, german, {"NA"}) for v in values] == [
        "05.01.2026 10:07", "05.01.2026", "1234,50", "12,5", "3", "7", "true", "Schalter",
        None, None, None]


def test_readme_example_aliases_columns_to_the_shipped_profile(setup, reporting_db) -> None:  # noqa: ANN001
    """The README's example: a query naming its columns like the CSV export's headers, read
    through the shipped profile (native PostgreSQL timestamps in its format dd.mm.yyyy)."""
    if reporting_db.url.startswith("sqlite"):
        pytest.skip("SQLite hands TIMESTAMP columns over as the text they were written as")
    settings, sources_file = setup
    sources_file.write_text(f'''[[source]]
name = "Meldewesen-DB"
kind = "sql"
url_env = "FV_DB_URL"
query = """
  SELECT vorgang_nr AS "Vorgangsnummer", leistung AS "Leistung", standort AS "Standort",
         kanal AS "Eingangskanal", eingang AS "Eingang am", abschluss AS "Abgeschlossen am",
         status AS "Status", nachforderungen AS "Anzahl Nachforderungen", geaendert_am
  FROM {reporting_db.table} WHERE geaendert_am > :cursor ORDER BY geaendert_am"""
cursor_column = "geaendert_am"
cursor_start = 2024-01-01T00:00:00
profile = "musterstadt_vorgaenge"
''', encoding="utf-8")
    (outcome,) = import_all(settings, load_sources(sources_file, settings.profiles_dir))
    assert _counts_of(outcome) == (6, 3, 0, 1, 2)
    with get_engine(settings).connect() as conn:
        assert conn.execute(select(Case.received_at).order_by(Case.received_at)
                            ).scalars().all()[0].isoformat() == "2026-01-05T10:00:00"


def _counts_of(outcome) -> tuple:  # noqa: ANN001
    assert outcome.error is None, outcome.error
    (r,) = outcome.results
    return r.rows_read, r.inserted, r.updated, r.duplicate, r.rejected


def test_rows_come_in_batches_of_the_profile_size(setup, reporting_db) -> None:  # noqa: ANN001
    from connectors.profiles import resolve_profile

    settings, sources_file = setup
    (source,) = load_sources(sources_file, settings.profiles_dir)
    profile = resolve_profile("fv_meldewesen_db", settings.profiles_dir)  # batch_rows = 2
    pull = sql_pull(source, profile, get_engine(settings))
    progress: list[int] = []
    batches = list(pull.read(*profile.headers(), progress.append))
    assert [b.frame["__line"].to_list() for b in batches] == [[1, 2], [3, 4], [5, 6]]
    assert [b.frame["vorgang_nr"].to_list() for b in batches][0] == ["S-1", "S-2"]
    assert batches[0].frame["eingang"].to_list() == ["2026-01-05 10:00:00",
                                                     "2026-01-06 11:00:00"]
    assert progress == [2, 4, 6, 6]


def test_cli_import_all_reports_the_pull(setup, reporting_db, monkeypatch) -> None:  # noqa: ANN001
    from click.testing import CliRunner

    from dashboard.cli import main

    settings, sources_file = setup
    for name, value in {"DATABASE_URL": settings.db_url, "PSEUDONYMISATION_KEY": "test-key",
                        "PROFILES_DIR": str(settings.profiles_dir),
                        "SOURCES_FILE": str(sources_file)}.items():
        monkeypatch.setenv(f"SERVICEPULS_{name}", value)
    first = CliRunner().invoke(main, ["import", "--all"])
    assert first.exit_code == 0, first.output
    assert "[Meldewesen-DB] SQL " in first.output
    assert ": 6 Zeilen gelesen, 3 neu, 0 aktualisiert, 1 Duplikate, 2 abgewiesen" in first.output
    monkeypatch.delenv("FV_DB_URL")
    failed = CliRunner().invoke(main, ["import", "--all"])
    assert failed.exit_code == 2
    assert "[Meldewesen-DB] SQL: Fehler: Quelle Meldewesen-DB: Umgebungsvariable FV_DB_URL" in (
        failed.output)


def test_progress_counts_rows_without_a_total(setup, reporting_db) -> None:  # noqa: ANN001
    """The command line's bar gets the rows read so far (batches of 2 here); the total of a
    query is unknown. The profile has no file_pattern: a database source needs none."""
    import contextlib

    from connectors.profiles import profile_for, resolve_profile

    settings, sources_file = setup
    assert resolve_profile("fv_meldewesen_db", settings.profiles_dir).source.file_pattern is None
    assert profile_for(Path("fv_meldewesen_db"), settings.profiles_dir) is None
    shown: list[tuple[str, int | None, list]] = []

    @contextlib.contextmanager
    def progress(label: str, total: int | None) -> Iterator:
        calls: list = []
        shown.append((label, total, calls))
        yield lambda *args: calls.append(args)

    (outcome,) = import_all(settings, load_sources(sources_file, settings.profiles_dir),
                            progress=progress)
    assert _counts_of(outcome) == (6, 3, 0, 1, 2)
    ((label, total, calls),) = shown
    assert label == f"[Meldewesen-DB] {outcome.label}" and label.startswith("[Meldewesen-DB] SQL ")
    assert total is None and calls == [(2,), (4,), (6,), (6,)]
