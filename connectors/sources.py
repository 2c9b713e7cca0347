"""Configured sources and ``servicepuls import --all``: pull everything new, nothing twice.

A sources file (TOML, ``SERVICEPULS_SOURCES_FILE``) lists where each Fachverfahren drops
its exports and how often it should deliver::

    [[source]]
    name = "Meldewesen"
    path = "/srv/exporte/meldewesen"   # a folder (searched recursively) or one file
    pattern = "vorgaenge*.csv"         # optional, default: every file
    profile = "musterstadt_vorgaenge"  # optional, default: the profiles matching each file
    expected_every_days = 31           # optional: a delivery older than this is stale
    ags = "05999001"                   # optional: the municipality, default SERVICEPULS_AGS

or a reporting database (``kind = "sql"``, connectors/pull_sql.py) or a web API
(``kind = "http"``, connectors/pull_http.py); their secrets come from environment variables
the source names::

    [[source]]
    name = "Meldewesen-DB"
    kind = "sql"
    url_env = "MELDEWESEN_DB_URL"      # holds e.g. postgresql+psycopg://leser:…@host/fv
    query = "SELECT … FROM vorgaenge WHERE geaendert_am > :cursor"
    cursor_column = "geaendert_am"     # optional: read only rows newer than the last run's
    cursor_start = 2020-01-01T00:00:00
    profile = "musterstadt_vorgaenge"  # required: its [columns] name the result columns

State is tiny: per source and file the size, modification time and hash last seen (a file
whose size and modification time are unchanged is skipped without being read); per
database or API source the largest cursor value read (``source_cursors``).
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import logging
import tomllib
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, ValidationError
from sqlalchemy import select, update

from connectors.db import get_engine, upgrade
from connectors.errors import ProfileError
from connectors.importer import ImportResult, file_sha256, import_file, import_pull
from connectors.profiles import Profile, companion_of, profiles_for, resolve_profile
from connectors.pull_http import HttpSource, http_pull
from connectors.pull_sql import SqlSource, sql_pull
from connectors.records import IMPORT_ORDER
from connectors.settings import Settings
from connectors.store import SourceFile
from connectors.tenants import tenant_filter

log = logging.getLogger(__name__)


class FileSource(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["files"] = "files"
    name: str = Field(min_length=1, max_length=100)
    path: Path
    pattern: str = "*"
    profile: str | None = None
    expected_every_days: int | None = Field(None, ge=1)
    description: str = ""
    ags: str | None = Field(None, pattern=r"^\d{8}$")

    def files(self) -> Iterator[Path]:
        if self.path.is_file():
            yield self.path
            return
        for f in folder_files(self.path):
            if fnmatch.fnmatch(f.name.lower(), self.pattern.lower()):
                yield f


def folder_files(folder: Path) -> list[Path]:
    """The files below ``folder`` that can be exports: settings files (``*.toml`` — pilots,
    targets, costs, profiles, sources) and hidden files are never data, so a folder that
    holds them beside its exports imports without an error for each."""
    return [f for f in sorted(folder.rglob("*"))
            if f.is_file() and f.suffix.lower() != ".toml"
            and not any(part.startswith(".") for part in f.relative_to(folder).parts)]


# Every kind of source, in one place: its settings and, for pulls, how one run is made.
SourceConfig = FileSource | SqlSource | HttpSource
PULLS = {"sql": sql_pull, "http": http_pull}


def _kind(value: Any) -> str:
    return (value.get("kind", "files") if isinstance(value, dict)
            else getattr(value, "kind", "files"))


class _SourcesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    source: list[Annotated[
        Annotated[FileSource, Tag("files")] | Annotated[SqlSource, Tag("sql")]
        | Annotated[HttpSource, Tag("http")],
        Discriminator(_kind),
    ]] = Field(min_length=1)


def _problems(path: Path, problems: list[str]) -> ProfileError:
    return ProfileError(str(path.absolute()), problems, where="in der Quellen-Datei",
                        fix="Quellen-Datei korrigieren (README, „Regelmäßig abholen“) und "
                            "erneut starten.")


def load_sources(path: Path, extra_profiles: Path | None = None) -> list[SourceConfig]:
    """Parse and check the sources file; every problem at once (names, paths, profiles)."""
    if not path.exists():
        raise _problems(path, ["Datei fehlt — Quellen mit [[source]] name, path (und "
                               "optional pattern, profile) anlegen, oder SERVICEPULS_SOURCES_"
                               "FILE bzw. --sources auf die Datei setzen"])
    try:
        parsed = _SourcesFile.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
    except tomllib.TOMLDecodeError as exc:
        raise _problems(path, [f"TOML-Syntax: {exc}"]) from exc
    except ValidationError as exc:
        raise _problems(path, [f"{'.'.join(map(str, e['loc']))}: {e['msg']}"
                               for e in exc.errors()]) from None
    problems = []
    base = path.parent
    sources = [s.model_copy(update={"path": s.path if s.path.is_absolute() else base / s.path})
               if isinstance(s, FileSource) else s for s in parsed.source]
    for i, s in enumerate(sources):
        if isinstance(s, FileSource) and not s.path.exists():
            problems.append(f"source[{i}].path = '{s.path}': gibt es nicht — Pfad prüfen")
        if not isinstance(s, FileSource):
            problems += s.problems(i)
        if s.profile:
            try:
                resolve_profile(s.profile, extra_profiles)
            except ProfileError as exc:  # every problem of a broken profile, with its file
                shown = "" if exc.file == s.profile else f" ({exc.file})"
                problems += [f"source[{i}].profile{shown}: {p}" for p in exc.problems]
    names = [s.name for s in sources]
    problems += [f"source.name = '{n}': doppelt" for n in sorted({n for n in names
                                                                   if names.count(n) > 1})]
    if problems:
        raise _problems(path, problems)
    return sources


@dataclass(frozen=True)
class FileOutcome:
    """What became of one file, or of one pull of a database or API source."""

    source: str
    file: Path | None  # None for a pull
    results: list[ImportResult]
    unchanged: bool = False  # size and modification time as last seen: not read at all
    error: str | None = None
    companion: str | None = None  # a file of that source's exports with nothing to import
    label: str = ""  # a pull: what was asked, without secrets

    @property
    def name(self) -> str:
        return self.label or (self.file.name if self.file else "")


# A progress display for one import: (label, total bytes of a file, or None for a pull)
# → a context manager that gives the callback for the readers, or None to show nothing.
# A file reports bytes read; a pull rows read, a web API also the pages fetched.
Progress = Callable[[str, int | None], AbstractContextManager[Callable[..., None] | None]]


def _showing(progress: Progress | None, label: str,
             total: int | None) -> AbstractContextManager[Callable[..., None] | None]:
    return progress(label, total) if progress else nullcontext(None)


def import_all(
    settings: Settings,
    sources: list[SourceConfig],
    *,
    on_file: Callable[[FileOutcome], None] | None = None,
    progress: Progress | None = None,
) -> list[FileOutcome]:
    """Import what is new in every source; files that fail are retried on the next run.
    ``progress`` shows how far each import is (the command line's progress bar)."""
    upgrade(settings)
    engine = get_engine(settings)
    outcomes = []
    for source in sources:
        found = ([_pull(engine, settings, source, progress)] if source.kind in PULLS
                 else (_one(engine, settings, source, f, progress) for f in source.files()))
        for outcome in found:
            outcomes.append(outcome)
            if on_file:
                on_file(outcome)
    return outcomes


def _pull(engine, settings: Settings, source: SqlSource | HttpSource,  # noqa: ANN001
          progress: Progress | None = None) -> FileOutcome:
    """One run of a database or API source; a failure is reported and retried next run
    (its cursor stays where it was)."""
    label = source.kind.upper()
    try:
        profile = resolve_profile(source.profile, settings.profiles_dir)
        source = source.model_copy(
            update={"ags": source.ags or profile.source.ags or settings.ags})
        pull = PULLS[source.kind](source, profile, engine)
        label = pull.label
        with _showing(progress, f"[{source.name}] {label}", None) as on_progress:
            result = import_pull(pull, profile, settings, on_progress=on_progress)
    except Exception as exc:  # noqa: BLE001 - reported per source; the next run retries it
        log.warning("pull of source %s failed: %s", source.name, exc)
        return FileOutcome(source.name, None, [], error=str(exc), label=label)
    return FileOutcome(source.name, None, [result], label=label)


def _one(engine, settings: Settings, source: FileSource, f: Path,  # noqa: ANN001
         progress: Progress | None = None) -> FileOutcome:
    st = f.stat()
    t = SourceFile.__table__
    ags = source.ags or settings.ags
    key = (tenant_filter(t, ags), t.c.source == source.name, t.c.path == str(f.resolve()))
    with engine.connect() as conn:
        seen = conn.execute(select(t.c.size, t.c.mtime_ns).where(*key)).first()
    if seen is not None and tuple(seen) == (st.st_size, st.st_mtime_ns):
        return FileOutcome(source.name, f, [], unchanged=True)
    profiles: list[Profile] = (
        [resolve_profile(source.profile, settings.profiles_dir)] if source.profile
        else profiles_for(f, settings.profiles_dir))
    companion = None if profiles else companion_of(f, settings.profiles_dir)
    if companion is not None:
        return FileOutcome(source.name, f, [], companion=companion.source.name)
    if not profiles:
        return FileOutcome(source.name, f, [], error="kein Profil passt zum Dateinamen — "
                                                    "profile in der Quellen-Datei angeben "
                                                    "oder im Profil source.file_pattern "
                                                    "setzen")
    sha = file_sha256(f)
    results = []
    try:
        for p in sorted(profiles, key=lambda p: IMPORT_ORDER[p.source.kind]):
            with _showing(progress, f"[{source.name}] {f.name} ({p.name})",
                          st.st_size) as on_progress:
                results.append(import_file(f, p, settings, sha=sha, ags=source.ags,
                                           on_progress=on_progress))
    except Exception as exc:  # noqa: BLE001 - reported per file; the next run retries it
        log.warning("import of %s failed: %s", f, exc)
        return FileOutcome(source.name, f, results, error=str(exc))
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    values = {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": sha, "checked_at": now}
    with engine.begin() as conn:
        if seen is None:
            conn.execute(t.insert().values(ags=ags, source=source.name, path=str(f.resolve()),
                                           **values))
        else:
            conn.execute(update(t).where(*key).values(**values))
    return FileOutcome(source.name, f, results)
