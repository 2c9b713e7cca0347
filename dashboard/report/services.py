"""The report's table per service: :func:`metrics.service_view.ranking` over the period,
protected by :func:`metrics.open_data.protect` — the same disclosure control as the
open-data feed — because the summary prints the scope's totals next to it.

A withheld cell (fewer than ``min_n`` cases) next to a printed total could be recomputed as
total minus the other rows. So each family of cells that rests on the same count — cases,
cases while online (take-up), completed cases (processing time, follow-ups), started forms
(completion) — is one linked table with the summary's total as its margin: further cells are
withheld until no withheld count or value can be pinned down (also not by sums of 0 % or
100 %, all-1 counts, or the bounds another family gives: completed ≤ cases), else the total
itself is withheld. Withheld rows are listed after the shown ones, by name, so their
position does not hint at their size either.
"""

from __future__ import annotations

import polars as pl

from dashboard import figures
from dashboard.formatting import fmt_number, fmt_protected
from dashboard.i18n import t
from dashboard.report.model import Table
from dashboard.report.period import LENGTH, Period
from dashboard.report.scope import Scope
from metrics.funnel import completion_rate
from metrics.kpis import compute
from metrics.open_data import protect
from metrics.service_view import RANKING_SCHEMA, ranking, windowed

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
# a family's count of a service never exceeds the other family's (metrics.open_data.AT_MOST)
AT_MOST = {"completed": "cases", "take_up": "cases"}
# summary KPI → the family whose total it prints
TOTALS = {"cases": "cases", "digital_take_up": "take_up", "processing_days_median": "completed",
          "processing_days_p90": "completed", "follow_up_rate": "completed",
          "completion_rate": "started"}


def period_ranking(cube, funnel: pl.DataFrame, period: Period, scope: Scope,  # noqa: ANN001
                   min_n: int) -> pl.DataFrame:
    """:func:`period_table` without the withheld totals."""
    return period_table(cube, funnel, period, scope, min_n)[0]


def period_table(cube, funnel: pl.DataFrame, period: Period, scope: Scope,  # noqa: ANN001
                 min_n: int) -> tuple[pl.DataFrame, frozenset[str]]:
    """One row per service of the scope over the period (:data:`RANKING_SCHEMA`), plus
    ``withheld_<family>``: "primary" (too few cases), "secondary" (withheld to protect
    another cell) or null; and the families whose total the summary must withhold.
    Withheld cells hold no number any more."""
    w = windowed(cube, period.first, period.last)
    in_period = funnel.filter(pl.col("month").is_between(period.first, period.last))
    if w.is_empty:
        frame = pl.DataFrame(schema=RANKING_SCHEMA)
    else:  # raw numbers: protect() below applies every minimum
        frame = ranking(w, in_period, locations=scope.locations, min_n=1,
                        months=LENGTH[period.kind])
    if scope.services is not None:
        frame = frame.filter(pl.col("service_id").is_in(list(scope.services)))
    cells = _cells(frame, w, in_period, scope, period)
    # the table marks small cells ("< 5") apart from protecting ones ("geschützt")
    flags, totals = protect(cells, min_n, AT_MOST, classes_shown=True)
    small = (pl.col("n") > 0) & (pl.col("n") < min_n)
    why = flags.group_by("family", "service_id").agg(
        primary=small.any(), secondary=pl.col("suppressed").any())
    for family, (_, own, columns) in FAMILIES.items():
        mine = why.filter(pl.col("family") == family).select(
            "service_id", pl.when(pl.col("primary")).then(pl.lit("primary"))
            .when(pl.col("secondary")).then(pl.lit("secondary"))
            .alias(f"withheld_{family}"))
        frame = frame.join(mine, on="service_id", how="left")
        held = pl.col(f"withheld_{family}").is_not_null()
        frame = frame.with_columns(*(held.alias(f) for f in own), *(
            pl.when(held).then(None).otherwise(pl.col(c)).alias(c) for c in columns))
    withheld = {k.split("/")[0] for k in totals.filter(pl.col("suppressed"))["kpi"]}
    # the ranking's order used the withheld counts: sort again
    return resort_withheld(frame), frozenset(
        kpi for kpi, family in TOTALS.items() if family in withheld)


def _cells(frame: pl.DataFrame, w, in_period: pl.DataFrame, scope: Scope,  # noqa: ANN001
           period: Period) -> pl.DataFrame:
    """The table as :func:`metrics.open_data.protect` reads it: one "KPI" per family
    (kpi = family), the period as its one month, n and numerator per service."""
    ids = frame["service_id"].to_list()
    by = ("service_id",)
    scoped = {"services": ids, "locations": scope.locations, "min_n": 1}
    parts = [frame.select("service_id", pl.col("cases").alias("n"),
                          pl.lit(None, pl.Int64).alias("numerator"), family=pl.lit("cases")),
             frame.select("service_id", pl.col("completed").alias("n"),
                          pl.lit(None, pl.Int64).alias("numerator"),
                          family=pl.lit("completed"))]
    if not w.is_empty:
        take_up = compute("digital_take_up", w, by, grain="month", **scoped)
        follow_up = compute("follow_up_rate", w, by, **scoped)
        parts.append(take_up.select("service_id", "n", "numerator", family=pl.lit("take_up")))
        # a second table of the completed cases, with the follow-ups as its numerator
        parts.append(follow_up.select("service_id", "n", "numerator",
                                      family=pl.lit("completed")))
    started = completion_rate(in_period.filter(pl.col("service_id").is_in(ids)), by, 1)
    parts.append(started.select("service_id", "n", "numerator", family=pl.lit("started")))
    out = pl.concat([p.with_columns(pl.col("service_id").cast(pl.Int64),
                                    pl.col("n").cast(pl.Int64),
                                    pl.col("numerator").cast(pl.Int64)).select(
        "family", "service_id", "n", "numerator") for p in parts])
    # one table per (family, numerator): "kpi" names the table, "family" its pattern
    table = pl.when(pl.col("numerator").is_null()).then(pl.col("family")).otherwise(
        pl.col("family") + "/rate")
    return (out.filter(pl.col("n") > 0)
            .with_columns(kpi=table, month=pl.lit(period.first, pl.Date))
            .unique(["kpi", "service_id"], keep="first", maintain_order=True)
            .select("kpi", "family", "month", "service_id", "n", "numerator"))


def resort_withheld(frame: pl.DataFrame) -> pl.DataFrame:
    """Shown rows by cases (descending), then withheld rows, then rows without data — each
    group by name, so a withheld row's place says nothing about its size."""
    group = (pl.when(pl.col("cases").is_null()).then(1)
             .when(pl.col("cases") == 0).then(2).otherwise(0))
    return frame.with_columns(__g=group).sort(
        ["__g", "cases", "name"], descending=[False, True, False], nulls_last=True).drop("__g")


def table(frame: pl.DataFrame, lang: str, min_n: int) -> Table:
    """The rows as :func:`dashboard.figures.ranking_table` prints them; a cell withheld only
    to protect another shows :func:`~dashboard.formatting.fmt_protected` instead of "< 5"
    (its count is not small)."""
    text = figures.ranking_table(frame, lang, min_n)
    headers = list(text.columns)
    rows = []
    for flags, row in zip(frame.iter_rows(named=True), text.iter_rows(), strict=True):
        cells = list(row)
        for family, (_, _, columns) in FAMILIES.items():
            if flags[f"withheld_{family}"] == "secondary":
                for column in columns:
                    cells[headers.index(figures.ranking_header(column, lang))] = \
                        fmt_protected(lang)
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
