"""Source profiles: TOML files that say how one export maps to one record kind.

Loading validates the profile and reports every problem at once, each with its key and fix.
Built-in profiles live in ``connectors/profiles/``; a city adds its own in
``SERVICEPULS_PROFILES_DIR`` — both are found by the same registry.
"""

from __future__ import annotations

import codecs
import copy
import fnmatch
import re
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from connectors.errors import ProfileError
from connectors.records import RECORD_KINDS

BUILTIN_DIR = Path(__file__).parent / "profiles"


class _Strict(BaseModel):
    # frozen: loaded profiles are cached and shared (see load_profile)
    model_config = ConfigDict(extra="forbid", frozen=True)


class SourceSection(_Strict):
    name: str = Field(min_length=1, max_length=100, description="Source id stored with records")
    kind: str
    format: Literal["csv", "json", "xlsx"] = "csv"
    # Only for choosing profiles by file name: a profile that a database or web API source
    # (or --profile) names leaves it out.
    file_pattern: str | None = Field(None, min_length=1,
                                     description="Glob matching this source's files")
    description: str = ""
    # Files delivered beside this source's that hold nothing to import (a code list, a
    # readme): named as such when a folder is imported, not warned about as unknown.
    companions: list[str] = Field(default_factory=list,
                                  description="Globs of files that come with the export "
                                              "and are not imported")
    ags: str | None = Field(None, pattern=r"^\d{8}$",
                            description="municipality (8-digit AGS) imported into; "
                                        "empty: SERVICEPULS_AGS")


class ReadSection(_Strict):
    encoding: str = "auto"  # auto | utf-8 | utf-8-sig | windows-1252 | …
    delimiter: str = "auto"
    skip_rows: int = Field(0, ge=0, description="Title lines above the header")
    date_format: str = "%d.%m.%Y"
    datetime_format: str = "%d.%m.%Y %H:%M"
    decimal: str = ","
    thousands: str = "."
    missing: list[str] = ["", "-", "NA", "ND", "n/a"]
    batch_rows: int = Field(100_000, ge=1)
    # How a ``period`` field is written: "fiscal_year" ("2023-2024"), "year" ("2025"), or
    # a strptime format of a month such as "%m.%Y" or "%Y-%m".
    period_format: str = "%m.%Y"
    fiscal_year_start_month: int = Field(1, ge=1, le=12)
    record_path: str | None = Field(None, description="JSON: key path to the record list")
    # XLSX: the sheets to read (names or glob patterns, e.g. "20*" for one sheet per year);
    # empty means every sheet. Rows whose first non-empty cell (CSV: field; JSON: value)
    # matches one of skip_row_patterns (e.g. "^Summe|^Gesamt") are summary rows: no records,
    # counted in the import run's rows_skipped.
    sheets: list[str] = []
    skip_row_patterns: list[str] = []


class UnpivotSection(_Strict):
    """Wide layouts (one column per channel): each listed column becomes one record whose
    ``name_field`` is the column's value here and whose ``value_field`` is the cell."""

    name_field: str
    value_field: str
    columns: dict[str, str] = Field(min_length=1, description="header → value of name_field")


class IsoWeekDateSection(_Strict):
    """A date field written as ISO year, week and weekday in three columns (queue systems
    often report so): ``weekday_base`` is the number the source uses for Monday."""

    field: str
    year: str
    week: str
    weekday: str
    weekday_base: int = Field(0, ge=0, le=1)


class LocationSection(_Strict):
    """The one location a single-location feed reports on; created if it is missing."""

    code: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=200)
    district: str | None = None
    kind: Literal["office", "mobile", "virtual"] = "office"
    latitude: float | None = None
    longitude: float | None = None


class Profile(_Strict):
    source: SourceSection
    read: ReadSection = ReadSection()
    on_error: Literal["reject_row", "fail_file"] = "reject_row"
    columns: dict[str, str] = Field(description="field → header in the file")
    values: dict[str, dict[str, str]] = {}
    constants: dict[str, str | int | float] = {}
    unpivot: UnpivotSection | None = None
    iso_week_date: IsoWeekDateSection | None = None
    location: LocationSection | None = None
    attributes: dict[str, str] = Field({}, description="attribute name → header (services)")
    path: Path | None = None

    @property
    def name(self) -> str:
        return self.path.stem if self.path else self.source.name

    def headers(self) -> tuple[list[str], list[str]]:
        """(required, optional) headers the file must / may have."""
        kind = self.kind
        required = [self.columns[f.name] for f in kind.fields
                    if f.required and f.name in self.columns]
        if self.unpivot:
            required += list(self.unpivot.columns)
        if self.iso_week_date:
            w = self.iso_week_date
            required += [w.year, w.week, w.weekday]
        optional = [h for h in [*self.columns.values(), *self.attributes.values()]
                    if h not in required]
        return required, list(dict.fromkeys(optional))

    @property
    def kind(self):  # noqa: ANN201 - RecordKind
        return RECORD_KINDS[self.source.kind]

    def matches(self, file: Path) -> bool:
        pattern = self.source.file_pattern
        return pattern is not None and fnmatch.fnmatch(file.name.lower(), pattern.lower())

    def accompanies(self, file: Path) -> bool:
        """``file`` comes with this source's exports but holds nothing to import."""
        return any(fnmatch.fnmatch(file.name.lower(), c.lower())
                   for c in self.source.companions)


def _semantic_problems(p: Profile) -> list[str]:
    """Rules beyond types; each returns a message with key and fix. All are collected."""
    problems: list[str] = []
    kind = RECORD_KINDS.get(p.source.kind)
    if kind is None:
        return [f"source.kind = '{p.source.kind}': unbekannte Datenart — erlaubt: "
                f"{', '.join(RECORD_KINDS)}"]
    for name in p.columns:
        if name not in kind.names:
            problems.append(f"columns.{name}: kein Feld der Datenart '{kind.name}' — erlaubt: "
                            f"{', '.join(kind.names)}")
    for name in p.constants:
        if name not in kind.names:
            problems.append(f"constants.{name}: kein Feld der Datenart '{kind.name}'")
        if name in p.columns:
            problems.append(f"constants.{name}: Feld ist auch in [columns] zugeordnet — "
                            "nur eins von beiden angeben")
    unpivoted: set[str] = set()
    if p.unpivot:
        u = p.unpivot
        unpivoted = {u.name_field, u.value_field}
        for key in ("name_field", "value_field"):
            name = getattr(u, key)
            if name not in kind.names:
                problems.append(f"unpivot.{key} = '{name}': kein Feld der Datenart "
                                f"'{kind.name}'")
            elif name in p.columns:
                problems.append(f"unpivot.{key} = '{name}': Feld ist auch in [columns] "
                                "zugeordnet — nur eins von beiden angeben")
        spec = next((f for f in kind.fields if f.name == u.name_field), None)
        if spec is not None and spec.type == "enum":
            for header, target in u.columns.items():
                if target not in spec.allowed and target not in p.values.get(spec.name, {}):
                    problems.append(f"unpivot.columns.\"{header}\" = '{target}': kein gültiger "
                                    f"Wert — erlaubt: {', '.join(spec.allowed)}")
    derived: set[str] = set()
    if p.iso_week_date:
        derived.add(p.iso_week_date.field)
        spec = next((f for f in kind.fields if f.name == p.iso_week_date.field), None)
        if spec is None or spec.type != "date":
            problems.append(f"iso_week_date.field = '{p.iso_week_date.field}': kein Datumsfeld "
                            f"der Datenart '{kind.name}'")
        elif p.iso_week_date.field in p.columns:
            problems.append(f"iso_week_date.field = '{p.iso_week_date.field}': Feld ist auch "
                            "in [columns] zugeordnet — nur eins von beiden angeben")
    if p.location and p.constants.get("location") != p.location.code:
        problems.append(f"location.code = '{p.location.code}': dazu constants.location = "
                        f"\"{p.location.code}\" setzen, damit die Daten diesem Standort gehören")
    if p.attributes and kind.name != "services":
        problems.append("attributes: nur für die Datenart 'services'")
    for spec in kind.fields:
        if spec.type == "attributes" or spec.name in unpivoted | derived:
            continue
        if spec.required and spec.name not in p.columns and spec.name not in p.constants:
            problems.append(f"columns.{spec.name}: Pflichtfeld fehlt — Spaltenüberschrift der "
                            f"Datei angeben, z. B. {spec.name} = \"…\"")
    for name, mapping in p.values.items():
        spec = next((f for f in kind.fields if f.name == name), None)
        if spec is None or spec.type in ("key", "attributes", "period"):
            usable = [f.name for f in kind.fields if f.type not in ("key", "attributes", "period")]
            problems.append(f"values.{name}: keine Wertezuordnung möglich — erlaubt für: "
                            f"{', '.join(usable)}")
            continue
        if spec.type != "enum":
            continue  # codes mapped to text that the field's own parsing then checks
        for raw, target in mapping.items():
            if target not in spec.allowed:
                problems.append(f"values.{name}.\"{raw}\" = '{target}': kein gültiger Wert — "
                                f"erlaubt: {', '.join(spec.allowed)}")
    for key in ("encoding",):
        value = getattr(p.read, key)
        if value != "auto":
            try:
                codecs.lookup(value)
            except LookupError:
                problems.append(f"read.encoding = '{value}': unbekannte Zeichenkodierung — z. B. "
                                "'auto', 'utf-8', 'utf-8-sig' oder 'windows-1252'")
    if p.read.delimiter != "auto" and len(p.read.delimiter) != 1:
        problems.append(f"read.delimiter = '{p.read.delimiter}': genau ein Zeichen oder 'auto'")
    if p.read.decimal == p.read.thousands:
        problems.append("read.decimal und read.thousands dürfen nicht gleich sein")
    for i, pattern in enumerate(p.read.skip_row_patterns):
        try:
            re.compile(pattern)
        except re.error as exc:
            problems.append(f"read.skip_row_patterns[{i}] = '{pattern}': kein gültiger "
                            f"regulärer Ausdruck ({exc}) — z. B. \"^Summe|^Gesamt\"")
    return problems


def load_profile(path: Path) -> Profile:
    """Parse and validate one profile; raise ProfileError listing every problem.

    Parsed profiles are kept per path and modification time: an import of a folder asks
    for every file's profiles, and a changed profile is read again."""
    stat = path.stat()
    return _load_profile(path.resolve(), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=256)
def _load_profile(path: Path, _mtime_ns: int, _size: int) -> Profile:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(str(path), [f"TOML-Syntax: {exc}"]) from exc
    try:
        profile = Profile.model_validate({**data, "path": path})
    except ValidationError as exc:
        problems = [
            f"{'.'.join(str(x) for x in e['loc'])}: {e['msg']}" for e in exc.errors()
        ]
        # Structural errors first; the semantic rules need a well-formed profile, so they
        # run on the profile without the keys found wrong (their defaults instead) — when
        # that is one: a misspelt key and an unknown field show up in the same run.
        try:
            rest = Profile.model_validate({**_without(data, [e["loc"] for e in exc.errors()]),
                                           "path": path})
        except ValidationError:
            raise ProfileError(str(path), problems) from None
        raise ProfileError(str(path), problems + [p for p in _semantic_problems(rest)
                                                  if p not in problems]) from None
    problems = _semantic_problems(profile)
    if problems:
        raise ProfileError(str(path), problems)
    return profile


def _without(data: dict, locations: list[tuple]) -> dict:
    """``data`` without the keys at ``locations`` (pydantic error locations)."""
    data = copy.deepcopy(data)
    for loc in locations:
        node = data
        for key in loc[:-1]:
            node = node.get(key) if isinstance(node, dict) else None
        if isinstance(node, dict):
            node.pop(loc[-1], None)
    return data


def profile_dirs(extra: Path | None) -> list[Path]:
    return [BUILTIN_DIR, *([extra] if extra else [])]


def available_profiles(extra: Path | None = None) -> dict[str, Path]:
    """Profile name (file stem) → path; a city's own profile overrides a built-in one."""
    found: dict[str, Path] = {}
    for folder in profile_dirs(extra):
        if folder.is_dir():
            for path in sorted(folder.glob("*.toml")):
                found[path.stem] = path
    return found


def resolve_profile(name_or_path: str, extra: Path | None = None) -> Profile:
    path = Path(name_or_path)
    if path.suffix == ".toml" and path.exists():
        return load_profile(path)
    profiles = available_profiles(extra)
    if name_or_path not in profiles:
        raise ProfileError(name_or_path, [
            f"kein Profil '{name_or_path}' gefunden — verfügbar: {', '.join(sorted(profiles))}"
        ])
    return load_profile(profiles[name_or_path])


def profiles_for(file: Path, extra: Path | None = None) -> list[Profile]:
    """Every profile whose file_pattern matches ``file``, in import order (master data
    first): one export can feed several record kinds, e.g. services and their usage."""
    from connectors.records import IMPORT_ORDER

    found = [p for p in map(load_profile, available_profiles(extra).values()) if p.matches(file)]
    return sorted(found, key=lambda p: (IMPORT_ORDER[p.source.kind], p.name))


def companion_of(file: Path, extra: Path | None = None) -> Profile | None:
    """The profile whose export ``file`` accompanies without being imported (its
    ``source.companions``), e.g. LimeSurvey's code list beside the responses."""
    return next((p for p in map(load_profile, available_profiles(extra).values())
                 if p.accompanies(file)), None)


def profile_for(file: Path, extra: Path | None = None) -> Profile | None:
    """The first profile (in import order) whose file_pattern matches ``file``."""
    found = profiles_for(file, extra)
    return found[0] if found else None
