"""The walking skeleton end to end, as a newcomer runs it: ``servicepuls sample`` →
``servicepuls import`` → the metrics module's KPIs → the overview page shows the same numbers."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from connectors.db import get_engine
from connectors.settings import Settings
from dashboard.cli import main
from dashboard.formatting import fmt_month, fmt_value
from metrics.catalogue import KPIS
from metrics.cube import load_cube
from metrics.overview import trend
from sample_data.city import PILOT
from tests.test_dashboard_overview import expected_tiles, run_app, shown_tiles


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    folder = tmp_path_factory.mktemp("e2e")
    env = {"SERVICEPULS_DATA_DIR": str(folder), "SERVICEPULS_PSEUDONYMISATION_KEY": "e2e",
           "SERVICEPULS_DATABASE_URL": ""}
    runner = CliRunner(env=env)
    made = runner.invoke(main, ["sample", "--cases", "20000"])
    assert made.exit_code == 0, made.output
    done = runner.invoke(main, ["import", str(folder / "musterstadt")])
    assert done.exit_code == 0, done.output
    assert "vorgaenge.csv: 20000 Zeilen gelesen" in done.output
    return Settings(data_dir=Path(folder), pseudonymisation_key="e2e")


@pytest.fixture
def page_env(monkeypatch: pytest.MonkeyPatch, imported: Settings) -> Settings:
    monkeypatch.setenv("SERVICEPULS_DATA_DIR", str(imported.data_dir))
    for name in ("DATABASE_URL", "LANGUAGE", "MIN_N"):
        monkeypatch.delenv(f"SERVICEPULS_{name}", raising=False)
    return imported


def test_page_shows_the_metrics_modules_tiles(page_env: Settings) -> None:
    at = run_app()
    assert shown_tiles(at) == expected_tiles(page_env)
    assert all(m.value not in ("", "–") for m in at.metric)  # real values, not placeholders


def test_location_from_the_url_gives_that_locations_numbers(page_env: Settings) -> None:
    cube = load_cube(get_engine(page_env))
    pilot = cube.locations.filter(cube.locations["code"] == PILOT.location_codes[0]).row(
        0, named=True)
    at = run_app(standort=pilot["name"])
    expected = expected_tiles(page_env, locations=[pilot["location_id"]])
    assert shown_tiles(at) == expected
    assert expected != expected_tiles(page_env)  # the filter really changes the numbers


def test_trend_table_of_a_service_equals_the_metrics_trend(page_env: Settings) -> None:
    cube = load_cube(get_engine(page_env))
    service = cube.services.filter(cube.services["code"] == PILOT.service_codes[0]).row(
        0, named=True)
    # links carry codes: ?leistungen=L003&von=…&bis=… (every month of the data)
    at = run_app(leistungen=service["code"], von=f"{cube.months[0]:%Y-%m}",
                 bis=f"{cube.months[-1]:%Y-%m}")
    series = trend(cube, "digital_take_up", services=[service["service_id"]],
                   min_n=page_env.min_n)
    assert at.sidebar.multiselect(key="leistungen").value == [service["service_id"]]
    kpi = KPIS["digital_take_up"]
    shown = {r["Monat"]: r[kpi.label_de]
             for r in at.get_by_key("trend_table").table[0].value.to_dict("records")}
    assert shown == {fmt_month(r["month"]): fmt_value(kpi, r["value"], r["suppressed"],
                                                      page_env.min_n)
                     for r in series.iter_rows(named=True)}
    assert len(shown) == 24
