"""The clear errors of a file import, as an admin meets them on the command line: wrong
delimiter, wrong encoding (either way), a missing column, and — under the policy
``on_error = "fail_file"`` — an unknown service code, completed before received and a date
far in the future. Each gives one message naming the file, the row, the column and what
to do; the exit code is 2; nothing is written (no case, no quarantined row) and the run is
recorded as failed. SQLite and PostgreSQL.

The export is Kleinstadt's case list (tests/data/kleinstadt/vorgaenge.csv: Windows-1252,
";") cut to a header and two good rows, with one thing wrong per case below.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from connectors.db import get_engine
from connectors.importer import import_file
from connectors.profiles import resolve_profile
from connectors.store import Case, ImportRun, RejectedRow
from dashboard.cli import main
from tests.conftest import KLEINSTADT

HEADER = ("Vorgangsnummer;Leistung;Standort;Eingangskanal;Eingang am;Abgeschlossen am;Status;"
          "Anzahl Nachforderungen;Antragsteller")
GOOD = ["V-1;L1;A;Online-Antrag;05.01.2026 10:00;07.01.2026 09:00;abgeschlossen;0;Erika Muster",
        "V-2;L1;A;Post;06.01.2026 08:00;;in Bearbeitung;0;Jürgen „Jupp“ Schmitz"]
BUILTIN = Path(__file__).parents[1] / "connectors" / "profiles" / "musterstadt_vorgaenge.toml"


def _export(lines: list[str], encoding: str = "cp1252", sep: str = ";") -> bytes:
    return "".join(f"{line.replace(';', sep)}\r\n" for line in lines).encode(encoding)


# (case, file bytes, policy, row, column, words of the message, words of the fix)
CASES = [
    ("wrong delimiter", _export([HEADER, *GOOD], sep=","), "reject_row", 1, "Vorgangsnummer",
     "Spalte(n) fehlen", "vermutlich mit ',' getrennt"),
    ("UTF-8 file, profile says Windows-1252", _export([HEADER, *GOOD], "utf-8"), "reject_row",
     3, "Antragsteller", "die Datei ist UTF-8-kodiert", 'read.encoding = "utf-8"'),
    ("missing column", _export([HEADER.replace(";Eingangskanal", ""),
                                *[g.replace(";Online-Antrag", "").replace(";Post", "")
                                  for g in GOOD]]), "reject_row", 1, "Eingangskanal",
     "Spalte(n) fehlen: 'Eingangskanal'", "Spaltenüberschriften im Profil"),
    ("unknown service code", _export([HEADER, *GOOD, "V-3;L999;A;Post;06.01.2026 08:00;;"
                                      "in Bearbeitung;0;x"]), "fail_file", 4, "Leistung",
     "'L999' ist keine bekannte Leistung", 'on_error = "reject_row"'),
    ("completed before received", _export([HEADER, *GOOD, "V-3;L1;A;Post;06.01.2026 08:00;"
                                           "05.01.2026 08:00;abgeschlossen;0;x"]),
     "fail_file", 4, "Abgeschlossen am", "Abschluss liegt vor dem Eingang",
     "Export korrigieren"),
    ("date far in the future", _export([HEADER, *GOOD, "V-3;L1;A;Post;06.01.2036 08:00;;"
                                        "in Bearbeitung;0;x"]), "fail_file", 4, "Eingang am",
     "Eingang liegt in der Zukunft", "Export korrigieren"),
]


@pytest.fixture
def master(settings):  # noqa: ANN001, ANN201 - Settings
    for name, profile in (("leistungen.csv", "musterstadt_leistungen"),
                          ("standorte.csv", "musterstadt_standorte")):
        import_file(KLEINSTADT / name, resolve_profile(profile), settings)
    return settings


@pytest.mark.parametrize(("case", "data", "policy", "row", "column", "what", "fix"), CASES,
                         ids=[c[0] for c in CASES])
def test_one_clear_message_exit_2_and_nothing_written(master, tmp_path: Path, case: str,  # noqa: ANN001, PLR0913
                                                      data: bytes, policy: str, row: int,
                                                      column: str, what: str, fix: str) -> None:
    path = tmp_path / "vorgaenge.csv"
    path.write_bytes(data)
    profile = tmp_path / "vorgaenge_profil.toml"
    profile.write_text(BUILTIN.read_text(encoding="utf-8").replace(
        'on_error = "reject_row"', f'on_error = "{policy}"'), encoding="utf-8")
    env = {"SERVICEPULS_DATABASE_URL": master.database_url,
           "SERVICEPULS_PSEUDONYMISATION_KEY": "test-key"}
    result = CliRunner(env=env).invoke(main, ["import", str(path), "--profile", str(profile)])
    assert result.exit_code == 2, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Fehler:")]
    assert len(errors) == 1, result.output
    message = errors[0]
    assert f"Datei {path}, Zeile {row}, Spalte '{column}'" in message, message
    assert what in message and "— Lösung: " in message and fix in message.split("Lösung:")[1]
    with get_engine(master).connect() as conn:
        assert conn.execute(select(func.count()).select_from(Case)).scalar_one() == 0
        assert conn.execute(select(func.count()).select_from(RejectedRow)).scalar_one() == 0
        status = conn.execute(select(ImportRun.status).where(
            ImportRun.file_name == "vorgaenge.csv")).scalar_one()
    assert status == "failed"


def test_windows_1252_file_read_as_utf_8_names_row_and_column(master, tmp_path: Path) -> None:  # noqa: ANN001
    """The other way round: a Windows-1252 byte is no UTF-8 — row 3, the name's column."""
    path = tmp_path / "vorgaenge.csv"
    path.write_bytes(_export([HEADER, *GOOD]))
    profile = tmp_path / "utf8.toml"
    profile.write_text(BUILTIN.read_text(encoding="utf-8").replace(
        'encoding = "windows-1252"', 'encoding = "utf-8"'), encoding="utf-8")
    env = {"SERVICEPULS_DATABASE_URL": master.database_url,
           "SERVICEPULS_PSEUDONYMISATION_KEY": "test-key"}
    result = CliRunner(env=env).invoke(main, ["import", str(path), "--profile", str(profile)])
    assert result.exit_code == 2
    assert f"Datei {path}, Zeile 3, Spalte 'Antragsteller'" in result.output
    assert "nicht lesbar als utf-8" in result.output and "windows-1252" in result.output
    with get_engine(master).connect() as conn:
        assert conn.execute(select(func.count()).select_from(Case)).scalar_one() == 0


def test_a_file_without_an_optional_column_imports_with_the_values_missing(
        settings, tmp_path: Path) -> None:  # noqa: ANN001
    """Kleinstadt's service list without its 'LeiKa-Schlüssel' column (header and values):
    the field is not required, so the reader lets the header be missing — the mapping took
    the column for granted and failed with a polars ColumnNotFoundError traceback (found by
    importing mutated exports). Now both services come in, without a LeiKa key."""
    from connectors.store import Service

    lines = (KLEINSTADT / "leistungen.csv").read_text(encoding="utf-8-sig").splitlines()
    cut = [";".join(f for i, f in enumerate(line.split(";")) if i != 2) for line in lines]
    assert cut[0] == "Leistungsnummer;Bezeichnung;Fachbereich;OZG-Leistung;Online seit"
    path = tmp_path / "leistungen.csv"
    path.write_text("\n".join(cut) + "\n", encoding="utf-8")
    result = import_file(path, resolve_profile("musterstadt_leistungen"), settings)
    assert (result.rows_read, result.inserted, result.rejected) == (2, 2, 0)
    with get_engine(settings).connect() as conn:
        rows = conn.execute(select(Service.code, Service.leika_key, Service.department)
                            .order_by(Service.code)).all()
    assert [tuple(r) for r in rows] == [("L1", None, "Bürgerservice"),
                                        ("L2", None, "Steueramt")]
