"""Build the council report's content (:class:`dashboard.report.model.Report`) from the cube,
the portal funnel and the pilots — the same inputs the dashboard pages use, loaded by
:mod:`dashboard.data` in the app and by :func:`load_inputs` on the command line.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import polars as pl
from babel.dates import format_datetime

from connectors.settings import Settings
from dashboard.figures import fmt_day
from dashboard.formatting import fmt_month, fmt_protected
from dashboard.i18n import t
from dashboard.report import extras, pilots, services, summary
from dashboard.report.model import Report
from dashboard.report.period import ReportInputError, parse_period
from dashboard.report.scope import parse_scope
from metrics.catalogue import KPIS
from metrics.costs import CostConfig, costs_path, load_costs
from metrics.cube import Cube
from metrics.pilot_config import PilotDefinition
from metrics.service_view import COMPLETION_KPI
from metrics.target_config import ScopedTarget, for_scope

LOCAL_TIME = ZoneInfo("Europe/Berlin")  # import timestamps are stored in UTC


@dataclass(frozen=True)
class Inputs:
    """Everything a report is computed from."""

    cube: Cube
    funnel: pl.DataFrame
    pilots: Sequence[PilotDefinition] | None = None
    last_import: dt.datetime | None = None  # UTC, naive (as stored)
    targets: Sequence[ScopedTarget] = ()  # the targets file (metrics.target_config)
    city: str = ""  # the municipality's name for the title page (SERVICEPULS_PUBLISHER)
    feedback: pl.DataFrame | None = None  # metrics.satisfaction.load_feedback
    costs: CostConfig | None = None  # the cost file (metrics.costs), None without one


def load_inputs(settings: Settings) -> Inputs:
    """The inputs read from the store and the pilots file (for the command line)."""
    from connectors.db import get_engine
    from metrics.cube import load_cube, store_ready
    from metrics.funnel import FUNNEL_SCHEMA, load_funnel
    from metrics.pilot_config import load_pilots, pilots_path
    from metrics.quality import import_runs
    from metrics.satisfaction import load_feedback

    engine = get_engine(settings)
    cube = load_cube(engine, settings.ags)
    ready = store_ready(engine)
    funnel = load_funnel(engine, settings.ags) if ready else pl.DataFrame(schema=FUNNEL_SCHEMA)
    from metrics.target_config import load_targets, targets_path

    path = pilots_path(settings)
    definitions = load_pilots(path, cube) if path.is_file() and not cube.is_empty else None
    path = targets_path(settings)
    targets = load_targets(path, cube) if path.is_file() and not cube.is_empty else ()
    return Inputs(cube, funnel, definitions, last_finished(import_runs(engine, ags=settings.ags)),
                  targets=targets, city=settings.publisher,
                  feedback=load_feedback(engine, settings.ags) if ready else None,
                  costs=cost_config(settings, cube))


def cost_config(settings: Settings, cube: Cube) -> CostConfig | None:
    """The cost file, or None without one (a broken file raises CostConfigError)."""
    path = costs_path(settings)
    return load_costs(path, cube.services) if path.is_file() and not cube.is_empty else None


def last_finished(runs: pl.DataFrame) -> dt.datetime | None:
    """When the newest successful import ended (``metrics.quality.import_runs``)."""
    done = runs.filter(pl.col("status") == "succeeded")["finished_at"].drop_nulls()
    return done.max() if done.len() else None


def _as_of(cube: Cube, last_import: dt.datetime | None, lang: str) -> str:
    text = t("r_data_until", lang, month=fmt_month(cube.months[-1], lang))
    if last_import is not None:
        local = last_import.replace(tzinfo=dt.UTC)
        when = format_datetime(local, "dd.MM.yyyy HH:mm" if lang == "de" else "d MMM yyyy HH:mm",
                               tzinfo=LOCAL_TIME, locale="de_DE" if lang == "de" else "en")
        text += " · " + t("r_last_import", lang, when=when)
    return text


def _methods(report_kpis: Sequence[str], pilot_methods: Sequence[str], lang: str,
             min_n: int) -> tuple[tuple[str, str], ...]:
    out = [(t("v_cases", lang), t("r_method_cases", lang))]
    for kpi_id in report_kpis:
        kpi = COMPLETION_KPI if kpi_id == summary.COMPLETION else KPIS.get(kpi_id)
        if kpi is not None:
            out.append((kpi.label(lang), kpi.method(lang)))
    out.append((t("r_method_totals_title", lang), t("r_method_totals", lang)))
    out.append((t("r_method_privacy_title", lang),
                t("r_method_privacy", lang, min_n=min_n, secondary=fmt_protected(lang))))
    out += [(t("nav_pilots", lang), text) for text in dict.fromkeys(pilot_methods)]
    return tuple(out)


def build(inputs: Inputs, period_text: str, scope_text: str | None, *, lang: str = "de",
          min_n: int = 5, today: dt.date | None = None) -> Report:
    """The whole report; :class:`ReportInputError` for an unknown period or scope (nothing
    is computed or written then)."""
    cube = inputs.cube
    if cube.is_empty:
        raise ReportInputError("Der Datenbestand enthält noch keine Vorgänge",
                               fix="erst Daten importieren: servicepuls import PFAD")
    period = parse_period(period_text, cube)
    scope = parse_scope(scope_text, cube)
    scope_label = scope.label(lang)
    # a target counts when its scope is exactly the report's (a city-wide target says
    # nothing about one office)
    targets = for_scope(list(inputs.targets), scope.services, scope.locations, None)
    # the table first: its protection decides which of the summary's totals are withheld
    grid = services.scope_grid(cube, inputs.funnel, scope, min_n)
    ranking, protected = services.period_table(cube, inputs.funnel, period, scope, min_n,
                                               grid)
    memo: dict = {}  # metrics.headline's for the scope: summary and charts share its months
    lines, notes = summary.kpi_lines(cube, inputs.funnel, period, scope, lang, min_n, targets,
                                     protected=protected, grid=grid, memo=memo)
    more, more_notes = extras.extra_lines(cube, inputs.feedback, inputs.costs, period, scope,
                                          lang, min_n)
    lines, notes = lines + more, notes + more_notes
    charts, withheld_months = summary.charts(cube, period, scope, scope_label, lang, min_n,
                                             grid, memo)
    pilot_results = pilots.results(cube, inputs.pilots, period, scope, lang, min_n)
    pilot_methods = [p.method for p in pilot_results if p.method]
    withheld = [t("r_withheld_total_protected" if k.text == fmt_protected(lang) else
                  "r_withheld_snapshot" if k.kpi_id.startswith("open_case_age") else
                  "r_withheld_total", lang, kpi=k.label, scope=scope_label, min_n=min_n)
                for k in lines if k.suppressed]
    withheld += withheld_months + services.withheld_lines(ranking, lang, min_n)
    return Report(
        lang=lang, min_n=min_n, period=period, scope=scope,
        title=t("r_title", lang), city=inputs.city, scope_label=scope_label,
        period_label=period.label(lang),
        period_span=f"{fmt_day(period.first, lang)} – {fmt_day(period.end, lang)}",
        data_as_of=_as_of(cube, inputs.last_import, lang),
        generated=fmt_day(today or dt.date.today(), lang),
        kpi_headers=summary.kpi_headers(period, lang), kpis=tuple(lines), charts=tuple(charts),
        services=services.table(ranking, lang, min_n),
        services_note=t("r_services_note", lang, min_n=min_n,
                        secondary=fmt_protected(lang)),
        pilots=tuple(pilot_results),
        methods=_methods([k.kpi_id for k in lines], pilot_methods, lang, min_n),
        coverage=services.coverage(ranking, cube, period, scope, lang),
        suppressed=tuple(withheld) or (t("r_withheld_none", lang, min_n=min_n),),
        notes=tuple(notes),
    )
