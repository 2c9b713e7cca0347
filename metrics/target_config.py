"""Targets (Zielwerte) as configuration: a TOML file, checked against the catalogue and the store.

One ``[[target]]`` table per target (``SERVICEPULS_TARGETS_FILE``, default
``<data_dir>/zielwerte.toml``)::

    [[target]]
    kpi = "digital_take_up"        # a KPI id of metrics/catalogue.py
    value = 40                     # shares in per cent (40 = 40 %), times in days
    due = "2027-12-31"
    # optional scope (default: the whole municipality):
    # department = "Bürgerservice"  # the services of a Fachbereich
    # services = ["L003", "L004"]   # service numbers of the master data
    # locations = ["BA-NORD"]       # location numbers

The overview shows a target's status on a tile when its scope is exactly the view's: the
same services (a department counts as its services) and locations, and no channel filter —
a city-wide target says nothing about one office. :func:`load_targets` reports every problem
of the file at once (:class:`TargetConfigError`).
"""

from __future__ import annotations

import datetime as dt
import logging
import tomllib
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from connectors.errors import ServicepulsError
from connectors.settings import Settings
from metrics.catalogue import KPIS
from metrics.cube import Cube
from metrics.targets import Target

log = logging.getLogger(__name__)

DEFAULT_FILE_NAME = "zielwerte.toml"
EXAMPLE_TOML = """\
[[target]]
kpi = "digital_take_up"   # Digitale Nutzungsquote
value = 40                # Anteile in Prozent, Zeiten in Tagen
due = "2027-12-31"
"""


class TargetConfigError(ServicepulsError):
    """The targets file is invalid; ``problems`` lists every problem found in one pass."""

    def __init__(self, file: str, problems: list[str]) -> None:
        self.problems = problems
        listing = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{len(problems)} Fehler in der Zielwert-Datei:\n{listing}",
                         file=file, fix="Datei korrigieren und die Seite neu laden.")


class _TargetConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kpi: str
    value: float
    due: dt.date
    department: str | None = None
    services: list[str] | None = Field(None, min_length=1)
    locations: list[str] | None = Field(None, min_length=1)


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid")
    target: list[_TargetConfig] = Field(min_length=1)


@dataclass(frozen=True)
class ScopedTarget:
    """A target and the population it is about (``None``: every service / location)."""

    target: Target
    services: tuple[int, ...] | None
    locations: tuple[int, ...] | None


def targets_path(settings: Settings, ags: str | None = None) -> Path:
    """The file of municipality ``ags`` (default ``SERVICEPULS_AGS``): ``SERVICEPULS_TARGETS_FILE``
    (``{ags}`` replaced), else ``<data_dir>/<ags>/zielwerte.toml`` if it exists, else
    ``<data_dir>/zielwerte.toml`` (:meth:`connectors.settings.Settings.tenant_file`)."""
    return settings.tenant_file(settings.targets_file, DEFAULT_FILE_NAME, ags)


def load_targets(path: Path, cube: Cube) -> list[ScopedTarget]:
    """Parse and check the file against the catalogue and the master data of ``cube``."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise TargetConfigError(str(path), [f"TOML-Syntax: {exc}"]) from exc
    try:
        parsed = _File.model_validate(raw)
    except ValidationError as exc:
        raise TargetConfigError(str(path), [
            f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]) from None
    services = dict(zip(cube.services["code"], cube.services["service_id"], strict=True))
    locations = dict(zip(cube.locations["code"], cube.locations["location_id"], strict=True))
    departments = set(cube.services["department"].drop_nulls())
    problems: list[str] = []
    out = []
    for i, c in enumerate(parsed.target):
        where = f"target[{i}]"
        kpi = KPIS.get(c.kpi)
        if kpi is None:
            problems.append(f"{where}.kpi = '{c.kpi}': keine Kennzahl des Katalogs — eine von "
                            f"{', '.join(sorted(KPIS))}")
            continue
        value = c.value / 100 if kpi.unit == "percent" else c.value
        if kpi.unit == "percent" and not 0 <= c.value <= 100:
            problems.append(f"{where}.value = {c.value:g}: ein Anteil in Prozent (0 bis 100)")
        scope: list[int] | None = None
        if c.department is not None:
            if c.department not in departments:
                problems.append(f"{where}.department = '{c.department}': kein Fachbereich der "
                                "Stammdaten")
            scope = sorted(cube.services.filter(
                cube.services["department"] == c.department)["service_id"].to_list())
        if c.services is not None:
            unknown = [s for s in c.services if s not in services]
            problems += [f"{where}.services: '{s}' ist keine Leistungsnummer der Stammdaten"
                         for s in unknown]
            scope = sorted({services[s] for s in c.services if s in services}
                           & set(scope if scope is not None else services.values()))
        places = None
        if c.locations is not None:
            problems += [f"{where}.locations: '{s}' ist keine Standortnummer der Stammdaten"
                         for s in c.locations if s not in locations]
            places = tuple(sorted(locations[s] for s in c.locations if s in locations))
        out.append(ScopedTarget(Target(kpi.id, value, c.due),
                                None if scope is None else tuple(scope), places))
    keys = [(s.target.kpi_id, s.services, s.locations) for s in out]
    problems += [f"{k[0]}: mehr als ein Zielwert für denselben Geltungsbereich"
                 for k in sorted({k for k in keys if keys.count(k) > 1}, key=str)]
    if problems:
        raise TargetConfigError(str(path), problems)
    return out


def for_scope(targets: list[ScopedTarget], services: tuple[int, ...] | None,
              locations: tuple[int, ...] | None,
              channels: tuple[str, ...] | None) -> dict[str, Target]:
    """KPI id → the target whose scope is exactly the view's (see the module doc)."""
    if channels is not None:
        return {}
    norm = (lambda ids: None if ids is None else tuple(sorted(ids)))  # noqa: E731
    return {s.target.kpi_id: s.target for s in targets
            if norm(s.services) == norm(services) and norm(s.locations) == norm(locations)}
