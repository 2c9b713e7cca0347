"""Plotly figures and their text alternatives. No Streamlit here: figures are data.

Accessibility (BITV 2.0 / WCAG 2.1 AA): colour-blind-safe Okabe-Ito colours, lines *and*
markers (colour is never the only carrier), German number formats on axes and in hover
texts, month labels in the reader's language, and a plain-language summary of every chart.
"""

from __future__ import annotations

import datetime as dt
import html
import math
import textwrap

import plotly.graph_objects as go
import polars as pl

from dashboard.formatting import fmt_count, fmt_month, fmt_number, fmt_value
from dashboard.i18n import t
from metrics.catalogue import KpiDef

# Okabe & Ito (2008), "Color Universal Design": distinguishable with every common
# colour-vision deficiency. Order: blue, vermillion, bluish green, orange, reddish purple,
# sky blue, yellow, black.
OKABE_ITO = (
    "#0072B2",
    "#D55E00",
    "#009E73",
    "#E69F00",
    "#CC79A7",
    "#56B4E9",
    "#F0E442",
    "#000000",
)
MARKERS = ("circle", "square", "diamond", "triangle-up", "x", "cross", "star", "hexagon")
FONT = "Source Sans Pro, Source Sans, sans-serif"
TEXT = "#111111"  # same as the app theme's textColor
AXIS_TEXT = "#454545"  # 9.7 : 1 on white (WCAG AA needs 4.5 : 1)
GRID = "#E0E0E0"
MAX_TICKS = 12


def _separators(lang: str) -> str:
    """Plotly's ``separators``: decimal then thousands ("," and "." for German)."""
    return ",." if lang == "de" else ".,"


def month_ticks(months: list[dt.date], lang: str) -> tuple[list[dt.date], list[str]]:
    """At most :data:`MAX_TICKS` month labels ("Okt 2026"), always including the latest."""
    if not months:
        return [], []
    step = max(1, math.ceil(len(months) / MAX_TICKS))
    picked = months[::-1][::step][::-1]
    return picked, [fmt_month(m, lang) for m in picked]


def trend_figure(series: pl.DataFrame, kpi: KpiDef, lang: str, min_n: int) -> go.Figure:
    """One KPI per month (``series``: month, value, n, suppressed from metrics.overview.trend).

    Months without a value (suppressed or no cases) leave a gap in the line instead of
    pretending to be zero; the hover text and the data table say why.
    """
    months = series["month"].to_list()
    values = series["value"].to_list()
    percent = kpi.unit == "percent"
    y = [None if v is None else (v * 100 if percent else v) for v in values]
    hover = [
        [
            fmt_month(r["month"], lang),
            fmt_value(kpi, r["value"], r["suppressed"], min_n, lang),
            fmt_count(r["n"], r["suppressed"], min_n, lang),
        ]
        for r in series.iter_rows(named=True)
    ]
    n_label = t("col_n", lang)
    fig = go.Figure(
        go.Scatter(
            x=months,
            y=y,
            customdata=hover,
            mode="lines+markers",
            name=kpi.label(lang),
            line={"color": OKABE_ITO[0], "width": 2.5},
            marker={"symbol": MARKERS[0], "size": 8, "color": OKABE_ITO[0]},
            connectgaps=False,
            hovertemplate=(
                "<b>%{customdata[0]}</b><br>"
                f"{kpi.label(lang)}: %{{customdata[1]}}<br>"
                f"{n_label}: %{{customdata[2]}}<extra></extra>"
            ),
        )
    )
    tickvals, ticktext = month_ticks(months, lang)
    present = [v for v in y if v is not None]
    y_axis: dict = {
        "title": {"text": kpi.label(lang)},
        "rangemode": "tozero",
        "showgrid": True,
        "gridcolor": GRID,
        "tickfont": {"color": AXIS_TEXT},
    }
    if percent:
        top = max(present, default=0)
        y_axis |= {
            "ticksuffix": "\u00a0%" if lang == "de" else "%",
            "tickformat": ",.0f",
            "range": [0, 100 if top > 60 else max(10, math.ceil(top / 10) * 10 + 10)],
        }
    else:
        y_axis |= {
            "ticksuffix": "\u00a0" + ("Tage" if lang == "de" else "days"),
            "tickformat": ",.0f",
        }
    fig.update_layout(
        separators=_separators(lang),
        template="simple_white",
        font={"family": FONT, "size": 14, "color": TEXT},
        margin={"l": 10, "r": 20, "t": 20, "b": 10},
        height=380,
        showlegend=False,
        hovermode="closest",
        hoverlabel={"font": {"family": FONT, "size": 14}},
        plot_bgcolor="white",
        paper_bgcolor="white",
        xaxis={
            "title": {"text": t("axis_month", lang)},
            "tickmode": "array",
            "tickvals": tickvals,
            "ticktext": ticktext,
            "showgrid": False,
            "tickfont": {"color": AXIS_TEXT},
        },
        yaxis=y_axis,
    )
    return fig


def _direction(first: float, last: float, kpi: KpiDef, lang: str) -> str:
    # Changes that vanish at the displayed precision count as "unchanged".
    tolerance = 0.0005 if kpi.unit == "percent" else 0.05
    if abs(last - first) < tolerance:
        return t("alt_flat", lang)
    return t("alt_rising", lang) if last > first else t("alt_falling", lang)


def text_alternative(series: pl.DataFrame, kpi: KpiDef, scope: str, lang: str, min_n: int) -> str:
    """A plain-language summary of :func:`trend_figure` for screen readers and print."""
    shown = series.filter(pl.col("value").is_not_null())
    hidden = int(series["suppressed"].sum())
    label = kpi.label(lang)
    if shown.is_empty():
        return t("alt_none", lang, kpi=label, scope=scope)
    first, last = shown.row(0, named=True), shown.row(-1, named=True)
    if shown.height == 1:
        text = t(
            "alt_single",
            lang,
            kpi=label,
            scope=scope,
            value=fmt_value(kpi, last["value"], False, min_n, lang),
            month=fmt_month(last["month"], lang),
        )
    else:
        text = t(
            "alt_summary",
            lang,
            kpi=label,
            scope=scope,
            first_value=fmt_value(kpi, first["value"], False, min_n, lang),
            first_month=fmt_month(first["month"], lang),
            last_value=fmt_value(kpi, last["value"], False, min_n, lang),
            last_month=fmt_month(last["month"], lang),
            direction=_direction(first["value"], last["value"], kpi, lang),
            shown=shown.height,
            months=series.height,
        )
    if hidden:
        key = "alt_hidden_one" if hidden == 1 else "alt_hidden"
        text += t(key, lang, hidden=hidden, min_n=min_n)
    return text


def table_rows(series: pl.DataFrame, kpi: KpiDef, lang: str, min_n: int) -> pl.DataFrame:
    """The chart's data as formatted text, newest month first ("< 5" and "–" spelled out)."""
    rows = []
    for r in series.sort("month", descending=True).iter_rows(named=True):
        if r["suppressed"]:
            note = t("note_suppressed", lang, min_n=min_n)
        elif r["value"] is None:
            note = t("note_no_data", lang)
        else:
            note = ""
        rows.append(
            {
                t("col_month", lang): fmt_month(r["month"], lang),
                kpi.label(lang): fmt_value(kpi, r["value"], r["suppressed"], min_n, lang),
                t("col_n", lang): fmt_count(r["n"], r["suppressed"], min_n, lang),
                t("col_note", lang): note,
            }
        )
    columns = [t("col_month", lang), kpi.label(lang), t("col_n", lang), t("col_note", lang)]
    return pl.DataFrame(rows, schema={c: pl.String for c in columns}, orient="row")


# --- data quality: rejected rows by reason --------------------------------------------


def reasons_alt(reasons: pl.DataFrame, lang: str, listed: int = 5) -> str:
    """Every group with its count (the ``listed`` largest, then the rest summed up)."""
    quote = "„{}“" if lang == "de" else "“{}”"
    items = "; ".join(f"{quote.format(r['reason'])}: {fmt_number(r['rows'], lang)}"
                      for r in reasons.head(listed).iter_rows(named=True))
    rest = reasons.slice(listed)
    if rest.height:
        items += t("q_alt_more", lang, groups=fmt_number(rest.height, lang),
                   rows=fmt_number(rest["rows"].sum(), lang))
    return t("q_alt_reasons", lang, rows=fmt_number(reasons["rows"].sum(), lang), items=items)


def reasons_figure(reasons: pl.DataFrame, lang: str, chart_reasons: int = 15) -> go.Figure:
    """Horizontal bars, most frequent reason on top, the count written next to each bar."""
    top = reasons.head(chart_reasons).reverse()  # plotly draws the first category lowest
    labels = ["<br>".join(html.escape(line, quote=False) for line in textwrap.wrap(r, 48))
              for r in top["reason"]]
    counts = [fmt_number(n, lang) for n in top["rows"]]
    fig = go.Figure(go.Bar(
        x=top["rows"].to_list(), y=labels, orientation="h", text=counts,
        textposition="outside", cliponaxis=False, marker={"color": OKABE_ITO[0]},
        hovertemplate="%{y}<br>" + t("q_axis_rows", lang) + ": %{text}<extra></extra>",
    ))
    fig.update_layout(
        separators=",." if lang == "de" else ".,",
        template="simple_white",
        font={"family": FONT, "size": 14, "color": TEXT},
        margin={"l": 10, "r": 40, "t": 10, "b": 10},
        height=90 + 46 * top.height,
        showlegend=False,
        plot_bgcolor="white",
        paper_bgcolor="white",
        xaxis={"title": {"text": t("q_axis_rows", lang)}, "tickformat": ",d",
               "rangemode": "tozero", "showgrid": True, "gridcolor": GRID,
               "tickfont": {"color": AXIS_TEXT},
               # whole rows only: no "0, 1, 1, 2, 2" from half steps on small counts
               **({"tick0": 0, "dtick": 1} if top["rows"].max() <= 10 else {})},
        yaxis={"automargin": True, "tickfont": {"color": TEXT}},
    )
    return fig
