"""Leistungen: one service in detail, every service side by side."""

from __future__ import annotations

import datetime as dt
import html
import math
from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go
import polars as pl
from pandas.io.formats.style import Styler

from dashboard.figures.common import (
    AXIS_TEXT,
    FONT,
    GRID,
    OKABE_ITO,
    TEXT,
    _separators,
    fmt_day,
    month_ticks,
    table_rows,
    trend_figure,
)
from dashboard.figures.pilots import INTERVENTION_COLOR, _label_rows
from dashboard.formatting import (
    DASH,
    fmt_count,
    fmt_days,
    fmt_month,
    fmt_number,
    fmt_percent,
    fmt_protected,
    fmt_suppressed,
    fmt_value,
    fmt_withheld,
)
from dashboard.i18n import STRINGS, t
from metrics.catalogue import KPIS
from metrics.overview import shift_month
from metrics.ranking_protection import FAMILIES
from metrics.service_view import COMPLETION_KPI, DAY_BINS, MODES
from metrics.supply import VARIANTS

# --- Leistungen: one service in detail, every service side by side --------------------------
# Imported here rather than at the top so this page's builders stay one appended block.


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
        separators=_separators(lang),
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


# column → the family of metrics.ranking_protection whose ``withheld_<family>`` says why
COLUMN_FAMILY = {c: family for family, (_, _, columns) in FAMILIES.items() for c in columns}
COLUMN_FAMILY.update({"completed": "completed", "started": "started"})


def withheld_mark(row: dict, column: str, lang: str, min_n: int) -> str:
    """What a withheld cell of the ranking (or of its tiles) shows: "geschützt" where it rests
    on enough cases but protects another (``withheld_<family>`` is "secondary"), else
    "< 5"."""
    family = COLUMN_FAMILY.get(column)
    return fmt_withheld(min_n, lang, protected=family is not None
                        and row.get(f"withheld_{family}") == "secondary")


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
        for i in hidden:
            mark = withheld_mark(ranking.row(i, named=True), column, lang, min_n)
            styler = styler.format(lambda _, mark=mark: mark, subset=([i], [header]))
    return styler.hide(axis="index")


def ranking_table(ranking: pl.DataFrame, lang: str, min_n: int) -> pl.DataFrame:
    """The ranking as display text (the same strings as :func:`ranking_styler` shows)."""
    formats = _ranking_formats(ranking, lang)
    rows = []
    for r in ranking.iter_rows(named=True):
        row = []
        for column, (_, flag, kind) in RANKING_COLUMNS.items():
            if flag and r[flag]:
                row.append(withheld_mark(r, column, lang, min_n))
            else:
                row.append(DASH if r[column] is None else formats[kind](r[column]))
        rows.append(row)
    return pl.DataFrame(rows, schema={ranking_header(c, lang): pl.String
                                      for c in RANKING_COLUMNS}, orient="row")



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


# --- the online offer (Angebotsquote): both variants, by services and by transactions ------

SUPPLY_STYLE = {False: (OKABE_ITO[0], ""), True: (OKABE_ITO[1], "/")}  # by volume: hatched


def _supply_text(r: dict, lang: str, min_n: int) -> str:
    if r["withheld"] == "secondary":
        return fmt_protected(lang)
    if r["withheld"] == "primary":
        return fmt_suppressed(min_n, lang)
    return t("v_supply_unknown", lang) if r["value"] is None else fmt_percent(r["value"], lang)


def _supply_count(r: dict, lang: str, min_n: int) -> str:
    """"12 von 17 Leistungen", "8.345 von 10.000 Vorgängen" (or the withheld mark)."""
    if r["withheld"]:
        return _supply_text(r, lang, min_n)
    key = "v_supply_volume" if r["weighted"] else "v_supply_services"
    return t(key, lang, num=fmt_number(r["numerator"], lang, 0),
             den=fmt_number(r["denominator"], lang, 0))


def supply_figure(shares: pl.DataFrame, lang: str, min_n: int) -> go.Figure:
    """Horizontal bars: per variant (offered online, end to end) one bar by services (plain)
    and one by transactions (hatched), the share written beside each; a withheld or unknown
    share has no bar and says so at zero."""
    variants = [t(f"v_supply_{v}", lang) for v in reversed(VARIANTS)]  # first on top
    fig = go.Figure()
    for weighted in (False, True):
        colour, pattern = SUPPLY_STYLE[weighted]
        rows = {r["variant"]: r for r in shares.filter(pl.col("weighted") == weighted)
                .iter_rows(named=True)}
        ordered = [rows[v] for v in reversed(VARIANTS)]
        name = t("v_supply_by_volume" if weighted else "v_supply_by_services", lang)
        texts = [_supply_text(r, lang, min_n) for r in ordered]
        fig.add_trace(go.Bar(
            x=[None if r["value"] is None else r["value"] * 100 for r in ordered],
            y=variants, orientation="h", name=name, text=texts, textposition="outside",
            cliponaxis=False, textfont={"color": TEXT},
            marker={"color": colour, "pattern": {"shape": pattern, "solidity": 0.3,
                                                 "fgcolor": "white", "fgopacity": 0.7}},
            customdata=[_supply_count(r, lang, min_n) for r in ordered],
            hovertemplate=(f"<b>{html.escape(name)}</b> · %{{y}}: %{{text}}<br>"
                           "%{customdata}<extra></extra>")))
        for variant, r, text in zip(variants, ordered, texts, strict=True):
            if r["value"] is None:  # no bar to carry the text: write it at zero
                fig.add_annotation(x=0, y=variant, text=text, showarrow=False,
                                   xanchor="left", yshift=12 if weighted else -12,
                                   font={"color": AXIS_TEXT})
    _service_layout(fig, lang, 300, legend=True)
    fig.update_layout(barmode="group", bargap=0.3, legend={"traceorder": "normal"},
                      xaxis=_percent_axis(t("v_supply_axis", lang), lang, top=110),
                      yaxis={"automargin": True, "tickfont": {"color": TEXT}})
    fig.update_xaxes(tickvals=[0, 20, 40, 60, 80, 100])
    return fig


def supply_alt(shares: pl.DataFrame, first: str, last: str, lang: str, min_n: int) -> str:
    """Each variant by services (with its count) and by transactions."""
    items = []
    for variant in VARIANTS:
        rows = {r["weighted"]: r for r in shares.filter(pl.col("variant") == variant)
                .iter_rows(named=True)}
        label = t(f"v_supply_{variant}", lang)
        if rows[False]["value"] is None:
            items.append(t("v_supply_alt_unknown", lang, variant=label))
            continue
        items.append(t("v_supply_alt_item", lang, variant=label,
                       by_services=_supply_text(rows[False], lang, min_n),
                       count=_supply_count(rows[False], lang, min_n),
                       by_volume=_supply_text(rows[True], lang, min_n)))
    services = fmt_number(shares["services"].max() or 0, lang, 0)
    return t("v_supply_alt", lang, services=services, first=first, last=last,
             items=" ".join(items))


def supply_table(shares: pl.DataFrame, lang: str, min_n: int) -> pl.DataFrame:
    """One row per catalogue KPI: its label, the share, online / known (services or
    transactions)."""
    columns = [t("v_supply_col_kpi", lang), t("v_supply_col_share", lang),
               t("v_supply_col_count", lang)]
    rows = [[KPIS[r["kpi"]].label(lang), _supply_text(r, lang, min_n),
             _supply_count(r, lang, min_n) if r["value"] is not None or r["withheld"]
             else DASH] for r in shares.iter_rows(named=True)]
    return pl.DataFrame(rows, schema={c: pl.String for c in columns}, orient="row")
