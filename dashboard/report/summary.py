"""The report's KPI summary (value, change vs the previous period and year, target and
status) and its trend charts, from :mod:`metrics.kpis` and :mod:`metrics.targets`.

Every value is Σ numerator / Σ denominator (or a percentile) over all cases of the scope
received in the period — computed by the one engine with the same arguments as the
Leistungen page's ranking, so the summary's total is the sum of the service table.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence

import polars as pl

from dashboard import figures
from dashboard.figures import fmt_day
from dashboard.formatting import (
    DASH,
    fmt_change,
    fmt_count,
    fmt_month,
    fmt_percent,
    fmt_protected,
    fmt_relative,
    fmt_value,
)
from dashboard.i18n import t
from dashboard.report.model import Chart, KpiLine
from dashboard.report.period import Period
from dashboard.report.scope import Scope
from metrics.catalogue import KPIS, KpiDef
from metrics.facts import volume_facts
from metrics.funnel import completion_rate
from metrics.headline import period_series, withheld_periods
from metrics.kpis import compute
from metrics.open_data import span_gives_away, sum_safe
from metrics.overview import MATURE_SHARE, change, shift_month
from metrics.ranking_protection import KPI_FAMILY, Grid, closed_months
from metrics.service_view import COMPLETION_KPI, windowed
from metrics.targets import Target, target_status

SUMMARY_KPIS = ("digital_take_up", "processing_days_median", "processing_days_p90",
                "follow_up_rate")
CHART_KPIS = ("digital_take_up", "processing_days_median", "follow_up_rate")
CHART_MONTHS = 24  # months of history up to the period's end
GRAIN = {"digital_take_up": "month"}  # take-up counts the monthly statistics too
CASES = "cases"
COMPLETION = "completion_rate"
_NONE = {"value": None, "n": 0, "suppressed": False}
_TILE_OF = {CASES: "digital_take_up"}  # the Überblick's tile whose n a summary line prints


def period_value(cube, kpi_id: str, period: Period, scope: Scope, min_n: int) -> dict:  # noqa: ANN001 - metrics Cube
    """value, n, suppressed of a catalogue KPI over the period (n: the cases it rests on)."""
    w = windowed(cube, period.first, period.last)
    if w.volume.is_empty() and w.usage.is_empty():
        return dict(_NONE)
    out = compute(kpi_id, w, (), services=scope.services, locations=scope.locations,
                  min_n=min_n, grain=GRAIN.get(kpi_id))
    return out.row(0, named=True) if out.height else dict(_NONE)


def case_count(cube, period: Period, scope: Scope, min_n: int) -> dict:  # noqa: ANN001
    """Every case received in the period (all sources, never twice: metrics.facts) — the
    total of the service table's cases column."""
    facts = volume_facts(windowed(cube, period.first, period.last), "month")
    if scope.services is not None:
        facts = facts.filter(pl.col("service_id").is_in(list(scope.services)))
    if scope.locations is not None:
        facts = facts.filter(pl.col("location_id").is_in(list(scope.locations)))
    n = int(facts["cases"].sum())
    return {"value": None, "n": n, "suppressed": 0 < n < min_n}


def completion_value(funnel: pl.DataFrame, period: Period, scope: Scope, min_n: int) -> dict:
    frame = funnel.filter(pl.col("month").is_between(period.first, period.last))
    if scope.services is not None:
        frame = frame.filter(pl.col("service_id").is_in(list(scope.services)))
    out = completion_rate(frame, (), min_n)
    return out.row(0, named=True) if out.height and frame.height else dict(_NONE)


def _kpi(kpi_id: str) -> KpiDef:
    return COMPLETION_KPI if kpi_id == COMPLETION else KPIS[kpi_id]


def _text(kpi_id: str, row: dict, min_n: int, lang: str) -> str:
    protected = bool(row.get("protected"))  # withheld although n ≥ min_n: "geschützt"
    if kpi_id == CASES:
        return fmt_count(row["n"], row["suppressed"], min_n, lang,
                         protected=protected) if row["n"] else DASH
    return fmt_value(_kpi(kpi_id), row["value"], row["suppressed"], min_n, lang,
                     protected=protected)


def _change_text(kpi_id: str, now: dict, before: dict, min_n: int, lang: str) -> str:
    """"+1,2 Pp. (30,2 %)": the change, then the earlier value; "–" without both."""
    if kpi_id == CASES:
        shown = not now["suppressed"] and not before["suppressed"] and before["n"] > 0
        delta = now["n"] / before["n"] - 1 if shown else None
        text = fmt_relative(delta, lang) if delta is not None else DASH
    else:
        kpi = _kpi(kpi_id)
        delta = change(kpi, now["value"], before["value"])
        text = DASH if delta is None else fmt_change(
            delta, "pp" if kpi.unit == "percent" else "relative", lang)
    return f"{text} ({_text(kpi_id, before, min_n, lang)})"


def _label(kpi_id: str, lang: str) -> str:
    return t("v_cases", lang) if kpi_id == CASES else _kpi(kpi_id).label(lang)


def _target(kpi_id: str, targets: Mapping[str, Target], series: pl.DataFrame | None,
            period: Period, min_n: int, lang: str) -> tuple[str, str]:
    target = targets.get(kpi_id)
    if target is None or series is None:
        return DASH, DASH
    status = target_status(series, target, as_of=period.last)
    text = t("r_target", lang, value=fmt_value(_kpi(kpi_id), target.value, False, min_n, lang),
             due=fmt_day(target.due, lang))
    return text, t(f"r_status_{status.status}", lang)


def series(cube, kpi_id: str, scope: Scope, first: dt.date, last: dt.date,  # noqa: ANN001
           min_n: int, grid: Grid | None = None, memo: dict | None = None) -> pl.DataFrame:
    """month, value, n, suppressed, protected for every month ``first`` … ``last`` (gaps
    kept): the Überblick's months under the report's scope (:func:`metrics.headline.
    period_series` — small, a filter's guard, months whose total the grid cannot keep),
    and the months whose total the scope's own ``grid`` cannot keep
    (:func:`metrics.ranking_protection.closed_months`), withheld ("geschützt" where
    n ≥ ``min_n``)."""
    memo = _memo(memo, scope, grid)
    key = ("report series", kpi_id, first, last)
    if key not in memo:  # the summary's and the chart's of one KPI
        memo[key] = period_series(cube, kpi_id, "month", first, last, services=scope.services,
                                  locations=scope.locations, min_n=min_n,
                                  memo=memo).rename({"period": "month"})
    got = memo[key]
    closed = sorted(closed_months(grid, kpi_id)) if grid is not None else []
    shut = pl.col("month").is_in(pl.Series(closed, dtype=pl.Date).implode())
    return got.with_columns(
        pl.when(shut).then(None).otherwise(pl.col("value")).alias("value"),
        (pl.col("suppressed") | shut).alias("suppressed"),
        (pl.col("protected") | (shut & (pl.col("n") >= min_n))).alias("protected"))


def _memo(memo: dict | None, scope: Scope, grid: Grid | None) -> dict:
    """The memo of :mod:`metrics.headline` for the report's scope: its grid without a
    service filter is the scope's grid when the scope has none."""
    memo = {} if memo is None else memo
    if scope.services is None and grid is not None:
        memo.setdefault("grid", grid)
    return memo


def overview_withheld(cube, kpi_id: str, periods: Sequence[Period], scope: Scope,  # noqa: ANN001
                      min_n: int, memo: dict) -> set[dt.date]:
    """The starts of those ``periods`` whose total the Überblick under the report's scope
    withholds (:func:`metrics.headline.period_series`: too few cases, a filter's guard —
    e.g. a location whose difference to the others would give a small one away —, a month
    the grid cannot keep, a quarter or year giving a withheld month back): the report must
    not print what the dashboard hides."""
    if kpi_id not in KPIS or kpi_id not in KPI_FAMILY or kpi_id == COMPLETION:
        return set()  # the form's completion comes from metrics.funnel, not the engine
    out = set()
    for p in periods:
        got = period_series(cube, kpi_id, p.kind, p.first, p.first, services=scope.services,
                            locations=scope.locations, min_n=min_n, memo=memo)
        if got.height and got["suppressed"][0] and got["n"][0] > 0:
            out.add(p.first)
    return out


def withheld_of(cube, kpi_id: str, periods: Sequence[Period], scope: Scope,  # noqa: ANN001
                min_n: int, grid: Grid | None = None, memo: dict | None = None
                ) -> set[dt.date]:
    """The starts of those ``periods`` (all of one kind) that must be withheld beside the
    month view (the report's monthly chart, the Überblick's months): months whose total
    the scope's ``grid`` could not keep (:func:`metrics.ranking_protection.closed_months`);
    quarters and years whose total would give such a month or a small one back —
    :func:`metrics.headline.withheld_periods`, for the cases as the total of every source's
    cases per month. ``memo``: shared by the KPIs of one report."""
    kind = periods[0].kind
    if not cube.months:
        return set()
    closed = closed_months(grid, kpi_id) if grid is not None else set()
    starts = [p.first for p in periods]
    if kind == "month":
        return set(starts) & closed
    if kpi_id == COMPLETION:
        return set()
    if kpi_id != CASES:
        return withheld_periods(cube, kpi_id, kind, starts, services=scope.services,
                                locations=scope.locations, min_n=min_n,
                                memo=_memo(memo, scope, grid), also=closed)
    facts = volume_facts(cube, "month")
    if scope.services is not None:
        facts = facts.filter(pl.col("service_id").is_in(list(scope.services)))
    if scope.locations is not None:
        facts = facts.filter(pl.col("location_id").is_in(list(scope.locations)))
    per = facts.group_by("period").agg(pl.col("cases").sum())
    shut = pl.col("period").is_in(pl.Series(sorted(closed), dtype=pl.Date).implode())
    held = per.filter(pl.col("cases").is_between(1, min_n - 1) | shut)
    whole_safe = sum_safe(held["cases"].to_list(), min_n)
    months = held["period"].to_list()
    return {p.first for p in periods if span_gives_away(months, whole_safe, p.first, p.last)}


def chart_span(cube, period: Period) -> tuple[dt.date, dt.date]:  # noqa: ANN001
    last = min(period.last, cube.months[-1])
    return max(cube.months[0], shift_month(last, 1 - CHART_MONTHS)), last


def kpi_lines(cube, funnel: pl.DataFrame, period: Period, scope: Scope, lang: str,  # noqa: ANN001
              min_n: int, targets: Mapping[str, Target] | None = None,
              protected: Collection[str] = (), grid: Grid | None = None,
              memo: dict | None = None) -> tuple[list[KpiLine], list[str]]:
    """The summary lines and the caveats to print under them. ``protected``: the KPIs whose
    total the service table's protection withholds (shown as "geschützt"); ``grid``: the
    scope's protected grid (:func:`dashboard.report.services.scope_grid`); ``memo``: the
    report's, shared with :func:`charts`."""
    memo = {} if memo is None else memo
    first, last = chart_span(cube, period)
    ids = [CASES, *SUMMARY_KPIS]
    with_funnel = scope.locations is None and not funnel.filter(
        pl.col("month").is_between(period.first, period.last)).is_empty()
    if with_funnel:
        ids.append(COMPLETION)
    lines = []
    for kpi_id in ids:
        periods = (period, period.previous, period.year_ago)
        if kpi_id == COMPLETION:
            rows = [completion_value(funnel, p, scope, min_n) for p in periods]
        elif kpi_id == CASES:
            rows = [case_count(cube, p, scope, min_n) for p in periods]
        else:
            rows = [period_value(cube, kpi_id, p, scope, min_n) for p in periods]
        # a quarter or year (now and before) holding a withheld month is withheld itself,
        # and so is what the Überblick under the same scope withholds
        held = withheld_of(cube, kpi_id, periods, scope, min_n, grid, memo)
        # (the cases are the n of the take-up tile there, withheld with it)
        held |= overview_withheld(cube, _TILE_OF.get(kpi_id, kpi_id), periods, scope, min_n,
                                  _memo(memo, scope, grid))
        rows[1:] = [{**r, "value": None, "suppressed": True, "protected": True}
                    if not r["suppressed"] and p.first in held
                    else r for r, p in zip(rows[1:], periods[1:], strict=True)]
        now = rows[0]
        hidden = ((kpi_id in protected or period.first in held)
                  and not now["suppressed"])
        if hidden:
            now = {**now, "value": None, "suppressed": True}
        trend = (series(cube, kpi_id, scope, first, last, min_n, grid, memo)
                 if kpi_id in SUMMARY_KPIS else None)
        target, status = _target(kpi_id, targets or {}, trend, period, min_n, lang)
        lines.append(KpiLine(
            kpi_id=kpi_id, label=_label(kpi_id, lang), value=now["value"], n=now["n"],
            suppressed=now["suppressed"],
            text=fmt_protected(lang) if hidden else _text(kpi_id, now, min_n, lang),
            n_text=fmt_protected(lang) if hidden else fmt_count(now["n"], now["suppressed"],
                                                                 min_n, lang),
            previous=_change_text(kpi_id, now, rows[1], min_n, lang),
            year_ago=_change_text(kpi_id, now, rows[2], min_n, lang),
            target=target, status=status))
    notes = []
    if period.last > cube.months[-1]:
        notes.append(t("r_note_partial", lang, month=fmt_month(cube.months[-1], lang)))
    closed = closed_share(cube, period, scope)
    if closed is not None and closed < MATURE_SHARE:
        notes.append(t("r_note_open", lang, share=fmt_percent(closed, lang, decimals=0)))
    if scope.locations is not None:
        notes.append(t("r_note_no_funnel", lang))
    return lines, notes


def closed_share(cube, period: Period, scope: Scope) -> float | None:  # noqa: ANN001
    """Share of the period's cases (of the scope) no longer open: processing time and
    follow-ups rest on closed cases only, so a low share means they may still change."""
    cases = cube.volume.filter(pl.col("month").is_between(period.first, period.last))
    if scope.services is not None:
        cases = cases.filter(pl.col("service_id").is_in(list(scope.services)))
    if scope.locations is not None:
        cases = cases.filter(pl.col("location_id").is_in(list(scope.locations)))
    total = cases["cases"].sum()
    return 1 - cases["open"].sum() / total if total else None


def kpi_headers(period: Period, lang: str) -> tuple[str, ...]:
    headers = (t("r_col_kpi", lang), period.label(lang), t("col_n", lang),
               t("r_col_vs", lang, period=period.previous.label(lang)))
    if period.kind != "year":
        headers += (t("r_col_vs", lang, period=period.year_ago.label(lang)),)
    return headers + (t("p_tile_target", lang), t("r_col_status", lang))


def charts(cube, period: Period, scope: Scope, scope_label: str, lang: str,  # noqa: ANN001
           min_n: int, grid: Grid | None = None, memo: dict | None = None
           ) -> tuple[list[Chart], list[str]]:
    """Trend charts of the key KPIs up to the period's end (the period shaded), and one line
    per chart naming its withheld months (small ones, and protected ones: ``grid``).
    ``memo``: the report's, shared with :func:`kpi_lines` (the same months of a KPI)."""
    first, last = chart_span(cube, period)
    out, withheld = [], []
    memo = {} if memo is None else memo  # metrics.headline's, shared by the charts
    for kpi_id in CHART_KPIS:
        kpi = KPIS[kpi_id]
        data = series(cube, kpi_id, scope, first, last, min_n, grid, memo)
        fig = figures.trend_figure(data, kpi, lang, min_n)
        fig.add_vrect(x0=period.first - dt.timedelta(days=15),
                      x1=min(period.last, last) + dt.timedelta(days=15), fillcolor="#BBBBBB",
                      opacity=0.25, line_width=0, layer="below",
                      annotation_text=t("r_period_band", lang), annotation_position="top left")
        out.append(Chart(t("trend_heading", lang, kpi=kpi.label(lang)), fig,
                         figures.text_alternative(data, kpi, scope_label, lang, min_n)))
        for key, rows in (("r_withheld_months", data.filter(
                pl.col("suppressed") & ~pl.col("protected"))),
                          ("r_withheld_months_protected", data.filter(pl.col("protected")))):
            if rows.height:
                withheld.append(t(key, lang, kpi=kpi.label(lang), min_n=min_n, months=", ".join(
                    fmt_month(m, lang) for m in rows["month"].to_list())))
    return out, withheld
