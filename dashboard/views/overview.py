"""Überblick: KPI tiles for the last period of the filters (change vs the previous period and
year, sparkline, target status), the digital take-up trend, the biggest movers among the
services and the freshness of every data source.

Thin on purpose: data comes from :mod:`dashboard.data`, figures and text alternatives from
:mod:`dashboard.figures`, strings from :mod:`dashboard.formatting` and :mod:`dashboard.i18n`.
The global filters (:mod:`dashboard.filters`) live in the URL so a view can be shared as a
link.
"""

from __future__ import annotations

import streamlit as st

from dashboard import data, figures, page, widgets
from dashboard.filters import Filters, not_applied, period_label
from dashboard.formatting import (
    fmt_change,
    fmt_count,
    fmt_month,
    fmt_percent,
    fmt_value,
    is_zero_change,
)
from dashboard.i18n import t, t_count
from dashboard.kpi_sections import render_costs, render_take_up_coverage
from metrics.catalogue import KPIS
from metrics.headline import MOVER_KPIS, PeriodTile, previous_period
from metrics.overview import shift_month
from metrics.quality import STALE_AFTER_DAYS
from metrics.target_config import TargetConfigError

TREND_KPI = "digital_take_up"


PREVIOUS = {"month": "vs_previous_month", "quarter": "vs_previous_quarter",
            "year": "vs_previous_year_period"}
SAME_LAST_YEAR = {"month": "vs_previous_year", "quarter": "vs_same_quarter"}


def good_or_bad(tile: PeriodTile, change: float) -> str:
    better = change > 0 if tile.kpi.direction == "up" else change < 0
    return "green" if better else "red"


def render_tile(tile: PeriodTile, lang: str, min_n: int) -> None:
    kpi, grain = tile.kpi, tile.grain

    def label(period) -> str:  # noqa: ANN001 - a date
        return period_label(period, grain, lang)

    previous = f"{t(PREVIOUS[grain], lang)} ({label(previous_period(tile.period, grain))})"
    month_delta = None
    if tile.change_previous is not None:
        month_delta = fmt_change(tile.change_previous, tile.change_unit, lang)
    zero = month_delta is not None and is_zero_change(month_delta)
    with st.container(border=True):
        st.metric(
            kpi.label(lang),
            fmt_value(kpi, tile.value, tile.suppressed, min_n, lang, protected=tile.protected),
            delta=month_delta,
            delta_color="off" if zero else ("inverse" if kpi.direction == "down" else "normal"),
            delta_arrow="off" if zero else "auto",
            delta_description=previous,
            help=kpi.method(lang),
        )
        if month_delta is None:
            st.markdown(f":small[{previous}: {t('no_comparison', lang)}]")
        if grain in SAME_LAST_YEAR:
            render_year_change(tile, f"{t(SAME_LAST_YEAR[grain], lang)} "
                                     f"({label(shift_month(tile.period, -12))})", lang)
        render_sparkline(tile, lang, min_n)
        render_tile_notes(tile, lang, min_n)


def render_sparkline(tile: PeriodTile, lang: str, min_n: int) -> None:
    """The range as a small line with gaps where a period has no shown value (Plotly, not
    st.metric's own sparkline: that one skips gaps and has no text alternative)."""
    labels = [period_label(p, tile.grain, lang) for p in tile.series["period"]]
    if len(labels) < 2:
        return
    alt = figures.sparkline_alt(tile.series, tile.kpi, labels, lang, min_n)
    st.plotly_chart(figures.sparkline_figure(tile.series, tile.kpi, labels, lang, min_n),
                    alt=alt, theme=None, key=f"o_spark_{tile.kpi.id}",
                    config={"displayModeBar": False})


def render_year_change(tile: PeriodTile, year: str, lang: str) -> None:
    if tile.change_year is None:
        st.markdown(f":small[{year}: {t('no_comparison', lang)}]")
        return
    # Same look as the metric's own delta: coloured badge with arrow, then the text.
    text = fmt_change(tile.change_year, tile.change_unit, lang)
    if is_zero_change(text):
        badge = f":gray-badge[{text}]"
    else:
        arrow = "↑" if tile.change_year > 0 else "↓"
        badge = f":{good_or_bad(tile, tile.change_year)}-badge[{arrow} {text}]"
    st.markdown(f"{badge} :small[{year}]")


def render_tile_notes(tile: PeriodTile, lang: str, min_n: int) -> None:
    """n, the sparkline in words, and the target with its status."""
    n = fmt_count(tile.n, tile.suppressed, min_n, lang, protected=tile.protected)
    month = period_label(tile.period, tile.grain, lang)
    if tile.closed_share is None:
        st.caption(t_count("tile_n", lang, n, month=month))
    else:  # the newest cohort that is mostly closed (see metrics.headline)
        share = fmt_percent(tile.closed_share, lang, decimals=0)
        st.caption(t_count("tile_cohort", lang, n, month=month, share=share))
    series = tile.series
    st.caption(t("o_spark", lang, first=period_label(series["period"][0], tile.grain, lang),
                 last=period_label(series["period"][-1], tile.grain, lang),
                 shown=series["value"].is_not_null().sum(), periods=series.height))
    if tile.target is None:
        st.caption(t("o_no_target", lang))
        return
    target, status = tile.target, tile.status
    st.markdown(t("o_target", lang,
                  value=fmt_value(tile.kpi, target.value, False, min_n, lang),
                  due=figures.fmt_day(target.due, lang),
                  status=f"**{t('o_status_' + status.status, lang)}**"),
                help=t("o_status_rule", lang, month=fmt_month(status.latest_month, lang)
                       if status.latest_month else "–"))


def render_tiles_data(tiles: list[PeriodTile], flt: Filters, lang: str, min_n: int) -> None:
    """The sparklines' one-line method note and their numbers as a table on demand."""
    st.caption(t("o_tiles_method", lang, period=flt.period_text(lang), min_n=min_n,
                 grain=t(f"f_grain_{flt.grain}", lang) if lang == "de" else flt.grain))
    widgets.table(figures.tiles_table([(x.kpi, x.series) for x in tiles], flt.grain, lang,
                                      min_n), "o_tiles_table", lang,
                  f"{t('tiles_heading', lang, month=flt.period_text(lang))}")


def shown_cases(series) -> int:  # noqa: ANN001 - polars frame from metrics.overview.trend
    return int(series.filter(~series["suppressed"])["n"].sum())


def scope_text(flt: Filters, cube, lang: str) -> str:  # noqa: ANN001 - metrics Cube
    """"Alle Leistungen", the department, or the chosen services by name."""
    if flt.chosen_services:
        names = dict(zip(cube.services["service_id"], cube.services["name"], strict=True))
        return ", ".join(sorted(names[i] for i in flt.chosen_services))
    return flt.department or t("all_services", lang)


def render_trend(store: data.Store, cube, flt: Filters, tiles: list[PeriodTile],  # noqa: ANN001
                 lang: str) -> None:
    """The take-up per period of the chosen grain (Σ digital / Σ cases of each month, quarter
    or year): the series of its tile (:func:`metrics.headline.period_series`)."""
    kpi, grain = KPIS[TREND_KPI], flt.grain
    st.subheader(t("trend_heading", lang, kpi=kpi.label(lang)))
    series = next(x.series for x in tiles if x.kpi.id == TREND_KPI)
    scope = scope_text(flt, cube, lang)
    alt = figures.text_alternative(series, kpi, scope, lang, store.min_n, grain)
    name = f"{kpi.label(lang)} – {scope}"  # file names of the downloads
    widgets.chart(figures.trend_figure(series, kpi, lang, store.min_n, grain), alt,
                  "trend_chart", name, lang, method=kpi.method(lang))
    periods = series["period"].to_list()
    st.caption(
        t(
            "method_note",
            lang,
            method=kpi.method(lang),
            # only months with a shown value: the total must not reveal a withheld n
            n=fmt_count(shown_cases(series), False, store.min_n, lang),
            first=period_label(periods[0], grain, lang),
            last=period_label(periods[-1], grain, lang),
            min_n=store.min_n,
        )
    )
    st.caption(alt)
    widgets.table(figures.table_rows(series, kpi, lang, store.min_n, grain), "trend_table",
                  lang, name)


def load_targets(store: data.Store, lang: str) -> list:
    """The targets file's targets; a broken file is said (every problem), not fatal."""
    try:
        return data.targets(store) or []
    except TargetConfigError as exc:
        problems = "\n".join(f"- {p}" for p in exc.problems)
        st.warning(f"{t('o_targets_error', lang, path=exc.file, count=len(exc.problems))}"
                   f"\n\n{problems}", icon=":material/warning:")
        return []


def render_movers(store: data.Store, tiles: list[PeriodTile], flt: Filters,
                  lang: str) -> None:
    st.subheader(t("o_movers_heading", lang))
    st.caption(t("o_movers_intro", lang, period=period_label(flt.last, flt.grain, lang),
                 min_n=store.min_n))
    for tile in (x for x in tiles if x.kpi.id in MOVER_KPIS):
        kpi, now = tile.kpi, period_label(tile.period, tile.grain, lang)
        st.markdown(f"**{kpi.label(lang)} · {now}**")
        compares = {"previous": previous_period(tile.period, tile.grain),
                    "year": shift_month(tile.period, -12)}
        if tile.grain == "year":  # the previous period is the previous year
            compares.pop("year")
        for column, (compare, before) in zip(st.columns(len(compares)), compares.items(),
                                             strict=True):
            then = period_label(before, tile.grain, lang)
            frame = data.movers(store, kpi.id, tile.period, compare, flt)
            with column, st.container(key=f"o_movers_{kpi.id}_{compare}"):
                st.caption(t("o_movers_vs", lang, period=then))
                if frame.is_empty():
                    st.caption(t("o_movers_none", lang))
                else:  # with XLSX and CSV downloads, like every table
                    widgets.table(figures.movers_table(frame, kpi, now, then, lang, store.min_n),
                                  f"o_movers_{kpi.id}_{compare}_table", lang,
                                  f"{t('o_movers_heading', lang)} {kpi.label(lang)} {now} "
                                  f"{t('o_movers_vs', lang, period=then)}", expander=False)


def render_freshness(store: data.Store, lang: str) -> None:
    st.subheader(t("o_fresh_heading", lang))
    fresh = data.source_freshness(store)
    st.caption(t("o_fresh_intro", lang, path=store.settings.sources_file,
                 days=STALE_AFTER_DAYS))
    widgets.table(figures.freshness_table(fresh, lang), "o_freshness", lang,
                  t("o_fresh_heading", lang), expander=False)


lang, store, cube = page.start("overview_title")
if cube.is_empty:
    page.stop_empty(store, lang)

st.caption(t("overview_intro", lang, month=fmt_month(cube.months[-1], lang)))
flt = page.filters(store, lang)
tiles = data.period_tiles(store, flt, load_targets(store, lang))
st.subheader(t("tiles_heading", lang, month=period_label(flt.last, flt.grain, lang)))
with st.container(key="o_tiles"):
    for column, tile in zip(st.columns(len(tiles)), tiles, strict=True):
        with column:
            render_tile(tile, lang, store.min_n)
render_tiles_data(tiles, flt, lang, store.min_n)
not_applied(flt, ["channels"], t("f_why_take_up", lang), lang)
render_take_up_coverage(store, cube, flt, lang)
st.caption(t("o_targets_where", lang, path=data.targets_file(store)))
render_trend(store, cube, flt, tiles, lang)
render_movers(store, tiles, flt, lang)
render_freshness(store, lang)
render_costs(store, cube, lang, flt)  # cost and staff hours freed: the last section
