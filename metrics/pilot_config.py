"""Pilot projects as configuration: a TOML file the pilot lead writes, checked against the store.

One ``[[pilot]]`` table per pilot (codes are the service and location numbers of the master
data, dates ``JJJJ-MM-TT``, quoted or not)::

    [[pilot]]
    name = "Online-Ummeldung mit Videoanleitung"
    description = "Videoanleitung für die Online-Ummeldung, beworben in zwei Bürgerämtern."
    start = "2025-09-01"
    services = ["L003", "L004"]
    locations = ["BA-NORD", "BA-WEST"]
    target_pp = 10                   # optional: Zielwert, lift in percentage points
    # optional: baseline_start, baseline_end, followup_end (dates),
    #           control_locations = ["BA-MITTE", "BA-SUED"] (default: every other office)

    [[pilot.intervention]]           # optional, any number: Maßnahmen marked on the chart
    date = "2025-09-01"
    label = "Videoanleitung online"

:func:`load_pilots` checks the file in one pass and raises :class:`PilotConfigError` with
every problem at once (types and dates, unknown codes, a control group overlapping the pilot,
periods in the wrong order, duplicate names): the person editing the file sees all mistakes
after one reload, not one per reload. A valid file gives :class:`PilotDefinition` objects that
carry a :class:`metrics.pilots.Pilot` (ids resolved) plus what only the page needs.

:func:`target_status` says whether the target is reached, and how sure we are of it.
"""

from __future__ import annotations

import datetime as dt
import difflib
import logging
import tomllib
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from connectors.errors import ServicepulsError
from connectors.settings import Settings
from metrics.cube import Cube
from metrics.pilots import Effect, Pilot

log = logging.getLogger(__name__)

DEFAULT_FILE_NAME = "pilotprojekte.toml"

EXAMPLE_TOML = """\
[[pilot]]
name = "Online-Ummeldung mit Videoanleitung"
description = "Videoanleitung für die Online-Ummeldung, beworben in zwei Bürgerämtern."
start = "2025-09-01"
services = ["L003", "L004"]          # Leistungsnummern aus den Stammdaten
locations = ["BA-NORD", "BA-WEST"]   # Standortnummern der Pilotstandorte
target_pp = 10                       # Zielwert: Anstieg in Prozentpunkten (optional)
# optional: baseline_start, baseline_end, followup_end = "JJJJ-MM-TT"
# optional: control_locations = ["BA-MITTE", "BA-SUED", "BA-OST"]
#           (Standard: alle übrigen Bürgerämter mit Vorgängen dieser Leistungen)

[[pilot.intervention]]               # Maßnahmen, im Diagramm markiert (optional)
date = "2025-09-01"
label = "Videoanleitung online"

[[pilot.intervention]]
date = "2025-10-01"
label = "Flyer in den Bürgerämtern"
"""


class PilotConfigError(ServicepulsError):
    """The pilots file is invalid; ``problems`` lists every problem found in one pass."""

    def __init__(self, file: str, problems: list[str]) -> None:
        self.problems = problems
        listing = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{len(problems)} Fehler in der Pilot-Datei:\n{listing}", file=file,
                         fix="Datei korrigieren und die Seite neu laden.")


# --- the file's shape ---------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class InterventionConfig(_Strict):
    date: dt.date
    label: str = Field(min_length=1, max_length=80)


class PilotConfig(_Strict):
    name: str = Field(min_length=1, max_length=120)
    description: str = ""
    start: dt.date
    services: list[str] = Field(min_length=1)
    locations: list[str] = Field(min_length=1)
    baseline_start: dt.date | None = None
    baseline_end: dt.date | None = None
    followup_end: dt.date | None = None
    control_locations: list[str] | None = Field(None, min_length=1)
    target_pp: float | None = Field(None, ge=-100, le=100)
    intervention: list[InterventionConfig] = []


# --- what the page gets -------------------------------------------------------------------


@dataclass(frozen=True)
class Intervention:
    """A Maßnahme: marked on the pilot's chart at its date."""

    date: dt.date
    label: str


@dataclass(frozen=True)
class PilotDefinition:
    """A pilot from the file: the evaluation's :class:`Pilot` plus what the page shows."""

    pilot: Pilot
    description: str
    service_codes: tuple[str, ...]
    location_codes: tuple[str, ...]
    control_location_codes: tuple[str, ...] | None
    interventions: tuple[Intervention, ...]
    target_pp: float | None

    @property
    def name(self) -> str:
        return self.pilot.name


def pilots_path(settings: Settings, ags: str | None = None) -> Path:
    """The file of municipality ``ags`` (default ``SERVICEPULS_AGS``): ``SERVICEPULS_PILOTS_FILE``
    (``{ags}`` replaced), else ``<data_dir>/<ags>/pilotprojekte.toml`` if it exists, else
    ``<data_dir>/pilotprojekte.toml`` (:meth:`connectors.settings.Settings.tenant_file`)."""
    return settings.tenant_file(settings.pilots_file, DEFAULT_FILE_NAME, ags)


# --- checks: every rule yields its problems, all are collected ----------------------------

_DATE = TypeAdapter(dt.date)
_DATE_FIELDS = ("start", "baseline_start", "baseline_end", "followup_end")


def _date(value: Any) -> dt.date | None:
    """The value as a date, or None (pydantic already reports a value that is not one)."""
    try:
        return None if value is None else _DATE.validate_python(value)
    except ValidationError:
        return None


def _codes(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _where(i: int, entry: dict) -> str:
    name = entry.get("name")
    return f"pilot[{i}] „{name}“" if isinstance(name, str) and name else f"pilot[{i}]"


_WORDS = {"service": ("keine bekannte Leistung", "Leistungsnummer"),
          "location": ("kein bekannter Standort", "Standortnummer")}


def _unknown(codes: list[str], known: Collection[str], what: str, key: str) -> Iterator[str]:
    unknown, number = _WORDS[what]
    for code in codes:
        if code not in known:
            close = difflib.get_close_matches(code, list(known), n=1)
            hint = (f"meinten Sie '{close[0]}'?" if close
                    else f"{number} aus den Stammdaten angeben")
            yield f"{key}: '{code}' ist {unknown} — {hint}"


def _shape_problems(where: str, entry: dict) -> Iterator[str]:
    try:
        PilotConfig.model_validate(entry)
    except ValidationError as exc:
        for e in exc.errors():
            key = ".".join(str(p) for p in e["loc"])
            if e["loc"] and e["loc"][-1] in (*_DATE_FIELDS, "date") and \
                    e["type"].startswith(("date", "datetime")):
                yield (f"{where}.{key} = '{e['input']}': kein gültiges Datum — als JJJJ-MM-TT "
                       "angeben, z. B. 2025-09-01")
            elif e["type"] == "extra_forbidden":
                yield (f"{where}.{key}: unbekannter Schlüssel — erlaubt: "
                       f"{', '.join(PilotConfig.model_fields)}")
            else:
                yield f"{where}.{key}: {e['msg']}"


def _code_problems(where: str, entry: dict, services: Collection[str],
                   locations: Collection[str]) -> Iterator[str]:
    yield from _unknown(_codes(entry.get("services")), services, "service",
                        f"{where}.services")
    yield from _unknown(_codes(entry.get("locations")), locations, "location",
                        f"{where}.locations")
    control = _codes(entry.get("control_locations"))
    yield from _unknown(control, locations, "location", f"{where}.control_locations")
    for code in sorted(set(control) & set(_codes(entry.get("locations")))):
        yield (f"{where}.control_locations: '{code}' ist auch Pilotstandort — die "
               "Vergleichsgruppe darf den Piloten nicht enthalten")


def _period_problems(where: str, entry: dict) -> Iterator[str]:
    start = _date(entry.get("start"))
    b0, b1 = _date(entry.get("baseline_start")), _date(entry.get("baseline_end"))
    end = _date(entry.get("followup_end"))
    if b0 and b1 and b0 > b1:
        yield f"{where}.baseline_start: liegt nach baseline_end — Zeitraum umdrehen"
    if start and b1 and b1 >= start:
        yield f"{where}.baseline_end: muss vor dem Start ({start:%d.%m.%Y}) liegen"
    if start and b0 and not b1 and b0 >= start:
        yield f"{where}.baseline_start: muss vor dem Start ({start:%d.%m.%Y}) liegen"
    if start and end and end < start:
        yield f"{where}.followup_end: muss nach dem Start ({start:%d.%m.%Y}) liegen"


def check(data: dict, services: Collection[str], locations: Collection[str]) -> list[str]:
    """Every problem of a parsed pilots file, given the known service and location codes."""
    unknown = sorted(set(data) - {"pilot"})
    problems = [f"{k}: unbekannter Abschnitt — nur [[pilot]] ist erlaubt" for k in unknown]
    entries = data.get("pilot")
    if not isinstance(entries, list) or not entries:
        return [*problems, "pilot: keine Pilotprojekte — mindestens ein [[pilot]] anlegen"]
    names = []
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict):
            problems.append(f"pilot[{i}]: keine Tabelle — [[pilot]] verwenden")
            continue
        where = _where(i, entry)
        problems += _shape_problems(where, entry)
        problems += _code_problems(where, entry, services, locations)
        problems += _period_problems(where, entry)
        names.append(entry.get("name"))
    problems += [f"pilot.name = '{n}': doppelt — jeder Pilot braucht einen eigenen Namen"
                 for n in sorted({n for n in names if isinstance(n, str) and names.count(n) > 1})]
    return problems


# --- loading ------------------------------------------------------------------------------


def _by_code(frame: Any, id_column: str) -> dict[str, int]:  # noqa: ANN401 - polars frame
    return dict(zip(frame["code"].to_list(), frame[id_column].to_list(), strict=True))


def read_pilots(text: str, cube: Cube, file: str = "pilotprojekte.toml") -> list[PilotDefinition]:
    """Parse and check ``text``; raise :class:`PilotConfigError` listing every problem."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PilotConfigError(file, [f"TOML-Syntax: {exc}"]) from exc
    service_ids = _by_code(cube.services, "service_id")
    location_ids = _by_code(cube.locations, "location_id")
    problems = check(data, set(service_ids), set(location_ids))
    if problems:
        raise PilotConfigError(file, problems)
    out = []
    for entry in data["pilot"]:
        c = PilotConfig.model_validate(entry)
        control = tuple(c.control_locations) if c.control_locations else None
        pilot = Pilot(
            name=c.name,
            service_ids=tuple(service_ids[s] for s in c.services),
            location_ids=tuple(location_ids[loc] for loc in c.locations),
            start=c.start,
            baseline_start=c.baseline_start,
            baseline_end=c.baseline_end,
            followup_end=c.followup_end,
            control_location_ids=None if control is None else tuple(
                location_ids[loc] for loc in control),
        )
        out.append(PilotDefinition(
            pilot=pilot, description=c.description.strip(), service_codes=tuple(c.services),
            location_codes=tuple(c.locations), control_location_codes=control,
            interventions=tuple(sorted((Intervention(i.date, i.label) for i in c.intervention),
                                       key=lambda i: i.date)),
            target_pp=c.target_pp))
    log.info("%d pilots read from %s", len(out), file)
    return out


def load_pilots(path: Path, cube: Cube) -> list[PilotDefinition]:
    """The pilots of the file at ``path`` (see the module docstring for its format)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PilotConfigError(str(path), [f"keine UTF-8-Datei ({exc.reason}) — als UTF-8 "
                                           "speichern"]) from exc
    return read_pilots(text, cube, str(path))


# --- the target ---------------------------------------------------------------------------

TargetStatus = Literal["reached", "open", "missed"]


def target_status(effect: Effect, target_pp: float | None) -> TargetStatus | None:
    """Reached only when the whole interval lies at or above the target (its lower bound ≥
    target): a point estimate above the target with an interval reaching below it is
    "open" — we are not sure yet. "missed" when even the upper bound lies below. Compared at
    the precision shown (one decimal), so the status never contradicts the numbers on screen.
    None without a target or without an estimate."""
    if target_pp is None or effect.effect_pp is None:
        return None
    low, high, target = (round(v, 1) for v in (effect.low_pp, effect.high_pp, target_pp))
    if low >= target:
        return "reached"
    return "missed" if high < target else "open"
