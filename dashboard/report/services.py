"""The report's table per service: the Leistungen ranking of the period and scope, protected
by :func:`metrics.ranking_protection.protected_view` — the same pattern as the dashboard's, so
report and pages together give nothing away that each keeps (see there: the protected
service × month grid and the partition rule; "primary" small cells, "secondary" protecting
ones; withheld rows after the shown ones, by name).
"""

from __future__ import annotations

import polars as pl

from dashboard import figures
from dashboard.formatting import fmt_number
from dashboard.i18n import t
from dashboard.report.model import Table
from dashboard.report.period import LENGTH, Period
from dashboard.report.scope import Scope
from metrics.ranking_protection import FAMILIES, Grid, protected_grid, protected_view

# summary KPI → the family whose total it prints
TOTALS = {"cases": "cases", "digital_take_up": "take_up", "processing_days_median": "completed",
          "processing_days_p90": "completed", "follow_up_rate": "completed",
          "completion_rate": "started"}


def period_ranking(cube, funnel: pl.DataFrame, period: Period, scope: Scope,  # noqa: ANN001
                   min_n: int) -> pl.DataFrame:
    """:func:`period_table` without the withheld totals."""
    return period_table(cube, funnel, period, scope, min_n)[0]


def scope_grid(cube, funnel: pl.DataFrame, scope: Scope, min_n: int) -> Grid:  # noqa: ANN001
    """The protected service × month grid of the scope
    (:func:`metrics.ranking_protection.protected_grid`): the pattern the service table,
    the summary's months and the trend charts withhold."""
    return protected_grid(cube, funnel, services=scope.services, locations=scope.locations,
                          min_n=min_n)


def period_table(cube, funnel: pl.DataFrame, period: Period, scope: Scope,  # noqa: ANN001
                 min_n: int, grid: Grid | None = None
                 ) -> tuple[pl.DataFrame, frozenset[str]]:
    """One row per service of the scope over the period (:data:`RANKING_SCHEMA`), plus
    ``withheld_<family>``: "primary" (too few cases), "secondary" (withheld to protect
    another cell) or null; and the families whose total the summary must withhold.
    Withheld cells hold no number any more. ``grid``: :func:`scope_grid` (computed when
    not given)."""
    frame, withheld = protected_view(cube, funnel, (period.first, period.last),
                                     services=scope.services, locations=scope.locations,
                                     min_n=min_n, grid=grid)
    return frame, frozenset(kpi for kpi, family in TOTALS.items() if family in withheld)


def table(frame: pl.DataFrame, lang: str, min_n: int) -> Table:
    """The rows as :func:`dashboard.figures.ranking_table` prints them: a cell withheld only
    to protect another shows :func:`~dashboard.formatting.fmt_protected` instead of "< 5"
    (its count is not small)."""
    text = figures.ranking_table(frame, lang, min_n)
    return Table(tuple(text.columns), tuple(text.iter_rows()), text_columns=2)


def coverage(frame: pl.DataFrame, cube, period: Period, scope: Scope, lang: str) -> str:  # noqa: ANN001
    """"27 von 31 Leistungen mit Daten; Vorgänge in 3 von 3 Monaten"."""
    covered = frame.filter(pl.col("cases_suppressed") | (pl.col("cases").fill_null(0) > 0))
    volume = cube.volume.filter(pl.col("month").is_between(period.first, period.last))
    if scope.services is not None:
        volume = volume.filter(pl.col("service_id").is_in(list(scope.services)))
    if scope.locations is not None:
        volume = volume.filter(pl.col("location_id").is_in(list(scope.locations)))
    months = volume.filter(pl.col("cases") > 0)["month"].n_unique()
    return t("r_coverage", lang, covered=fmt_number(covered.height, lang),
             total=fmt_number(frame.height, lang), months=months, of=LENGTH[period.kind])


def withheld_lines(frame: pl.DataFrame, lang: str, min_n: int) -> list[str]:
    """One line per service with withheld cells: which, and why."""
    lines = []
    for row in frame.iter_rows(named=True):
        cells: dict[str, list[str]] = {"primary": [], "secondary": []}
        for family, (_, _, columns) in FAMILIES.items():
            why = row[f"withheld_{family}"]
            if why:
                cells[why] += [figures.ranking_header(c, lang) for c in columns]
        parts = [t(f"r_withheld_{why}", lang, cells=", ".join(names), min_n=min_n)
                 for why, names in cells.items() if names]
        if parts:
            lines.append(f"{row['name']}: {'; '.join(parts)}")
    return lines
