"""Standorte: comparison with intervals, a map without tiles, appointments, waits."""

from __future__ import annotations

import html
import math

import plotly.graph_objects as go
import polars as pl

from dashboard.figures.common import AXIS_TEXT, FONT, GRID, MARKERS, OKABE_ITO, TEXT, _share_layout
from dashboard.formatting import (
    fmt_count,
    fmt_days,
    fmt_number,
    fmt_percent,
    fmt_protected,
    fmt_suppressed,
    row_count,
    row_mark,
)
from dashboard.i18n import STRINGS, t
from metrics.waits import WEEKDAYS_DE

# --- Standorte: comparison with intervals, a map without tiles, appointments, waits --------
# Imported here rather than at the top so this page's builders stay one appended block.

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
    """A share cell (``value``, ``n``, ``suppressed``, optionally ``protected``): "35,4 %",
    "< 5", "geschützt" or "–"."""
    if row["suppressed"]:
        return row_mark(row, min_n, lang)
    return fmt_percent(row["value"], lang) if row["value"] is not None else "–"


def withheld_note(row: dict, min_n: int, lang: str) -> str:
    """Why a row is withheld: too few cases, or to protect another ("geschützt")."""
    if row.get("protected"):
        return t("note_protected_value", lang, secondary=fmt_protected(lang))
    return t("note_suppressed", lang, min_n=min_n)


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
    labels = [f"{html.escape(r['name'])} · n = {row_count(r, min_n, lang)}"
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
                + (withheld_note(r, min_n, lang) if r["suppressed"]
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
                       n=row_count(r, min_n, lang)))
    return t("l_alt_interval", lang, what=what, period=period, items="; ".join(items))


def interval_table(frame: pl.DataFrame, value_header: str, n_header: str, lang: str,
                   min_n: int) -> pl.DataFrame:
    """The chart's rows as text in the chart's order ("< 5" and "–" spelled out)."""
    columns = [t("l_col_location", lang), value_header, t("s_col_interval", lang), n_header,
               t("col_note", lang)]
    rows = []
    for r in _share_order(frame).iter_rows(named=True):
        note = (withheld_note(r, min_n, lang) if r["suppressed"]
                else t("note_no_data", lang) if r["value"] is None else "")
        rows.append([r["name"], fmt_share(r, min_n, lang), fmt_share_range(r["lo"], r["hi"], lang),
                     row_count(r, min_n, lang), note])
    return pl.DataFrame(rows, schema={c: pl.String for c in columns}, orient="row")


# --- the map: longitude and latitude on equal-scale axes, no tile server ---------------------


def _scale_km(span_km: float) -> float:
    """A round length for the scale bar, about a quarter of the shown width."""
    return min(SCALE_STEPS_KM, key=lambda step: abs(step - span_km / 4))


def cases_text(row: dict, min_n: int, lang: str) -> str:
    """Cases of a location; "–" when the store holds no cases at all (``n`` null)."""
    return "–" if row["n"] is None else row_count(row, min_n, lang)


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
