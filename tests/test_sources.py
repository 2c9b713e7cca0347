"""import --all: configured sources, incremental state, nothing read twice."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

import connectors.sources as sources_module
from connectors.errors import ProfileError
from connectors.sources import import_all, load_sources
from dashboard.cli import main
from tests.conftest import KLEINSTADT

SOURCES = """
[[source]]
name = "Stammdaten"
path = "export"
pattern = "[ls]*.csv"

[[source]]
name = "Meldewesen"
path = "export"
pattern = "vorgaenge*.csv"
profile = "musterstadt_vorgaenge"
expected_every_days = 31
"""


@pytest.fixture
def drop(tmp_path: Path) -> Path:
    shutil.copytree(KLEINSTADT, tmp_path / "export")
    (tmp_path / "sources.toml").write_text(SOURCES, encoding="utf-8")
    return tmp_path


def test_second_run_reads_nothing_and_a_changed_file_is_imported(settings, drop,
                                                                 monkeypatch) -> None:
    sources = load_sources(drop / "sources.toml")
    first = import_all(settings, sources)
    assert [(o.source, o.file.name, [r.inserted for r in o.results]) for o in first] == [
        ("Stammdaten", "leistungen.csv", [2]), ("Stammdaten", "standorte.csv", [2]),
        ("Meldewesen", "vorgaenge.csv", [8])]

    def must_not_read(path: Path) -> str:
        raise AssertionError(f"{path} was read although unchanged")

    monkeypatch.setattr(sources_module, "file_sha256", must_not_read)
    second = import_all(settings, sources)
    assert all(o.unchanged and not o.results for o in second)

    monkeypatch.undo()
    cases = drop / "export" / "vorgaenge.csv"
    cases.write_bytes(cases.read_bytes() + "V-77;L2;A;Post;12.02.2026 09:00;;in Bearbeitung;0;"
                      "Neu\r\n".encode("cp1252"))
    st = cases.stat()
    os.utime(cases, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    third = import_all(settings, sources)
    changed = [o for o in third if not o.unchanged]
    assert [(o.file.name, o.results[0].inserted, o.results[0].duplicate) for o in changed] == [
        ("vorgaenge.csv", 1, 9)]


def test_touched_but_identical_file_is_hashed_and_skipped(settings, drop) -> None:
    sources = load_sources(drop / "sources.toml")
    import_all(settings, sources)
    cases = drop / "export" / "vorgaenge.csv"
    st = cases.stat()
    os.utime(cases, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    again = [o for o in import_all(settings, sources) if not o.unchanged]
    assert [(o.file.name, [r.skipped for r in o.results]) for o in again] == [
        ("vorgaenge.csv", [True])]


def test_bad_sources_file_lists_every_problem(tmp_path: Path) -> None:
    (tmp_path / "s.toml").write_text(
        '[[source]]\nname = "A"\npath = "fehlt"\nprofile = "gibtsnicht"\n\n'
        '[[source]]\nname = "A"\npath = "."\n', encoding="utf-8")
    with pytest.raises(ProfileError) as err:
        load_sources(tmp_path / "s.toml")
    problems = err.value.problems
    assert len(problems) == 3
    assert problems[0].startswith("source[0].path = ")
    assert problems[1].startswith("source[0].profile: kein Profil 'gibtsnicht'")
    assert problems[2] == "source.name = 'A': doppelt"
    assert f"Datei {tmp_path / 's.toml'}: 3 Fehler in der Quellen-Datei" in str(err.value)


def test_cli_import_all(drop, monkeypatch) -> None:
    monkeypatch.setenv("SERVICEPULS_DATA_DIR", str(drop))
    monkeypatch.setenv("SERVICEPULS_PSEUDONYMISATION_KEY", "k")
    monkeypatch.setenv("SERVICEPULS_SOURCES_FILE", str(drop / "sources.toml"))
    monkeypatch.delenv("SERVICEPULS_DATABASE_URL", raising=False)
    runner = CliRunner()
    first = runner.invoke(main, ["import", "--all"])
    assert first.exit_code == 0, first.output
    assert "[Meldewesen] vorgaenge.csv: 13 Zeilen gelesen, 8 neu" in first.output
    second = runner.invoke(main, ["import", "--all"])
    assert second.output.count("unverändert") == 3


def test_file_pattern_is_needed_only_to_find_a_profile_by_file_name(settings, drop) -> None:  # noqa: ANN001
    """A city's profile without source.file_pattern imports the files of a source that
    names it; a source that leaves the profile to the file name is told what to set; a
    broken profile named by a source reports all its problems with its file."""
    profiles = drop / "profile"
    profiles.mkdir()
    builtin = (Path(sources_module.__file__).parent / "profiles" / "musterstadt_vorgaenge.toml")
    text = builtin.read_text(encoding="utf-8").replace('file_pattern = "vorgaenge*.csv"\n', "")
    assert "file_pattern" not in text
    (profiles / "stadt_vorgaenge.toml").write_text(text, encoding="utf-8")
    (drop / "export" / "faelle.csv").write_bytes((KLEINSTADT / "vorgaenge.csv").read_bytes())
    (drop / "sources.toml").write_text(SOURCES.replace("musterstadt_vorgaenge", "stadt_vorgaenge")
                                       + '\n[[source]]\nname = "Ohne Profil"\npath = "export"\n'
                                         'pattern = "faelle.csv"\n', encoding="utf-8")
    settings = settings.model_copy(update={"profiles_dir": profiles})
    outcomes = {o.source: o for o in import_all(
        settings, load_sources(drop / "sources.toml", profiles))}
    (cases,) = outcomes["Meldewesen"].results
    assert outcomes["Meldewesen"].error is None and (cases.rows_read, cases.inserted) == (13, 8)
    assert outcomes["Ohne Profil"].error == (
        "kein Profil passt zum Dateinamen — profile in der Quellen-Datei angeben oder im "
        "Profil source.file_pattern setzen")

    broken = text.replace('delimiter = ";"', 'delimiter = ";;"').replace(
        'service = "Leistung"', 'servce = "Leistung"')
    (profiles / "stadt_vorgaenge.toml").write_text(broken, encoding="utf-8")
    with pytest.raises(ProfileError) as err:
        load_sources(drop / "sources.toml", profiles)
    where = f"source[1].profile ({profiles / 'stadt_vorgaenge.toml'}): "
    assert err.value.problems == [
        where + "columns.servce: kein Feld der Datenart 'cases' — erlaubt: "
                "case_number, service, location, channel, received_at, completed_at, status, "
                "follow_up_count",
        where + 'columns.service: Pflichtfeld fehlt — Spaltenüberschrift der Datei angeben, '
                'z. B. service = "…"',
        where + "read.delimiter = ';;': genau ein Zeichen oder 'auto'",
    ]


def test_settings_files_beside_the_exports_are_not_data(drop, monkeypatch) -> None:  # noqa: ANN001
    """The sample city keeps kosten.toml and pilotprojekte.toml beside its exports: a folder
    import and ``import --all`` over ``*`` read the exports and pass the settings and hidden
    files by without an error for each (exit code 0)."""
    export = drop / "export"
    (export / "kosten.toml").write_text("[channel.online]\ncost_eur = 1\n", encoding="utf-8")
    (export / ".~lock.vorgaenge.csv#").write_text("x", encoding="utf-8")
    (drop / "sources.toml").write_text(
        '[[source]]\nname = "Alles"\npath = "export"\n', encoding="utf-8")
    monkeypatch.setenv("SERVICEPULS_DATA_DIR", str(drop))
    monkeypatch.setenv("SERVICEPULS_PSEUDONYMISATION_KEY", "k")
    monkeypatch.setenv("SERVICEPULS_SOURCES_FILE", str(drop / "sources.toml"))
    monkeypatch.delenv("SERVICEPULS_DATABASE_URL", raising=False)
    runner = CliRunner()
    every = runner.invoke(main, ["import", "--all"])
    assert every.exit_code == 0, every.output
    assert "kosten.toml" not in every.output and "lock" not in every.output
    assert "[Alles] vorgaenge.csv: 13 Zeilen gelesen, 8 neu" in every.output
    folder = runner.invoke(main, ["import", str(export)])
    assert folder.exit_code == 0, folder.output
    assert "kosten.toml" not in folder.output and "kein Profil" not in folder.output
    assert "vorgaenge.csv: bereits importiert (unverändert)" in folder.output
