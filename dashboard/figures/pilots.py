"""Pilotprojekte: pilot locations against the comparison group."""

from __future__ import annotations

import datetime as dt
import html
import math
from collections.abc import Sequence

import plotly.graph_objects as go
import polars as pl

from dashboard.figures.common import (
    AXIS_TEXT,
    FONT,
    GRID,
    MARKERS,
    OKABE_ITO,
    TEXT,
    _separators,
    fmt_day,
    month_ticks,
)
from dashboard.formatting import fmt_month, fmt_pp, fmt_value, row_count, row_value
from dashboard.i18n import t
from metrics.catalogue import KpiDef
from metrics.pilots import Cell, Effect

# --- Pilotprojekte: pilot locations against the comparison group ---------------------------
# Imported here rather than at the top so this page's figures stay one appended block.



PILOT_STYLE = {"color": OKABE_ITO[0], "dash": "solid", "symbol": MARKERS[0]}
CONTROL_STYLE = {"color": OKABE_ITO[1], "dash": "dash", "symbol": MARKERS[1]}
INTERVENTION_COLOR = TEXT  # black diamonds: neither of the two lines' colours
CLOSE_DAYS = 75  # default width of a label in days (see _label_rows)


def _percent_points(series: pl.DataFrame) -> list[float | None]:
    return [None if v is None else v * 100 for v in series["value"].to_list()]


def _group_trace(series: pl.DataFrame, name: str, style: dict, kpi: KpiDef, lang: str,
                 min_n: int) -> go.Scatter:
    hover = [[fmt_month(r["month"], lang), row_value(kpi, r, min_n, lang),
              row_count(r, min_n, lang)]
             for r in series.iter_rows(named=True)]
    return go.Scatter(
        x=series["month"].to_list(), y=_percent_points(series), customdata=hover,
        mode="lines+markers", name=name, connectgaps=False,
        line={"color": style["color"], "width": 2.5, "dash": style["dash"]},
        marker={"symbol": style["symbol"], "size": 8, "color": style["color"]},
        hovertemplate=(f"<b>{html.escape(name)}</b> · %{{customdata[0]}}<br>"
                       f"{kpi.label(lang)}: %{{customdata[1]}}<br>"
                       f"{t('col_n', lang)}: %{{customdata[2]}}<extra></extra>"))


def _label_rows(days: list[dt.date], labels: Sequence[str] | None = None,
                lefts: Sequence[bool] | None = None, days_per_char: float = 0.0) -> list[int]:
    """Row 0, 1, 2 … for each label so that labels do not overlap. Without ``labels`` a
    label spans :data:`CLOSE_DAYS` to the right of its date; with them, its estimated
    width (``days_per_char`` per character plus the marker), to the left where ``lefts``."""
    spans = []
    for i, day in enumerate(days):
        width = CLOSE_DAYS if labels is None else (len(labels[i]) + 3) * days_per_char
        left = bool(lefts and lefts[i])
        start = day - dt.timedelta(days=width) if left else day
        spans.append((start, start + dt.timedelta(days=width)))
    rows: list[int] = []
    for i, (lo, hi) in enumerate(spans):
        taken = {rows[j] for j in range(i) if spans[j][0] < hi and lo < spans[j][1]}
        rows.append(min(set(range(len(days) + 1)) - taken))
    return rows


def _late(days: list[dt.date], months: list[dt.date]) -> list[bool]:
    """Dates in the last fifth of the axis: their labels point left to stay in the figure."""
    if not months:
        return [False] * len(days)
    first, last = months[0], months[-1]
    return [(day - first).days > 0.8 * (last - first).days for day in days]


def pilot_figure(
    pilot: pl.DataFrame,
    control: pl.DataFrame,
    kpi: KpiDef,
    lang: str,
    min_n: int,
    start: dt.date,
    interventions: Sequence[tuple[dt.date, str]] = (),
) -> go.Figure:
    """Monthly KPI of the pilot locations and the comparison group
    (:func:`metrics.pilots.group_series` frames over the same months): two lines that
    differ in colour, dash *and* marker, a solid vertical line at the start and a labelled
    black diamond with a dotted line per Maßnahme."""
    fig = go.Figure([
        _group_trace(pilot, t("p_locations", lang), PILOT_STYLE, kpi, lang, min_n),
        _group_trace(control, t("p_control", lang), CONTROL_STYLE, kpi, lang, min_n),
    ])
    present = [v for v in _percent_points(pilot) + _percent_points(control) if v is not None]
    top = max(present, default=0)
    y_top = 100 if top > 70 else max(20, math.ceil(top / 10) * 10 + 20)  # room for labels
    fig.add_vline(x=start, line={"color": TEXT, "width": 2})
    fig.add_annotation(x=start, y=1, xref="x", yref="paper", yanchor="bottom", xanchor="left",
                       showarrow=False, text=f"<b>{t('p_start', lang)}</b> {fmt_day(start, lang)}",
                       font={"color": TEXT})
    if interventions:
        days, labels = [d for d, _ in interventions], [label for _, label in interventions]
        months = pilot["month"].to_list()
        lefts = _late(days, months)
        axis_days = (months[-1] - months[0]).days if months else 365
        rows = _label_rows(days, labels, lefts, days_per_char=axis_days / 110)
        for day in days:
            fig.add_vline(x=day, line={"color": AXIS_TEXT, "width": 1, "dash": "dot"})
        fig.add_trace(go.Scatter(
            x=days, y=[y_top * (0.95 - 0.08 * r) for r in rows], mode="markers+text",
            name=t("p_interventions", lang), text=[html.escape(label) for _, label in
                                                   interventions],
            textposition=["middle left" if left else "middle right" for left in lefts],
            textfont={"color": TEXT},
            marker={"symbol": "diamond", "size": 11, "color": INTERVENTION_COLOR},
            customdata=[fmt_day(d, lang) for d in days],
            hovertemplate="%{customdata}: %{text}<extra></extra>", cliponaxis=False))
    tickvals, ticktext = month_ticks(pilot["month"].to_list(), lang)
    fig.update_layout(
        separators=_separators(lang),
        font={"family": FONT, "size": 14, "color": TEXT},
        margin={"l": 10, "r": 20, "t": 30, "b": 10},
        height=440,
        showlegend=True,
        legend={"orientation": "h", "x": 0, "y": -0.22, "yanchor": "top"},
        hovermode="closest",
        hoverlabel={"font": {"family": FONT, "size": 14}},
        plot_bgcolor="white",
        paper_bgcolor="white",
        xaxis={"title": {"text": t("axis_month", lang)}, "tickmode": "array",
               "tickvals": tickvals, "ticktext": ticktext, "showgrid": False,
               "tickfont": {"color": AXIS_TEXT}},
        yaxis={"title": {"text": kpi.label(lang)}, "range": [0, y_top], "showgrid": True,
               "gridcolor": GRID, "tickfont": {"color": AXIS_TEXT}, "tickformat": ",.0f",
               "ticksuffix": "\u00a0%" if lang == "de" else "%"},
    )
    return fig


def _cell_value(cell: Cell, kpi: KpiDef, lang: str, min_n: int) -> str:
    return fmt_value(kpi, cell.share, 0 < cell.cases < min_n, min_n, lang)


def _span(effect: Effect, when: str, lang: str) -> tuple[str, str]:
    """First and last month with data of a period, over both groups."""
    cells = [effect.cells[f"{group}_{when}"] for group in ("pilot", "control")]
    firsts = [c.first for c in cells if c.first]
    lasts = [c.last for c in cells if c.last]
    if not firsts:
        return "–", "–"
    return fmt_month(min(firsts), lang), fmt_month(max(lasts), lang)


def pilot_alt(effect: Effect, services: str, pilot_names: str, control_names: str, lang: str,
              min_n: int, interventions: Sequence[tuple[dt.date, str]] = ()) -> str:
    """A plain-language summary of :func:`pilot_figure`: the pooled shares of the four cells
    the evaluation rests on (the same numbers as the tiles), the start and the Maßnahmen."""
    kpi = effect.kpi
    (b_first, b_last), (a_first, a_last) = _span(effect, "before", lang), _span(effect, "after",
                                                                              lang)
    text = t("p_alt", lang, kpi=kpi.label(lang), services=services, pilot=pilot_names,
             before=_cell_value(effect.pilot_before, kpi, lang, min_n),
             after=_cell_value(effect.pilot_after, kpi, lang, min_n),
             b_first=b_first, b_last=b_last, a_first=a_first, a_last=a_last,
             control=control_names,
             c_before=_cell_value(effect.control_before, kpi, lang, min_n),
             c_after=_cell_value(effect.control_after, kpi, lang, min_n),
             start=fmt_day(effect.pilot.start, lang))
    if interventions:
        items = "; ".join(f"{fmt_day(d, lang)} {label}" for d, label in interventions)
        text += t("p_alt_interventions", lang, items=items)
    return text


def pilot_table(pilot: pl.DataFrame, control: pl.DataFrame, effect: Effect, lang: str,
                min_n: int) -> pl.DataFrame:
    """The chart's data as text, newest month first, with the period each month counts in."""
    kpi = effect.kpi
    spans = {}
    for when in ("before", "after"):
        cells = [effect.cells[f"{g}_{when}"] for g in ("pilot", "control")]
        firsts, lasts = [c.first for c in cells if c.first], [c.last for c in cells if c.last]
        if firsts:
            spans[when] = (min(firsts), max(lasts))
    columns = [t("col_month", lang), t("p_col_period", lang), t("p_locations", lang),
               t("p_col_pilot_n", lang), t("p_control", lang), t("p_col_control_n", lang)]
    rows = []
    for p, c in zip(pilot.sort("month", descending=True).iter_rows(named=True),
                    control.sort("month", descending=True).iter_rows(named=True), strict=True):
        period = next((t(f"p_{when}", lang) for when, (first, last) in spans.items()
                       if first <= p["month"] <= last), t("p_outside", lang))
        rows.append([fmt_month(p["month"], lang), period,
                     row_value(kpi, p, min_n, lang), row_count(p, min_n, lang),
                     row_value(kpi, c, min_n, lang), row_count(c, min_n, lang)])
    return pl.DataFrame(rows, schema={c: pl.String for c in columns}, orient="row")


def left_out_months(effect: Effect, lang: str) -> str:
    """The months the evaluation left out to protect small numbers, e.g. "Jan 2025, Feb
    2025" ("" when none)."""
    return ", ".join(fmt_month(m, lang) for m in effect.left_out)


def fmt_effect_pp(value: float | None, lang: str) -> str:
    """An effect or target in percentage points, signed: 10.7 → "+10,7 Pp."."""
    return fmt_pp(None if value is None else value / 100, lang)
