"""Zufriedenheit & Beteiligung: ratings over time and by topic."""

from __future__ import annotations

import datetime as dt
import html

import plotly.graph_objects as go
import polars as pl

from dashboard.figures.common import (
    AXIS_TEXT,
    GRID,
    MARKERS,
    OKABE_ITO,
    TEXT,
    _share_layout,
    month_ticks,
)
from dashboard.formatting import (
    fmt_month,
    fmt_number,
    fmt_percent,
    fmt_protected,
    row_count,
    row_mark,
)
from dashboard.i18n import STRINGS, t

# --- satisfaction (metrics.satisfaction rows) ----------------------------------------------
# Imported here rather than at the top so this page's builders stay one appended block.

SATISFACTION_KINDS = {"top2": (1, 100.0), "mean": (1, 1.0), "score": (2, 1.0)}  # decimals, ×


def topic_label(topic: str, lang: str) -> str:
    """"reachability" → "Erreichbarkeit"; an unknown topic as it is."""
    key = f"s_topic_{topic}"
    return t(key, lang) if key in STRINGS else topic


def fmt_rating_value(kind: str, row: dict, min_n: int, lang: str) -> str:
    """Top-2 share "71,4 %", mean "4,0" or score "0,75"; "< 5" (or "geschützt") when
    withheld, "–" without."""
    if row.get("suppressed"):
        return row_mark(row, min_n, lang)
    value = row.get({"top2": "top2_share", "mean": "mean_rating", "score": "score"}[kind])
    if value is None:
        return "–"
    if kind == "top2":
        return fmt_percent(value, lang)
    return fmt_number(value, lang, SATISFACTION_KINDS[kind][0])


def fmt_interval(kind: str, row: dict, min_n: int, lang: str) -> str:
    """The 95 % interval as a range: "35,9–91,8 %", "2,9–5,0", "0,48–1,00"."""
    if row.get("suppressed"):
        return row_mark(row, min_n, lang)
    prefix = {"top2": "top2", "mean": "mean", "score": "score"}[kind]
    lo, hi = row.get(f"{prefix}_lo"), row.get(f"{prefix}_hi")
    if lo is None or hi is None:
        return "–"
    decimals, scale = SATISFACTION_KINDS[kind]
    text = f"{fmt_number(lo * scale, lang, decimals)}–{fmt_number(hi * scale, lang, decimals)}"
    if kind == "top2":
        text += "\u00a0%" if lang == "de" else "%"
    return text


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
              fmt_interval("top2", r, min_n, lang), row_count(r, min_n, lang)] for r in rows]
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
                               text=row_mark(r, min_n, lang), showarrow=False,
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
    if r["suppressed"] and r.get("protected"):
        note = t("note_protected_value", lang, secondary=fmt_protected(lang))
    elif r["suppressed"]:
        note = t("s_note_suppressed", lang, min_n=min_n)
    elif r["n"] == 0:
        note = t("s_note_no_data", lang)
    else:
        note = ""
    return {t("s_col_top2", lang): fmt_rating_value("top2", r, min_n, lang),
            t("s_col_interval", lang): fmt_interval("top2", r, min_n, lang),
            t("s_col_mean", lang): fmt_rating_value("mean", r, min_n, lang),
            t("s_col_score", lang): fmt_rating_value("score", r, min_n, lang),
            t("s_col_n", lang): row_count(r, min_n, lang),
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
              + (html.escape(row_mark(r, min_n, lang)) if r["suppressed"]
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
          n=row_mark(r, min_n, lang)) if r["suppressed"]
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
