"""Datenqualität & Importe: rejected rows by reason."""

from __future__ import annotations

import html
import textwrap

import plotly.graph_objects as go
import polars as pl

from dashboard.figures.common import AXIS_TEXT, FONT, GRID, OKABE_ITO, TEXT
from dashboard.formatting import fmt_number
from dashboard.i18n import t

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
