"""The command line as an admin uses it: sample → demo (import) → demo again (nothing twice)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from connectors.db import get_engine
from connectors.settings import Settings
from connectors.store import Case, ImportRun, RejectedRow
from dashboard.cli import main


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("SERVICEPULS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SERVICEPULS_PSEUDONYMISATION_KEY", "cli-test")
    monkeypatch.delenv("SERVICEPULS_DATABASE_URL", raising=False)
    return Settings()


def test_demo_imports_once_and_reuses_everything_the_second_time(env: Settings) -> None:
    runner = CliRunner()
    made = runner.invoke(main, ["sample", "--cases", "3000"])
    assert made.exit_code == 0, made.output
    assert "3.000 Vorgänge geschrieben" in made.output

    first = runner.invoke(main, ["demo", "--no-serve"])
    assert first.exit_code == 0, first.output
    assert "Beispieldaten vorhanden" in first.output
    assert "vorgaenge.csv: 3000 Zeilen gelesen" in first.output
    with get_engine(env).connect() as conn:
        cases = conn.execute(select(func.count()).select_from(Case)).scalar_one()
        cases_run = conn.execute(select(ImportRun.id).where(
            ImportRun.file_name == "vorgaenge.csv")).scalar_one()
        rejected = conn.execute(select(func.count()).select_from(RejectedRow).where(
            RejectedRow.import_run_id == cases_run)).scalar_one()
        runs = conn.execute(select(func.count()).select_from(ImportRun)).scalar_one()
    assert rejected >= 4 and cases + rejected == 3000  # the export's deliberate bad rows
    # leistungen, standorte, vorgaenge, umfrage, monatsstatistik, portal, 5 × termine
    assert runs == 11
    # the sample city's cost rates are copied once to <data_dir>/kosten.toml for the overview
    assert "Kostensätze der Beispielstadt eingetragen" in first.output
    assert (env.data_dir / "kosten.toml").read_text(encoding="utf-8").startswith(
        "# Kosten und Aufwand je Vorgang der Musterstadt")

    second = runner.invoke(main, ["demo", "--no-serve"])
    assert second.exit_code == 0, second.output
    assert second.output.count("bereits importiert") == 11
    assert "Kostensätze" not in second.output  # an existing cost file is the city's own
    with get_engine(env).connect() as conn:
        assert conn.execute(select(func.count()).select_from(Case)).scalar_one() == cases
        assert conn.execute(select(func.count()).select_from(ImportRun)).scalar_one() == runs


def test_import_error_exits_non_zero_with_a_clear_message(env: Settings, tmp_path: Path) -> None:
    bad = tmp_path / "vorgaenge_kaputt.csv"
    bad.write_bytes("Nummer,Leistung,Kanal\r\n1,L1,Post\r\n".encode("cp1252"))
    result = CliRunner().invoke(main, ["import", str(bad)])
    assert result.exit_code == 2
    assert "vorgaenge_kaputt.csv" in result.output and "Vorgangsnummer" in result.output
    assert "vermutlich mit ',' getrennt" in result.output


def test_unknown_profile_lists_the_available_ones(env: Settings, tmp_path: Path) -> None:
    f = tmp_path / "x.csv"
    f.write_text("a;b\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["import", str(f), "--profile", "gibtsnicht"])
    assert result.exit_code == 2 and "musterstadt_vorgaenge" in result.output


def test_a_code_list_beside_the_survey_is_named_not_warned_about(env: Settings,
                                                                 tmp_path: Path) -> None:
    """LimeSurvey's code list comes with every export (the survey profile's
    ``source.companions``): the import says it holds nothing to import; a file no profile
    knows is still "übersprungen" with the fix."""
    folder = tmp_path / "export"
    folder.mkdir()
    for name in ("umfrage.csv", "umfrage_codes.csv"):
        shutil.copy(Path(__file__).parent / "data" / "umfrage" / name, folder / name)
    (folder / "notizen.csv").write_text("a;b\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["import", str(folder)])
    assert ("nicht importiert: umfrage_codes.csv — gehört zur Quelle musterstadt-umfrage und "
            "enthält nichts zu importieren") in result.output
    assert "umfrage_codes.csv — kein Profil" not in result.output
    assert "übersprungen:" in result.output and "notizen.csv — kein Profil passt" in result.output
    assert "umfrage.csv: " in result.output and "Zeilen gelesen" in result.output  # imported
