"""Standorte: the locations compared (digital take-up with 95 % intervals), a map that needs
no internet, appointments (lead time, no-shows) and on-site waiting by weekday and hour.

Numbers come from :mod:`metrics` through the cached loaders in :mod:`dashboard.data`;
figures, text alternatives and tables from :mod:`dashboard.figures`. Filters live in the URL:
the global ones (:mod:`dashboard.filters`: period, services, locations, channels) and this
page's ``?wartequelle=statistik&wartestandort=<location code>`` (codes: :mod:`dashboard.url`).
Every section works on its own: a store with only wait statistics (Moers) shows the map and
the heatmap and explains how to add cases and appointments.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import streamlit as st

from dashboard import data, figures, page, url
from dashboard.filters import Filters, not_applied
from dashboard.formatting import fmt_count, fmt_month, fmt_number
from dashboard.i18n import t
from dashboard.widgets import chart, table  # with PNG/SVG and XLSX/CSV downloads
from metrics.catalogue import KPIS

KPI = KPIS["digital_take_up"]
SOURCES = ("termine", "statistik")  # on-site wait from appointments / hourly wait statistics
ALL = "all"  # ?wartestandort=all: every location together


# --- sections -------------------------------------------------------------------------------


def render_comparison(store: data.Store, cube, first: dt.date, last: dt.date,  # noqa: ANN001
                      locations: list[int] | None, period: str, lang: str,
                      services: tuple[int, ...] | None = None) -> pl.DataFrame | None:
    st.header(t("l_compare_heading", lang, kpi=KPI.label(lang)))
    if cube.is_empty:
        st.info(t("l_no_cases", lang), icon=":material/info:")
        return None
    frame, total = data.location_take_up(store, first, last, locations, services)
    if frame["n"].sum() == 0:
        st.info(t("l_no_cases_period", lang, period=period), icon=":material/info:")
        return frame
    alt = figures.interval_alt(frame, KPI.label(lang), period, lang, store.min_n)
    name = f"{t('l_compare_heading', lang, kpi=KPI.label(lang))} {period}"
    chart(figures.interval_figure(frame, KPI.label(lang), lang, store.min_n, total,
                                  t("l_total", lang)), alt, "l_take_up_chart", name, lang)
    if total["suppressed"] and total["n"]:
        st.caption(t("l_total_withheld", lang, label=t("l_total", lang),
                     value=fmt_count(total["n"], True, store.min_n, lang,
                                     protected=total["protected"])))
    shown = int(frame.filter(~pl.col("suppressed"))["n"].sum())  # never reveal a withheld n
    st.caption(t("l_compare_method", lang, method=KPI.method(lang), period=period,
                 n=fmt_number(shown, lang, 0), min_n=store.min_n))
    if total["without_location"]:
        st.caption(t("l_without_location", lang,
                     n=fmt_count(total["without_location"], 0 < total["without_location"]
                                 < store.min_n, store.min_n, lang)))
    st.caption(alt)
    table(figures.interval_table(frame, KPI.label(lang), t("col_n", lang), lang, store.min_n),
          "l_take_up_table", lang, name)
    return frame


def render_map(cube, take_up: pl.DataFrame | None, locations: list[int] | None,  # noqa: ANN001
               period: str, lang: str, min_n: int) -> None:
    st.header(t("l_map_heading", lang))
    with_cases = take_up is not None
    if take_up is None:  # no cases: the map still shows where the locations are
        take_up = cube.locations.with_columns(n=pl.lit(None, pl.Int64),
                                              suppressed=pl.lit(False))
        if locations is not None:
            take_up = take_up.filter(pl.col("location_id").is_in(locations))
    if take_up.is_empty():
        st.info(t("l_no_locations", lang), icon=":material/info:")
        return
    has_place = pl.col("latitude").is_not_null() & pl.col("longitude").is_not_null()
    if take_up.filter(has_place).is_empty():
        st.info(t("l_no_coordinates", lang), icon=":material/info:")
    else:
        alt = figures.location_map_alt(take_up, lang, min_n)
        chart(figures.location_map_figure(take_up, lang, min_n), alt, "l_map_chart",
              t("l_map_heading", lang), lang)
        st.caption(t("l_map_method", lang, period=period, min_n=min_n) if with_cases
                   else t("l_map_method_no_cases", lang))
        st.caption(alt)
    virtual = take_up.filter(~has_place).sort("name")
    if not virtual.is_empty():
        items = ", ".join(
            f"{r['name']} ({figures.kind_label(r['kind'], lang)}, "
            f"{t('l_cases_n', lang, n=figures.cases_text(r, min_n, lang))})"
            for r in virtual.iter_rows(named=True))
        st.markdown(t("l_virtual_list", lang, items=items))
    table(figures.location_map_table(take_up, lang, min_n), "l_map_table", lang,
          t("l_map_heading", lang))


def render_appointments(store: data.Store, facts, first: dt.date, last: dt.date,  # noqa: ANN001
                        locations: list[int] | None, names: dict[int, str], period: str,
                        lang: str, flt: Filters | None = None) -> None:
    st.header(t("l_appointments_heading", lang))
    if facts.is_empty:
        st.info(f"**{t('l_no_appointments_title', lang)}**\n\n{t('l_no_appointments', lang)}",
                icon=":material/info:")
        return
    summary = data.appointment_summary(
        store, first, last, locations, flt and flt.services, flt and flt.channels
    ).with_columns(
        name=pl.col("location_id").replace_strict(names, default="–", return_dtype=pl.String))
    if summary.is_empty():
        st.info(t("l_no_appointments_period", lang, period=period), icon=":material/info:")
        return
    min_n = store.min_n
    left, right = st.columns(2)
    with left:
        st.subheader(t("l_lead_heading", lang))
        alt = figures.lead_time_alt(summary, lang, min_n)
        chart(figures.lead_time_figure(summary, lang, min_n), alt, "l_lead_chart",
              f"{t('l_lead_heading', lang)} {period}", lang)
        shown = int(summary.filter(~pl.col("lead_suppressed"))["bookings"].sum())
        st.caption(t("l_lead_method", lang, period=period, n=fmt_number(shown, lang, 0),
                     min_n=min_n))
        st.caption(alt)
    with right:
        st.subheader(t("l_no_show_heading", lang))
        rates = summary.select("name", value="no_show", lo="no_show_lo", hi="no_show_hi",
                               n="due", suppressed="no_show_suppressed")
        alt = figures.interval_alt(rates, t("l_col_no_show", lang), period, lang, min_n)
        chart(figures.interval_figure(rates, t("l_col_no_show", lang), lang, min_n), alt,
              "l_no_show_chart", f"{t('l_no_show_heading', lang)} {period}", lang)
        shown = int(rates.filter(~pl.col("suppressed"))["n"].sum())
        st.caption(t("l_no_show_method", lang, period=period, n=fmt_number(shown, lang, 0),
                     min_n=min_n))
        st.caption(alt)
    without = [names[i] for i in (locations or names) if i not in set(summary["location_id"])]
    if without:
        st.caption(t("l_without_bookings", lang, names=", ".join(sorted(without))))
    table(figures.appointments_table(summary, lang, min_n), "l_appointments_table", lang,
          f"{t('l_appointments_heading', lang)} {period}")


def render_waits(store: data.Store, cube, facts, first: dt.date, last: dt.date,  # noqa: ANN001
                 locations: list[int] | None, names: dict[int, str], period: str,
                 lang: str) -> None:
    st.header(t("l_wait_heading", lang))
    frames = {"termine": facts.waits, "statistik": cube.waits}
    sources = [s for s in SOURCES if not frames[s].is_empty()]
    if not sources:
        st.info(t("l_no_waits", lang), icon=":material/info:")
        return
    source = sources[0]
    if len(sources) > 1:
        source = url.choice(st.radio, t("l_wait_source", lang), sources, key="wartequelle",
                            code=str, label=lambda s, lg: t(f"l_source_{s}", lg), lang=lang,
                            horizontal=True)
    ids = set(frames[source]["location_id"].drop_nulls().to_list())
    ids = sorted((i for i in ids if locations is None or i in locations),
                 key=lambda i: names.get(i, str(i)))
    if not ids:
        st.info(t("l_no_waits_selection", lang), icon=":material/info:")
        return
    options: list[int | None] = [*ids, None] if len(ids) > 1 else ids
    codes = dict(zip(cube.locations["location_id"], cube.locations["code"], strict=True))
    location = url.choice(
        st.selectbox, t("l_wait_location", lang), options, key="wartestandort",
        code=lambda i: ALL if i is None else codes.get(i, str(i)), lang=lang,
        label=lambda i, lg: t("l_all_locations", lg) if i is None else names.get(i, str(i)))
    scope = t("l_all_locations", lang) if location is None else names.get(location, "–")
    if source == "termine":
        cells = data.appointment_wait_cells(store, first, last, location)
        value_label, n_label, decimals = t("l_wait_median", lang), t("l_col_appointments",
                                                                      lang), 0
    else:
        cells = data.wait_stat_cells(store, first, last, location)
        value_label, n_label, decimals = t("l_wait_mean", lang), t("l_col_hours", lang), 1
    if cells.is_empty():
        st.info(t("l_no_waits_period", lang, period=period), icon=":material/info:")
        return
    alt = figures.wait_heatmap_alt(cells, scope, value_label, lang, store.min_n, decimals)
    name = f"{t('l_wait_heading', lang)} {scope} {period}"
    chart(figures.wait_heatmap_figure(cells, value_label, lang, store.min_n, decimals), alt,
          "l_wait_chart", name, lang)
    shown = int(cells.filter(~pl.col("suppressed"))["n"].sum())
    if source == "termine":
        note = t("l_wait_method_termine", lang, scope=scope, period=period,
                 n=fmt_number(shown, lang, 0), min_n=store.min_n)
    else:
        weighted = bool(cells["weighted"].any())
        note = t("l_wait_method_weighted" if weighted else "l_wait_method_statistik", lang,
                 scope=scope, period=period, n=fmt_number(shown, lang, 0), min_n=store.min_n)
    st.caption(note)
    st.caption(alt)
    table(figures.wait_heatmap_table(cells, value_label, n_label, lang, store.min_n, decimals),
          "l_wait_table", lang, name)


# --- the page -------------------------------------------------------------------------------

lang, store, cube = page.start("l_title")
facts = data.appointment_facts(store)
span = data.data_span(cube, facts)
if span is None and cube.locations.is_empty():
    page.stop_empty(store, lang)

names = data.location_options(cube)
flt = page.filters(store, lang)
first, last = (flt.first, flt.last_month) if span else (None, None)
locations = list(flt.locations) if flt.locations else None
period = (t("l_period_none", lang) if first is None
          else f"{fmt_month(first, lang)} – {fmt_month(last, lang)}")
st.caption(t("l_intro", lang, period=period))
# Without any dated data (master data only) every section explains what is missing before
# it would need the period.
take_up = render_comparison(store, cube, first, last, locations, period, lang, flt.services)
render_map(cube, take_up, locations, period, lang, store.min_n)
not_applied(flt, ["channels"], t("f_why_map", lang), lang)
render_appointments(store, facts, first, last, locations, names, period, lang, flt)
render_waits(store, cube, facts, first, last, locations, names, period, lang)
not_applied(flt, ["services", "channels"], t("f_why_waits", lang), lang)
st.caption(t("store_caption", lang, url=store.url))
