"""The summary's further KPIs, as the dashboard shows them: user satisfaction (top-2 share
with n and its 95 % interval, :mod:`metrics.satisfaction`), the age of open cases
(:mod:`metrics.kpis`, aged on the data's newest date) and, from the cost file, cost per
transaction over the 12 months up to the period's end and staff hours freed in the period
(:mod:`metrics.costs`).

A KPI without data for the scope is left out with a note saying why, never shown as 0.
None of these has a table per service in the report, so a total shows unless it rests on
fewer than ``min_n`` ratings, open cases or transactions.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from dashboard.figures import fmt_day
from dashboard.formatting import (
    DASH,
    fmt_change,
    fmt_count,
    fmt_month,
    fmt_percent,
    fmt_value,
)
from dashboard.i18n import t
from dashboard.report.model import KpiLine
from dashboard.report.period import Period
from dashboard.report.scope import Scope
from metrics.catalogue import KPIS
from metrics.costs import CostConfig, cost_summary
from metrics.kpis import compute
from metrics.overview import change, shift_month
from metrics.satisfaction import satisfaction

TOPIC = "overall"  # the headline question ("Wie zufrieden sind Sie insgesamt?")
COST_MONTHS = 12  # GOV.UK: cost per transaction over the last 12 months
KPI_IDS = ("satisfaction_top2", "open_case_age_median", "open_case_age_p90",
           "cost_per_transaction", "staff_hours_freed")


def ratings(feedback: pl.DataFrame, period: Period, scope: Scope, min_n: int) -> dict:
    """:func:`metrics.satisfaction.satisfaction` of the headline question over the period
    and scope (one row: n, top2_share, top2_lo, top2_hi, suppressed …)."""
    frame = feedback.filter(pl.col("month").is_between(period.first, period.last)
                            & (pl.col("topic") == TOPIC))
    if scope.services is not None:
        frame = frame.filter(pl.col("service_id").is_in(list(scope.services)))
    if scope.locations is not None:
        frame = frame.filter(pl.col("location_id").is_in(list(scope.locations)))
    row = satisfaction(frame, [], min_n).row(0, named=True)
    return row | {"suppressed": row["suppressed"] and row["n"] > 0}


def costs(cube, config: CostConfig, period: Period, scope: Scope, min_n: int,  # noqa: ANN001
          months: int | None = None) -> dict:
    """:func:`metrics.costs.cost_summary` over the period, or over ``months`` months up to
    its end."""
    first = period.first if months is None else shift_month(period.last, 1 - months)
    return cost_summary(cube, config, first=first, last=period.last, services=scope.services,
                        locations=scope.locations, min_n=min_n).row(0, named=True)


def _line(kpi_id: str, label: str, value: float | None, n: int, suppressed: bool, text: str,
          min_n: int, lang: str, before: tuple[str, str] = (DASH, DASH)) -> KpiLine:
    return KpiLine(kpi_id=kpi_id, label=label, value=None if suppressed else value, n=n,
                   suppressed=suppressed, text=text,
                   n_text=fmt_count(n, suppressed, min_n, lang),
                   previous=before[0], year_ago=before[1], target=DASH, status=DASH)


def _compare(kpi_id: str, get: Callable[[Period], tuple[float | None, bool]], period: Period,
             min_n: int, lang: str) -> tuple[str, str]:
    """"+1,2 Pp. (80,1 %)" against the previous period and the year before."""
    kpi = KPIS[kpi_id]
    now, _ = get(period)
    out = []
    for other in (period.previous, period.year_ago):
        value, suppressed = get(other)
        delta = change(kpi, now, None if suppressed else value)
        text = DASH if delta is None else fmt_change(
            delta, "pp" if kpi.unit == "percent" else "relative", lang)
        out.append(f"{text} ({fmt_value(kpi, value, suppressed, min_n, lang)})")
    return out[0], out[1]


def satisfaction_line(feedback: pl.DataFrame | None, period: Period, scope: Scope, lang: str,
                      min_n: int) -> tuple[KpiLine | None, str | None]:
    kpi = KPIS["satisfaction_top2"]
    row = None if feedback is None else ratings(feedback, period, scope, min_n)
    if row is None or row["n"] == 0:
        return None, t("r_note_no_ratings", lang, kpi=kpi.label(lang))
    text = fmt_value(kpi, row["top2_share"], row["suppressed"], min_n, lang)
    if not row["suppressed"]:
        text = t("r_interval", lang, value=text, lo=fmt_percent(row["top2_lo"], lang),
                 hi=fmt_percent(row["top2_hi"], lang))

    def get(p: Period) -> tuple[float | None, bool]:
        other = ratings(feedback, p, scope, min_n)
        return other["top2_share"], other["suppressed"]

    line = _line(kpi.id, t("r_label_ratings", lang, kpi=kpi.label(lang)), row["top2_share"],
                 row["n"], row["suppressed"], text, min_n, lang,
                 _compare(kpi.id, get, period, min_n, lang))
    return line, t("r_note_ratings", lang)


def open_lines(cube, period: Period, scope: Scope, lang: str,  # noqa: ANN001
               min_n: int) -> tuple[list[KpiLine], str | None]:
    """Median and P90 age of the cases open on the data's newest date (a snapshot: there
    is no comparison with earlier periods)."""
    if cube.open_cases.is_empty() or cube.as_of is None:
        return [], t("r_note_no_open", lang)
    lines = []
    for kpi_id in ("open_case_age_median", "open_case_age_p90"):
        kpi = KPIS[kpi_id]
        out = compute(kpi_id, cube, (), services=scope.services, locations=scope.locations,
                      min_n=min_n)
        if not out.height or not out["n"][0]:
            return [], t("r_note_no_open", lang)
        row = out.row(0, named=True)
        lines.append(_line(kpi_id, t("r_label_as_of", lang, kpi=kpi.label(lang),
                                     day=fmt_day(cube.as_of, lang)),
                           row["value"], row["n"], row["suppressed"],
                           fmt_value(kpi, row["value"], row["suppressed"], min_n, lang),
                           min_n, lang))
    note = None
    if cube.as_of > period.end:
        note = t("r_note_open_snapshot", lang, day=fmt_day(cube.as_of, lang))
    return lines, note


def cost_lines(cube, config: CostConfig | None, period: Period, scope: Scope,  # noqa: ANN001
               lang: str, min_n: int) -> tuple[list[KpiLine], str | None]:
    if config is None:
        return [], t("r_note_no_costs", lang)
    cost, hours = KPIS["cost_per_transaction"], KPIS["staff_hours_freed"]
    lines = []
    year = costs(cube, config, period, scope, min_n, COST_MONTHS)
    if year["cases"]:
        def get_cost(p: Period) -> tuple[float | None, bool]:
            other = costs(cube, config, p, scope, min_n, COST_MONTHS)
            return other["cost_per_transaction"], bool(other["suppressed"])

        first = shift_month(period.last, 1 - COST_MONTHS)
        lines.append(_line(
            cost.id, t("r_label_months", lang, kpi=cost.label(lang),
                       first=fmt_month(first, lang), last=fmt_month(period.last, lang)),
            year["cost_per_transaction"], year["cases"], bool(year["suppressed"]),
            fmt_value(cost, year["cost_per_transaction"], bool(year["suppressed"]), min_n,
                      lang), min_n, lang, _compare(cost.id, get_cost, period, min_n, lang)))
    now = costs(cube, config, period, scope, min_n)
    if now["digital"]:
        def get_hours(p: Period) -> tuple[float | None, bool]:
            other = costs(cube, config, p, scope, min_n)
            return other["hours_freed"], bool(other["hours_suppressed"])

        lines.append(_line(
            hours.id, t("r_label_digital", lang, kpi=hours.label(lang)), now["hours_freed"],
            now["digital"], bool(now["hours_suppressed"]),
            fmt_value(hours, now["hours_freed"], bool(now["hours_suppressed"]), min_n, lang),
            min_n, lang, _compare(hours.id, get_hours, period, min_n, lang)))
    return lines, None if lines else t("r_note_no_costs_data", lang)


def extra_lines(cube, feedback: pl.DataFrame | None, config: CostConfig | None,  # noqa: ANN001
                period: Period, scope: Scope, lang: str, min_n: int
                ) -> tuple[list[KpiLine], list[str]]:
    """The further summary lines and the notes that go with them (what n counts, what is
    left out and why)."""
    lines, notes = [], []
    for more, note in (satisfaction_line(feedback, period, scope, lang, min_n),
                       open_lines(cube, period, scope, lang, min_n),
                       cost_lines(cube, config, period, scope, lang, min_n)):
        lines += [more] if isinstance(more, KpiLine) else (more or [])
        if note:
            notes.append(note)
    return lines, notes
