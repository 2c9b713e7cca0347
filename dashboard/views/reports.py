"""Berichte: the council report (PDF or PowerPoint) from a button.

Thin on purpose: the report's content comes from :mod:`dashboard.report` (the same code as
``servicepuls report``), its inputs from the cached loaders in :mod:`dashboard.data`. Making
a report takes seconds (charts become images through Chromium), so it happens only when the
button is pressed; the file is kept in the session for its choices and data version, so the
download button survives reruns without generating again.
"""

from __future__ import annotations

import shlex

import streamlit as st

from connectors.errors import ServicepulsError
from dashboard import data, page, report
from dashboard.formatting import fmt_number
from dashboard.i18n import t
from dashboard.report.content import Inputs, cost_config, last_finished
from dashboard.report.period import available
from metrics.costs import CostConfigError
from metrics.pilot_config import PilotConfigError
from metrics.target_config import TargetConfigError

KINDS = ("quarter", "month", "year")
SCOPES = ("city", "department", "services", "locations")
STATE = "report_file"


def choose_period(cube, lang: str) -> str:  # noqa: ANN001 - metrics Cube
    kind = st.radio(t("r_period", lang), KINDS, format_func=lambda k: t(f"r_kind_{k}", lang),
                    horizontal=True, key="report_kind")
    periods = [p for p in available(cube) if p.kind == kind]
    options = {p.code: p.label(lang) for p in periods}
    # the newest complete period first: a running quarter compared with a whole one misleads
    whole = next((i for i, p in enumerate(periods) if p.last <= cube.months[-1]), 0)
    return st.selectbox(t("r_period", lang), list(options), index=whole,
                        format_func=options.get, key=f"report_period_{kind}",
                        label_visibility="collapsed")


def choose_scope(cube, lang: str) -> str:  # noqa: ANN001 - metrics Cube
    kind = st.radio(t("r_scope", lang), SCOPES,
                    format_func=lambda k: t(f"r_scope_kind_{k}", lang), horizontal=True,
                    key="report_scope_kind")
    if kind == "city":
        return "stadt"
    if kind == "department":
        departments = sorted(cube.services["department"].drop_nulls().unique().to_list())
        options = {d: d for d in departments}
    elif kind == "services":
        frame = cube.services.sort("name")
        options = {r["code"]: f"{r['name']} ({r['code']})" for r in frame.iter_rows(named=True)}
    else:
        frame = cube.locations.sort("name")
        options = {r["code"]: r["name"] for r in frame.iter_rows(named=True)}
    chosen = st.multiselect(t("r_scope_values", lang), list(options), format_func=options.get,
                            key=f"report_scope_{kind}")
    if not chosen:
        st.info(t("r_scope_values_none", lang))
        st.stop()
    return f"{kind}:{','.join(chosen)}"


def inputs(store: data.Store, cube, lang: str) -> Inputs:  # noqa: ANN001 - metrics Cube
    """What the report is computed from; a broken pilots, targets or cost file stops here, as on
    the command line — a report silently without its pilots or targets would mislead."""
    try:
        pilots = data.pilot_definitions(store)
        targets = data.targets(store) or ()
        costs = cost_config(store.settings, cube)
    except (PilotConfigError, TargetConfigError, CostConfigError) as exc:
        problems = "\n".join(f"- {p}" for p in exc.problems)
        st.error(f"{t('r_file_error', lang, path=exc.file, count=len(exc.problems))}\n\n"
                 f"{problems}", icon=":material/error:")
        st.stop()
    return Inputs(cube, data.funnel(store), pilots, last_finished(data.quality_runs(store)),
                  targets=targets, city=store.settings.publisher,
                  feedback=data.feedback(store), costs=costs)


lang, store, cube = page.start("r_title")
if cube.is_empty:
    page.stop_empty(store, lang)

st.caption(t("r_intro", lang))
period = choose_period(cube, lang)
scope = choose_scope(cube, lang)
fmt = st.radio(t("r_format", lang), list(report.FORMATS),
               format_func=lambda f: t(f"r_format_{f}", lang), horizontal=True,
               key="report_format")
st.caption(t("r_page_intro", lang))
choice = (store.url, store.version, period, scope, fmt, lang, store.min_n)
if st.button(t("r_create", lang), type="primary", icon=":material/description:"):
    with st.spinner(t("r_creating", lang)):
        try:
            built = report.build(inputs(store, cube, lang), period, scope, lang=lang,
                                 min_n=store.min_n)
            st.session_state[STATE] = (choice, built.file_name(fmt), report.render(built, fmt))
        except ServicepulsError as exc:
            st.error(t("r_failed", lang, error=str(exc)), icon=":material/error:")
stored = st.session_state.get(STATE)
if stored and stored[0] == choice:
    _, name, payload = stored
    size = f"{fmt_number(len(payload) / 1024, lang, 0)}\u00a0KB"
    st.success(t("r_ready", lang, name=name, size=size), icon=":material/check_circle:")
    st.download_button(t("r_download", lang, name=name), data=payload, file_name=name,
                       mime=report.FORMATS[fmt], icon=":material/download:")
st.caption(t("r_cli", lang))
# plain text: the code theme's token colours fail the WCAG contrast check (axe-core)
st.code(f"servicepuls report --period {period} --scope {shlex.quote(scope)} --format {fmt}"
        + ("" if lang == "de" else " --lang en"), language=None)
