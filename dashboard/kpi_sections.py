"""Two small sections for KPIs added later, each drawn by one call from its page:

- :func:`render_open_and_target` on the page Leistungen: the age of the chosen service's open
  cases (median and P90 on the newest date of the data, per location) and its share of cases
  completed within its own target;
- :func:`render_costs` at the bottom of the Überblick: cost per transaction and staff hours
  freed for the global filters (their months — by default the last 12 —, services,
  locations and channels), from the cost file (``SERVICEPULS_COSTS_FILE``).

Cached loaders, figure, text alternative and table live here too, so the pages stay thin and
the sections can move without touching the page code around them.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from pathlib import Path

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from dashboard import data
from dashboard.figures import FONT, OKABE_ITO, TEXT, _month_axis, _service_layout, fmt_day
from dashboard.filters import Filters, period_label
from dashboard.formatting import (
    DASH,
    fmt_count,
    fmt_month,
    fmt_number,
    fmt_value,
)
from dashboard.i18n import t
from metrics.catalogue import KPIS
from metrics.costs import CostConfigError, cost_summary, costs_path, load_costs
from metrics.cube import Cube
from metrics.facts import take_up_coverage, target_days
from metrics.kpis import compute
from metrics.overview import shift_month
from metrics.service_view import window, windowed

log = logging.getLogger(__name__)

COST_MONTHS = 12  # GOV.UK: cost per transaction over the last 12 months


def _ids(values: Iterable[int] | None) -> tuple[int, ...] | None:
    return None if values is None else tuple(sorted(values))


# --- open cases and the service's own target ---------------------------------------------------


@st.cache_data(show_spinner=False, max_entries=256)
def _open_and_target(_cube: Cube, url: str, version: str, service_id: int,
                     locations: tuple[int, ...] | None, min_n: int) -> dict:
    # guarded like the rest of the page: no withheld location by differencing filters
    scope = {"services": [service_id], "locations": locations, "min_n": min_n,
             "protect_filters": True}
    out: dict = {}
    for kpi in ("open_case_age_median", "open_case_age_p90"):
        # None also when the service has no open case (the frame is empty then)
        out[kpi] = next(iter(compute(kpi, _cube, (), **scope).to_dicts()), None) \
            if not _cube.open_cases.is_empty() else None
        out[f"{kpi}_by_location"] = compute(kpi, _cube, ("location_id",), **scope)
    first, last = window(_cube)
    end = dt.date(last.year + last.month // 12, last.month % 12 + 1, 1)
    inside = windowed(_cube, first, last).replace(standards=_cube.standards.filter(
        (pl.col("period_start") >= first) & (pl.col("period_end") < end)))
    within = compute("within_standard", inside, (), grain="month", **scope)
    out["within"] = within.row(0, named=True) if within.height else None
    out["first"], out["last"] = first, last
    return out


def _age(row: dict | None, kpi: str, min_n: int, lang: str) -> str:
    if row is None:
        return DASH
    return fmt_value(kpi, row["value"], row["suppressed"], min_n, lang)


def open_age_table(frame_median: pl.DataFrame, frame_p90: pl.DataFrame, names: dict,
                   lang: str, min_n: int) -> pl.DataFrame:
    """One row per location with open cases: median and P90 age, open cases (German)."""
    p90 = {r["location_id"]: r for r in frame_p90.to_dicts()}
    rows = [{
        t("sx_col_location", lang): names.get(r["location_id"], t("sx_no_location", lang)),
        KPIS["open_case_age_median"].label(lang): _age(r, "open_case_age_median", min_n, lang),
        KPIS["open_case_age_p90"].label(lang): _age(p90.get(r["location_id"]),
                                                    "open_case_age_p90", min_n, lang),
        t("sx_col_open", lang): fmt_count(r["n"], r["suppressed"], min_n, lang),
    } for r in frame_median.to_dicts()]
    return pl.DataFrame(rows, schema=[t("sx_col_location", lang),
                                      KPIS["open_case_age_median"].label(lang),
                                      KPIS["open_case_age_p90"].label(lang),
                                      t("sx_col_open", lang)])


def render_open_and_target(store: data.Store, cube: Cube, service: dict,
                           locations: Iterable[int] | None, lang: str) -> None:
    """Open cases and the share within the service's own target, for the chosen service."""
    min_n = store.min_n
    got = _open_and_target(cube, store.url, store.version, service["service_id"],
                           _ids(locations), min_n)
    st.subheader(t("sx_open_heading", lang))
    median, p90, within = got["open_case_age_median"], got["open_case_age_p90"], got["within"]
    target = target_days(cube.services.filter(pl.col("service_id") == service["service_id"]))
    days = target["target_days"][0] if target.height else None
    with st.container(key="sx_open"):
        columns = st.columns(3)
        open_n = fmt_count(median["n"] if median else 0, bool(median and median["suppressed"]),
                           min_n, lang)
        as_of = DASH if cube.as_of is None else fmt_day(cube.as_of, lang)
        for column, kpi, row in ((columns[0], "open_case_age_median", median),
                                 (columns[1], "open_case_age_p90", p90)):
            with column, st.container(border=True):
                st.metric(KPIS[kpi].label(lang), _age(row, kpi, min_n, lang),
                          help=KPIS[kpi].method(lang))
                st.caption(t("sx_open_n", lang, n=open_n, date=as_of))
        with columns[2], st.container(border=True):
            kpi = KPIS["within_standard"]
            value = DASH if within is None else fmt_value(kpi, within["value"],
                                                           within["suppressed"], min_n, lang)
            st.metric(kpi.label(lang), value, help=kpi.method(lang))
            window_text = {"first": fmt_month(got["first"], lang),
                           "last": fmt_month(got["last"], lang)}
            if days is None:
                st.caption(t("sx_no_target", lang))
            else:
                n = fmt_count(within["n"] if within else 0,
                              bool(within and within["suppressed"]), min_n, lang)
                st.caption(t("sx_target", lang, days=fmt_number(days, lang), n=n,
                             **window_text))
    by_location = got["open_case_age_median_by_location"]
    if by_location.height:
        names = data.location_options(cube)
        with st.container(key="sx_open_table"), st.expander(t("sx_open_table", lang)):
            st.table(open_age_table(by_location, got["open_case_age_p90_by_location"], names,
                                    lang, min_n), hide_index=True)


# --- what digital take-up counts --------------------------------------------------------------


@st.cache_data(show_spinner=False, max_entries=64)
def _take_up_coverage(_cube: Cube, url: str, version: str, grain: str, period: dt.date,
                      services: tuple[int, ...] | None,
                      locations: tuple[int, ...] | None) -> dict | None:
    got = take_up_coverage(_cube, grain, services=None if services is None else list(services),
                           locations=None if locations is None else list(locations))
    rows = got.filter(pl.col("period") == period).to_dicts()
    return rows[0] if rows else None


def render_take_up_coverage(store: data.Store, cube: Cube, flt: Filters, lang: str) -> None:
    """One caption under the tiles: how many services the take-up of the last period counts,
    how many of them without a known online date, and what it leaves out (not yet or never
    online) — the "n of N services" of metrics.facts.take_up_coverage."""
    row = _take_up_coverage(cube, store.url, store.version, flt.grain, flt.last,
                            _ids(flt.services), _ids(flt.locations))
    if row is None:
        return
    cases = row["cases_not_yet_online"]
    st.caption(t("sx_take_up_coverage", lang, period=period_label(flt.last, flt.grain, lang),
                 counted=row["services_counted"], without=row["services_without_date"],
                 left=row["services_not_yet_online"],
                 cases=fmt_count(cases, 0 < cases < store.min_n, store.min_n, lang)))


# --- cost per transaction and staff hours freed -------------------------------------------------


@st.cache_data(show_spinner=False, max_entries=64)
def _costs(_cube: Cube, url: str, version: str, path: str, stamp: float,
           first: dt.date, last: dt.date, services: tuple[int, ...] | None,
           locations: tuple[int, ...] | None, channels: tuple[str, ...] | None,
           min_n: int) -> tuple[dict, pl.DataFrame]:
    """(total over the months ``first`` … ``last``, per month) for the filters' services,
    locations and channels; ``stamp`` (the file's mtime) renews the cache when the cost file
    changes."""
    config = load_costs(Path(path), _cube.services)
    scope = {"first": first, "last": last, "services": services, "locations": locations,
             "channels": channels, "min_n": min_n}
    total = cost_summary(_cube, config, **scope).row(0, named=True)
    monthly = cost_summary(_cube, config, ("month",), **scope)
    months = pl.DataFrame({"month": pl.date_range(first, last, "1mo", eager=True)})
    return total | {"first": first, "last": last}, months.join(monthly, on="month",
                                                               how="left")


def hours_figure(monthly: pl.DataFrame, lang: str) -> go.Figure:
    """Staff hours freed per month as bars (withheld months have no bar)."""
    kpi = KPIS["staff_hours_freed"]
    fig = go.Figure(go.Bar(
        x=monthly["month"].to_list(), y=monthly["hours_freed"].to_list(),
        name=kpi.label(lang), marker={"color": OKABE_ITO[2], "line": {"color": TEXT,
                                                                     "width": 1}},
        hovertemplate="%{x|%m/%Y}: %{y:,.0f} " + ("Std." if lang == "de" else "h")
        + "<extra></extra>"))
    _service_layout(fig, lang, 320, legend=False)
    fig.update_layout(xaxis=_month_axis(monthly["month"].to_list(), lang),
                      yaxis={"title": {"text": kpi.label(lang)}, "rangemode": "tozero",
                             "tickformat": ",.0f", "tickfont": {"family": FONT}})
    return fig


def hours_alt(monthly: pl.DataFrame, total: dict, lang: str, min_n: int) -> str:
    """Plain-language summary of the chart (text alternative)."""
    kpi = KPIS["staff_hours_freed"]
    shown = monthly.filter(pl.col("hours_freed").is_not_null())
    if shown.is_empty():
        return t("sx_hours_alt_none", lang)
    top = shown.sort("hours_freed", descending=True).row(0, named=True)
    return t("sx_hours_alt", lang, first=fmt_month(monthly["month"][0], lang),
             last=fmt_month(monthly["month"][-1], lang),
             total=fmt_value(kpi, total["hours_freed"], total["hours_suppressed"], min_n, lang),
             top=fmt_month(top["month"], lang),
             top_value=fmt_value(kpi, top["hours_freed"], False, min_n, lang))


def costs_table(monthly: pl.DataFrame, lang: str, min_n: int) -> pl.DataFrame:
    cost, hours = KPIS["cost_per_transaction"], KPIS["staff_hours_freed"]
    rows = []
    for r in monthly.to_dicts():
        priced = r["cases"] or 0
        rows.append({
            t("axis_month", lang): fmt_month(r["month"], lang),
            t("sx_col_cases", lang): fmt_count(priced, bool(r["suppressed"]), min_n, lang),
            cost.label(lang): fmt_value(cost, r["cost_per_transaction"], bool(r["suppressed"]),
                                        min_n, lang),
            t("sx_col_digital", lang): fmt_count(r["digital"] or 0, bool(r["hours_suppressed"]),
                                                 min_n, lang),
            hours.label(lang): fmt_value(hours, r["hours_freed"], bool(r["hours_suppressed"]),
                                         min_n, lang),
        })
    return pl.DataFrame(rows)


def render_costs(store: data.Store, cube: Cube, lang: str, flt: Filters | None = None) -> None:
    """The section at the bottom of the Überblick (the file's format: README, Kosten), for
    the global filters: their months (default: the last :data:`COST_MONTHS` months, as
    GOV.UK asks), services (or department), locations and channels."""
    st.subheader(t("sx_cost_heading", lang))
    path = costs_path(store.settings, store.ags)
    if not path.exists():
        st.info(t("sx_cost_missing", lang, path=path), icon=":material/info:")
        return
    if flt is None:
        last = cube.months[-1]
        first, services, locations, channels = shift_month(last, 1 - COST_MONTHS), None, \
            None, None
    else:
        first, last = flt.first, flt.last_month
        services, locations, channels = flt.services, flt.locations, flt.channels
    try:
        total, monthly = _costs(cube, store.url, store.version, str(path),
                                path.stat().st_mtime, first, last, _ids(services),
                                _ids(locations), None if channels is None
                                else tuple(sorted(channels)), store.min_n)
    except CostConfigError as exc:
        st.warning(t("sx_cost_error", lang, path=path, count=len(exc.problems)))
        st.code("\n".join(exc.problems), language=None)
        return
    min_n = store.min_n
    cost, hours = KPIS["cost_per_transaction"], KPIS["staff_hours_freed"]
    span = {"first": fmt_month(total["first"], lang), "last": fmt_month(total["last"], lang)}
    with st.container(key="sx_costs"):
        left, right = st.columns(2)
        with left, st.container(border=True):
            st.metric(cost.label(lang), fmt_value(cost, total["cost_per_transaction"],
                                                  total["suppressed"], min_n, lang),
                      help=cost.method(lang))
            st.caption(t("sx_cost_n", lang, n=fmt_count(total["cases"], total["suppressed"],
                                                        min_n, lang), **span))
        with right, st.container(border=True):
            st.metric(hours.label(lang), fmt_value(hours, total["hours_freed"],
                                                   total["hours_suppressed"], min_n, lang),
                      help=hours.method(lang))
            st.caption(t("sx_hours_n", lang, n=fmt_count(total["digital"],
                                                         total["hours_suppressed"], min_n,
                                                         lang), **span))
    alt = hours_alt(monthly, total, lang, min_n)
    with st.container(key="sx_hours_chart"):
        st.plotly_chart(hours_figure(monthly, lang), alt=alt, theme=None,
                        config={"displaylogo": False})
        st.caption(hours.method(lang))
        st.caption(alt)
        if total["cases_without_cost"] != 0:
            without = total["cases_without_cost"]
            st.caption(t("sx_cost_uncovered", lang, n=fmt_count(without, without is None,
                                                                min_n, lang), path=path))
        with st.expander(t("table_expander", lang)):
            st.table(costs_table(monthly, lang, min_n), hide_index=True)
    st.caption(t("sx_cost_where", lang, path=path))
