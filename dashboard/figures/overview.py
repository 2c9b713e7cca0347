"""Überblick: biggest movers, data freshness, the tiles' sparklines and their table."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from dashboard.figures.common import (
    FONT,
    OKABE_ITO,
    TEXT,
    _separators,
    fmt_day,
    fmt_period,
    grain_key,
)
from dashboard.formatting import DASH, fmt_number, fmt_value, row_count, row_value
from dashboard.i18n import t
from metrics.catalogue import KpiDef

# --- Überblick: biggest movers and data freshness (tables of display text) -----------------


def fmt_kpi_change(kpi: KpiDef, change: float | None, lang: str) -> str:
    """A change as the tiles show it, with an arrow that says the direction in text as well
    as in shape: "↑ +4,2 Pp.", "↓ -12,0 %"."""
    from dashboard.formatting import fmt_change

    if change is None:
        return DASH
    text = fmt_change(change, "pp" if kpi.unit == "percent" else "relative", lang)
    if text.startswith("±"):
        return text
    return f"{'↑' if change > 0 else '↓'} {text}"


def movers_table(frame: pl.DataFrame, kpi: KpiDef, now: str, before: str, lang: str,
                 min_n: int) -> pl.DataFrame:
    """:func:`metrics.headline.movers` as text: service, value now, value before, change,
    n now / before (columns named after the two periods)."""
    columns = [t("o_col_service", lang), now, before, t("o_col_change", lang),
               t("o_col_n", lang)]
    rows = [[r["name"], fmt_value(kpi, r["value"], False, min_n, lang),
             fmt_value(kpi, r["before"], False, min_n, lang),
             fmt_kpi_change(kpi, r["change"], lang),
             f"{fmt_number(r['n'], lang, 0)} / {fmt_number(r['n_before'], lang, 0)}"]
            for r in frame.iter_rows(named=True)]
    return pl.DataFrame(rows, schema={c: pl.String for c in columns}, orient="row")


def freshness_table(frame: pl.DataFrame, lang: str) -> pl.DataFrame:
    """Sources with their last successful delivery, days since, expected interval and a
    status in words and symbol (never colour alone)."""
    columns = [t("q_col_source", lang), t("q_col_freshness", lang),
               t("q_col_last_success", lang), t("q_col_days_since", lang),
               t("o_col_expected", lang)]
    rows = [[r["source"], t("q_stale" if r["stale"] else "q_fresh", lang),
             DASH if r["last_success"] is None else fmt_day(r["last_success"].date(), lang),
             DASH if r["days_since"] is None else fmt_number(r["days_since"], lang, 0),
             fmt_number(r["expected_days"], lang, 0)]
            for r in frame.iter_rows(named=True)]
    return pl.DataFrame(rows, schema={c: pl.String for c in columns}, orient="row")



# --- Überblick: the tiles' sparklines ----------------------------------------------------


def sparkline_figure(series: pl.DataFrame, kpi: KpiDef, labels: list[str], lang: str,
                     min_n: int) -> go.Figure:
    """A tile's small trend (``series``: period, value, n, suppressed; ``labels``: the
    periods as text). A period without a shown value is a gap, never a dip to zero; the
    hover text says "< 5" or "–" there. No axes: the tile's text carries the numbers."""
    percent = kpi.unit == "percent"
    values = series["value"].to_list()
    y = [None if v is None else (v * 100 if percent else v) for v in values]
    hover = [[label, row_value(kpi, r, min_n, lang)]
             for label, r in zip(labels, series.iter_rows(named=True), strict=True)]
    fig = go.Figure(go.Scatter(
        x=labels, y=y, customdata=hover, mode="lines+markers", connectgaps=False,
        line={"color": OKABE_ITO[0], "width": 2}, marker={"size": 5, "color": OKABE_ITO[0]},
        hovertemplate="%{customdata[0]}: %{customdata[1]}<extra></extra>"))
    fig.update_layout(
        separators=_separators(lang), height=70,
        margin={"l": 2, "r": 2, "t": 4, "b": 4}, showlegend=False,
        font={"family": FONT, "size": 12, "color": TEXT}, plot_bgcolor="white",
        paper_bgcolor="white", xaxis={"visible": False, "type": "category"},
        yaxis={"visible": False, "rangemode": "tozero" if percent else "normal"})
    return fig


def sparkline_alt(series: pl.DataFrame, kpi: KpiDef, labels: list[str], lang: str,
                  min_n: int) -> str:
    """Every period of the sparkline in words: "Verlauf: Nov 2025 12,5 %, Dez 2025 –, …"."""
    items = ", ".join(
        f"{label} {row_value(kpi, r, min_n, lang)}"
        for label, r in zip(labels, series.iter_rows(named=True), strict=True))
    return t("o_spark_alt", lang, kpi=kpi.label(lang), items=items)


def tiles_table(items: list[tuple[KpiDef, pl.DataFrame]], grain: str, lang: str,
                min_n: int) -> pl.DataFrame:
    """The tiles' sparklines as one table, newest period first: per KPI its value and n
    ("< 5" withheld, "–" no data). ``items``: (KPI, series of period, value, n, suppressed).
    Cohort KPIs may end a period earlier than the others; their cell then reads "–"."""
    periods = sorted({p for _, series in items for p in series["period"].to_list()},
                     reverse=True)
    header = t(grain_key("col_month", grain), lang)
    columns = [header]
    cells: dict = {p: {header: fmt_period(p, grain, lang)} for p in periods}
    for kpi, series in items:
        value_col, n_col = kpi.label(lang), f"{kpi.label(lang)}: {t('col_n', lang)}"
        columns += [value_col, n_col]
        rows = {r["period"]: r for r in series.iter_rows(named=True)}
        for p in periods:
            r = rows.get(p, {"value": None, "n": 0, "suppressed": False})
            cells[p][value_col] = row_value(kpi, r, min_n, lang)
            cells[p][n_col] = row_count(r, min_n, lang)
    return pl.DataFrame([cells[p] for p in periods], schema={c: pl.String for c in columns},
                        orient="row")
