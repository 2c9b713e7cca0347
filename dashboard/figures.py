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
    hidden = int(series["suppressed"].sum())
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
    return text


def table_rows(series: pl.DataFrame, kpi: KpiDef, lang: str, min_n: int,
               grain: str = "month") -> pl.DataFrame:
    """The chart's data as formatted text, newest period first ("< 5" and "–" spelled
    out)."""
    column, period_header = _period_column(series), t(grain_key("col_month", grain), lang)
    rows = []
    for r in series.sort(column, descending=True).iter_rows(named=True):
        if r["suppressed"]:
            note = t("note_suppressed", lang, min_n=min_n)
        elif r["value"] is None:
            note = t("note_no_data", lang)
        else:
            note = ""
        rows.append(
            {
                period_header: fmt_period(r[column], grain, lang),
                kpi.label(lang): fmt_value(kpi, r["value"], r["suppressed"], min_n, lang),
                t("col_n", lang): fmt_count(r["n"], r["suppressed"], min_n, lang),
                t("col_note", lang): note,
            }
        )
    columns = [period_header, kpi.label(lang), t("col_n", lang), t("col_note", lang)]
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


# --- satisfaction (metrics.satisfaction rows) ----------------------------------------------
# Imported here rather than at the top so this page's builders stay one appended block.
from dashboard.formatting import fmt_percent, fmt_suppressed  # noqa: E402
from dashboard.i18n import STRINGS  # noqa: E402

SATISFACTION_KINDS = {"top2": (1, 100.0), "mean": (1, 1.0), "score": (2, 1.0)}  # decimals, ×


def topic_label(topic: str, lang: str) -> str:
    """"reachability" → "Erreichbarkeit"; an unknown topic as it is."""
    key = f"s_topic_{topic}"
    return t(key, lang) if key in STRINGS else topic


def fmt_rating_value(kind: str, row: dict, min_n: int, lang: str) -> str:
    """Top-2 share "71,4 %", mean "4,0" or score "0,75"; "< 5" when withheld, "–" without."""
    if row.get("suppressed"):
        return fmt_suppressed(min_n, lang)
    value = row.get({"top2": "top2_share", "mean": "mean_rating", "score": "score"}[kind])
    if value is None:
        return "–"
    if kind == "top2":
        return fmt_percent(value, lang)
    return fmt_number(value, lang, SATISFACTION_KINDS[kind][0])


def fmt_interval(kind: str, row: dict, min_n: int, lang: str) -> str:
    """The 95 % interval as a range: "35,9–91,8 %", "2,9–5,0", "0,48–1,00"."""
    if row.get("suppressed"):
        return fmt_suppressed(min_n, lang)
    prefix = {"top2": "top2", "mean": "mean", "score": "score"}[kind]
    lo, hi = row.get(f"{prefix}_lo"), row.get(f"{prefix}_hi")
    if lo is None or hi is None:
        return "–"
    decimals, scale = SATISFACTION_KINDS[kind]
    text = f"{fmt_number(lo * scale, lang, decimals)}–{fmt_number(hi * scale, lang, decimals)}"
    if kind == "top2":
        text += "\u00a0%" if lang == "de" else "%"
    return text


def _share_layout(fig: go.Figure, lang: str, height: int) -> None:
    fig.update_layout(
        separators=_separators(lang), template="simple_white",
        font={"family": FONT, "size": 14, "color": TEXT},
        margin={"l": 10, "r": 30, "t": 30, "b": 10}, height=height, showlegend=False,
        hovermode="closest", hoverlabel={"font": {"family": FONT, "size": 14}},
        plot_bgcolor="white", paper_bgcolor="white",
    )


def satisfaction_trend_figure(monthly: pl.DataFrame, topic: str, lang: str,
                              min_n: int) -> go.Figure:
    """Monthly top-2 share with its Wilson interval as error bars and n in the hover.

    Withheld months (fewer than ``min_n`` ratings) stay a gap, shaded and labelled "< 5" at
    the top of the plot — never a point at zero; months without ratings are an empty gap."""
    rows = monthly.to_dicts()
    months = [r["month"] for r in rows]
    y = [None if r["top2_share"] is None else r["top2_share"] * 100 for r in rows]
    plus = [None if r["top2_hi"] is None else (r["top2_hi"] - r["top2_share"]) * 100
            for r in rows]
    minus = [None if r["top2_lo"] is None else (r["top2_share"] - r["top2_lo"]) * 100
             for r in rows]
    hover = [[fmt_month(r["month"], lang), fmt_rating_value("top2", r, min_n, lang),
              fmt_interval("top2", r, min_n, lang), fmt_count(r["n"], r["suppressed"], min_n,
                                                              lang)] for r in rows]
    fig = go.Figure(go.Scatter(
        x=months, y=y, customdata=hover, mode="lines+markers", connectgaps=False,
        name=t("s_axis_top2", lang), line={"color": OKABE_ITO[0], "width": 2.5},
        marker={"symbol": MARKERS[0], "size": 8, "color": OKABE_ITO[0]},
        error_y={"type": "data", "symmetric": False, "array": plus, "arrayminus": minus,
                 "color": OKABE_ITO[0], "thickness": 1.5, "width": 5},
        hovertemplate=(f"<b>%{{customdata[0]}}</b><br>{topic}<br>"
                       f"{t('s_axis_top2', lang)}: %{{customdata[1]}}<br>"
                       f"{t('s_col_interval', lang)}: %{{customdata[2]}}<br>"
                       f"{t('s_col_n', lang)}: %{{customdata[3]}}<extra></extra>"),
    ))
    for r in rows:
        if r["suppressed"]:
            start = r["month"] - dt.timedelta(days=14)
            fig.add_vrect(x0=start, x1=start + dt.timedelta(days=28), fillcolor="#BBBBBB",
                          opacity=0.25, line_width=0, layer="below")
            fig.add_annotation(x=r["month"], y=1, yref="paper", yanchor="bottom",
                               text=fmt_suppressed(min_n, lang), showarrow=False,
                               font={"color": AXIS_TEXT, "size": 12})
    tickvals, ticktext = month_ticks(months, lang)
    _share_layout(fig, lang, 380)
    fig.update_layout(
        xaxis={"title": {"text": t("s_axis_month", lang)}, "tickmode": "array",
               "tickvals": tickvals, "ticktext": ticktext, "showgrid": False,
               "tickfont": {"color": AXIS_TEXT},
               # half a month of room either side, so a single month is not a bare axis
               **({"range": [months[0] - dt.timedelta(days=20),
                             months[-1] + dt.timedelta(days=20)]} if months else {})},
        yaxis={"title": {"text": t("s_axis_top2", lang)}, "range": [0, 100],
               "ticksuffix": "\u00a0%" if lang == "de" else "%", "tickformat": ",.0f",
               "showgrid": True, "gridcolor": GRID, "tickfont": {"color": AXIS_TEXT}},
    )
    return fig


def satisfaction_trend_alt(monthly: pl.DataFrame, topic: str, lang: str, min_n: int) -> str:
    """A plain-language summary of :func:`satisfaction_trend_figure`."""
    shown = monthly.filter(pl.col("top2_share").is_not_null())
    hidden = int(monthly["suppressed"].sum())
    if shown.is_empty():
        text = t("s_alt_trend_none", lang, topic=topic, min_n=min_n)
    else:
        first, last = shown.row(0, named=True), shown.row(-1, named=True)
        values = {"topic": topic, "interval": fmt_interval("top2", last, min_n, lang),
                  "n": fmt_number(last["n"], lang, 0)}
        if shown.height == 1:
            text = t("s_alt_trend_single", lang, value=fmt_rating_value("top2", last, min_n, lang),
                     month=fmt_month(last["month"], lang), **values)
        else:
            change = last["top2_share"] - first["top2_share"]
            direction = ("alt_flat" if abs(change) < 0.0005
                         else "alt_rising" if change > 0 else "alt_falling")
            text = t("s_alt_trend", lang, direction=t(direction, lang),
                     first_value=fmt_rating_value("top2", first, min_n, lang),
                     first_month=fmt_month(first["month"], lang),
                     last_value=fmt_rating_value("top2", last, min_n, lang),
                     last_month=fmt_month(last["month"], lang), shown=shown.height,
                     months=monthly.height, **values)
    if hidden:
        key = "s_alt_hidden_one" if hidden == 1 else "s_alt_hidden"
        text += t(key, lang, hidden=hidden, min_n=min_n)
    return text


def _satisfaction_row(r: dict, min_n: int, lang: str) -> dict[str, str]:
    if r["suppressed"]:
        note = t("s_note_suppressed", lang, min_n=min_n)
    elif r["n"] == 0:
        note = t("s_note_no_data", lang)
    else:
        note = ""
    return {t("s_col_top2", lang): fmt_rating_value("top2", r, min_n, lang),
            t("s_col_interval", lang): fmt_interval("top2", r, min_n, lang),
            t("s_col_mean", lang): fmt_rating_value("mean", r, min_n, lang),
            t("s_col_score", lang): fmt_rating_value("score", r, min_n, lang),
            t("s_col_n", lang): fmt_count(r["n"], r["suppressed"], min_n, lang),
            t("s_col_note", lang): note}


def satisfaction_trend_table(monthly: pl.DataFrame, lang: str, min_n: int) -> pl.DataFrame:
    """The chart's data as text, newest month first ("< 5" and "–" spelled out)."""
    rows = [{t("s_col_month", lang): fmt_month(r["month"], lang),
             **_satisfaction_row(r, min_n, lang)}
            for r in monthly.sort("month", descending=True).iter_rows(named=True)]
    columns = [t(k, lang) for k in ("s_col_month", "s_col_top2", "s_col_interval", "s_col_mean",
                                    "s_col_score", "s_col_n", "s_col_note")]
    return pl.DataFrame(rows, schema={c: pl.String for c in columns}, orient="row")


def topics_figure(topics: pl.DataFrame, lang: str, min_n: int) -> go.Figure:
    """One horizontal bar per topic (best on top), the Wilson interval as error bars, the
    value and n written as text; withheld topics keep their row with "< 5" and no bar."""
    rows = topics.reverse().to_dicts()  # plotly draws the first category lowest
    labels = [f"{html.escape(topic_label(r['topic'], lang))} · n "
              + (html.escape(fmt_suppressed(min_n, lang)) if r["suppressed"]
                 else f"= {fmt_number(r['n'], lang, 0)}") for r in rows]
    x = [0 if r["top2_share"] is None else r["top2_share"] * 100 for r in rows]
    text = [fmt_rating_value("top2", r, min_n, lang) for r in rows]
    fig = go.Figure(go.Bar(
        # the value inside the bar (white on blue: 5.1 : 1), clear of the interval's whisker;
        # a withheld topic has no bar, its "< 5" stands next to the axis
        x=x, y=labels, orientation="h", text=text, cliponaxis=False,
        textposition=["outside" if r["top2_share"] is None else "inside" for r in rows],
        insidetextanchor="start", insidetextfont={"color": "white"},
        outsidetextfont={"color": TEXT}, marker={"color": OKABE_ITO[0]},
        customdata=[fmt_interval("top2", r, min_n, lang) for r in rows],
        error_x={"type": "data", "symmetric": False,
                 "array": [None if r["top2_hi"] is None else (r["top2_hi"] - r["top2_share"]) * 100
                           for r in rows],
                 "arrayminus": [None if r["top2_lo"] is None
                                else (r["top2_share"] - r["top2_lo"]) * 100 for r in rows],
                 "color": TEXT, "thickness": 1.5, "width": 6},
        hovertemplate=(f"%{{y}}<br>{t('s_axis_top2', lang)}: %{{text}}<br>"
                       f"{t('s_col_interval', lang)}: %{{customdata}}<extra></extra>"),
    ))
    _share_layout(fig, lang, 90 + 52 * len(rows))
    fig.update_layout(
        xaxis={"title": {"text": t("s_axis_top2", lang)}, "range": [0, 105],
               "ticksuffix": "\u00a0%" if lang == "de" else "%", "tickformat": ",.0f",
               "showgrid": True, "gridcolor": GRID, "tickfont": {"color": AXIS_TEXT}},
        yaxis={"automargin": True, "tickfont": {"color": TEXT}},
    )
    return fig


def topics_alt(topics: pl.DataFrame, first: dt.date, last: dt.date, lang: str,
               min_n: int) -> str:
    items = "; ".join(
        t("s_alt_topic_hidden", lang, topic=topic_label(r["topic"], lang),
          n=fmt_suppressed(min_n, lang)) if r["suppressed"]
        else t("s_alt_topic_item", lang, topic=topic_label(r["topic"], lang),
               value=fmt_rating_value("top2", r, min_n, lang),
               interval=fmt_interval("top2", r, min_n, lang), n=fmt_number(r["n"], lang, 0))
        for r in topics.iter_rows(named=True))
    return t("s_alt_topics", lang, first=fmt_month(first, lang), last=fmt_month(last, lang),
             items=items)


def topics_table(topics: pl.DataFrame, lang: str, min_n: int) -> pl.DataFrame:
    rows = [{t("s_col_topic", lang): topic_label(r["topic"], lang),
             **_satisfaction_row(r, min_n, lang)} for r in topics.iter_rows(named=True)]
    columns = [t(k, lang) for k in ("s_col_topic", "s_col_top2", "s_col_interval", "s_col_mean",
                                    "s_col_score", "s_col_n", "s_col_note")]
    return pl.DataFrame(rows, schema={c: pl.String for c in columns}, orient="row")


# --- Pilotprojekte: pilot locations against the comparison group ---------------------------
# Imported here rather than at the top so this page's figures stay one appended block.
from collections.abc import Sequence  # noqa: E402

from babel.dates import format_date  # noqa: E402

from dashboard.formatting import fmt_pp  # noqa: E402
from metrics.pilots import Cell, Effect  # noqa: E402

PILOT_STYLE = {"color": OKABE_ITO[0], "dash": "solid", "symbol": MARKERS[0]}
CONTROL_STYLE = {"color": OKABE_ITO[1], "dash": "dash", "symbol": MARKERS[1]}
INTERVENTION_COLOR = TEXT  # black diamonds: neither of the two lines' colours
CLOSE_DAYS = 75  # default width of a label in days (see _label_rows)


def fmt_day(day: dt.date, lang: str) -> str:
    """01.09.2025 (en: 1 Sep 2025). Belongs in dashboard.formatting; here while that module
    is shared with other work."""
    return format_date(day, "dd.MM.yyyy" if lang == "de" else "d MMM yyyy",
                       locale="de_DE" if lang == "de" else "en")


def _percent_points(series: pl.DataFrame) -> list[float | None]:
    return [None if v is None else v * 100 for v in series["value"].to_list()]


def _group_trace(series: pl.DataFrame, name: str, style: dict, kpi: KpiDef, lang: str,
                 min_n: int) -> go.Scatter:
    hover = [[fmt_month(r["month"], lang),
              fmt_value(kpi, r["value"], r["suppressed"], min_n, lang),
              fmt_count(r["n"], r["suppressed"], min_n, lang)]
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
    """Monthly KPI of the pilot locations and the comparison group (``metrics.overview.trend``
    frames over the same months): two lines that differ in colour, dash *and* marker, a solid
    vertical line at the start and a labelled black diamond with a dotted line per Maßnahme."""
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
        template="simple_white",
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
                     fmt_value(kpi, p["value"], p["suppressed"], min_n, lang),
                     fmt_count(p["n"], p["suppressed"], min_n, lang),
                     fmt_value(kpi, c["value"], c["suppressed"], min_n, lang),
                     fmt_count(c["n"], c["suppressed"], min_n, lang)])
    return pl.DataFrame(rows, schema={c: pl.String for c in columns}, orient="row")


def fmt_effect_pp(value: float | None, lang: str) -> str:
    """An effect or target in percentage points, signed: 10.7 → "+10,7 Pp."."""
    return fmt_pp(None if value is None else value / 100, lang)


# --- Standorte: comparison with intervals, a map without tiles, appointments, waits --------
# Imported here rather than at the top so this page's builders stay one appended block.
from dashboard.formatting import fmt_days  # noqa: E402
from metrics.waits import WEEKDAYS_DE  # noqa: E402

WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
KIND_STYLE = {"office": (OKABE_ITO[0], "circle"), "mobile": (OKABE_ITO[1], "square"),
              "virtual": (OKABE_ITO[2], "diamond")}
KM_PER_DEGREE = 111.32  # one degree of latitude (and of longitude at the equator)
SCALE_STEPS_KM = (0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200)
HEATMAP_SCALE = "Cividis"  # sequential, readable with every colour-vision deficiency


def weekday_label(weekday: int, lang: str) -> str:
    """1 → "Mo" (en: "Mon")."""
    return (WEEKDAYS_DE if lang == "de" else WEEKDAYS_EN)[weekday - 1]


def hour_label(hour: int, lang: str) -> str:
    """8 → "08–09 Uhr" (en: "08:00–09:00")."""
    if lang == "de":
        return f"{hour:02d}–{hour + 1:02d}\u00a0Uhr"
    return f"{hour:02d}:00–{hour + 1:02d}:00"


def kind_label(kind: str | None, lang: str) -> str:
    key = f"l_kind_{kind}"
    return t(key, lang) if key in STRINGS else (kind or "–")


def fmt_share_range(lo: float | None, hi: float | None, lang: str) -> str:
    """A share's interval as a range: "33,7–37,2 %"; "–" without one."""
    if lo is None or hi is None:
        return "–"
    unit = "\u00a0%" if lang == "de" else "%"
    return f"{fmt_number(lo * 100, lang, 1)}–{fmt_number(hi * 100, lang, 1)}{unit}"


def fmt_share(row: dict, min_n: int, lang: str) -> str:
    """A share cell (``value``, ``n``, ``suppressed``): "35,4 %", "< 5" or "–"."""
    if row["suppressed"]:
        return fmt_suppressed(min_n, lang)
    return fmt_percent(row["value"], lang) if row["value"] is not None else "–"


def fmt_minutes(value: float | None, lang: str, decimals: int = 0) -> str:
    """12.0 → "12 Min." (en: "12 min"); "–" without a value."""
    if value is None:
        return "–"
    return f"{fmt_number(value, lang, decimals)}\u00a0{t('l_minutes_short', lang)}"


def _share_order(frame: pl.DataFrame) -> pl.DataFrame:
    """Highest share first; withheld, then empty rows at the end (by name)."""
    return frame.sort([pl.col("value").is_null(), pl.col("suppressed").not_(),
                       pl.col("value"), pl.col("name")],
                      descending=[False, False, True, False], nulls_last=True)


def interval_figure(frame: pl.DataFrame, axis_title: str, lang: str, min_n: int,
                    total: dict | None = None, total_label: str = "") -> go.Figure:
    """One row per location (``name``, ``value``, ``lo``, ``hi``, ``n``, ``suppressed``):
    the share as a point, its 95 % interval as a horizontal line, the value written above
    the point and n in the row label — highest share on top. A withheld row keeps its place
    with "< 5" and no point; a row without cases says "–". ``total`` draws a dashed line."""
    rows = _share_order(frame).reverse().to_dicts()  # plotly draws the first row lowest
    labels = [f"{html.escape(r['name'])} · n = {fmt_count(r['n'], r['suppressed'], min_n, lang)}"
              for r in rows]
    shown = [r["value"] is not None for r in rows]
    fig = go.Figure(go.Scatter(
        x=[r["value"] * 100 if s else None for r, s in zip(rows, shown, strict=True)],
        y=labels, mode="markers+text", text=[fmt_share(r, min_n, lang) for r in rows],
        textposition="top center", cliponaxis=False,
        marker={"symbol": MARKERS[0], "size": 10, "color": OKABE_ITO[0]},
        customdata=[fmt_share_range(r["lo"], r["hi"], lang) for r in rows],
        error_x={"type": "data", "symmetric": False,
                 "array": [(r["hi"] - r["value"]) * 100 if s else None
                           for r, s in zip(rows, shown, strict=True)],
                 "arrayminus": [(r["value"] - r["lo"]) * 100 if s else None
                                for r, s in zip(rows, shown, strict=True)],
                 "color": OKABE_ITO[0], "thickness": 2, "width": 6},
        hovertemplate=(f"%{{y}}<br>{html.escape(axis_title)}: %{{text}}<br>"
                       f"{t('s_col_interval', lang)}: %{{customdata}}<extra></extra>"),
    ))
    missing = [(label, f"{fmt_share(r, min_n, lang)} · "
                + (t("note_suppressed", lang, min_n=min_n) if r["suppressed"]
                   else t("note_no_data", lang)))
               for label, r, s in zip(labels, rows, shown, strict=True) if not s]
    if missing:  # "< 5" / "–" where the point would be, said in words, never a point at 0
        fig.add_trace(go.Scatter(
            x=[0] * len(missing), y=[m[0] for m in missing], mode="text",
            text=[m[1] for m in missing], textposition="middle right",
            textfont={"color": AXIS_TEXT}, hoverinfo="skip", cliponaxis=False))
    top = max([(r["hi"] or 0) * 100 for r, s in zip(rows, shown, strict=True) if s]
              + [((total or {}).get("value") or 0) * 100], default=0)
    if total and total.get("value") is not None:
        fig.add_vline(x=total["value"] * 100, line={"color": TEXT, "width": 1.5, "dash": "dash"})
        fig.add_annotation(x=total["value"] * 100, y=1, yref="paper", yanchor="bottom",
                           showarrow=False, font={"color": TEXT, "size": 13},
                           text=f"{html.escape(total_label)}: {fmt_percent(total['value'], lang)}")
    _share_layout(fig, lang, 110 + 48 * len(rows))
    fig.update_layout(
        margin={"l": 10, "r": 30, "t": 40, "b": 10},
        xaxis={"title": {"text": axis_title}, "range": [0, min(100, math.ceil(top / 10) * 10
                                                             + 10)],
               "ticksuffix": "\u00a0%" if lang == "de" else "%", "tickformat": ",.0f",
               "showgrid": True, "gridcolor": GRID, "tickfont": {"color": AXIS_TEXT}},
        yaxis={"automargin": True, "tickfont": {"color": TEXT}},
    )
    return fig


def interval_alt(frame: pl.DataFrame, what: str, period: str, lang: str, min_n: int) -> str:
    """Every location with its share, interval and n, highest first."""
    items = []
    for r in _share_order(frame).iter_rows(named=True):
        value = fmt_share(r, min_n, lang)
        if r["value"] is not None:
            value += f" ({fmt_share_range(r['lo'], r['hi'], lang)})"
        items.append(t("l_alt_item", lang, name=r["name"], value=value,
                       n=fmt_count(r["n"], r["suppressed"], min_n, lang)))
    return t("l_alt_interval", lang, what=what, period=period, items="; ".join(items))


def interval_table(frame: pl.DataFrame, value_header: str, n_header: str, lang: str,
                   min_n: int) -> pl.DataFrame:
    """The chart's rows as text in the chart's order ("< 5" and "–" spelled out)."""
    columns = [t("l_col_location", lang), value_header, t("s_col_interval", lang), n_header,
               t("col_note", lang)]
    rows = []
    for r in _share_order(frame).iter_rows(named=True):
        note = (t("note_suppressed", lang, min_n=min_n) if r["suppressed"]
                else t("note_no_data", lang) if r["value"] is None else "")
        rows.append([r["name"], fmt_share(r, min_n, lang), fmt_share_range(r["lo"], r["hi"], lang),
                     fmt_count(r["n"], r["suppressed"], min_n, lang), note])
    return pl.DataFrame(rows, schema={c: pl.String for c in columns}, orient="row")


# --- the map: longitude and latitude on equal-scale axes, no tile server ---------------------


def _scale_km(span_km: float) -> float:
    """A round length for the scale bar, about a quarter of the shown width."""
    return min(SCALE_STEPS_KM, key=lambda step: abs(step - span_km / 4))


def cases_text(row: dict, min_n: int, lang: str) -> str:
    """Cases of a location; "–" when the store holds no cases at all (``n`` null)."""
    return "–" if row["n"] is None else fmt_count(row["n"], row["suppressed"], min_n, lang)


def _crowded(points: list[tuple[float, float]], near: float) -> list[bool]:
    """True for a point closer than ``near`` to an earlier one: its label would sit on the
    earlier (bigger) marker, so it gets a label with a leader line instead."""
    return [any(math.hypot(x - px, y - py) < near for px, py in points[:i])
            for i, (x, y) in enumerate(points)]


def location_map_figure(frame: pl.DataFrame, lang: str, min_n: int) -> go.Figure:
    """Locations with coordinates as points: x = longitude, y = latitude with the y axis
    scaled by 1 / cos(latitude), so distances are true in both directions (north is up).
    Marker area grows with the cases (``n``); colour *and* shape say the kind, and every
    point is labelled with its name. Nothing is fetched from the internet (no geo/mapbox).
    ``frame``: name, kind, district, latitude, longitude, n, suppressed."""
    placed = frame.filter(pl.col("latitude").is_not_null() & pl.col("longitude").is_not_null())
    lat0 = float(placed["latitude"].mean())
    ratio = 1 / math.cos(math.radians(lat0))
    lon_min, lon_max = placed["longitude"].min(), placed["longitude"].max()
    lat_min, lat_max = placed["latitude"].min(), placed["latitude"].max()
    # at least ~2 km shown, and a margin for labels and the scale bar
    pad_lon = max((lon_max - lon_min) * 0.18, 1.0 / (KM_PER_DEGREE / ratio))
    pad_lat = max((lat_max - lat_min) * 0.18, 1.0 / KM_PER_DEGREE)
    x_range = [lon_min - pad_lon, lon_max + pad_lon]
    y_range = [lat_min - pad_lat * 1.4, lat_max + pad_lat]
    biggest = max(placed.filter(~pl.col("suppressed"))["n"].max() or 0, 1)
    # biggest first: drawn lowest, and labelled directly; a crowded smaller neighbour gets a
    # leader line
    placed = placed.with_columns(shown_n=pl.when(pl.col("suppressed")).then(0)
                                 .otherwise(pl.col("n")).fill_null(0)).sort(["shown_n", "name"],
                                                               descending=[True, False])
    placed = placed.with_columns(crowded=pl.Series(_crowded(
        list(zip(placed["longitude"], placed["latitude"] * ratio, strict=True)),
        (x_range[1] - x_range[0]) * 0.06)))
    fig = go.Figure()
    kinds = sorted(placed["kind"].unique().to_list(),
                   key=lambda k: (list(KIND_STYLE).index(k) if k in KIND_STYLE else 99, k))
    for kind in kinds:
        rows = placed.filter(pl.col("kind") == kind).to_dicts()
        color, symbol = KIND_STYLE.get(kind, (OKABE_ITO[7], "x"))
        fig.add_trace(go.Scatter(
            x=[r["longitude"] for r in rows], y=[r["latitude"] for r in rows],
            mode="markers+text", name=kind_label(kind, lang),
            text=["" if r["crowded"] else html.escape(r["name"]) for r in rows],
            textposition="top center", textfont={"color": TEXT, "size": 13}, cliponaxis=False,
            marker={"symbol": symbol, "color": color, "opacity": 0.85,
                    "line": {"color": "white", "width": 1.5},
                    "size": [12 + 38 * math.sqrt(r["shown_n"] / biggest) for r in rows]},
            customdata=[[html.escape(r["name"]), kind_label(kind, lang), r["district"] or "–",
                         cases_text(r, min_n, lang)] for r in rows],
            hovertemplate=("<b>%{customdata[0]}</b><br>%{customdata[1]} · %{customdata[2]}<br>"
                           f"{t('col_n', lang)}: %{{customdata[3]}}<extra></extra>"),
        ))
    for i, r in enumerate(placed.filter(pl.col("crowded")).iter_rows(named=True)):
        fig.add_annotation(x=r["longitude"], y=r["latitude"], text=html.escape(r["name"]),
                           showarrow=True, arrowhead=0, arrowwidth=1.2, arrowcolor=TEXT,
                           ax=70 if i % 2 == 0 else -70, ay=55, font={"color": TEXT,
                                                                       "size": 13})
    # a scale bar bottom left: true to scale because both axes keep their ranges
    km = _scale_km((x_range[1] - x_range[0]) * KM_PER_DEGREE / ratio)
    x0 = x_range[0] + (x_range[1] - x_range[0]) * 0.04
    x1 = x0 + km / (KM_PER_DEGREE / ratio)
    y0 = y_range[0] + (y_range[1] - y_range[0]) * 0.06
    fig.add_shape(type="line", x0=x0, x1=x1, y0=y0, y1=y0, line={"color": TEXT, "width": 3})
    fig.add_annotation(x=(x0 + x1) / 2, y=y0, yanchor="bottom", showarrow=False,
                       text=f"{fmt_number(km, lang)}\u00a0km", font={"color": TEXT, "size": 12})
    _share_layout(fig, lang, 560)
    decimals = 2 if y_range[1] - y_range[0] >= 0.08 else 3  # ticks that differ
    axis = {"showgrid": True, "gridcolor": GRID, "tickfont": {"color": AXIS_TEXT},
            "tickformat": f",.{decimals}f", "constrain": "domain", "zeroline": False}
    fig.update_layout(
        showlegend=True, legend={"orientation": "h", "x": 0, "y": -0.12, "yanchor": "top",
                                 "itemsizing": "constant"},
        margin={"l": 10, "r": 10, "t": 20, "b": 10},
        xaxis={**axis, "title": {"text": t("l_axis_longitude", lang)}, "range": x_range},
        yaxis={**axis, "title": {"text": t("l_axis_latitude", lang)}, "range": y_range,
               "scaleanchor": "x", "scaleratio": ratio},
    )
    return fig


def location_map_alt(frame: pl.DataFrame, lang: str, min_n: int) -> str:
    """Where the locations are, north to south, with their cases; then the ones without
    coordinates."""
    placed = frame.filter(pl.col("latitude").is_not_null() & pl.col("longitude").is_not_null())
    items = "; ".join(
        t("l_alt_map_item", lang, name=r["name"], kind=kind_label(r["kind"], lang),
          district=r["district"] or "–", n=cases_text(r, min_n, lang))
        for r in placed.sort("latitude", descending=True).iter_rows(named=True))
    text = t("l_alt_map_one" if placed.height == 1 else "l_alt_map", lang, count=placed.height,
             items=items)
    virtual = frame.filter(pl.col("latitude").is_null() | pl.col("longitude").is_null())
    if virtual.height:
        text += t("l_alt_map_virtual", lang, names=", ".join(virtual["name"].to_list()))
    return text


def location_map_table(frame: pl.DataFrame, lang: str, min_n: int) -> pl.DataFrame:
    columns = [t(k, lang) for k in ("l_col_location", "l_col_kind", "l_col_district",
                                    "l_axis_latitude", "l_axis_longitude")] + [t("col_n", lang)]
    rows = [[r["name"], kind_label(r["kind"], lang), r["district"] or "–",
             fmt_number(r["latitude"], lang, 4), fmt_number(r["longitude"], lang, 4),
             cases_text(r, min_n, lang)]
            for r in frame.sort("name").iter_rows(named=True)]
    return pl.DataFrame(rows, schema={c: pl.String for c in columns}, orient="row")


# --- appointments: lead time per location ----------------------------------------------------


def fmt_lead(value: float | None, suppressed: bool, min_n: int, lang: str) -> str:
    if suppressed:
        return fmt_suppressed(min_n, lang)
    return fmt_days(value, lang)


def lead_time_figure(summary: pl.DataFrame, lang: str, min_n: int) -> go.Figure:
    """Median and 90th percentile of the lead time per location: a circle and a diamond on
    one line (longest P90 on top), the values written next to them, n in the row label."""
    rows = summary.sort([pl.col("lead_p90").is_null(), "lead_p90", "name"],
                        descending=[True, False, True]).to_dicts()
    labels = [f"{html.escape(r['name'])} · n = "
              f"{fmt_count(r['bookings'], r['lead_suppressed'], min_n, lang)}" for r in rows]
    fig = go.Figure()
    line_x, line_y = [], []
    for label, r in zip(labels, rows, strict=True):
        if r["lead_median"] is not None:
            line_x += [r["lead_median"], r["lead_p90"], None]
            line_y += [label, label, None]
    fig.add_trace(go.Scatter(x=line_x, y=line_y, mode="lines", hoverinfo="skip",
                             line={"color": AXIS_TEXT, "width": 2}, showlegend=False))
    for column, name, (color, symbol), position in (
            ("lead_median", t("l_median", lang), (OKABE_ITO[0], "circle"), "top center"),
            ("lead_p90", t("l_p90", lang), (OKABE_ITO[1], "diamond"), "top center")):
        fig.add_trace(go.Scatter(
            x=[r[column] for r in rows], y=labels, mode="markers+text", name=name,
            text=[fmt_lead(r[column], r["lead_suppressed"], min_n, lang)
                  if r[column] is not None else "" for r in rows],
            textposition=position, cliponaxis=False,
            marker={"symbol": symbol, "size": 11, "color": color},
            hovertemplate=f"%{{y}}<br>{name}: %{{text}}<extra></extra>"))
    hidden = [label for label, r in zip(labels, rows, strict=True) if r["lead_median"] is None]
    if hidden:
        fig.add_trace(go.Scatter(x=[0] * len(hidden), y=hidden, mode="text", showlegend=False,
                                 text=[fmt_suppressed(min_n, lang)] * len(hidden),
                                 textposition="middle right", hoverinfo="skip",
                                 textfont={"color": AXIS_TEXT}))
    top = max([r["lead_p90"] or 0 for r in rows], default=0)
    _share_layout(fig, lang, 150 + 48 * len(rows))
    fig.update_layout(
        showlegend=True, legend={"orientation": "h", "x": 0, "y": 1, "yanchor": "bottom"},
        margin={"l": 10, "r": 30, "t": 60, "b": 10},
        xaxis={"title": {"text": t("l_axis_lead", lang)}, "range": [0, top * 1.15 + 1],
               "tickformat": ",d", "showgrid": True, "gridcolor": GRID,
               "tickfont": {"color": AXIS_TEXT}},
        # room above the top row for its values, below the legend
        yaxis={"automargin": True, "tickfont": {"color": TEXT},
               "range": [-0.5, len(rows) - 0.5 + 0.4]},
    )
    return fig


def appointments_table(summary: pl.DataFrame, lang: str, min_n: int) -> pl.DataFrame:
    keys = ("l_col_location", "l_col_bookings", "l_median", "l_p90", "l_col_no_show",
            "s_col_interval", "l_col_due")
    rows = []
    for r in summary.sort("name").iter_rows(named=True):
        no_show = {"value": r["no_show"], "suppressed": r["no_show_suppressed"]}
        rows.append([r["name"], fmt_count(r["bookings"], r["lead_suppressed"], min_n, lang),
                     fmt_lead(r["lead_median"], r["lead_suppressed"], min_n, lang),
                     fmt_lead(r["lead_p90"], r["lead_suppressed"], min_n, lang),
                     fmt_share(no_show, min_n, lang),
                     fmt_share_range(r["no_show_lo"], r["no_show_hi"], lang),
                     fmt_count(r["due"], r["no_show_suppressed"], min_n, lang)])
    return pl.DataFrame(rows, schema={t(k, lang): pl.String for k in keys}, orient="row")


def lead_time_alt(summary: pl.DataFrame, lang: str, min_n: int) -> str:
    items = "; ".join(
        t("l_alt_lead_item", lang, name=r["name"],
          median=fmt_lead(r["lead_median"], r["lead_suppressed"], min_n, lang),
          p90=fmt_lead(r["lead_p90"], r["lead_suppressed"], min_n, lang),
          n=fmt_count(r["bookings"], r["lead_suppressed"], min_n, lang))
        for r in summary.sort("name").iter_rows(named=True))
    return t("l_alt_lead", lang, items=items)


# --- on-site wait: weekday × hour ------------------------------------------------------------


def fmt_wait_cell(row: dict | None, lang: str, min_n: int, decimals: int) -> str:
    """The number written in a heatmap cell: "13", "12,3", "< 5" or "–"."""
    if row is None:
        return "–"
    if row["suppressed"]:
        return fmt_suppressed(min_n, lang)
    return "–" if row["value"] is None else fmt_number(row["value"], lang, decimals)


def wait_heatmap_figure(cells: pl.DataFrame, value_label: str, lang: str, min_n: int,
                        decimals: int = 0) -> go.Figure:
    """Weekday rows (Monday on top) × hour columns on a sequential colour-blind-safe scale
    (cividis), every cell's minutes written in it; "< 5" for withheld, "–" for no data.
    ``cells``: weekday, hour, value, n, suppressed."""
    lookup = {(r["weekday"], r["hour"]): r for r in cells.iter_rows(named=True)}
    weekdays = sorted(cells["weekday"].unique().to_list())
    hours = list(range(cells["hour"].min(), cells["hour"].max() + 1))
    z = [[(lookup.get((d, h)) or {}).get("value") for h in hours] for d in weekdays]
    text = [[fmt_wait_cell(lookup.get((d, h)), lang, min_n, decimals) for h in hours]
            for d in weekdays]
    counts = [[fmt_count((lookup.get((d, h)) or {}).get("n", 0),
                         (lookup.get((d, h)) or {}).get("suppressed", False), min_n, lang)
               for h in hours] for d in weekdays]
    x = [hour_label(h, lang) for h in hours]
    y = [weekday_label(d, lang) for d in weekdays]
    fig = go.Figure(go.Heatmap(
        z=z, x=x, y=y, colorscale=HEATMAP_SCALE, xgap=2, ygap=2, hoverongaps=False,
        customdata=counts, text=text, texttemplate="%{text}",
        textfont={"family": FONT, "size": 13},
        colorbar={"title": {"text": t("l_minutes", lang)}, "tickformat": ",d",
                  "outlinewidth": 0},
        hovertemplate=(f"%{{y}}, %{{x}}<br>{html.escape(value_label)}: %{{text}}<br>"
                       f"n = %{{customdata}}<extra></extra>"),
    ))
    # cells without a colour still carry their text ("< 5", "–"): plotly skips text in gaps
    for i in range(len(weekdays)):
        for j in range(len(hours)):
            if z[i][j] is None:
                fig.add_annotation(x=x[j], y=y[i], text=text[i][j], showarrow=False,
                                   font={"color": AXIS_TEXT, "size": 13})
    _share_layout(fig, lang, 120 + 46 * len(weekdays))
    fig.update_layout(
        margin={"l": 10, "r": 10, "t": 10, "b": 10}, plot_bgcolor="#F4F4F4",
        xaxis={"title": {"text": t("l_axis_hour", lang)}, "tickfont": {"color": AXIS_TEXT},
               "showgrid": False, "type": "category"},
        yaxis={"autorange": "reversed", "tickfont": {"color": TEXT}, "showgrid": False,
               "type": "category"},
    )
    return fig


def wait_heatmap_alt(cells: pl.DataFrame, scope: str, value_label: str, lang: str,
                     min_n: int, decimals: int = 0) -> str:
    """Longest and shortest cell, the cells with a value and the withheld ones."""
    shown = cells.filter(pl.col("value").is_not_null())
    hidden = int(cells["suppressed"].sum())
    if shown.is_empty():
        text = t("l_alt_wait_none", lang, scope=scope, min_n=min_n)
    else:
        def where(r: dict) -> str:
            return f"{weekday_label(r['weekday'], lang)} {hour_label(r['hour'], lang)}"

        ordered = shown.sort(["value", "weekday", "hour"])
        low, high = ordered.row(0, named=True), ordered.sort(
            ["value", "weekday", "hour"], descending=[True, False, False]).row(0, named=True)
        text = t("l_alt_wait", lang, scope=scope, what=value_label,
                 high=fmt_minutes(high["value"], lang, decimals), high_at=where(high),
                 low=fmt_minutes(low["value"], lang, decimals), low_at=where(low),
                 cells=shown.height)
    if hidden:
        text += t("l_alt_wait_hidden", lang, hidden=hidden, min_n=min_n)
    return text


def wait_heatmap_table(cells: pl.DataFrame, value_label: str, n_label: str, lang: str,
                       min_n: int, decimals: int = 0) -> pl.DataFrame:
    """Every cell of the heatmap as a row: weekday, hour, minutes, n, note."""
    columns = [t("l_col_weekday", lang), t("l_axis_hour", lang), value_label, n_label,
               t("col_note", lang)]
    rows = []
    for r in cells.sort("weekday", "hour").iter_rows(named=True):
        note = (t("note_suppressed", lang, min_n=min_n) if r["suppressed"]
                else t("note_no_data", lang) if r["value"] is None else "")
        rows.append([weekday_label(r["weekday"], lang), hour_label(r["hour"], lang),
                     fmt_wait_cell(r, lang, min_n, decimals),
                     fmt_count(r["n"], r["suppressed"], min_n, lang), note])
    return pl.DataFrame(rows, schema={c: pl.String for c in columns}, orient="row")


# --- Leistungen: one service in detail, every service side by side --------------------------
# Imported here rather than at the top so this page's builders stay one appended block.
import pandas as pd  # noqa: E402
from pandas.io.formats.style import Styler  # noqa: E402

from dashboard.formatting import DASH  # noqa: E402
from metrics.catalogue import KPIS  # noqa: E402
from metrics.overview import shift_month  # noqa: E402
from metrics.service_view import COMPLETION_KPI, DAY_BINS, MODES  # noqa: E402

# Fill patterns per channel (a second carrier besides colour, also in the legend).
PATTERNS = ("", "/", ".", "x", "-", "\\", "+", "|")
DARK_FILLS = {"#0072B2", "#000000"}  # white labels on these, black labels on the others
MIX_LABEL_MIN = 0.08  # shares below this get no label inside the bar (no room)
MODE_STYLE = {"online": (OKABE_ITO[0], "circle", ""), "offline": (OKABE_ITO[1], "square", "/")}


def service_channel_label(channel: str, lang: str) -> str:
    """"in_person" → "Vor Ort" (the satisfaction page's channel names)."""
    key = f"s_channel_{channel}"
    return t(key, lang) if key in STRINGS else channel


def mode_label(mode: str, lang: str) -> str:
    return t(f"v_{mode}", lang)


def day_bin_label(first_day: int, last_day: int | None, lang: str) -> str:
    """0 → "am selben Tag", 1 → "1 Tag", (2, 3) → "2–3 Tage", (91, None) → "über 90 Tage"."""
    if last_day is None:
        return t("v_bin_open", lang, days=fmt_number(first_day - 1, lang, 0))
    if first_day == last_day == 0:
        return t("v_bin_same_day", lang)
    if first_day == last_day == 1:
        return t("v_bin_one", lang)
    return t("v_bin_range", lang, low=first_day, high=last_day)


def _service_layout(fig: go.Figure, lang: str, height: int, legend: bool) -> None:
    fig.update_layout(
        separators=_separators(lang), template="simple_white",
        font={"family": FONT, "size": 14, "color": TEXT},
        margin={"l": 10, "r": 20, "t": 30, "b": 10}, height=height, showlegend=legend,
        legend={"orientation": "h", "x": 0, "y": -0.2, "yanchor": "top"},
        hovermode="closest", hoverlabel={"font": {"family": FONT, "size": 14}},
        plot_bgcolor="white", paper_bgcolor="white",
    )


def _month_axis(months: list[dt.date], lang: str) -> dict:
    tickvals, ticktext = month_ticks(months, lang)
    return {"title": {"text": t("axis_month", lang)}, "tickmode": "array",
            "tickvals": tickvals, "ticktext": ticktext, "showgrid": False,
            "tickfont": {"color": AXIS_TEXT}}


def _percent_axis(title: str, lang: str, top: float = 100) -> dict:
    return {"title": {"text": title}, "range": [0, top], "showgrid": True, "gridcolor": GRID,
            "tickfont": {"color": AXIS_TEXT}, "tickformat": ",.0f",
            "ticksuffix": "\u00a0%" if lang == "de" else "%"}


def _share_text(share: float | None, suppressed: bool, min_n: int, lang: str) -> str:
    if suppressed:
        return fmt_suppressed(min_n, lang)
    return fmt_percent(share, lang)


# --- channel mix ------------------------------------------------------------------------


def mix_figure(mix: pl.DataFrame, lang: str, min_n: int) -> go.Figure:
    """100 % stacked bars per month, one segment per channel: colour *and* fill pattern per
    channel, the share written inside every segment that has room, a legend below. Withheld
    months stay an empty column marked "< 5"."""
    months = mix["month"].unique().sort().to_list()
    channels = mix["channel"].unique(maintain_order=True).to_list()
    fig = go.Figure()
    for i, channel in enumerate(channels):
        rows = mix.filter(pl.col("channel") == channel).sort("month").to_dicts()
        colour = OKABE_ITO[i % len(OKABE_ITO)]
        label = service_channel_label(channel, lang)
        fig.add_trace(go.Bar(
            x=months, y=[None if r["share"] is None else r["share"] * 100 for r in rows],
            name=label,
            text=[fmt_percent(r["share"], lang, 0)
                  if r["share"] is not None and r["share"] >= MIX_LABEL_MIN else ""
                  for r in rows],
            textposition="inside", insidetextanchor="middle", textangle=0,
            textfont={"color": "white" if colour in DARK_FILLS else TEXT, "size": 12},
            marker={"color": colour, "line": {"color": "white", "width": 0.5},
                    "pattern": {"shape": PATTERNS[i % len(PATTERNS)], "solidity": 0.08,
                                "size": 14, "fgopacity": 0.45,
                                "fgcolor": "white" if colour not in DARK_FILLS else TEXT}},
            customdata=[[fmt_month(r["month"], lang),
                         _share_text(r["share"], r["suppressed"], min_n, lang),
                         fmt_count(r["n"], r["suppressed"], min_n, lang)] for r in rows],
            hovertemplate=(f"<b>{html.escape(label)}</b> · %{{customdata[0]}}<br>"
                           f"{t('v_axis_share', lang)}: %{{customdata[1]}}<br>"
                           f"{t('col_n', lang)}: %{{customdata[2]}}<extra></extra>"),
        ))
    withheld = mix.filter(pl.col("suppressed"))["month"].unique().to_list()
    for month in withheld:
        fig.add_annotation(x=month, y=50, text=fmt_suppressed(min_n, lang), showarrow=False,
                           font={"color": AXIS_TEXT, "size": 12})
    _service_layout(fig, lang, 440, legend=True)
    fig.update_layout(barmode="stack", bargap=0.15, uniformtext={"minsize": 10, "mode": "hide"},
                      legend={"traceorder": "normal"},  # online first, as in the table
                      xaxis=_month_axis(months, lang),
                      yaxis=_percent_axis(t("v_axis_share", lang), lang))
    return fig


def _mix_items(mix: pl.DataFrame, month: dt.date, lang: str) -> str:
    rows = mix.filter((pl.col("month") == month) & (pl.col("share") > 0)).sort(
        "share", descending=True)
    return ", ".join(f"{service_channel_label(r['channel'], lang)} "
                     f"{fmt_percent(r['share'], lang)}" for r in rows.iter_rows(named=True))


def mix_alt(mix: pl.DataFrame, service: str, lang: str) -> str:
    """The first and the latest month with values, each channel with its share."""
    shown = mix.filter(pl.col("share").is_not_null())["month"].unique().sort()
    months = mix["month"].n_unique()
    if shown.is_empty():
        return t("v_mix_alt_none", lang, service=service)
    first, last = shown[0], shown[-1]
    return t("v_mix_alt", lang, service=service, shown=shown.len(), months=months,
             first_month=fmt_month(first, lang), first_items=_mix_items(mix, first, lang),
             last_month=fmt_month(last, lang), last_items=_mix_items(mix, last, lang))


def mix_table(mix: pl.DataFrame, lang: str, min_n: int) -> pl.DataFrame:
    """One row per month (newest first), one column per channel, the month's n and a note."""
    channels = mix["channel"].unique(maintain_order=True).to_list()
    labels = [service_channel_label(c, lang) for c in channels]
    columns = [t("col_month", lang), *labels, t("col_n", lang), t("col_note", lang)]
    rows = []
    for month in mix["month"].unique().sort(descending=True).to_list():
        cells = {r["channel"]: r for r in mix.filter(pl.col("month") == month).to_dicts()}
        first = next(iter(cells.values()))
        note = (t("note_suppressed", lang, min_n=min_n) if first["suppressed"]
                else t("note_no_data", lang) if first["n"] == 0 else "")
        rows.append([fmt_month(month, lang),
                     *(_share_text(cells[c]["share"], cells[c]["suppressed"], min_n, lang)
                       for c in channels),
                     fmt_count(first["n"], first["suppressed"], min_n, lang), note])
    return pl.DataFrame(rows, schema={c: pl.String for c in columns}, orient="row")


# --- take-up with interventions -----------------------------------------------------------


def take_up_figure(series: pl.DataFrame, lang: str, min_n: int,
                   interventions: Sequence[tuple[dt.date, str, str]] = ()) -> go.Figure:
    """:func:`trend_figure` of the digital take-up with each Maßnahme inside the shown months
    as a dotted vertical line and a labelled black diamond (as on the pilot page)."""
    fig = trend_figure(series, KPIS["digital_take_up"], lang, min_n)
    months = series["month"].to_list()
    inside = [(d, label) for d, label, _ in interventions
              if months and months[0] <= d < shift_month(months[-1], 1)]
    if inside:
        y_top = fig.layout.yaxis.range[1]
        days = [d for d, _ in inside]
        for day in days:
            fig.add_vline(x=day, line={"color": AXIS_TEXT, "width": 1, "dash": "dot"})
        fig.add_trace(go.Scatter(
            x=days, y=[y_top * (0.95 - 0.08 * r) for r in _label_rows(days)],
            mode="markers+text", name=t("p_interventions", lang),
            text=[html.escape(label) for _, label in inside], textposition="middle right",
            textfont={"color": TEXT}, cliponaxis=False,
            marker={"symbol": "diamond", "size": 11, "color": INTERVENTION_COLOR},
            customdata=[fmt_day(d, lang) for d in days],
            hovertemplate="%{customdata}: %{text}<extra></extra>"))
        fig.update_layout(margin={"t": 30})
    return fig


def interventions_alt(interventions: Sequence[tuple[dt.date, str, str]], lang: str) -> str:
    if not interventions:
        return ""
    items = "; ".join(f"{fmt_day(d, lang)} {label} ({pilot})" for d, label, pilot in interventions)
    return t("v_alt_interventions", lang, items=items)


def interventions_table(interventions: Sequence[tuple[dt.date, str, str]],
                        lang: str) -> pl.DataFrame:
    columns = [t(k, lang) for k in ("v_col_date", "v_col_intervention", "v_col_pilot")]
    return pl.DataFrame([[fmt_day(d, lang), label, pilot] for d, label, pilot in interventions],
                        schema={c: pl.String for c in columns}, orient="row")


# --- processing time: median and P90 per month, online against offline ----------------------


def _days_text(value: float | None, suppressed: bool, min_n: int, lang: str) -> str:
    return fmt_suppressed(min_n, lang) if suppressed else fmt_days(value, lang)


def processing_figure(processing: pl.DataFrame, lang: str, min_n: int) -> go.Figure:
    """Four lines: online blue circles, offline vermillion squares; the median solid with
    filled markers, the 90th percentile dashed with open markers — colour, marker and dash
    each tell the lines apart."""
    fig = go.Figure()
    months = processing["month"].unique().sort().to_list()
    for mode in MODES:
        colour, symbol, _ = MODE_STYLE[mode]
        rows = processing.filter(pl.col("mode") == mode).sort("month").to_dicts()
        for stat, dash, marker in (("median", "solid", symbol), ("p90", "dash", f"{symbol}-open")):
            name = f"{mode_label(mode, lang)} · {t(f'v_{stat}', lang)}"
            fig.add_trace(go.Scatter(
                x=[r["month"] for r in rows], y=[r[stat] for r in rows], name=name,
                mode="lines+markers", connectgaps=False,
                line={"color": colour, "width": 2.5 if stat == "median" else 1.8, "dash": dash},
                marker={"symbol": marker, "size": 8, "color": colour,
                        "line": {"color": colour, "width": 2}},
                customdata=[[fmt_month(r["month"], lang),
                             _days_text(r[stat], r["suppressed"], min_n, lang),
                             fmt_count(r["n"], r["suppressed"], min_n, lang)] for r in rows],
                hovertemplate=(f"<b>{html.escape(name)}</b> · %{{customdata[0]}}<br>"
                               f"%{{customdata[1]}}<br>{t('v_col_completed', lang)}: "
                               "%{customdata[2]}<extra></extra>")))
    _service_layout(fig, lang, 440, legend=True)
    fig.update_layout(xaxis=_month_axis(months, lang), yaxis={
        "title": {"text": t("v_axis_days", lang)}, "rangemode": "tozero", "showgrid": True,
        "gridcolor": GRID, "tickfont": {"color": AXIS_TEXT}, "tickformat": ",.0f"})
    return fig


def processing_alt(processing: pl.DataFrame, service: str, lang: str, min_n: int) -> str:
    """Per mode the latest month with a value: median, P90 and n."""
    items = ""
    for mode in MODES:
        shown = processing.filter((pl.col("mode") == mode) & pl.col("median").is_not_null())
        if shown.is_empty():
            items += t("v_processing_alt_none", lang, mode=mode_label(mode, lang))
            continue
        r = shown.sort("month").row(-1, named=True)
        items += t("v_processing_alt_mode", lang, mode=mode_label(mode, lang),
                   month=fmt_month(r["month"], lang), median=fmt_days(r["median"], lang),
                   p90=fmt_days(r["p90"], lang), n=fmt_count(r["n"], False, min_n, lang))
    return t("v_processing_alt", lang, service=service, items=items)


def processing_table(processing: pl.DataFrame, lang: str, min_n: int) -> pl.DataFrame:
    """Month (newest first) × online/offline median, P90 and n."""
    heads = [(mode, stat) for mode in MODES for stat in ("v_median", "v_p90", "v_col_completed")]
    columns = [t("col_month", lang), *(t("v_col_mode_value", lang, mode=mode_label(m, lang),
                                         value=t(s, lang)) for m, s in heads)]
    rows = []
    for month in processing["month"].unique().sort(descending=True).to_list():
        cells = {r["mode"]: r for r in processing.filter(pl.col("month") == month).to_dicts()}
        row = [fmt_month(month, lang)]
        for mode in MODES:
            r = cells[mode]
            row += [_days_text(r["median"], r["suppressed"], min_n, lang),
                    _days_text(r["p90"], r["suppressed"], min_n, lang),
                    fmt_count(r["n"], r["suppressed"], min_n, lang)]
        rows.append(row)
    return pl.DataFrame(rows, schema={c: pl.String for c in columns}, orient="row")


# --- distribution of processing days ------------------------------------------------------


def days_figure(distribution: pl.DataFrame, lang: str, min_n: int) -> go.Figure:
    """Grouped bars per day class, online (plain) and offline (hatched), shares on the bars."""
    fig = go.Figure()
    for mode in MODES:
        colour, _, pattern = MODE_STYLE[mode]
        rows = distribution.filter(pl.col("mode") == mode).sort("bin").to_dicts()
        labels = [day_bin_label(r["first_day"], r["last_day"], lang) for r in rows]
        name = mode_label(mode, lang)
        fig.add_trace(go.Bar(
            x=labels, y=[None if r["share"] is None else r["share"] * 100 for r in rows],
            # no "0,0 %" on every empty class: a missing bar is zero (the table says so)
            name=name, text=[_share_text(r["share"], r["suppressed"], min_n, lang)
                             if r["share"] or r["suppressed"] else "" for r in rows],
            textposition="outside", cliponaxis=False, textfont={"size": 11, "color": TEXT},
            marker={"color": colour, "pattern": {"shape": pattern, "solidity": 0.3,
                                                 "fgcolor": "white", "fgopacity": 0.7}},
            hovertemplate=f"<b>{html.escape(name)}</b> · %{{x}}: %{{text}}<extra></extra>"))
    top = distribution["share"].max()
    _service_layout(fig, lang, 400, legend=True)
    fig.update_layout(
        barmode="group", bargap=0.2,
        xaxis={"title": {"text": t("v_axis_days_class", lang)}, "type": "category",
               "tickfont": {"color": AXIS_TEXT}},
        yaxis=_percent_axis(t("v_axis_share_completed", lang), lang,
                            top=min(100, math.ceil((top or 0) * 10) * 10 + 10)))
    return fig


def _days_items(distribution: pl.DataFrame, mode: str, lang: str, min_n: int) -> str:
    rows = distribution.filter(pl.col("mode") == mode).sort("bin").to_dicts()
    if rows and rows[0]["suppressed"]:
        return fmt_suppressed(min_n, lang)
    shown = [r for r in rows if r["share"]]
    if not shown:
        return t("v_alt_no_values", lang)
    return ", ".join(f"{day_bin_label(r['first_day'], r['last_day'], lang)} "
                     f"{fmt_percent(r['share'], lang)}" for r in shown)


def days_alt(distribution: pl.DataFrame, service: str, lang: str, min_n: int) -> str:
    return t("v_distribution_alt", lang, service=service,
             online=_days_items(distribution, "online", lang, min_n),
             offline=_days_items(distribution, "offline", lang, min_n))


def days_table(distribution: pl.DataFrame, lang: str, min_n: int) -> pl.DataFrame:
    """Day class × online/offline share, then a row with each group's n."""
    columns = [t("v_axis_days_class", lang), *(mode_label(m, lang) for m in MODES)]
    by_mode = {m: distribution.filter(pl.col("mode") == m).sort("bin").to_dicts() for m in MODES}
    rows = [[day_bin_label(first, last, lang),
             *(_share_text(by_mode[m][i]["share"], by_mode[m][i]["suppressed"], min_n, lang)
               for m in MODES)]
            for i, (first, last) in enumerate(DAY_BINS)]
    rows.append([t("v_col_completed", lang),
                 *(fmt_count(by_mode[m][0]["n"], by_mode[m][0]["suppressed"], min_n, lang)
                   for m in MODES)])
    return pl.DataFrame(rows, schema={c: pl.String for c in columns}, orient="row")


# --- follow-up rate by channel --------------------------------------------------------------


def follow_up_figure(follow_up: pl.DataFrame, lang: str, min_n: int) -> go.Figure:
    """Horizontal bars per channel (order of the channel mix, first on top), value beside."""
    kpi = KPIS["follow_up_rate"]
    rows = follow_up.reverse().to_dicts()  # plotly draws the first category lowest
    labels = [service_channel_label(r["channel"], lang) for r in rows]
    texts = [fmt_value(kpi, r["value"], r["suppressed"], min_n, lang) for r in rows]
    fig = go.Figure(go.Bar(
        x=[None if r["value"] is None else r["value"] * 100 for r in rows], y=labels,
        orientation="h", text=texts, textposition="outside", cliponaxis=False,
        marker={"color": OKABE_ITO[0]},
        customdata=[fmt_count(r["n"], r["suppressed"], min_n, lang) for r in rows],
        hovertemplate=(f"%{{y}}: %{{text}}<br>{t('v_col_completed', lang)}: %{{customdata}}"
                       "<extra></extra>")))
    for label, r, text in zip(labels, rows, texts, strict=True):
        if r["value"] is None:  # no bar to carry the text: write it at zero
            fig.add_annotation(x=0, y=label, text=text, showarrow=False, xanchor="left",
                               font={"color": AXIS_TEXT})
    top = max([r["value"] or 0 for r in rows], default=0) * 100
    _service_layout(fig, lang, 110 + 44 * len(rows), legend=False)
    fig.update_layout(
        xaxis=_percent_axis(kpi.label(lang), lang, top=max(10, math.ceil(top / 10) * 10 + 10)),
        yaxis={"automargin": True, "tickfont": {"color": TEXT}})
    return fig


def follow_up_alt(follow_up: pl.DataFrame, service: str, lang: str, min_n: int) -> str:
    kpi = KPIS["follow_up_rate"]
    items = "; ".join(
        f"{service_channel_label(r['channel'], lang)} "
        f"{fmt_value(kpi, r['value'], r['suppressed'], min_n, lang)} "
        f"(n = {fmt_count(r['n'], r['suppressed'], min_n, lang)})"
        for r in follow_up.iter_rows(named=True))
    return t("v_followup_alt", lang, service=service, items=items or t("v_alt_no_values", lang))


def follow_up_table(follow_up: pl.DataFrame, lang: str, min_n: int) -> pl.DataFrame:
    kpi = KPIS["follow_up_rate"]
    columns = [t("v_col_channel", lang), kpi.label(lang), t("v_col_completed", lang)]
    return pl.DataFrame(
        [[service_channel_label(r["channel"], lang),
          fmt_value(kpi, r["value"], r["suppressed"], min_n, lang),
          fmt_count(r["n"], r["suppressed"], min_n, lang)]
         for r in follow_up.iter_rows(named=True)],
        schema={c: pl.String for c in columns}, orient="row")


# --- online form completion -------------------------------------------------------------


def completion_figure(series: pl.DataFrame, lang: str, min_n: int) -> go.Figure:
    return trend_figure(series, COMPLETION_KPI, lang, min_n)


def completion_table(series: pl.DataFrame, lang: str, min_n: int) -> pl.DataFrame:
    """:func:`table_rows` with n named for what it counts: forms started."""
    return table_rows(series, COMPLETION_KPI, lang, min_n).rename(
        {t("col_n", lang): t("v_col_started", lang)})


# --- the ranking: numbers stay numbers (sortable), shown in German ----------------------------

# column → (header key, suppression flag column, formatter kind)
RANKING_COLUMNS = {
    "name": ("v_col_service", None, "text"),
    "leika_key": ("v_col_leika", None, "text"),
    "cases": ("v_cases", "cases_suppressed", "count"),
    "take_up": ("digital_take_up", "take_up_suppressed", "percent"),
    "median_days": ("v_col_median", "days_suppressed", "days"),
    "p90_days": ("v_col_p90", "days_suppressed", "days"),
    "follow_up": ("follow_up_rate", "follow_up_suppressed", "percent"),
    "completion": ("completion_rate", "completion_suppressed", "percent"),
    "months_with_data": ("v_col_months", None, "months"),
}


def ranking_header(column: str, lang: str) -> str:
    key = RANKING_COLUMNS[column][0]
    if key in KPIS:
        return KPIS[key].label(lang)
    return COMPLETION_KPI.label(lang) if key == "completion_rate" else t(key, lang)


def _ranking_formats(ranking: pl.DataFrame, lang: str) -> dict:
    total = fmt_number(ranking["months_total"].max() or 0, lang, 0)
    return {
        "text": lambda v: v,
        "count": lambda v: fmt_number(v, lang, 0),
        "percent": lambda v: fmt_percent(v, lang),
        "days": lambda v: fmt_number(v, lang, 0),
        "months": lambda v: t("v_months_of", lang, n=fmt_number(v, lang, 0), total=total),
    }


WITHHELD = -1.0  # what a withheld cell of the ranking grid holds instead of its number


def ranking_styler(ranking: pl.DataFrame, lang: str, min_n: int) -> Styler:
    """The ranking as a pandas Styler: the cells hold numbers, so a click on a header sorts
    by value; the Styler's display text is German — "1.234", "26,3 %", "12 von 12".

    Streamlit draws every empty cell with one placeholder (``st.dataframe(placeholder=…)``)
    and ignores the Styler there, so a missing value is empty (shown "–", sorted last) while
    a withheld one holds :data:`WITHHELD` (shown "< 5", sorted below every real value) — never
    its real number, which must not reach the browser. The grid's screen-reader cells carry
    the raw numbers; :func:`ranking_table` is the same ranking as text."""
    masked = ranking.with_columns(
        pl.when(pl.col(flag)).then(WITHHELD).otherwise(pl.col(column)).alias(column)
        for column, (_, flag, _) in RANKING_COLUMNS.items() if flag)
    masked = masked.with_columns(
        pl.col(c).fill_null(DASH) for c, (_, _, kind) in RANKING_COLUMNS.items() if kind == "text")
    frame = pd.DataFrame({ranking_header(c, lang): masked[c].to_list() for c in RANKING_COLUMNS})
    for column in RANKING_COLUMNS:  # numbers as floats: None becomes NaN, sorted last
        if RANKING_COLUMNS[column][2] != "text":
            frame[ranking_header(column, lang)] = frame[ranking_header(column, lang)].astype(
                "float64")
    formats = _ranking_formats(ranking, lang)
    styler = frame.style
    for column, (_, flag, kind) in RANKING_COLUMNS.items():
        header = ranking_header(column, lang)
        withheld = ranking[flag].to_list() if flag else [False] * ranking.height
        shown = [i for i, w in enumerate(withheld) if not w]
        hidden = [i for i, w in enumerate(withheld) if w]
        if shown:
            styler = styler.format(formats[kind], na_rep=DASH, subset=(shown, [header]))
        if hidden:
            styler = styler.format(lambda _: fmt_suppressed(min_n, lang),
                                   subset=(hidden, [header]))
    return styler.hide(axis="index")


def ranking_table(ranking: pl.DataFrame, lang: str, min_n: int) -> pl.DataFrame:
    """The ranking as display text (the same strings as :func:`ranking_styler` shows)."""
    formats = _ranking_formats(ranking, lang)
    rows = []
    for r in ranking.iter_rows(named=True):
        row = []
        for column, (_, flag, kind) in RANKING_COLUMNS.items():
            if flag and r[flag]:
                row.append(fmt_suppressed(min_n, lang))
            else:
                row.append(DASH if r[column] is None else formats[kind](r[column]))
        rows.append(row)
    return pl.DataFrame(rows, schema={ranking_header(c, lang): pl.String
                                      for c in RANKING_COLUMNS}, orient="row")


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


# --- Leistungen: the ranking sorted on the server ---------------------------------------


def sort_ranking(ranking: pl.DataFrame, column: str, descending: bool) -> pl.DataFrame:
    """The ranking sorted by ``column`` (a key of :data:`RANKING_COLUMNS`): shown values in
    order, then withheld cells ("< 5"), then missing ones ("–") — in either direction, so a
    withheld or missing value never poses as the smallest or largest. Names break ties.

    The ranking is sorted here rather than in a grid: Streamlit's grid draws every empty
    cell with one placeholder, so a cell can only read "< 5" if it holds a number, and a
    stand-in number (the former -1) leaks into the grid's CSV download and sorts among real
    values."""
    _, flag, kind = RANKING_COLUMNS[column]
    value = pl.col(column)
    if kind == "text":
        value = value.str.to_lowercase()
    withheld = pl.col(flag) if flag else pl.lit(False)
    group = pl.when(withheld).then(1).when(value.is_null()).then(2).otherwise(0)
    return (ranking.with_columns(__group=group, __value=pl.when(withheld).then(None)
                                 .otherwise(value), __name=pl.col("name").str.to_lowercase())
            .sort(["__group", "__value", "__name"], descending=[False, descending, False],
                  nulls_last=True)
            .drop("__group", "__value", "__name"))


# --- Überblick: the tiles' sparklines ----------------------------------------------------


def sparkline_figure(series: pl.DataFrame, kpi: KpiDef, labels: list[str], lang: str,
                     min_n: int) -> go.Figure:
    """A tile's small trend (``series``: period, value, n, suppressed; ``labels``: the
    periods as text). A period without a shown value is a gap, never a dip to zero; the
    hover text says "< 5" or "–" there. No axes: the tile's text carries the numbers."""
    percent = kpi.unit == "percent"
    values = series["value"].to_list()
    y = [None if v is None else (v * 100 if percent else v) for v in values]
    hover = [[label, fmt_value(kpi, r["value"], r["suppressed"], min_n, lang)]
             for label, r in zip(labels, series.iter_rows(named=True), strict=True)]
    fig = go.Figure(go.Scatter(
        x=labels, y=y, customdata=hover, mode="lines+markers", connectgaps=False,
        line={"color": OKABE_ITO[0], "width": 2}, marker={"size": 5, "color": OKABE_ITO[0]},
        hovertemplate="%{customdata[0]}: %{customdata[1]}<extra></extra>"))
    fig.update_layout(
        separators=_separators(lang), template="simple_white", height=70,
        margin={"l": 2, "r": 2, "t": 4, "b": 4}, showlegend=False,
        font={"family": FONT, "size": 12, "color": TEXT}, plot_bgcolor="white",
        paper_bgcolor="white", xaxis={"visible": False, "type": "category"},
        yaxis={"visible": False, "rangemode": "tozero" if percent else "normal"})
    return fig


def sparkline_alt(series: pl.DataFrame, kpi: KpiDef, labels: list[str], lang: str,
                  min_n: int) -> str:
    """Every period of the sparkline in words: "Verlauf: Nov 2025 12,5 %, Dez 2025 –, …"."""
    items = ", ".join(f"{label} {fmt_value(kpi, r['value'], r['suppressed'], min_n, lang)}"
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
            cells[p][value_col] = fmt_value(kpi, r["value"], r["suppressed"], min_n, lang)
            cells[p][n_col] = fmt_count(r["n"], r["suppressed"], min_n, lang)
    return pl.DataFrame([cells[p] for p in periods], schema={c: pl.String for c in columns},
                        orient="row")
