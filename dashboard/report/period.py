"""Report periods as an admin types them: ``2026-Q2`` (quarter), ``2026-05`` (month), ``2026``.

A period is a run of whole calendar months. It knows the period just before it (the previous
quarter, month or year) and the same period a year earlier, so a report can say what changed.
A period the data do not reach is an error that says which months hold data.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal

from babel.dates import format_date

from connectors.errors import ServicepulsError
from dashboard.formatting import fmt_month
from dashboard.i18n import t
from metrics.cube import Cube
from metrics.overview import shift_month

Kind = Literal["month", "quarter", "year"]
LENGTH = {"month": 1, "quarter": 3, "year": 12}
SYNTAX = "Quartal 2026-Q2, Monat 2026-05 oder Jahr 2026"
_PATTERN = re.compile(r"^(?P<year>\d{4})(?:-(?:[Qq](?P<quarter>\d)|(?P<month>\d{1,2})))?$")


class ReportInputError(ServicepulsError):
    """A report was asked for with a period, scope or format that does not exist."""


@dataclass(frozen=True)
class Period:
    kind: Kind
    first: dt.date  # first day of the first month
    code: str  # as typed canonically: 2026-Q2, 2026-05, 2026

    @property
    def last(self) -> dt.date:
        """First day of the last month."""
        return shift_month(self.first, LENGTH[self.kind] - 1)

    @property
    def end(self) -> dt.date:
        """The last day of the period."""
        return shift_month(self.first, LENGTH[self.kind]) - dt.timedelta(days=1)

    def shifted(self, months: int) -> Period:
        return of(self.kind, shift_month(self.first, months))

    @property
    def previous(self) -> Period:
        """The period just before: previous month, quarter or year."""
        return self.shifted(-LENGTH[self.kind])

    @property
    def year_ago(self) -> Period:
        return self.shifted(-12)

    def label(self, lang: str) -> str:
        """"2. Quartal 2026" / "Q2 2026", "Mai 2026" / "May 2026", "2026"."""
        if self.kind == "quarter":
            return t("r_quarter", lang, q=(self.first.month - 1) // 3 + 1, year=self.first.year)
        if self.kind == "month":
            return format_date(self.first, "LLLL yyyy", locale="de_DE" if lang == "de" else "en")
        return str(self.first.year)

    def months(self) -> list[dt.date]:
        return [shift_month(self.first, i) for i in range(LENGTH[self.kind])]


def of(kind: Kind, first: dt.date) -> Period:
    if kind == "quarter":
        return Period(kind, first, f"{first.year}-Q{(first.month - 1) // 3 + 1}")
    if kind == "month":
        return Period(kind, first, f"{first.year}-{first.month:02d}")
    return Period(kind, first, str(first.year))


def data_span(cube: Cube) -> str:
    if cube.is_empty:
        return "der Datenbestand enthält noch keine Vorgänge"
    return f"Daten gibt es von {fmt_month(cube.months[0])} bis {fmt_month(cube.months[-1])}"


def parse_period(text: str, cube: Cube) -> Period:
    """The period ``text`` names; :class:`ReportInputError` when it is malformed or the data
    hold no month of it."""
    value = (text or "").strip()
    match = _PATTERN.match(value)
    quarter = int(match["quarter"]) if match and match["quarter"] else None
    month = int(match["month"]) if match and match["month"] else None
    if not match or (quarter is not None and not 1 <= quarter <= 4) or (
            month is not None and not 1 <= month <= 12):
        raise ReportInputError(f"Zeitraum '{text}' nicht erkannt — möglich sind {SYNTAX}; "
                               f"{data_span(cube)}",
                               fix="--period im Format JJJJ-Qn, JJJJ-MM oder JJJJ angeben, "
                               "z. B. --period 2026-Q2")
    year = int(match["year"])
    if quarter is not None:
        period = of("quarter", dt.date(year, 3 * quarter - 2, 1))
    elif month is not None:
        period = of("month", dt.date(year, month, 1))
    else:
        period = of("year", dt.date(year, 1, 1))
    if cube.is_empty or period.last < cube.months[0] or period.first > cube.months[-1]:
        suggestion = f"z. B. --period {suggested(cube).code}" if not cube.is_empty else \
            "erst Daten importieren: servicepuls import PFAD"
        raise ReportInputError(f"Für den Zeitraum '{text}' ({period.label('de')}) gibt es keine "
                               f"Daten — {data_span(cube)}",
                               fix=f"einen Zeitraum mit Daten wählen, {suggestion}")
    return period


def latest(cube: Cube, kind: Kind = "quarter") -> Period:
    """The newest period of ``kind`` with data (the newest month's quarter, say)."""
    last = cube.months[-1]
    first = {"month": last, "quarter": last.replace(month=(last.month - 1) // 3 * 3 + 1),
             "year": last.replace(month=1)}[kind]
    return of(kind, first)


def suggested(cube: Cube) -> Period:
    """The newest whole quarter with data (a running quarter compared with whole ones
    misleads), else the newest quarter."""
    newest = latest(cube)
    if newest.last > cube.months[-1] and newest.previous.last >= cube.months[0]:
        return newest.previous
    return newest


def available(cube: Cube) -> list[Period]:
    """Every quarter, month and year the data touch, newest first within each kind — the
    choices of the dashboard's report page."""
    if cube.is_empty:
        return []
    out: list[Period] = []
    for kind in ("quarter", "month", "year"):
        period = latest(cube, kind)
        while period.last >= cube.months[0]:
            out.append(period)
            period = period.previous
    return out
