"""Pilotprojekte: did a pilot work, by how much, and how sure are we?

Pilots come from the pilots file (:mod:`metrics.pilot_config`), the evaluation from
:func:`metrics.pilots.pilot_effect` (difference-in-differences with a month bootstrap), both
through the cached loaders in :mod:`dashboard.data`; the chart and its text alternative from
:mod:`dashboard.figures`. The chosen pilot lives in the URL (``?pilot=<Name>``) so a pilot's
result can be shared as a link.

Target status (Zielwert): "erreicht" only when the lower bound of the 95 % interval is at
or above the target — a point estimate above the target is not yet proof; "verfehlt" when
even the upper bound is below it; otherwise "noch nicht sicher erreicht". The page says so
under the tile.
"""

from __future__ import annotations

import streamlit as st

from dashboard import data, figures, page, widgets
from dashboard.filters import not_applied
from dashboard.formatting import fmt_count, fmt_month, fmt_pp, fmt_value
from dashboard.i18n import t
from metrics.pilot_config import EXAMPLE_TOML, PilotConfigError, PilotDefinition, target_status
from metrics.pilots import Cell, Effect, method_note, sentence


def names(codes: tuple[int, ...], options: dict[int, str]) -> str:
    return ", ".join(options.get(i, str(i)) for i in codes)


def select_pilot(pilots: list[PilotDefinition], lang: str) -> PilotDefinition:
    by_name = {p.name: p for p in pilots}
    chosen = st.selectbox(t("p_select", lang), list(by_name), key="pilot",
                          bind="query-params")
    return by_name[chosen]


def render_facts(definition: PilotDefinition, effect: Effect | None, cube, lang: str) -> None:  # noqa: ANN001 - metrics Cube
    pilot = definition.pilot
    services = dict(zip(cube.services["service_id"], cube.services["name"], strict=True))
    locations = data.location_options(cube)
    st.subheader(pilot.name)
    if definition.description:
        st.markdown(definition.description)
    service_text = ", ".join(f"{services[i]} ({code})" for i, code in
                             zip(pilot.service_ids, definition.service_codes, strict=True))
    lines = [f"**{t('p_services', lang)}:** {service_text}",
             f"**{t('p_locations', lang)}:** {names(pilot.location_ids, locations)}",
             f"**{t('p_start', lang)}:** {figures.fmt_day(pilot.start, lang)}"]
    if effect is not None:
        control = names(effect.control_location_ids, locations)
        if definition.control_location_codes is None:
            control = t("p_control_default", lang, names=control)
        lines.append(f"**{t('p_control', lang)}:** {control}")
    items = "; ".join(f"{figures.fmt_day(i.date, lang)} {i.label}"
                      for i in definition.interventions) or t("p_none", lang)
    lines.append(f"**{t('p_interventions', lang)}:** {items}")
    st.markdown("\n".join(f"- {line}" for line in lines))


def share(cell: Cell, effect: Effect, lang: str, min_n: int) -> str:
    return fmt_value(effect.kpi, cell.share, 0 < cell.cases < min_n, min_n, lang)


def period_caption(cell: Cell, lang: str, min_n: int) -> str:
    first = fmt_month(cell.first, lang) if cell.first else "–"
    last = fmt_month(cell.last, lang) if cell.last else "–"
    return t("p_period_n", lang, first=first, last=last,
             n=fmt_count(cell.cases, 0 < cell.cases < min_n, min_n, lang))


def render_tiles(effect: Effect, target_pp: float | None, lang: str, min_n: int) -> None:
    st.subheader(t("p_tiles_heading", lang))
    before, after, level = effect.pilot_before, effect.pilot_after, round(effect.level * 100)
    tile_help = t("p_tile_help", lang, method=effect.kpi.method(lang))
    cols = st.columns(4)
    with cols[0], st.container(border=True):
        st.metric(t("p_tile_before", lang), share(before, effect, lang, min_n), help=tile_help)
        st.caption(period_caption(before, lang, min_n))
        st.caption(t("p_control_share", lang,
                     share=share(effect.control_before, effect, lang, min_n)))
    with cols[1], st.container(border=True):
        change = None
        if before.share is not None and after.share is not None and min(
                before.cases, after.cases) >= min_n:
            change = fmt_pp(after.share - before.share, lang)
        st.metric(t("p_tile_after", lang), share(after, effect, lang, min_n), delta=change,
                  delta_description=t("p_vs_before", lang), help=tile_help)
        st.caption(period_caption(after, lang, min_n))
        st.caption(t("p_control_share", lang,
                     share=share(effect.control_after, effect, lang, min_n)))
    with cols[2], st.container(border=True):
        st.metric(t("p_tile_effect", lang), figures.fmt_effect_pp(effect.effect_pp, lang),
                  help=t("p_effect_help", lang))
        if effect.effect_pp is None:
            st.caption(t("p_no_estimate", lang))
        else:
            st.caption(t("p_interval", lang, level=level,
                         low=figures.fmt_effect_pp(effect.low_pp, lang),
                         high=figures.fmt_effect_pp(effect.high_pp, lang)))
            control = effect.control_after.share - effect.control_before.share
            st.caption(t("p_effect_parts", lang, pilot=fmt_pp(after.share - before.share, lang),
                         control=fmt_pp(control, lang)))
    with cols[3], st.container(border=True):
        st.metric(t("p_tile_target", lang), figures.fmt_effect_pp(target_pp, lang))
        if target_pp is None:
            st.caption(t("p_no_target", lang))
        else:
            status = target_status(effect, target_pp) or "unknown"
            st.markdown(f"**{t('p_status_' + status, lang)}**")
            st.caption(t("p_status_rule", lang, level=level))


def render_chart(store: data.Store, cube, definition: PilotDefinition, effect: Effect,  # noqa: ANN001
                 lang: str) -> None:
    pilot, kpi, min_n = definition.pilot, effect.kpi, store.min_n
    st.subheader(t("p_chart_heading", lang, kpi=kpi.label(lang)))
    pilot_series = data.group_series(store, kpi.id, pilot.service_ids, pilot.location_ids)
    control_series = data.group_series(store, kpi.id, effect.control_service_ids,
                                       effect.control_location_ids)
    services = dict(zip(cube.services["service_id"], cube.services["name"], strict=True))
    locations = data.location_options(cube)
    service_names = names(pilot.service_ids, services)
    interventions = [(i.date, i.label) for i in definition.interventions]
    alt = figures.pilot_alt(effect, service_names, names(pilot.location_ids, locations),
                            names(effect.control_location_ids, locations), lang, min_n,
                            interventions)
    name = f"{pilot.name} – {kpi.label(lang)}"  # file names of the downloads
    widgets.chart(
        figures.pilot_figure(pilot_series, control_series, kpi, lang, min_n, pilot.start,
                             interventions), alt, "p_chart", name, lang,
        method=kpi.method(lang))
    st.caption(t("p_chart_note", lang, services=service_names, min_n=min_n))
    st.caption(t("p_method", lang, method=method_note(effect, lang)))
    st.caption(alt)
    widgets.table(figures.pilot_table(pilot_series, control_series, effect, lang, min_n),
                  "p_table", lang, name)


def render_missing_file(store: data.Store, lang: str) -> None:
    st.info(f"**{t('p_no_file_title', lang)}**\n\n"
            f"{t('p_no_file', lang, path=data.pilots_file(store))}", icon=":material/info:")
    # no syntax colours: Streamlit's TOML highlighting fails WCAG contrast (axe-core, serious)
    st.code(EXAMPLE_TOML, language=None)
    st.caption(t("p_no_file_after", lang))


lang, store, cube = page.start("p_title")
if cube.is_empty:
    page.stop_empty(store, lang)

st.caption(t("p_intro", lang))
not_applied(page.filters(store, lang), ["period", "department", "services", "locations",
                                        "channels"], t("f_why_pilots", lang), lang)
try:
    pilots = data.pilot_definitions(store)
except PilotConfigError as exc:
    problems = "\n".join(f"- {p}" for p in exc.problems)
    st.error(f"{t('p_file_error', lang, path=exc.file, count=len(exc.problems))}\n\n"
             f"{problems}", icon=":material/error:")
    st.stop()
if pilots is None:
    render_missing_file(store, lang)
    st.stop()

definition = select_pilot(pilots, lang)
try:
    effect = data.pilot_evaluation(store, definition.pilot)
except ValueError:  # no months before or since the start in the data (yet)
    render_facts(definition, None, cube, lang)
    st.warning(t("p_period_error", lang, start=figures.fmt_day(definition.pilot.start, lang),
                 first=fmt_month(cube.months[0], lang), last=fmt_month(cube.months[-1], lang)),
               icon=":material/schedule:")
    st.stop()

render_facts(definition, effect, cube, lang)
result = sentence(effect, lang)
if effect.effect_pp is None:
    st.warning(result, icon=":material/warning:")
else:
    st.info(result, icon=":material/insights:")
if effect.left_out:
    st.caption(t("p_left_out", lang, months=figures.left_out_months(effect, lang)))
render_tiles(effect, definition.target_pp, lang, store.min_n)
render_chart(store, cube, definition, effect, lang)
