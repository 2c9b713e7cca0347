"""Pilot results for the report: the pilots of the pilots file that touch the scope, each
evaluated with the data up to the period's end (what was known then), in plain words.

The estimate, its interval, the sentence and the target status come from
:mod:`metrics.pilots` and :mod:`metrics.pilot_config`; the chart and its text alternative
from :mod:`dashboard.figures` — the same as on the page Pilotprojekte.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace

from dashboard import figures
from dashboard.figures import fmt_day, fmt_effect_pp
from dashboard.formatting import DASH
from dashboard.i18n import t
from dashboard.report.model import Chart, PilotResult
from dashboard.report.period import Period
from dashboard.report.scope import Scope
from metrics.pilot_config import PilotDefinition, target_status
from metrics.pilots import Effect, group_series, method_note, pilot_effect, sentence

log = logging.getLogger(__name__)


def in_scope(definition: PilotDefinition, scope: Scope) -> bool:
    pilot = definition.pilot
    if scope.services is not None and not set(pilot.service_ids) & set(scope.services):
        return False
    return scope.locations is None or bool(set(pilot.location_ids) & set(scope.locations))


def evaluate(cube, definition: PilotDefinition, period: Period, min_n: int) -> Effect:  # noqa: ANN001
    """The effect with the follow-up cut at the period's end, its cells leaving out the
    months the Überblick withholds for either group (``min_n``); ValueError when the pilot
    has no months before or since its start by then."""
    pilot = definition.pilot
    end = period.last if pilot.followup_end is None else min(pilot.followup_end, period.last)
    return pilot_effect(cube, replace(pilot, followup_end=end), protect_min_n=min_n)


def _names(ids: Sequence[int], frame, id_column: str) -> str:  # noqa: ANN001 - polars frame
    names = dict(zip(frame[id_column].to_list(), frame["name"].to_list(), strict=True))
    return ", ".join(names.get(i, str(i)) for i in ids)


def _chart(cube, definition: PilotDefinition, effect: Effect, period: Period, lang: str,  # noqa: ANN001
           min_n: int) -> Chart:
    pilot, kpi = definition.pilot, effect.kpi

    def upto(frame):  # noqa: ANN001, ANN202 - polars frame
        return frame.filter(frame["month"] <= period.last)

    own = upto(group_series(cube, kpi.id, pilot.service_ids, pilot.location_ids, min_n))
    control = upto(group_series(cube, kpi.id, effect.control_service_ids,
                                effect.control_location_ids, min_n))
    interventions = [(i.date, i.label) for i in definition.interventions
                     if i.date <= period.end]
    services = _names(pilot.service_ids, cube.services, "service_id")
    fig = figures.pilot_figure(own, control, kpi, lang, min_n, pilot.start, interventions)
    alt = figures.pilot_alt(effect, services,
                            _names(pilot.location_ids, cube.locations, "location_id"),
                            _names(effect.control_location_ids, cube.locations, "location_id"),
                            lang, min_n, interventions)
    return Chart(t("p_chart_heading", lang, kpi=kpi.label(lang)), fig, alt, height=460)


def results(cube, definitions: Sequence[PilotDefinition] | None, period: Period,  # noqa: ANN001
            scope: Scope, lang: str, min_n: int) -> list[PilotResult]:
    out = []
    for definition in definitions or ():
        if not in_scope(definition, scope):
            continue
        pilot = definition.pilot
        facts = [(t("p_services", lang), _names(pilot.service_ids, cube.services, "service_id")),
                 (t("p_locations", lang),
                  _names(pilot.location_ids, cube.locations, "location_id")),
                 (t("p_start", lang), fmt_day(pilot.start, lang))]
        target = fmt_effect_pp(definition.target_pp, lang) if definition.target_pp is not None \
            else DASH
        try:
            effect = evaluate(cube, definition, period, min_n)
        except ValueError:
            log.info("pilot %r: nothing to evaluate by %s", pilot.name, period.code)
            out.append(PilotResult(definition.name, definition.description,
                                   t("r_pilot_not_yet", lang, start=fmt_day(pilot.start, lang),
                                     period=period.label(lang)),
                                   tuple(facts), target, DASH, ""))
            continue
        facts.append((t("p_control", lang),
                      _names(effect.control_location_ids, cube.locations, "location_id")))
        items = "; ".join(f"{fmt_day(i.date, lang)} {i.label}" for i in definition.interventions
                          if i.date <= period.end)
        facts.append((t("p_interventions", lang), items or t("p_none", lang)))
        if effect.left_out:
            facts.append((t("p_left_out_label", lang), figures.left_out_months(effect, lang)))
        status = target_status(effect, definition.target_pp)
        out.append(PilotResult(
            name=definition.name, description=definition.description,
            sentence=sentence(effect, lang), facts=tuple(facts), target=target,
            status=(t(f"p_status_{status or 'unknown'}", lang)
                    if definition.target_pp is not None else DASH),
            method=method_note(effect, lang),
            chart=_chart(cube, definition, effect, period, lang, min_n)))
    return out
