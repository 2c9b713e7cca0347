"""The council report as data: every section, number and figure, already in display text.

:func:`dashboard.report.content.build` fills it from the metrics modules; the PDF and the
PowerPoint renderers only lay it out, so both always say the same thing, and tests can read
either back and compare it with this model and with :mod:`metrics`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import plotly.graph_objects as go

from dashboard.report.period import Period
from dashboard.report.scope import Scope


@dataclass(frozen=True)
class Table:
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    text_columns: int = 1  # leading columns of text (left-aligned); the rest are numbers


@dataclass(frozen=True)
class Chart:
    """A figure from :mod:`dashboard.figures` with its text alternative (printed under it and
    set as the image's alt text)."""

    title: str
    figure: go.Figure
    alt: str
    width: int = 1000
    height: int = 420


@dataclass(frozen=True)
class KpiLine:
    """One KPI of the summary: raw numbers (for checks) and what the report prints."""

    kpi_id: str
    label: str
    value: float | None
    n: int
    suppressed: bool
    text: str  # "31,4 %", "< 5", "–"
    n_text: str
    previous: str  # change and previous value: "+1,2 Pp. (30,2 %)"
    year_ago: str
    target: str  # "40,0 % bis 31.12.2026" or "–"
    status: str  # "auf Kurs" …, or "–"


@dataclass(frozen=True)
class PilotResult:
    name: str
    description: str
    sentence: str  # metrics.pilots.sentence: the result in plain words
    facts: tuple[tuple[str, str], ...]  # (label, text): services, locations, start …
    target: str
    status: str
    method: str
    chart: Chart | None = None


@dataclass(frozen=True)
class Report:
    lang: str
    min_n: int
    period: Period
    scope: Scope
    title: str
    city: str  # the municipality, or "" when not configured
    scope_label: str
    period_label: str
    period_span: str  # "01.04.2026 – 30.06.2026"
    data_as_of: str  # "Daten bis Okt 2026 · letzter Import 22.11.2026 05:39"
    generated: str  # the day the report was made
    kpi_headers: tuple[str, ...]
    kpis: tuple[KpiLine, ...]
    charts: tuple[Chart, ...]
    services: Table
    services_note: str
    pilots: tuple[PilotResult, ...]
    methods: tuple[tuple[str, str], ...]  # (title, text)
    coverage: str  # "27 von 31 Leistungen mit Daten …"
    suppressed: tuple[str, ...]  # one line per withheld cell (group)
    notes: tuple[str, ...] = field(default=())  # caveats shown under the summary

    def kpi_table(self) -> Table:
        rows = tuple((k.label, k.text, k.n_text, k.previous, k.year_ago, k.target, k.status)
                     for k in self.kpis)
        if len(self.kpi_headers) == 6:  # a year: the previous period is the previous year
            rows = tuple(r[:4] + r[5:] for r in rows)
        return Table(self.kpi_headers, rows)

    def file_name(self, fmt: str) -> str:
        scope = "".join(c if c.isalnum() or c in "-_" else "-" for c in self.scope.code)
        return f"servicepuls-bericht-{self.period.code}-{scope}.{fmt}"
