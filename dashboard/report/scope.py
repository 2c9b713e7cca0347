"""What a report covers, as an admin types it on the command line.

- ``stadt`` (or nothing): every case of the municipality;
- ``department:Bürgerservice`` (also ``fachbereich:``): the services of one or more
  departments, comma-separated;
- ``services:L003,L004`` (also ``leistungen:``): services by number, LeiKa key or name;
- ``locations:BA-NORD,BA-WEST`` (also ``standorte:``): cases of these locations, by code or
  name.

Names and codes are compared without regard to case and surrounding blanks. Every unknown
value is named in one error, with what exists and close matches.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Literal

import polars as pl

from dashboard.i18n import t
from dashboard.report.period import ReportInputError
from metrics.cube import Cube

Kind = Literal["city", "department", "services", "locations"]
KINDS: dict[str, Kind] = {
    "": "city", "stadt": "city", "city": "city", "gesamt": "city", "all": "city",
    "department": "department", "fachbereich": "department",
    "services": "services", "leistungen": "services",
    "locations": "locations", "standorte": "locations",
}
SYNTAX = ("stadt, department:<Fachbereich>, services:<Nummer oder LeiKa-Schlüssel>,… "
          "oder locations:<Standortnummer>,…")
LISTED = 12  # how many existing values an error lists


@dataclass(frozen=True)
class Scope:
    kind: Kind
    values: tuple[str, ...]  # the canonical names/codes chosen
    services: tuple[int, ...] | None  # None: every service
    locations: tuple[int, ...] | None  # None: every case, with or without a location
    names: tuple[str, ...] = ()  # display names (services, locations)

    @property
    def code(self) -> str:
        """The scope as the command line takes it (for file names and captions)."""
        return "stadt" if self.kind == "city" else f"{self.kind}:{','.join(self.values)}"

    def label(self, lang: str) -> str:
        """"Gesamte Kommune", "Fachbereich Bürgerservice", "Leistungen: A, B" …"""
        if self.kind == "city":
            return t("r_scope_city", lang)
        shown = self.names or self.values
        return t(f"r_scope_{self.kind}", lang, names=", ".join(shown), count=len(shown))


def _unknown(kind: str, unknown: list[str], known: list[str]) -> ReportInputError:
    hints = []
    for value in unknown:
        close = difflib.get_close_matches(value, known, n=3, cutoff=0.5)
        if close:
            hints.append(f"'{value}' — meinten Sie {' oder '.join(repr(c) for c in close)}?")
    listing = ", ".join(known[:LISTED]) + (f" … ({len(known)} insgesamt)"
                                           if len(known) > LISTED else "")
    names = ", ".join(f"'{v}'" for v in unknown)
    what = f"Bereich {kind}: {names} gibt es nicht; vorhanden: {listing}"
    if hints:
        what += ". " + "; ".join(hints)
    return ReportInputError(what, fix=f"--scope {kind}:<Wert>,<Wert> mit vorhandenen Werten "
                            "angeben (oder --scope stadt für die ganze Kommune)")


def _match(frame: pl.DataFrame, columns: tuple[str, ...], wanted: list[str], kind: str,
           listed: str) -> list[dict]:
    rows = frame.to_dicts()
    found, unknown = [], []
    for value in wanted:
        key = value.casefold()
        hit = next((r for r in rows for c in columns
                    if r[c] is not None and str(r[c]).strip().casefold() == key), None)
        if hit is None:
            unknown.append(value)
        elif hit not in found:
            found.append(hit)
    if unknown:
        known = sorted(str(r[listed]) for r in rows if r[listed] is not None)
        raise _unknown(kind, unknown, known)
    return found


def parse_scope(text: str | None, cube: Cube) -> Scope:
    """The scope ``text`` names (see the module docstring); :class:`ReportInputError` naming
    every unknown value, what exists and how to write it."""
    raw = (text or "").strip()
    kind_text, _, rest = raw.partition(":")
    kind = KINDS.get(kind_text.strip().casefold())
    if kind is None:
        raise ReportInputError(f"Bereich '{text}' nicht erkannt — möglich sind {SYNTAX}",
                               fix="z. B. --scope department:Bürgerservice")
    if kind == "city":
        return Scope("city", (), None, None)
    wanted = [v.strip() for v in rest.split(",") if v.strip()]
    if not wanted:
        raise ReportInputError(f"Bereich '{text}': nach '{kind_text}:' fehlen die Werte",
                               fix=f"z. B. --scope {_example(kind, cube)}")
    if kind == "department":
        departments = cube.services.select("department").drop_nulls().unique()
        found = _match(departments, ("department",), wanted, "department", "department")
        names = tuple(r["department"] for r in found)
        ids = cube.services.filter(pl.col("department").is_in(list(names)))["service_id"]
        return Scope("department", names, tuple(sorted(ids.to_list())), None, names)
    if kind == "services":
        found = _match(cube.services, ("code", "leika_key", "name"), wanted, "services", "code")
        return Scope("services", tuple(r["code"] for r in found),
                     tuple(r["service_id"] for r in found), None,
                     tuple(r["name"] for r in found))
    found = _match(cube.locations, ("code", "name"), wanted, "locations", "code")
    return Scope("locations", tuple(r["code"] for r in found), None,
                 tuple(r["location_id"] for r in found), tuple(r["name"] for r in found))


def _example(kind: Kind, cube: Cube) -> str:
    column = {"department": "department", "services": "code", "locations": "code"}[kind]
    frame = cube.locations if kind == "locations" else cube.services
    values = sorted(v for v in frame[column].drop_nulls().unique().to_list())
    return f"{kind}:{values[0]}" if values else kind + ":…"
