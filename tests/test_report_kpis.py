"""The council report's further KPIs — satisfaction (top-2 share, n, 95 % interval), the age
of open cases, cost per transaction and staff hours freed — read back from the PowerPoint
and the PDF and compared with what :mod:`metrics` computes for the same period and scope,
on the committed sample city (``sample_data/examples`` with its survey and cost file), on
SQLite and PostgreSQL. The hand-made Kleinstadt has no survey and no cost file: the report
leaves those KPIs out and says so.
"""

from __future__ import annotations

import datetime as dt
import shutil

import polars as pl
import pytest

from connectors.settings import Settings
from dashboard.figures import fmt_day
from dashboard.formatting import fmt_count, fmt_percent, fmt_value
from dashboard.report import build, load_inputs, render
from metrics.costs import cost_summary, load_costs
from metrics.cube import load_cube
from metrics.kpis import compute
from metrics.satisfaction import load_feedback, satisfaction
from tests.conftest import import_dir
from tests.test_report import EXAMPLE_FILES, EXAMPLES
from tests.test_report_files import (  # noqa: F401 - chromium: the autouse fixture
    chromium,
    pdf_text,
    slides,
    summary_rows,
    words,
)

NB = "\u00a0"
Q2 = (dt.date(2026, 4, 1), dt.date(2026, 6, 1))


@pytest.fixture(scope="module")
def city(module_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    folder = tmp_path_factory.mktemp("examples")
    for name in (*EXAMPLE_FILES, "umfrage.csv", "umfrage_codes.csv"):
        shutil.copy(EXAMPLES / name, folder / name)
    import_dir(folder, module_settings)
    shutil.copy(EXAMPLES / "kosten.toml", module_settings.data_dir)
    return module_settings


def expected(settings: Settings, locations: list[int] | None) -> dict[str, tuple[str, str]]:
    """(value, n) of each further KPI, computed here from metrics and formatted."""
    from connectors.db import get_engine

    engine = get_engine(settings)
    cube = load_cube(engine)
    ratings = load_feedback(engine).filter(pl.col("month").is_between(*Q2)
                                           & (pl.col("topic") == "overall"))
    if locations is not None:
        ratings = ratings.filter(pl.col("location_id").is_in(locations))
    s = satisfaction(ratings, [], 5).row(0, named=True)
    out = {"satisfaction_top2": (
        f"{fmt_percent(s['top2_share'])} (95-%-Intervall {fmt_percent(s['top2_lo'])} – "
        f"{fmt_percent(s['top2_hi'])})", fmt_count(s["n"], False, 5))}
    for kpi in ("open_case_age_median", "open_case_age_p90"):
        row = compute(kpi, cube, (), locations=locations, min_n=5).row(0, named=True)
        out[kpi] = (fmt_value(kpi, row["value"], row["suppressed"], 5),
                    fmt_count(row["n"], row["suppressed"], 5))
    config = load_costs(settings.data_dir / "kosten.toml", cube.services)
    year = cost_summary(cube, config, first=dt.date(2025, 7, 1), last=Q2[1],
                        locations=locations, min_n=5).row(0, named=True)
    out["cost_per_transaction"] = (
        fmt_value("cost_per_transaction", year["cost_per_transaction"], year["suppressed"], 5),
        fmt_count(year["cases"], year["suppressed"], 5))
    q2 = cost_summary(cube, config, first=Q2[0], last=Q2[1], locations=locations,
                      min_n=5).row(0, named=True)
    out["staff_hours_freed"] = (
        fmt_value("staff_hours_freed", q2["hours_freed"], q2["hours_suppressed"], 5),
        fmt_count(q2["digital"], q2["hours_suppressed"], 5))
    return out


@pytest.mark.browser
@pytest.mark.parametrize("scope", ["stadt", "locations:BA-NORD"])
def test_further_kpis_in_the_files_are_what_metrics_computes(city: Settings,
                                                             scope: str) -> None:
    inputs = load_inputs(city)
    report = build(inputs, "2026-Q2", scope)
    locations = None if report.scope.locations is None else list(report.scope.locations)
    want = expected(city, locations)
    lines = {k.kpi_id: k for k in report.kpis}
    assert {k: (lines[k].text, lines[k].n_text) for k in want} == want
    as_of = fmt_day(inputs.cube.as_of, "de")
    labels = {
        "satisfaction_top2": "Anteil zufrieden (4–5 von 5), n: Bewertungen",
        "open_case_age_median": f"Alter offener Vorgänge (Median), Stand {as_of}, "
                                "n: offene Vorgänge",
        "open_case_age_p90": f"Alter offener Vorgänge (90. Perzentil), Stand {as_of}, "
                             "n: offene Vorgänge",
        "cost_per_transaction": "Kosten je Vorgang (Jul 2025 – Jun 2026)",
        "staff_hours_freed": "Freigewordene Arbeitsstunden, n: digitale Vorgänge"}
    # read back: the PowerPoint's summary table and the PDF's text
    summary = summary_rows(slides(render(report, "pptx")))
    rows = {r[0]: r for r in summary[1:]}
    text = " ".join(pdf_text(render(report, "pdf")))
    for kpi_id, (value, n) in want.items():
        assert rows[labels[kpi_id]][1:3] == (value, n)
        assert words(f"{labels[kpi_id]} {value} {n}") in text
    # satisfaction and costs compare with the previous quarter; open cases are a snapshot
    assert rows[labels["open_case_age_median"]][3] == "–"
    assert "Zufriedenheit: Bewertungen der Frage" in text
    assert "Kosten je Vorgang" in text and "Methodenhinweise" in text


def test_kpis_without_data_are_left_out_with_a_note(kleinstadt: Settings) -> None:
    report = build(load_inputs(kleinstadt), "2026-Q1", "stadt")
    ids = [k.kpi_id for k in report.kpis]
    assert "satisfaction_top2" not in ids and "cost_per_transaction" not in ids
    # one case is open (V-4, Wohnsitz anmelden, 24 days old on the data's newest date):
    # shown as "< 5", never as its age
    lines = {k.kpi_id: k for k in report.kpis}
    assert lines["open_case_age_median"].n == 1
    assert lines["open_case_age_median"].text == f"<{NB}5"
    assert ("Alter offener Vorgänge (Median), Stand 13.02.2026, n: offene Vorgänge (Gesamte "
            "Kommune): ausgeblendet (weniger als 5 offene Vorgänge)") in report.suppressed
    assert ("Anteil zufrieden (4–5 von 5): keine Bewertungen für diesen Bereich im Zeitraum – "
            "nicht aufgeführt.") in report.notes
    assert ("Kosten je Vorgang und freigewordene Arbeitsstunden: keine Kostendatei "
            "(SERVICEPULS_COSTS_FILE) – nicht aufgeführt.") in report.notes
