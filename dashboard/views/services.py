"""Leistungen: find a service by name or LeiKa key and see it in detail — channel mix, digital
take-up with the Maßnahmen of configured pilots, processing time online against offline
(median and 90th percentile, and the distribution), follow-ups by channel, the online form's
completion rate — then every service side by side in a sortable ranking, and the online offer
of the listed services (Angebotsquote: offered online and end to end, by services and by
transactions).

Numbers come from :mod:`metrics.service_view` through the cached loaders in
:mod:`dashboard.data`; figures, text alternatives and tables from :mod:`dashboard.figures`.
The service lives in the URL as ``?leistung=<name>`` (a LeiKa key or service number works
too); the global filters (:mod:`dashboard.filters`: period, department, services, locations,
channels) choose the months, the services listed and the cases counted.
"""

from __future__ import annotations

import polars as pl
import streamlit as st
from streamlit.errors import StreamlitAPIException

from connectors.store import NEVER_ONLINE
from dashboard import data, figures, page, widgets
from dashboard.filters import not_applied
from dashboard.formatting import (
    fmt_count,
    fmt_month,
    fmt_percent,
    fmt_protected,
    fmt_suppressed,
    fmt_value,
)
from dashboard.i18n import t, t_count
from dashboard.kpi_sections import render_open_and_target
from metrics.catalogue import KPIS
from metrics.pilot_config import PilotConfigError
from metrics.ranking_protection import span_end
from metrics.service_view import (
    COMPLETION_KPI,
    ServiceDetail,
    find_service,
    interventions_for,
    option_label,
)

PARAM = "leistung"  # shared with the overview's service filter: the service's name
WIDGET = "v_leistung"  # own widget key: our labels carry the LeiKa key, the URL the name
WRITTEN = "v_leistung_written"  # the URL value this page wrote last


def choose_service(cube, ranking: pl.DataFrame, lang: str) -> dict:  # noqa: ANN001
    """The searchable service select, kept in step with ``?leistung=``: a URL value this page
    did not write itself (a shared link, an edited address) chooses the service; otherwise the
    last choice of the session stays (default: the service with the most cases). Every run
    writes the chosen name back to the URL."""
    # the services of the global filters (the ranking holds exactly those)
    listed = ranking["service_id"].to_list()
    services = cube.services.filter(pl.col("service_id").is_in(listed)).sort("name")
    rows = {r["service_id"]: r for r in services.iter_rows(named=True)}
    requested = st.query_params.get(PARAM)
    unknown = False
    if requested and requested != st.session_state.get(WRITTEN):
        chosen = find_service(requested, services)
        unknown = chosen is None
        if chosen is not None:
            st.session_state[WIDGET] = chosen
    if st.session_state.get(WIDGET) not in rows:
        st.session_state[WIDGET] = ranking["service_id"][0]
    service_id = st.selectbox(t("v_find", lang), list(rows), key=WIDGET,
                              format_func=lambda i: option_label(rows[i]),
                              help=t("v_find_help", lang), persist_state="session")
    if unknown:
        st.warning(t("v_not_found", lang, value=requested, name=rows[service_id]["name"]))
    try:
        st.query_params[PARAM] = rows[service_id]["name"]
        st.session_state[WRITTEN] = rows[service_id]["name"]
    except StreamlitAPIException:
        # Still bound to the overview's filter during the first run after a page switch;
        # Streamlit releases it at the end of this run, the next run writes the name.
        pass
    return rows[service_id]


def render_facts(service: dict, lang: str) -> None:
    st.header(service["name"])
    since = service["online_since"]
    online = (t("v_online_unknown", lang) if since is None
              else t("v_not_online", lang) if since == NEVER_ONLINE
              else t("v_online_since", lang, date=figures.fmt_day(since, lang)))
    st.caption(t("v_facts", lang, leika=service["leika_key"] or t("v_no_key", lang),
                 code=service["code"], department=service["department"] or "–", online=online))


def render_tiles(row: dict, detail: ServiceDetail, lang: str, min_n: int) -> None:
    """Six numbers over the window — the same values and marks as the service's ranking row
    ("geschützt" where the ranking protects another service's value)."""
    st.subheader(t("v_range", lang, first=fmt_month(detail.first, lang),
                   last=fmt_month(detail.last, lang)))

    def shown(column: str, flag: str, text: str) -> str:
        return figures.withheld_mark(row, column, lang, min_n) if row[flag] else text

    cases = shown("cases", "cases_suppressed", fmt_count(row["cases"], False, min_n, lang))
    completed = shown("completed", "days_suppressed",
                      fmt_count(row["completed"], False, min_n, lang))

    def value(kpi, column: str, flag: str) -> str:  # noqa: ANN001 - a KPI or its id
        return shown(column, flag, fmt_value(kpi, row[column], False, min_n, lang))

    tiles = [
        (t("v_cases", lang), cases, t("v_cases_help", lang), ""),
        (KPIS["digital_take_up"].label(lang),
         value("digital_take_up", "take_up", "take_up_suppressed"),
         KPIS["digital_take_up"].method(lang),
         t_count("v_n_cases", lang, shown("take_up", "take_up_suppressed", cases))),
        (KPIS["processing_days_median"].label(lang),
         value("processing_days_median", "median_days", "days_suppressed"),
         KPIS["processing_days_median"].method(lang), t_count("v_n_completed", lang, completed)),
        (KPIS["processing_days_p90"].label(lang),
         value("processing_days_p90", "p90_days", "days_suppressed"),
         KPIS["processing_days_p90"].method(lang), t_count("v_n_completed", lang, completed)),
        (KPIS["follow_up_rate"].label(lang),
         value("follow_up_rate", "follow_up", "follow_up_suppressed"),
         KPIS["follow_up_rate"].method(lang), t_count("v_n_completed", lang, completed)),
        (COMPLETION_KPI.label(lang),
         value(COMPLETION_KPI, "completion", "completion_suppressed"),
         COMPLETION_KPI.method(lang),
         t("v_n_started", lang, n=shown("started", "completion_suppressed",
                                        fmt_count(row["started"], False, min_n, lang)))),
    ]
    with st.container(key="v_tiles"):
        for start in (0, 3):
            for column, (label, value, help_text, note) in zip(
                    st.columns(3), tiles[start:start + 3], strict=True):
                with column, st.container(border=True):
                    st.metric(label, value, help=help_text)
                    if note:
                        st.caption(note)
    if detail.closed_share is not None:
        st.caption(t("v_cohort_note", lang, share=fmt_percent(detail.closed_share, lang)))


def show_chart(key: str, figure, alt: str, method: str, table: pl.DataFrame,  # noqa: ANN001
               lang: str, name: str) -> None:
    """A chart with its method note, its text alternative as visible text, and its data;
    both downloadable, the files named after ``name``."""
    with st.container(key=key):
        widgets.chart(figure, alt, f"{key}_chart", name, lang, method=method)
        st.caption(method)
        st.caption(alt)
        widgets.table(table, f"{key}_table", lang, name)


def protected(row: dict, family: str, lang: str) -> bool:
    """Whether the ranking protects this family of the service's values over the period
    ("geschützt": they rest on enough cases but the period holds some of the months the
    service's monthly series withholds, so the period's value would give them back). A chart
    of the whole period split by channel or mode would give that value back as the sum of
    its parts, so it is not drawn: the page says why. The monthly charts stay: they withhold
    the same months as the grid (metrics.ranking_protection)."""
    if row.get(f"withheld_{family}") != "secondary":
        return False
    st.info(t("v_protected", lang, secondary=fmt_protected(lang)), icon=":material/lock:")
    return True


def months_protected(detail: ServiceDetail, family: str, lang: str, min_n: int) -> None:
    """Say which months read "< 5" only to protect another service's month."""
    months = detail.protected.get(family)
    if months:
        st.caption(t("v_months_protected", lang, months=", ".join(
            fmt_month(m, lang) for m in months), secondary=fmt_protected(lang),
            small=fmt_suppressed(min_n, lang)))


def shown_n(frame: pl.DataFrame) -> int:
    """Cases behind the shown values only: the total must not reveal a withheld n."""
    return int(frame.filter(~pl.col("suppressed"))["n"].sum())


def span(frame: pl.DataFrame, lang: str) -> dict[str, str]:
    months = frame["month"].unique().sort()
    return {"first": fmt_month(months[0], lang), "last": fmt_month(months[-1], lang)}


def render_mix(detail: ServiceDetail, name: str, lang: str, min_n: int) -> None:
    st.subheader(t("v_mix_heading", lang))
    if detail.mix.is_empty():  # no case under the filters: said above (v_no_cases)
        st.caption(t("v_mix_none", lang))
        return
    per_month = detail.mix.group_by("month").agg(pl.col("n").first(),
                                                 pl.col("suppressed").first())
    show_chart("v_mix", figures.mix_figure(detail.mix, lang, min_n),
               figures.mix_alt(detail.mix, name, lang),
               t("v_mix_method", lang, min_n=min_n, n=fmt_count(shown_n(per_month), False,
                                                                  min_n, lang),
                 **span(detail.mix, lang)),
               figures.mix_table(detail.mix, lang, min_n), lang,
               f"{name} – {t('v_mix_heading', lang)}")
    months_protected(detail, "cases", lang, min_n)


def pilot_interventions(store: data.Store, service_id: int, lang: str) -> list:
    """Maßnahmen of the pilots covering the service; a broken pilots file is said, not fatal."""
    path = data.pilots_file(store)
    try:
        pilots = data.pilot_definitions(store)
    except PilotConfigError as exc:
        st.warning(t("v_interventions_error", lang, path=path, count=len(exc.problems)))
        return []
    found = interventions_for(pilots or [], service_id)
    if not found:
        st.caption(t("v_interventions_none", lang, path=path))
    return found


def render_take_up(store: data.Store, detail: ServiceDetail, name: str,
                   lang: str) -> None:
    kpi = KPIS["digital_take_up"]
    st.subheader(t("v_take_up_heading", lang))
    interventions = pilot_interventions(store, detail.service_id, lang)
    series = detail.take_up
    alt = (figures.text_alternative(series, kpi, name, lang, store.min_n)
           + figures.interventions_alt(interventions, lang))
    show_chart("v_take_up", figures.take_up_figure(series, lang, store.min_n, interventions),
               alt, t("v_take_up_method", lang, method=kpi.method(lang), min_n=store.min_n,
                      n=fmt_count(shown_n(series), False, store.min_n, lang),
                      **span(series, lang)),
               figures.table_rows(series, kpi, lang, store.min_n), lang,
               f"{name} – {t('v_take_up_heading', lang)}")
    months_protected(detail, "take_up", lang, store.min_n)
    if interventions:
        with st.container(key="v_interventions"), st.expander(t("v_interventions_table", lang)):
            frame = figures.interventions_table(interventions, lang)
            widgets.table(frame, "v_interventions_table", lang,
                          f"{name} – {t('v_interventions_table', lang)}", expander=False)


def render_processing(row: dict, detail: ServiceDetail, name: str, lang: str,
                      min_n: int) -> None:
    st.subheader(t("v_processing_heading", lang))
    show_chart("v_processing", figures.processing_figure(detail.processing, lang, min_n),
               figures.processing_alt(detail.processing, name, lang, min_n),
               t("v_processing_method", lang, min_n=min_n),
               figures.processing_table(detail.processing, lang, min_n), lang,
               f"{name} – {t('v_processing_heading', lang)}")
    months_protected(detail, "completed", lang, min_n)
    window = {"first": fmt_month(detail.first, lang), "last": fmt_month(detail.last, lang)}
    st.subheader(t("v_distribution_heading", lang, **window))
    if protected(row, "completed", lang):
        return
    dist = detail.distribution
    n = {f"n_{m}": fmt_count(dist.filter(pl.col("mode") == m)["n"][0],
                             bool(dist.filter(pl.col("mode") == m)["suppressed"][0]), min_n,
                             lang) for m in ("online", "offline")}
    show_chart("v_distribution", figures.days_figure(dist, lang, min_n),
               figures.days_alt(dist, name, lang, min_n),
               t("v_distribution_method", lang, min_n=min_n, **window, **n),
               figures.days_table(dist, lang, min_n), lang,
               f"{name} – {t('v_distribution_heading', lang, **window)}")


def render_follow_up(row: dict, detail: ServiceDetail, name: str, lang: str,
                     min_n: int) -> None:
    window = {"first": fmt_month(detail.first, lang), "last": fmt_month(detail.last, lang)}
    st.subheader(t("v_followup_heading", lang, **window))
    if protected(row, "completed", lang):
        return
    if detail.follow_up.is_empty():
        st.info(t("v_followup_none", lang))
        return
    show_chart("v_follow_up", figures.follow_up_figure(detail.follow_up, lang, min_n),
               figures.follow_up_alt(detail.follow_up, name, lang, min_n),
               t("v_followup_method", lang, method=KPIS["follow_up_rate"].method(lang),
                 min_n=min_n, **window),
               figures.follow_up_table(detail.follow_up, lang, min_n), lang,
               f"{name} – {t('v_followup_heading', lang, **window)}")


def render_funnel(detail: ServiceDetail, name: str, filtered: bool, lang: str,
                  min_n: int) -> None:
    st.subheader(t("v_funnel_heading", lang))
    if not detail.has_funnel:
        st.info(t("v_funnel_missing", lang), icon=":material/info:")
        return
    if detail.completion.is_empty():
        st.info(t("v_funnel_missing_service", lang), icon=":material/info:")
        return
    series = detail.completion
    show_chart("v_funnel", figures.completion_figure(series, lang, min_n),
               figures.text_alternative(series, COMPLETION_KPI, name, lang, min_n),
               t("v_funnel_method", lang, method=COMPLETION_KPI.method(lang), min_n=min_n,
                 n=fmt_count(shown_n(series), False, min_n, lang), **span(series, lang)),
               figures.completion_table(series, lang, min_n), lang,
               f"{name} – {t('v_funnel_heading', lang)}")
    months_protected(detail, "started", lang, min_n)
    if filtered:
        st.caption(t("v_funnel_no_location", lang))


def render_ranking(ranking: pl.DataFrame, detail: ServiceDetail, lang: str, min_n: int) -> None:
    heading = t("v_ranking_heading", lang, first=fmt_month(detail.first, lang),
                last=fmt_month(detail.last, lang))
    st.subheader(heading)
    covered = ranking.filter(pl.col("months_with_data") > 0).height
    st.caption(t("v_ranking_intro", lang, covered=covered, total=ranking.height, min_n=min_n,
                 secondary=fmt_protected(lang)))
    # Sorted here, not in a grid: the grid can show "< 5" only for a stand-in number (see
    # figures.sort_ranking); withheld and missing cells come last in either direction.
    columns = [c for c in figures.RANKING_COLUMNS if c != "leika_key"]
    left, right = st.columns([2, 1])
    column = left.selectbox(t("v_sort", lang), columns, key="v_sort",
                            index=columns.index("cases"),
                            format_func=lambda c: figures.ranking_header(c, lang))
    order = right.radio(t("v_order", lang), ["desc", "asc"], key="v_order", horizontal=True,
                        format_func=lambda o: t(f"v_order_{o}", lang))
    ordered = figures.sort_ranking(ranking, column, order == "desc")
    with st.container(key="v_ranking"):
        widgets.table(figures.ranking_table(ordered, lang, min_n), "v_ranking_table", lang,
                      heading, expander=False)
    st.caption(t("v_ranking_method", lang))


def render_supply(shares: pl.DataFrame, detail: ServiceDetail, lang: str, min_n: int) -> None:
    """The supply share (Angebotsquote) of the listed services over the period: offered online
    and end to end online, by services and by transactions, with coverage."""
    window = {"first": fmt_month(detail.first, lang), "last": fmt_month(detail.last, lang)}
    heading = t("v_supply_heading", lang, **window)
    st.subheader(heading)
    online = shares.filter(~pl.col("weighted") & (pl.col("variant") == "online")).row(
        0, named=True)
    e2e = shares.filter(~pl.col("weighted") & (pl.col("variant") == "end_to_end")).row(
        0, named=True)
    st.caption(t("v_supply_coverage", lang, known=fmt_count(online["known"], False, min_n,
                                                              lang),
                 services=fmt_count(online["services"], False, min_n, lang),
                 known_e2e=fmt_count(e2e["known"], False, min_n, lang)))
    method = t("v_supply_method", lang, day=figures.fmt_day(span_end(detail.last), lang),
               services_method=KPIS["online_offer_share"].method(lang),
               volume_method=KPIS["online_offer_share_by_volume"].method(lang),
               e2e_method=KPIS["end_to_end_offer_share"].method(lang), min_n=min_n,
               secondary=fmt_protected(lang))
    show_chart("v_supply", figures.supply_figure(shares, lang, min_n),
               figures.supply_alt(shares, window["first"], window["last"], lang, min_n),
               method, figures.supply_table(shares, lang, min_n), lang, heading)


lang, store, cube = page.start("v_title")
if cube.is_empty:
    page.stop_empty(store, lang)

st.caption(t("v_intro", lang, month=fmt_month(cube.months[-1], lang)))
flt = page.filters(store, lang)
locations = flt.locations
ranking = data.service_ranking_for(store, flt)
service = choose_service(cube, ranking, lang)
detail = data.service_detail_for(store, service["service_id"], flt)
row = ranking.filter(pl.col("service_id") == service["service_id"]).row(0, named=True)
render_facts(service, lang)
render_tiles(row, detail, lang, store.min_n)
if row["cases"] == 0:
    st.info(t("v_no_cases", lang, first=fmt_month(detail.first, lang),
              last=fmt_month(detail.last, lang)))
render_mix(detail, service["name"], lang, store.min_n)
not_applied(flt, ["channels"], t("f_why_mix", lang), lang)
render_take_up(store, detail, service["name"], lang)
not_applied(flt, ["channels"], t("f_why_take_up", lang), lang)
render_processing(row, detail, service["name"], lang, store.min_n)
render_open_and_target(store, cube, service, locations, lang)
render_follow_up(row, detail, service["name"], lang, store.min_n)
render_funnel(detail, service["name"], locations is not None, lang, store.min_n)
render_ranking(ranking, detail, lang, store.min_n)
render_supply(data.supply_for(store, flt), detail, lang, store.min_n)
not_applied(flt, ["channels"], t("f_why_supply", lang), lang)
