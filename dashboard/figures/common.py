"""What every page's figures share: the accessible palette and fonts, German number
separators, period labels and ticks, and the KPI trend line (figure, text
alternative, table) that the overview, the services page and the council report draw.

Plotly figures and their text alternatives. No Streamlit here: figures are data.

Accessibility (BITV 2.0 / WCAG 2.1 AA): colour-blind-safe Okabe-Ito colours, lines *and*
markers (colour is never the only carrier), German number formats on axes and in hover
texts, month labels in the reader's language, and a plain-language summary of every chart.
"""

from __future__ import annotations

import datetime as dt
import math

import plotly.graph_objects as go
import plotly.io as pio
import polars as pl
from babel.dates import format_date

from dashboard.formatting import (
    fmt_month,
    fmt_protected,
    fmt_value,
    row_count,
    row_value,
)
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

# Every figure's look is plotly's "simple_white", set here once as the default template: a
# template given per figure (``update_layout(template=…)``) is validated and copied in full
# each time, 20–40 ms per figure on every page run, warm ones included; the default one is
# taken as validated. Every figure module imports this one.
pio.templates.default = "simple_white"
AXIS_TEXT = "#454545"  # 9.7 : 1 on white (WCAG AA needs 4.5 : 1)
GRID = "#E0E0E0"
MAX_TICKS = 12


def _separators(lang: str) -> str:
    """Plotly's ``separators``: decimal then thousands ("," and "." for German)."""
    return ",." if lang == "de" else ".,"


def fmt_period(start: dt.date, grain: str, lang: str) -> str:
    """"Okt 2026", "Q4 2026", "2026" (the same labels as the sidebar's periods)."""
    if grain == "month":
        return fmt_month(start, lang)
    if grain == "quarter":
        return f"Q{(start.month - 1) // 3 + 1} {start.year}"
    return str(start.year)


def grain_key(key: str, grain: str) -> str:
    """The i18n key of a month wording for ``grain`` ("alt_none" → "alt_none_quarter")."""
    return key if grain == "month" else f"{key}_{grain}"


def _period_column(series: pl.DataFrame) -> str:
    """A trend series is by "month" (metrics.overview.trend) or by "period"
    (metrics.headline.period_series, any grain)."""
    return "period" if "period" in series.columns else "month"


def month_ticks(months: list[dt.date], lang: str,
                grain: str = "month") -> tuple[list[dt.date], list[str]]:
    """At most :data:`MAX_TICKS` period labels ("Okt 2026", "Q4 2026"), always including the
    latest."""
    if not months:
        return [], []
    step = max(1, math.ceil(len(months) / MAX_TICKS))
    picked = months[::-1][::step][::-1]
    return picked, [fmt_period(m, grain, lang) for m in picked]


def trend_figure(series: pl.DataFrame, kpi: KpiDef, lang: str, min_n: int,
                 grain: str = "month") -> go.Figure:
    """One KPI per period (``series``: month or period, value, n, suppressed — from
    metrics.overview.trend, or metrics.headline.period_series at ``grain``).

    Periods without a value (suppressed or no cases) leave a gap in the line instead of
    pretending to be zero; the hover text and the data table say why.
    """
    column = _period_column(series)
    months = series[column].to_list()
    values = series["value"].to_list()
    percent = kpi.unit == "percent"
    y = [None if v is None else (v * 100 if percent else v) for v in values]
    hover = [
        [
            fmt_period(r[column], grain, lang),
            row_value(kpi, r, min_n, lang),
            row_count(r, min_n, lang),
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
    tickvals, ticktext = month_ticks(months, lang, grain)
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
        font={"family": FONT, "size": 14, "color": TEXT},
        margin={"l": 10, "r": 20, "t": 20, "b": 10},
        height=380,
        showlegend=False,
        hovermode="closest",
        hoverlabel={"font": {"family": FONT, "size": 14}},
        plot_bgcolor="white",
        paper_bgcolor="white",
        xaxis={
            "title": {"text": t(grain_key("axis_month", grain), lang)},
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


def text_alternative(series: pl.DataFrame, kpi: KpiDef, scope: str, lang: str, min_n: int,
                     grain: str = "month") -> str:
    """A plain-language summary of :func:`trend_figure` for screen readers and print."""
    column = _period_column(series)
    shown = series.filter(pl.col("value").is_not_null())
    protected = (int((series["suppressed"] & series["protected"]).sum())
                 if "protected" in series.columns else 0)
    hidden = int(series["suppressed"].sum()) - protected
    label = kpi.label(lang)
    if shown.is_empty():
        return t(grain_key("alt_none", grain), lang, kpi=label, scope=scope)
    first, last = shown.row(0, named=True), shown.row(-1, named=True)
    if shown.height == 1:
        text = t(
            grain_key("alt_single", grain),
            lang,
            kpi=label,
            scope=scope,
            value=fmt_value(kpi, last["value"], False, min_n, lang),
            month=fmt_period(last[column], grain, lang),
        )
    else:
        text = t(
            grain_key("alt_summary", grain),
            lang,
            kpi=label,
            scope=scope,
            first_value=fmt_value(kpi, first["value"], False, min_n, lang),
            first_month=fmt_period(first[column], grain, lang),
            last_value=fmt_value(kpi, last["value"], False, min_n, lang),
            last_month=fmt_period(last[column], grain, lang),
            direction=_direction(first["value"], last["value"], kpi, lang),
            shown=shown.height,
            months=series.height,
        )
    if hidden:
        key = "alt_hidden_one" if hidden == 1 else "alt_hidden"
        text += t(grain_key(key, grain), lang, hidden=hidden, min_n=min_n)
    if protected:
        text += t("alt_protected", lang, hidden=protected, secondary=fmt_protected(lang))
    return text


def table_rows(series: pl.DataFrame, kpi: KpiDef, lang: str, min_n: int,
               grain: str = "month") -> pl.DataFrame:
    """The chart's data as formatted text, newest period first ("< 5" and "–" spelled
    out)."""
    column, period_header = _period_column(series), t(grain_key("col_month", grain), lang)
    rows = []
    for r in series.sort(column, descending=True).iter_rows(named=True):
        if r["suppressed"] and r.get("protected"):
            note = t("note_protected", lang, secondary=fmt_protected(lang))
        elif r["suppressed"]:
            note = t("note_suppressed", lang, min_n=min_n)
        elif r["value"] is None:
            note = t("note_no_data", lang)
        else:
            note = ""
        rows.append(
            {
                period_header: fmt_period(r[column], grain, lang),
                kpi.label(lang): row_value(kpi, r, min_n, lang),
                t("col_n", lang): row_count(r, min_n, lang),
                t("col_note", lang): note,
            }
        )
    columns = [period_header, kpi.label(lang), t("col_n", lang), t("col_note", lang)]
    return pl.DataFrame(rows, schema={c: pl.String for c in columns}, orient="row")


def fmt_day(day: dt.date, lang: str) -> str:
    """01.09.2025 (en: 1 Sep 2025). Belongs in dashboard.formatting; here while that module
    is shared with other work."""
    return format_date(day, "dd.MM.yyyy" if lang == "de" else "d MMM yyyy",
                       locale="de_DE" if lang == "de" else "en")


def _share_layout(fig: go.Figure, lang: str, height: int) -> None:
    fig.update_layout(
        separators=_separators(lang),
        font={"family": FONT, "size": 14, "color": TEXT},
        margin={"l": 10, "r": 30, "t": 30, "b": 10}, height=height, showlegend=False,
        hovermode="closest", hoverlabel={"font": {"family": FONT, "size": 14}},
        plot_bgcolor="white", paper_bgcolor="white",
    )
