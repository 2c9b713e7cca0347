"""Import of the hand-made Kleinstadt export: counts, quarantine, idempotency, atomicity,
data minimisation and clear errors — on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from connectors.db import get_engine
from connectors.errors import InputFileError, RejectedFileError
from connectors.importer import import_file
from connectors.profiles import load_profile, resolve_profile
from connectors.store import Case, ImportRun, RejectedRow
from tests.conftest import KLEINSTADT, import_dir

CASES_PROFILE = "musterstadt_vorgaenge"


def _count(settings, model) -> int:  # noqa: ANN001
    with get_engine(settings).connect() as conn:
        return conn.execute(select(func.count()).select_from(model)).scalar_one()


def test_counts_add_up_and_rejected_rows_keep_line_column_reason(settings) -> None:
    results = import_dir(KLEINSTADT, settings)
    cases = results[-1]
    assert (cases.rows_read, cases.inserted, cases.updated, cases.duplicate, cases.rejected) == (
        13, 8, 0, 1, 4)
    with get_engine(settings).connect() as conn:
        rows = conn.execute(select(RejectedRow.row_number, RejectedRow.column, RejectedRow.reason,
                                   RejectedRow.raw).order_by(RejectedRow.row_number)).all()
        run = conn.execute(select(ImportRun.status, ImportRun.rows_read, ImportRun.rows_rejected)
                           .where(ImportRun.id == cases.run_id)).one()
    assert [(r.row_number, r.column) for r in rows] == [
        (10, "Leistung"), (11, "Eingangskanal"), (12, "Abgeschlossen am"), (13, "Eingang am")]
    assert "'X999' ist keine bekannte Leistung" in rows[0].reason
    assert "'Fax' ist kein bekannter Wert" in rows[1].reason
    assert "Abschluss liegt vor dem Eingang" in rows[2].reason
    assert "'31.02.2026 10:00' ist kein gültiger Zeitpunkt (TT.MM.JJJJ hh:mm)" in rows[3].reason
    raw = json.loads(rows[0].raw)
    assert raw["Leistung"] == "X999" and raw["Eingangskanal"] == "Online-Antrag"
    assert raw["Vorgangsnummer"] != "V-9" and len(raw["Vorgangsnummer"]) == 32  # pseudonymised
    assert "Antragsteller" not in raw  # unmapped columns are not even quarantined
    assert (run.status, run.rows_read, run.rows_rejected) == ("succeeded", 13, 4)


def test_same_file_again_adds_nothing(kleinstadt) -> None:
    profile = resolve_profile(CASES_PROFILE)
    again = import_file(KLEINSTADT / "vorgaenge.csv", profile, kleinstadt)
    assert again.skipped
    forced = import_file(KLEINSTADT / "vorgaenge.csv", profile, kleinstadt, force=True)
    assert (forced.inserted, forced.updated, forced.duplicate, forced.rejected) == (0, 0, 9, 4)
    assert _count(kleinstadt, Case) == 8


def test_redelivery_updates_a_changed_case(kleinstadt, tmp_path: Path) -> None:
    text = (KLEINSTADT / "vorgaenge.csv").read_bytes().decode("cp1252")
    text = text.replace("V-4;L1;A;OZG-Portal;20.01.2026 22:15;;in Bearbeitung;0",
                        "V-4;L1;A;OZG-Portal;20.01.2026 22:15;22.01.2026 08:00;abgeschlossen;1")
    text += "V-99;L2;A;Post;12.02.2026 09:00;;in Bearbeitung;0;Neu Person\r\n"
    path = tmp_path / "vorgaenge_neu.csv"
    path.write_bytes(text.encode("cp1252"))
    result = import_file(path, resolve_profile(CASES_PROFILE), kleinstadt)
    assert (result.inserted, result.updated, result.duplicate, result.rejected) == (1, 1, 8, 4)
    with get_engine(kleinstadt).connect() as conn:
        statuses = conn.execute(select(Case.status, func.count()).group_by(Case.status)).all()
    assert dict(statuses) == {"completed": 7, "open": 1, "withdrawn": 1}  # V-4 done, V-99 open


PERSONAL = {"Geburtsdatum": "17.03.1961", "E-Mail": "erika.mustermann@example.org",
            "IBAN": "DE89370400440532013000", "Telefon": "0211 9876543"}


def test_no_personal_data_or_case_numbers_in_the_sqlite_file(tmp_path: Path) -> None:
    """Names, birth dates, e-mail addresses, IBANs, phone numbers in unmapped columns and
    the clear case numbers appear nowhere in the database files (WAL included)."""
    from connectors.settings import Settings

    export = tmp_path / "export"
    shutil.copytree(KLEINSTADT, export)
    lines = (export / "vorgaenge.csv").read_bytes().decode("cp1252").split("\r\n")
    lines = [f"{line};{';'.join(PERSONAL)}" if i == 0 else
             f"{line};{';'.join(PERSONAL.values())}" if line else line
             for i, line in enumerate(lines)]
    (export / "vorgaenge.csv").write_bytes("\r\n".join(lines).encode("cp1252"))
    settings = Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 's.db'}",
                        pseudonymisation_key="k")
    import_dir(export, settings)
    assert _count(settings, Case) == 8 and _count(settings, RejectedRow) == 4
    get_engine(settings).dispose()
    blob = b"".join(p.read_bytes() for p in tmp_path.glob("s.db*"))
    needles = ["Mustermann", "Müller", "Schmitz", "Erika", "V-10;", "V-12", "1961",
               *PERSONAL.values(), "DE8937"]
    for needle in needles:
        assert needle.encode("utf-8") not in blob, needle
        assert needle.encode("cp1252") not in blob, needle


def test_fail_file_policy_writes_nothing(settings, tmp_path: Path) -> None:
    from connectors.profiles import profile_for

    for name in ("leistungen.csv", "standorte.csv"):
        import_file(KLEINSTADT / name, profile_for(KLEINSTADT / name), settings)
    source = resolve_profile(CASES_PROFILE).path.read_text(encoding="utf-8")
    strict = tmp_path / "strict.toml"
    strict.write_text(source.replace('on_error = "reject_row"', 'on_error = "fail_file"'),
                      encoding="utf-8")
    with pytest.raises(RejectedFileError) as err:
        import_file(KLEINSTADT / "vorgaenge.csv", load_profile(strict), settings)
    message = str(err.value)
    assert "vorgaenge.csv" in message and "Zeile 10" in message and "Spalte 'Leistung'" in message
    assert _count(settings, Case) == 0 and _count(settings, RejectedRow) == 0
    with get_engine(settings).connect() as conn:
        run = conn.execute(select(ImportRun.status, ImportRun.message)
                           .order_by(ImportRun.id.desc())).first()
    assert run.status == "failed" and "X999" in run.message


def test_failure_mid_import_leaves_store_as_before(kleinstadt, monkeypatch, tmp_path) -> None:
    import connectors.writers.cases as cases_writer

    before = (_count(kleinstadt, Case), _count(kleinstadt, RejectedRow))
    path = tmp_path / "vorgaenge_2.csv"
    text = (KLEINSTADT / "vorgaenge.csv").read_bytes().decode("cp1252")
    path.write_bytes(text.replace("V-", "W-").encode("cp1252"))

    def boom(self):  # noqa: ANN001, ANN202
        raise RuntimeError("disk full")

    monkeypatch.setattr(cases_writer.CaseWriter, "finish", boom)
    with pytest.raises(RuntimeError):
        import_file(path, resolve_profile(CASES_PROFILE), kleinstadt)
    assert (_count(kleinstadt, Case), _count(kleinstadt, RejectedRow)) == before


def test_missing_column_names_file_column_and_found_headers(kleinstadt, tmp_path) -> None:
    text = (KLEINSTADT / "vorgaenge.csv").read_bytes().decode("cp1252")
    path = tmp_path / "vorgaenge_x.csv"
    path.write_bytes(text.replace("Eingangskanal", "Kanal").encode("cp1252"))
    with pytest.raises(InputFileError) as err:
        import_file(path, resolve_profile(CASES_PROFILE), kleinstadt)
    msg = str(err.value)
    assert "vorgaenge_x.csv" in msg and "Zeile 1" in msg and "Spalte 'Eingangskanal'" in msg
    assert "'Kanal'" in msg and "Lösung:" in msg


def test_wrong_delimiter_is_named(kleinstadt, tmp_path) -> None:
    text = (KLEINSTADT / "vorgaenge.csv").read_bytes().decode("cp1252").replace(";", ",")
    path = tmp_path / "vorgaenge_komma.csv"
    path.write_bytes(text.encode("cp1252"))
    with pytest.raises(InputFileError, match="vermutlich mit ',' getrennt"):
        import_file(path, resolve_profile(CASES_PROFILE), kleinstadt)


def test_wrong_encoding_is_named_not_garbled(kleinstadt, tmp_path) -> None:
    source = resolve_profile(CASES_PROFILE).path.read_text(encoding="utf-8")
    profile_path = tmp_path / "utf8.toml"
    profile_path.write_text(source.replace('encoding = "windows-1252"', 'encoding = "utf-8"'),
                            encoding="utf-8")
    path = tmp_path / "vorgaenge_enc.csv"
    shutil.copy(KLEINSTADT / "vorgaenge.csv", path)
    with pytest.raises(InputFileError) as err:
        import_file(path, load_profile(profile_path), kleinstadt, force=True)
    assert "utf-8" in str(err.value) and "windows-1252" in str(err.value)
    assert _count(kleinstadt, Case) == 8


def test_auto_encoding_reads_windows_1252_not_latin_1(settings, tmp_path) -> None:
    """0x80 is € in Windows-1252 but a control character in Latin-1."""
    path = tmp_path / "leistungen.csv"
    path.write_bytes("Leistungsnummer;Bezeichnung;LeiKa-Schlüssel;Fachbereich;OZG-Leistung;"
                     "Online seit\r\nG1;Gebühr 12 € – „Eilt“;;Kasse;;\r\n".encode("cp1252"))
    from connectors.store import Service

    import_file(path, resolve_profile("musterstadt_leistungen"), settings)
    with get_engine(settings).connect() as conn:
        assert conn.execute(select(Service.name)).scalar_one() == "Gebühr 12 € – „Eilt“"


def test_large_load_path_rebuilds_indexes_and_foreign_keys(settings, monkeypatch) -> None:  # noqa: ANN001
    """Above a threshold the case writer rebuilds the secondary index (PostgreSQL: and the
    foreign keys) after the insert instead of per row; forced here on the small file, the
    counts are the same and the schema is whole again afterwards."""
    from sqlalchemy import inspect

    import connectors.writers.cases as cases_writer

    monkeypatch.setattr(cases_writer, "_REBUILD_MIN_ROWS", 0)
    engine = get_engine(settings)
    results = import_dir(KLEINSTADT, settings)
    cases = results[-1]
    assert (cases.rows_read, cases.inserted, cases.duplicate, cases.rejected) == (13, 8, 1, 4)
    inspector = inspect(engine)
    assert "ix_cases_ags_received_service" in {i["name"] for i in inspector.get_indexes("cases")}
    assert {fk["referred_table"] for fk in inspector.get_foreign_keys("cases")} == {
        "services", "locations", "import_runs"}
    with pytest.raises(Exception), engine.begin() as conn:  # noqa: B017 - FK enforced again
        conn.execute(Case.__table__.insert().values(
            source="x", case_key="k", service_id=999_999, channel="online",
            received_at=dt.datetime(2026, 1, 1), status="open", follow_up_count=0,
            import_run_id=cases.run_id))
