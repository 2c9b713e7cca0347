"""The report's table per service: :func:`metrics.service_view.ranking` over the period,
with secondary suppression because the summary prints the scope's totals.

A withheld cell (fewer than ``min_n`` cases) next to a printed total could be recomputed as
total minus the other rows. So within each family of cells that rests on the same count —
cases (volume, take-up), completed cases (processing time, follow-ups), started forms
(completion) — a lone withheld cell takes the smallest other cell with it
(:func:`metrics.kpis.suppress_complementary`). Withheld rows are listed after the shown ones,
by name, so their position does not hint at their size either.
"""

from __future__ import annotations

import polars as pl

from dashboard import figures
from dashboard.formatting import fmt_number
from dashboard.i18n import t
from dashboard.report.model import Table
from dashboard.report.period import LENGTH, Period
from dashboard.report.scope import Scope
from metrics.kpis import suppress_complementary
from metrics.service_view import RANKING_SCHEMA, ranking, windowed

SECONDARY = "•"  # a cell withheld so that another withheld cell cannot be recomputed

# family → (the count the cells rest on, their suppression flags, column keys of their names).
# The table's cases are every case of the period, take-up rests on the cases while a service
# was online (metrics.facts) — the same for services online all along, so take-up is a
# family of its own whose size is measured by the cases.
FAMILIES = {
    "cases": ("cases", ("cases_suppressed",), ("cases",)),
    "take_up": ("cases", ("take_up_suppressed",), ("take_up",)),
    "completed": ("completed", ("days_suppressed", "follow_up_suppressed"),
                  ("median_days", "p90_days", "follow_up")),
    "started": ("started", ("completion_suppressed",), ("completion",)),
}


def period_ranking(cube, funnel: pl.DataFrame, period: Period, scope: Scope,  # noqa: ANN001
                   min_n: int) -> pl.DataFrame:
    """One row per service of the scope over the period (:data:`RANKING_SCHEMA`), plus
    ``withheld_<family>``: "primary" (too few cases), "secondary" or null."""
    w = windowed(cube, period.first, period.last)
    if w.is_empty:
        frame = pl.DataFrame(schema=RANKING_SCHEMA)
    else:
        in_period = funnel.filter(pl.col("month").is_between(period.first, period.last))
        frame = ranking(w, in_period, locations=scope.locations, min_n=min_n,
                        months=LENGTH[period.kind])
    if scope.services is not None:
        frame = frame.filter(pl.col("service_id").is_in(list(scope.services)))
    for family, (count, flags, _) in FAMILIES.items():
        primary = pl.any_horizontal(*flags)
        cells = frame.select(n=pl.col(count), value=pl.lit(0.0), suppressed=primary)
        secondary = suppress_complementary(cells, (), min_n)["suppressed"]
        frame = frame.with_columns(
            pl.when(primary).then(pl.lit("primary"))
            .when(secondary).then(pl.lit("secondary")).alias(f"withheld_{family}"))
        frame = frame.with_columns(pl.col(f"withheld_{family}").is_not_null().alias(f)
                                   for f in flags)
    # from here on a withheld count is gone (the ranking's order used it: sort again)
    return resort_withheld(frame.with_columns(
        pl.when(pl.col("withheld_cases").is_not_null()).then(None).otherwise(pl.col("cases"))
        .alias("cases")))


def resort_withheld(frame: pl.DataFrame) -> pl.DataFrame:
    """Shown rows by cases (descending), then withheld rows, then rows without data — each
    group by name, so a withheld row's place says nothing about its size."""
    group = (pl.when(pl.col("cases").is_null()).then(1)
             .when(pl.col("cases") == 0).then(2).otherwise(0))
    return frame.with_columns(__g=group).sort(
        ["__g", "cases", "name"], descending=[False, True, False], nulls_last=True).drop("__g")


def table(frame: pl.DataFrame, lang: str, min_n: int) -> Table:
    """The rows as :func:`dashboard.figures.ranking_table` prints them; a cell withheld only
    to protect another shows :data:`SECONDARY` instead of "< 5" (its count is not small)."""
    text = figures.ranking_table(frame, lang, min_n)
    headers = list(text.columns)
    rows = []
    for flags, row in zip(frame.iter_rows(named=True), text.iter_rows(), strict=True):
        cells = list(row)
        for family, (_, _, columns) in FAMILIES.items():
            if flags[f"withheld_{family}"] == "secondary":
                for column in columns:
                    cells[headers.index(figures.ranking_header(column, lang))] = SECONDARY
        rows.append(tuple(cells))
    return Table(tuple(headers), tuple(rows), text_columns=2)


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
