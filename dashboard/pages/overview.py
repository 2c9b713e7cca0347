"""Überblick: KPI tiles for the latest month and the digital take-up trend of one service.

Thin on purpose: data comes from :mod:`dashboard.data`, figures and text alternatives from
:mod:`dashboard.figures`, strings from :mod:`dashboard.formatting` and :mod:`dashboard.i18n`.
Filters live in the URL (``?standort=…&leistung=…``) so a view can be shared as a link.
"""

from __future__ import annotations

import streamlit as st

from dashboard import data, figures, page, widgets
from dashboard.formatting import (
    fmt_change,
    fmt_count,
    fmt_month,
    fmt_percent,
    fmt_value,
    is_zero_change,
)
from dashboard.i18n import t
from dashboard.kpi_sections import render_costs
from metrics.catalogue import KPIS
from metrics.overview import Tile, shift_month

TREND_KPI = "digital_take_up"


def location_filter(cube, lang: str) -> list[int] | None:  # noqa: ANN001 - metrics Cube
    """Sidebar multiselect "Standorte"; ``None`` while all are selected (no filter at all)."""
    names = data.location_options(cube)
    chosen = st.sidebar.multiselect(
        t("locations", lang),
        list(names),
        default=list(names),
        format_func=names.get,
        key="standort",
        bind="query-params",
        help=t("locations_help", lang),
    )
    if len(chosen) == len(names):
        return None
    if not chosen:
        st.info(t("locations_none", lang))
        st.stop()
    if data.has_cases_without_location(cube):
        st.caption(t("locations_filtered_note", lang, count=len(chosen), total=len(names)))
    return chosen


def good_or_bad(tile: Tile, change: float) -> str:
    better = change > 0 if tile.kpi.direction == "up" else change < 0
    return "green" if better else "red"


def render_tile(tile: Tile, lang: str, min_n: int) -> None:
    kpi = tile.kpi
    prev_month, prev_year = shift_month(tile.month, -1), shift_month(tile.month, -12)
    month_delta = None
    if tile.change_month is not None:
        month_delta = fmt_change(tile.change_month, tile.change_unit, lang)
    zero = month_delta is not None and is_zero_change(month_delta)
    with st.container(border=True):
        st.metric(
            kpi.label(lang),
            fmt_value(kpi, tile.value, tile.suppressed, min_n, lang),
            delta=month_delta,
            delta_color="off" if zero else ("inverse" if kpi.direction == "down" else "normal"),
            delta_arrow="off" if zero else "auto",
            delta_description=f"{t('vs_previous_month', lang)} ({fmt_month(prev_month, lang)})",
            help=kpi.method(lang),
        )
        if month_delta is None:
            st.markdown(
                f":small[{t('vs_previous_month', lang)} ({fmt_month(prev_month, lang)}): "
                f"{t('no_comparison', lang)}]"
            )
        year = f"{t('vs_previous_year', lang)} ({fmt_month(prev_year, lang)})"
        if tile.change_year is None:
            st.markdown(f":small[{year}: {t('no_comparison', lang)}]")
        else:
            # Same look as the metric's own delta: coloured badge with arrow, then the text.
            text = fmt_change(tile.change_year, tile.change_unit, lang)
            if is_zero_change(text):
                badge = f":gray-badge[{text}]"
            else:
                arrow = "↑" if tile.change_year > 0 else "↓"
                badge = f":{good_or_bad(tile, tile.change_year)}-badge[{arrow} {text}]"
            st.markdown(f"{badge} :small[{year}]")
        n = fmt_count(tile.n, tile.suppressed, min_n, lang)
        month = fmt_month(tile.month, lang)
        if tile.closed_share is None:
            st.caption(t("tile_n", lang, month=month, n=n))
        else:  # the newest cohort that is mostly closed (see metrics.overview)
            share = fmt_percent(tile.closed_share, lang, decimals=0)
            st.caption(t("tile_cohort", lang, month=month, share=share, n=n))


def shown_cases(series) -> int:  # noqa: ANN001 - polars frame from metrics.overview.trend
    return int(series.filter(~series["suppressed"])["n"].sum())


def render_trend(store: data.Store, cube, locations: list[int] | None, lang: str) -> None:  # noqa: ANN001
    kpi = KPIS[TREND_KPI]
    st.subheader(t("trend_heading", lang, kpi=kpi.label(lang)))
    services = {None: t("all_services", lang), **data.service_options(cube)}
    service = st.selectbox(
        t("service", lang),
        list(services),
        format_func=services.get,
        key="leistung",
        bind="query-params",
    )
    series = data.kpi_trend(store, TREND_KPI, None if service is None else [service], locations)
    alt = figures.text_alternative(series, kpi, services[service], lang, store.min_n)
    name = f"{kpi.label(lang)} – {services[service]}"  # file names of the downloads
    widgets.chart(figures.trend_figure(series, kpi, lang, store.min_n), alt, "trend_chart",
                  name, lang)
    months = series["month"].to_list()
    st.caption(
        t(
            "method_note",
            lang,
            method=kpi.method(lang),
            # only months with a shown value: the total must not reveal a withheld n
            n=fmt_count(shown_cases(series), False, store.min_n, lang),
            first=fmt_month(months[0], lang),
            last=fmt_month(months[-1], lang),
            min_n=store.min_n,
        )
    )
    st.caption(alt)
    widgets.table(figures.table_rows(series, kpi, lang, store.min_n), "trend_table", lang, name)


lang, store, cube = page.start("overview_title")
if cube.is_empty:
    page.stop_empty(store, lang)

st.caption(t("overview_intro", lang, month=fmt_month(cube.months[-1], lang)))
locations = location_filter(cube, lang)
tiles = data.overview_tiles(store, locations)
st.subheader(t("tiles_heading", lang, month=fmt_month(tiles[0].month, lang)))
for column, tile in zip(st.columns(len(tiles)), tiles, strict=True):
    with column:
        render_tile(tile, lang, store.min_n)
render_trend(store, cube, locations, lang)
render_costs(store, cube, lang)  # cost and staff hours freed: the page's last section
