"""The council report's content (dashboard.report), without rendering files.

Two stores, each on SQLite and PostgreSQL:

- the hand-made Kleinstadt (``tests/data/kleinstadt``): 8 cases in Jan and Feb 2026, small
  enough to compute every number by hand (below);
- the committed small sample city (``sample_data/examples``, 2,000 cases over 24 months with
  its monthly statistics, portal funnel and pilot), where every number is compared with what
  :mod:`metrics` computes for the same period and scope.

Kleinstadt, 2026-Q1, whole city (min_n 5). Wohnsitz anmelden (L1): Jan online ×2, in person,
post; Feb online (withdrawn) → 5 cases, 3 digital. Hundesteuer anmelden (L2): Jan assisted
digital, Feb e-mail, video → 3 cases, 0 digital. Total 8 cases, 3 / 8 = 37,5 %. Completed:
L1 in person (0 days), online (2), post (10, one follow-up); L2 assisted digital (2, one
follow-up), e-mail (10), video (0) → 6 completed, days sorted 0 0 2 2 10 10: median (rank 3)
2 days, 90th percentile (rank 6) 10 days, follow-up rate 2 / 6 = 33,3 %. In the table L2
(3 cases) is withheld, and because the total 8 is printed, L1's cases and take-up are
withheld too (8 − 3 would give L1's 5 otherwise).

The summary's Q1 cases and take-up are withheld as well ("geschützt"): Feb 2026 rests on 3
cases, so the month view (the Überblick, the report's own monthly chart) withholds Feb — and
Q1 minus Jan would give Feb back. The completed cases (Jan 4, Feb 2) are withheld in both
months, and Q1 holds both: only their sum 6 follows, so median, P90 and follow-ups stay.
January alone (``2026-01``): 5 cases (L1 online,
in person, post, OZG portal; L2 assisted digital), 2 digital → 2 / 5 = 40,0 %; 4 completed
("< 5").
"""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import replace
from pathlib import Path

import polars as pl
import pytest

from connectors.settings import Settings
from dashboard.formatting import fmt_count, fmt_protected, fmt_value
from dashboard.report import ReportInputError, build, load_inputs
from dashboard.report.content import Inputs
from dashboard.report.period import available, of, parse_period
from dashboard.report.scope import parse_scope
from dashboard.report.services import period_ranking
from metrics.cube import Cube, load_cube
from metrics.facts import volume_facts
from metrics.funnel import completion_rate
from metrics.headline import withheld_periods
from metrics.kpis import compute
from metrics.pilots import pilot_effect, sentence
from metrics.service_view import ranking, windowed
from metrics.target_config import ScopedTarget
from metrics.targets import Target
from tests.conftest import import_dir

NB = "\u00a0"
EXAMPLES = Path(__file__).parents[1] / "sample_data" / "examples"
EXAMPLE_FILES = ("leistungen.csv", "standorte.csv", "vorgaenge.csv", "monatsstatistik.xlsx",
                 "portal_formulare.csv", "pilotprojekte.toml")


def texts(report) -> str:  # noqa: ANN001 - Report
    """Every string the report prints, joined (to check what never appears)."""
    parts = [report.title, report.scope_label, report.coverage, *report.notes,
             *report.suppressed, *(c.alt for c in report.charts)]
    parts += [cell for row in report.kpi_table().rows for cell in row]
    parts += [cell for row in report.services.rows for cell in row]
    return "\n".join(parts)


@pytest.fixture
def kleinstadt_inputs(kleinstadt: Settings) -> Inputs:
    return load_inputs(kleinstadt)


def test_kleinstadt_summary_by_hand(kleinstadt_inputs: Inputs) -> None:
    report = build(kleinstadt_inputs, "2026-Q1", "stadt", today=dt.date(2026, 4, 2))
    lines = {k.kpi_id: k for k in report.kpis}
    protected = ("geschützt", "geschützt")
    assert [(k, lines[k].text, lines[k].n_text) for k in lines] == [
        ("cases", *protected),  # 8, but Feb's 3 are withheld in the month view
        ("digital_take_up", *protected),  # 3 / 8 = 37,5 %: Feb's 3 again
        # completed: Jan 4 and Feb 2, both withheld, and Q1 holds both: their sum 6 pins
        # neither down (each 1 … 4), 2 follow-ups are neither none nor all — shown
        ("processing_days_median", f"2{NB}Tage", "6"),
        ("processing_days_p90", f"10{NB}Tage", "6"),
        ("follow_up_rate", f"33,3{NB}%", "6"),
        # one open case (no survey, no cost file: tests/test_report_kpis.py)
        ("open_case_age_median", f"<{NB}5", f"<{NB}5"),
        ("open_case_age_p90", f"<{NB}5", f"<{NB}5"),
    ]
    assert lines["digital_take_up"].value is None  # nothing behind the mark either
    # January alone holds no withheld month: its totals are shown (docstring)
    january = {k.kpi_id: k for k in build(kleinstadt_inputs, "2026-01", "stadt",
                                          today=dt.date(2026, 4, 2)).kpis}
    assert [(k, january[k].text, january[k].n_text) for k in ("cases", "digital_take_up",
                                                               "processing_days_median")] == [
        ("cases", "5", "5"), ("digital_take_up", f"40,0{NB}%", "5"),
        ("processing_days_median", f"<{NB}5", f"<{NB}5")]
    assert january["digital_take_up"].value == pytest.approx(2 / 5)
    # no data in 2025-Q4 and 2025-Q1: nothing to compare with
    assert {k.previous for k in report.kpis if "open" not in k.kpi_id} == {"– (–)"}
    assert report.kpi_headers[1:5] == ("1. Quartal 2026", "Vorgänge (n)",
                                       "ggü. 4. Quartal 2025", "ggü. 1. Quartal 2025")
    assert report.period_span == "01.01.2026 – 31.03.2026"
    assert report.generated == "02.04.2026"
    assert report.scope_label == "Gesamte Kommune"
    assert report.city == "Musterstadt"
    assert report.coverage == ("2 von 2 Leistungen mit Daten; Vorgänge in 2 von 3 Monaten "
                               "des Zeitraums.")
    assert report.notes[0].startswith("Der Zeitraum ist noch nicht vollständig")


def test_kleinstadt_table_withholds_small_cells_and_their_complement(
        kleinstadt_inputs: Inputs) -> None:
    report = build(kleinstadt_inputs, "2026-Q1", "stadt")
    rows = {r[0]: r for r in report.services.rows}
    suppressed = f"<{NB}5"
    # L1: 5 cases, withheld only so that 8 − 3 does not reveal it; L2: 3 cases
    assert rows["Wohnsitz anmelden"][2:4] == ("geschützt", "geschützt")
    assert rows["Hundesteuer anmelden"][2:4] == (suppressed, suppressed)
    # both have 3 completed cases: withheld for themselves
    assert rows["Wohnsitz anmelden"][4:7] == (suppressed,) * 3
    assert rows["Hundesteuer anmelden"][4:7] == (suppressed,) * 3
    assert list(rows) == ["Hundesteuer anmelden", "Wohnsitz anmelden"]  # by name, not size
    assert report.suppressed[-2:] == (
        "Hundesteuer anmelden: Vorgänge, Digitale Nutzungsquote, Median (Tage), 90. Perzentil "
        "(Tage), Rückfragenrate ausgeblendet (weniger als 5 Fälle)",
        "Wohnsitz anmelden: Median (Tage), 90. Perzentil (Tage), Rückfragenrate ausgeblendet "
        "(weniger als 5 Fälle); Vorgänge, Digitale Nutzungsquote geschützt: zusätzlich "
        "ausgeblendet, damit sich kein ausgeblendeter Wert aus der Summe errechnen lässt")
    # the charts' months: Feb 2026 has 3 cases; Jan 4 and Feb 2 completed (processing, follow-ups)
    assert ("Digitale Nutzungsquote im Zeitverlauf: Feb 2026 ausgeblendet (weniger als 5 "
            "Fälle)") in report.suppressed
    assert f"60,0{NB}%" not in texts(report)  # L1's take-up 3 / 5


def test_a_small_scope_shows_less_than_five_not_its_number(kleinstadt_inputs: Inputs) -> None:
    """Wohnsitz anmelden in Jan 2026: 4 cases, 2 online (50,0 %) — withheld everywhere."""
    report = build(kleinstadt_inputs, "2026-01", "services:L1")
    lines = {k.kpi_id: k for k in report.kpis}
    assert lines["cases"].text == lines["digital_take_up"].text == f"<{NB}5"
    assert lines["cases"].n_text == f"<{NB}5"
    assert report.services.rows[0][:4] == ("Wohnsitz anmelden", "99115001001000", f"<{NB}5",
                                           f"<{NB}5")
    printed = texts(report)
    assert f"50,0{NB}%" not in printed and "\n4\n" not in printed
    assert any("Digitale Nutzungsquote (Leistungen: Wohnsitz anmelden) im Berichtszeitraum: "
               "ausgeblendet" in line for line in report.suppressed)


@pytest.mark.parametrize(("value", "status"), [(0.40, "erreicht"),
                                               (0.50, "unklar (zu wenige Daten)")])
def test_target_and_status(kleinstadt_inputs: Inputs, value: float, status: str) -> None:
    """The monthly take-up: Jan 2026 2 of 5 = 40,0 %, Feb 1 of 3 (withheld, no point). 40 %
    is reached by the latest value; 50 % is not, and one month is no trend."""
    target = ScopedTarget(Target("digital_take_up", value, dt.date(2026, 12, 31)), None, None)
    line = build(replace(kleinstadt_inputs, targets=(target,)), "2026-Q1", "stadt").kpis[1]
    assert (line.target, line.status) == (f"{value * 100:.1f}".replace(".", ",")
                                          + f"{NB}% bis 31.12.2026", status)


def test_targets_file_counts_only_for_its_own_scope(kleinstadt: Settings) -> None:
    """zielwerte.toml: a city-wide take-up target of 50 % by 28.02.2026 and one of 30 % for
    Wohnsitz anmelden alone. City: Jan 2026 2 of 5 = 40,0 % is the latest value (Feb's 3
    cases are withheld), below 50 %, and the due date has passed by the end of 2026-Q1:
    missed. Wohnsitz anmelden: its months rest on 4 and 1 cases, no value: unclear."""
    (kleinstadt.data_dir / "zielwerte.toml").write_text(
        '[[target]]\nkpi = "digital_take_up"\nvalue = 50\ndue = "2026-02-28"\n\n'
        '[[target]]\nkpi = "digital_take_up"\nvalue = 30\ndue = "2026-12-31"\n'
        'services = ["L1"]\n', encoding="utf-8")
    inputs = load_inputs(kleinstadt)
    city = {k.kpi_id: (k.target, k.status) for k in build(inputs, "2026-Q1", "stadt").kpis}
    assert city["digital_take_up"] == (f"50,0{NB}% bis 28.02.2026", "verfehlt")
    assert city["follow_up_rate"] == ("–", "–")
    one = {k.kpi_id: (k.target, k.status) for k in build(inputs, "2026-Q1", "services:L1").kpis}
    assert one["digital_take_up"] == (f"30,0{NB}% bis 31.12.2026", "unklar (zu wenige Daten)")
    # a department is its services: Bürgerservice is L1 alone, so L1's target is its target
    assert build(inputs, "2026-Q1", "department:Bürgerservice").kpis[1].target.startswith("30")


def test_english(kleinstadt_inputs: Inputs) -> None:
    report = build(kleinstadt_inputs, "2026-Q1", "stadt", lang="en")
    assert report.title == "Council report"
    assert report.period_label == "Q1 2026"
    assert [k.text for k in report.kpis][:2] == ["protected", "protected"]  # see above
    january = build(kleinstadt_inputs, "2026-01", "stadt", lang="en")
    assert [k.text for k in january.kpis][:2] == ["5", "40.0%"]
    assert report.kpis[1].label == "Digital take-up"


@pytest.mark.parametrize(("text", "code", "first", "last", "previous", "year_ago", "label"), [
    ("2026-Q2", "2026-Q2", dt.date(2026, 4, 1), dt.date(2026, 6, 1), "2026-Q1", "2025-Q2",
     "2. Quartal 2026"),
    (" 2026-q1 ", "2026-Q1", dt.date(2026, 1, 1), dt.date(2026, 3, 1), "2025-Q4", "2025-Q1",
     "1. Quartal 2026"),
    ("2026-05", "2026-05", dt.date(2026, 5, 1), dt.date(2026, 5, 1), "2026-04", "2025-05",
     "Mai 2026"),
    ("2026-1", "2026-01", dt.date(2026, 1, 1), dt.date(2026, 1, 1), "2025-12", "2025-01",
     "Januar 2026"),
    ("2026", "2026", dt.date(2026, 1, 1), dt.date(2026, 12, 1), "2025", "2025", "2026"),
])
def test_periods(text, code, first, last, previous, year_ago, label) -> None:  # noqa: ANN001
    cube = _months_cube(dt.date(2025, 11, 1), dt.date(2026, 6, 1))
    period = parse_period(text, cube)
    assert (period.code, period.first, period.last) == (code, first, last)
    assert (period.previous.code, period.year_ago.code) == (previous, year_ago)
    assert period.label("de") == label


def test_available_periods_newest_first() -> None:
    cube = _months_cube(dt.date(2025, 11, 1), dt.date(2026, 2, 1))
    assert [p.code for p in available(cube)] == [
        "2026-Q1", "2025-Q4", "2026-02", "2026-01", "2025-12", "2025-11", "2026", "2025"]
    assert of("quarter", dt.date(2026, 4, 1)).end == dt.date(2026, 6, 30)


@pytest.mark.parametrize(("last", "suggestion"), [
    (dt.date(2026, 10, 1), "2026-Q3"),  # Q4 has one month of three: the last whole quarter
    (dt.date(2026, 9, 1), "2026-Q3"),
    (dt.date(2025, 11, 1), "2025-Q4"),  # no whole quarter at all: the newest
])
def test_a_period_without_data_suggests_the_newest_whole_quarter(last: dt.date,
                                                                 suggestion: str) -> None:
    with pytest.raises(ReportInputError) as caught:
        parse_period("2030-Q1", _months_cube(dt.date(2025, 11, 1), last))
    assert f"z. B. --period {suggestion}" in str(caught.value)


@pytest.mark.parametrize(("period", "scope", "expected"), [
    ("2026-Q5", "stadt", ["Zeitraum '2026-Q5' nicht erkannt", "Quartal 2026-Q2",
                          "Daten gibt es von Jan 2026 bis Feb 2026", "Lösung: --period"]),
    ("Mai 2026", "stadt", ["Zeitraum 'Mai 2026' nicht erkannt", "Lösung"]),
    ("2026-13", "stadt", ["Zeitraum '2026-13' nicht erkannt"]),
    ("2024", "stadt", ["Für den Zeitraum '2024' (2024) gibt es keine Daten",
                       "Daten gibt es von Jan 2026 bis Feb 2026", "z. B. --period 2026-Q1"]),
    ("2026-Q1", "department:Bürgeramt",
     ["Bereich department: 'Bürgeramt' gibt es nicht", "vorhanden: Bürgerservice, Steueramt",
      "meinten Sie 'Steueramt' oder 'Bürgerservice'?", "Lösung: --scope department:"]),
    ("2026-Q1", "services:L1,L9,X", ["'L9', 'X' gibt es nicht", "vorhanden: L1, L2"]),
    ("2026-Q1", "locations:", ["nach 'locations:' fehlen die Werte", "locations:A"]),
    ("2026-Q1", "standort:A", ["Bereich 'standort:A' nicht erkannt", "department:<Fachbereich>"]),
])
def test_unknown_period_or_scope_says_what_exists_and_the_fix(
        kleinstadt_inputs: Inputs, period: str, scope: str, expected: list[str]) -> None:
    with pytest.raises(ReportInputError) as caught:
        build(kleinstadt_inputs, period, scope)
    for part in expected:
        assert part in str(caught.value)


def test_scope_accepts_codes_keys_and_names(kleinstadt_inputs: Inputs) -> None:
    cube = kleinstadt_inputs.cube
    by_key = parse_scope("services: 99115001001000 , hundesteuer anmelden", cube)
    assert (by_key.values, by_key.services) == (("L1", "L2"), (1, 2))
    assert parse_scope("fachbereich:steueramt", cube).services == (2,)
    where = parse_scope("standorte:Videoberatung", cube)
    assert (where.values, where.locations, where.services) == (("V",), (2,), None)
    assert where.label("de") == "Standorte: Videoberatung"


def test_empty_store_is_a_clear_error(settings: Settings) -> None:
    with pytest.raises(ReportInputError, match="enthält noch keine Vorgänge.*servicepuls import"):
        build(load_inputs(settings), "2026-Q1", "stadt")


# --- the sample city: the report says what metrics computes ---------------------------------


@pytest.fixture(scope="module")
def city(module_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    folder = tmp_path_factory.mktemp("examples")
    for name in EXAMPLE_FILES:
        shutil.copy(EXAMPLES / name, folder / name)
    import_dir(folder, module_settings)
    shutil.copy(EXAMPLES / "pilotprojekte.toml", module_settings.data_dir)
    return module_settings


def test_example_city_summary_is_what_metrics_computes(city: Settings) -> None:
    inputs = load_inputs(city)
    cube = inputs.cube
    q2 = windowed(cube, dt.date(2026, 4, 1), dt.date(2026, 6, 1))
    q1 = windowed(cube, dt.date(2026, 1, 1), dt.date(2026, 3, 1))
    # a department: in this small city the Leistungen ranking withholds some of its services
    # in most months, so its months are withheld (the service filter's guard) and so is
    # every quarter holding some of them (metrics.headline.withheld_periods)
    department = build(inputs, "2026-Q2", "department:Bürgerservice")
    services = tuple(sorted(cube.services.filter(
        cube.services["department"] == "Bürgerservice")["service_id"].to_list()))
    assert department.scope.services == services
    for line in department.kpis[1:5]:
        assert withheld_periods(cube, line.kpi_id, "quarter", [dt.date(2026, 4, 1)],
                                services=services, min_n=5)
        assert (line.text, line.n_text) == ("geschützt", "geschützt")
    # the whole city: nothing withheld, every number as metrics computes it
    report = build(inputs, "2026-Q2", "stadt")
    services = tuple(sorted(cube.services["service_id"].to_list()))
    lines = {k.kpi_id: k for k in report.kpis}
    for kpi_id, grain in (("digital_take_up", "month"), ("processing_days_median", None),
                          ("processing_days_p90", None), ("follow_up_rate", None)):
        now = compute(kpi_id, q2, (), min_n=5, grain=grain).row(0, named=True)
        assert lines[kpi_id].text == fmt_value(kpi_id, now["value"], now["suppressed"], 5)
        assert lines[kpi_id].n_text == fmt_count(now["n"], now["suppressed"], 5)
        assert lines[kpi_id].value == now["value"]
    take_up = compute("digital_take_up", q2, (), services=services, min_n=5, grain="month")
    before = compute("digital_take_up", q1, (), services=services, min_n=5, grain="month")
    change = (take_up["value"][0] - before["value"][0]) * 100
    assert lines["digital_take_up"].previous.startswith(
        f"{'+' if change > 0 else '-'}{abs(change):.1f}".replace(".", ","))
    # cases: every case of the quarter (metrics.facts), also of months before a service went
    # online, which take-up leaves out (so its n can be smaller)
    facts = volume_facts(q2, "month").filter(pl.col("service_id").is_in(services))
    assert lines["cases"].n == facts["cases"].sum() >= take_up["n"][0]
    funnel = inputs.funnel.filter(inputs.funnel["month"].is_between(
        dt.date(2026, 4, 1), dt.date(2026, 6, 1)) & inputs.funnel["service_id"].is_in(services))
    rate = completion_rate(funnel, (), 5).row(0, named=True)
    assert lines["completion_rate"].text == fmt_value("completion_rate", rate["value"], False, 5)


def test_example_city_table_is_the_ranking_of_the_period(city: Settings) -> None:
    inputs = load_inputs(city)
    cube = inputs.cube
    report = build(inputs, "2026-Q2", "stadt")
    q2 = windowed(cube, dt.date(2026, 4, 1), dt.date(2026, 6, 1))
    expected = ranking(q2, inputs.funnel.filter(inputs.funnel["month"].is_between(
        dt.date(2026, 4, 1), dt.date(2026, 6, 1))), min_n=5, months=3)
    rows = {r[0]: r for r in report.services.rows}
    assert len(rows) == cube.services.height
    shown = expected.filter(~expected["cases_suppressed"] & (expected["cases"] > 0))
    assert shown.height > 5
    withheld = period_ranking(cube, inputs.funnel, report.period, report.scope, 5)
    for row in shown.iter_rows(named=True):
        mine = withheld.filter(withheld["service_id"] == row["service_id"]).row(0, named=True)
        if mine["withheld_cases"]:
            continue
        assert rows[row["name"]][2] == f"{row['cases']:,}".replace(",", ".")
        take_up = fmt_protected() if mine["withheld_take_up"] == "secondary" else fmt_value(
            "digital_take_up", row["take_up"], row["take_up_suppressed"], 5)
        assert rows[row["name"]][3] == take_up
    # the summary's total is the sum of the table's cases (the same engine, same filters)
    assert report.kpis[0].n == expected["cases"].sum()
    # every cell resting on 1 … 4 cases shows "< 5"
    for row in expected.filter(expected["cases_suppressed"]).iter_rows(named=True):
        assert rows[row["name"]][2] == f"<{NB}5"


def test_example_city_pilot_sentence_as_of_the_period_end(city: Settings) -> None:
    inputs = load_inputs(city)
    report = build(inputs, "2026-Q2", "locations:BA-NORD")
    (result,) = report.pilots
    definition = inputs.pilots[0]
    effect = pilot_effect(inputs.cube, replace(definition.pilot,
                                               followup_end=dt.date(2026, 6, 1)),
                          protect_min_n=city.min_n)
    assert result.name == definition.name == "Online-Ummeldung mit Videoanleitung"
    assert result.sentence == sentence(effect, "de")
    assert result.target == f"+10,0{NB}Pp."
    assert dict(result.facts)["Start"] == "01.09.2025"
    assert result.chart is not None and "Textalternative" in result.chart.alt
    # a scope the pilot does not touch has no pilot section
    assert build(inputs, "2026-Q2", "locations:BA-SUED").pilots == ()
    # before the pilot's start there is nothing to evaluate, and the report says so
    early = build(inputs, "2025-Q1", "stadt").pilots[0]
    assert early.sentence.startswith("Noch keine Auswertung möglich")


def _months_cube(first: dt.date, last: dt.date) -> Cube:
    """A cube whose only data are one case in the first and in the last month."""
    import polars as pl

    base = load_cube.__globals__["_empty_cube"]()
    volume = pl.DataFrame({"month": [first, last], "service_id": [1, 1], "location_id": [1, 1],
                           "channel": ["online", "online"], "cases": [1, 1], "completed": [1, 1],
                           "completed_with_follow_up": [0, 0], "open": [0, 0],
                           "digital": [1, 1]}).cast(dict(base.volume.schema))
    return replace(base, volume=volume)


def use_env(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    """Point ``Settings()`` (the CLI's and the page's) at ``settings``' store."""
    monkeypatch.setenv("SERVICEPULS_DATABASE_URL", settings.db_url)
    monkeypatch.setenv("SERVICEPULS_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("SERVICEPULS_PSEUDONYMISATION_KEY", "test-key")
    for name in ("SERVICEPULS_LANGUAGE", "SERVICEPULS_MIN_N", "SERVICEPULS_PILOTS_FILE"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize(("args", "message"), [
    (["--period", "2030-Q1"], "Für den Zeitraum '2030-Q1' (1. Quartal 2030) gibt es keine Daten"),
    (["--period", "2026-Q1", "--scope", "locations:B"], "Bereich locations: 'B' gibt es nicht"),
])
def test_cli_refuses_unknown_values_and_writes_nothing(
        kleinstadt: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, args: list[str],
        message: str) -> None:
    from click.testing import CliRunner

    from dashboard.cli import main

    use_env(monkeypatch, kleinstadt)
    out = tmp_path / "out" / "bericht.pdf"
    result = CliRunner().invoke(main, ["report", *args, "--out", str(out)])
    assert result.exit_code == 2
    assert message in result.output and "Lösung:" in result.output
    assert not out.exists() and not out.parent.exists()


def test_a_scoped_report_withholds_what_the_overview_withholds(settings, monkeypatch):  # noqa: ANN001
    """tests/test_locations_page.py's store: Bürgeramt Mitte has 10 cases in Sep 2026 (5
    online), Nord 3 (1 online). Filtered to Mitte, the Überblick withholds Sep (the location
    guard: Nord's 3 and Mitte's 10 are Sep's pool — the city's 13 minus Mitte's 10 would be
    Nord's 3); a report for Mitte printed 50,0 % there. Now "geschützt" — in the summary, as
    the month before Okt, and in the chart. Okt (Mitte 4 / 10 = 40,0 %) is shown."""
    import tests.test_dashboard_overview as overview_store
    from tests.test_locations_page import SPAN_CASES

    monkeypatch.setattr(overview_store, "CASES", SPAN_CASES)
    overview_store.fill_store(settings)
    inputs = load_inputs(settings)
    sep = {k.kpi_id: k for k in build(inputs, "2026-09", "locations:MIT",
                                      today=dt.date(2026, 11, 2)).kpis}
    assert (sep["digital_take_up"].text, sep["digital_take_up"].n_text) == (
        "geschützt", "geschützt")
    assert sep["cases"].text == "geschützt"  # Mitte's 10: the tile's n, withheld with it
    okt = build(inputs, "2026-10", "locations:MIT", today=dt.date(2026, 11, 2))
    line = {k.kpi_id: k for k in okt.kpis}["digital_take_up"]
    assert (line.text, line.n_text) == (f"40,0{NB}%", "10")
    assert line.previous == "– (geschützt)"  # Sep, the month before
    assert ("Digitale Nutzungsquote im Zeitverlauf: Sep 2026 geschützt (der Monatswert "
            "würde einen anderswo ausgeblendeten Wert verraten)") in okt.suppressed
    # the whole city: Sep's 6 / 13 is shown (nothing to give away)
    city = {k.kpi_id: k for k in build(inputs, "2026-09", "stadt",
                                       today=dt.date(2026, 11, 2)).kpis}
    assert city["digital_take_up"].text == f"46,2{NB}%"

