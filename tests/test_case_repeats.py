"""A case number repeated inside one file: the first row counts; an exact repeat is a
duplicate, a repeat with other values is quarantined with a reason (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from connectors.db import get_engine
from connectors.errors import RejectedFileError
from connectors.importer import import_file
from connectors.profiles import resolve_profile
from connectors.settings import Settings
from connectors.store import Case, ImportRun, RejectedRow

HEADER = ("Vorgangsnummer;Leistung;Standort;Eingangskanal;Eingang am;Abgeschlossen am;Status;"
          "Anzahl Nachforderungen;Antragsteller")
ROWS = [
    "W-1;L1;A;Online-Antrag;05.01.2026 10:00;07.01.2026 09:00;abgeschlossen;0;Erika",  # 2
    "W-2;L2;A;Post;06.01.2026 08:00;;in Bearbeitung;0;Max",  # 3
    "W-1;L1;A;Online-Antrag;05.01.2026 10:00;07.01.2026 09:00;abgeschlossen;0;Erika",  # 4 dup
    "W-2;L2;A;Post;06.01.2026 08:00;08.01.2026 12:00;abgeschlossen;1;Max",  # 5 conflict
    "W-3;L1;V;Vor Ort;07.01.2026 09:00;07.01.2026 09:30;abgeschlossen;0;Jupp",  # 6
    "W-3;L1;A;Vor Ort;07.01.2026 09:00;07.01.2026 09:30;abgeschlossen;0;Jupp",  # 7 conflict
    "W-2;L2;A;Post;06.01.2026 08:00;;in Bearbeitung;0;Max",  # 8 dup of line 3
    "W-4;X999;A;Post;06.01.2026 08:00;;in Bearbeitung;0;Fritz",  # 9 unknown service
]


def _write(path: Path, rows: list[str]) -> Path:
    path.write_bytes(("\r\n".join([HEADER, *rows]) + "\r\n").encode("cp1252"))
    return path


def _profile(batch_rows: int = 100_000, on_error: str = "reject_row"):  # noqa: ANN202
    p = resolve_profile("musterstadt_vorgaenge")
    return p.model_copy(update={"on_error": on_error,
                                "read": p.read.model_copy(update={"batch_rows": batch_rows})})


@pytest.mark.parametrize("batch_rows", [1, 3, 100])
def test_repeats_with_other_values_are_quarantined(kleinstadt: Settings, tmp_path: Path,
                                                   batch_rows: int) -> None:
    path = _write(tmp_path / "vorgaenge_doppelt.csv", ROWS)
    result = import_file(path, _profile(batch_rows), kleinstadt)
    assert (result.rows_read, result.inserted, result.updated, result.duplicate,
            result.rejected) == (8, 3, 0, 2, 3)
    assert result.inserted + result.duplicate + result.rejected == result.rows_read
    with get_engine(kleinstadt).connect() as conn:
        bad = conn.execute(select(RejectedRow.row_number, RejectedRow.column,
                                  RejectedRow.reason, RejectedRow.raw)
                           .where(RejectedRow.import_run_id == result.run_id)
                           .order_by(RejectedRow.row_number)).all()
        run = conn.execute(select(ImportRun.rows_read, ImportRun.rows_duplicate,
                                  ImportRun.rows_rejected)
                           .where(ImportRun.id == result.run_id)).one()
        stored = conn.execute(select(Case.status, Case.completed_at, Case.follow_up_count)
                              .where(Case.import_run_id == result.run_id)
                              .order_by(Case.received_at)).all()
    assert tuple(run) == (8, 2, 3)
    assert [(b.row_number, b.column) for b in bad] == [
        (5, "completed_at"), (7, "location_id"), (9, "Leistung")]
    assert bad[0].reason == ("Vorgangsnummer kommt in dieser Datei schon in Zeile 3 vor, mit "
                             "anderem Wert für Abschluss, Status, Nachforderungen — die erste "
                             "Zeile gilt; Export prüfen")
    assert "schon in Zeile 6 vor, mit anderem Wert für Standort —" in bad[1].reason
    raw = json.loads(bad[0].raw)
    assert raw["status"] == "completed" and raw["follow_up_count"] == 1
    assert len(raw["case_number"]) == 32 and "W-2" not in bad[0].raw  # only the hash
    # the first row of each case number counts: W-1 completed, W-2 open, W-3 completed
    assert [(s.status, s.follow_up_count) for s in stored] == [
        ("completed", 0), ("open", 0), ("completed", 0)]


def test_forced_reimport_keeps_the_same_quarantine_and_adds_nothing(kleinstadt: Settings,
                                                                    tmp_path: Path) -> None:
    path = _write(tmp_path / "vorgaenge_doppelt.csv", ROWS)
    import_file(path, _profile(), kleinstadt)
    again = import_file(path, _profile(), kleinstadt, force=True)
    assert (again.rows_read, again.inserted, again.updated, again.duplicate,
            again.rejected) == (8, 0, 0, 5, 3)
    with get_engine(kleinstadt).connect() as conn:
        assert conn.execute(select(func.count()).select_from(Case)).scalar_one() == 8 + 3


def test_fail_file_policy_refuses_a_contradicting_repeat(kleinstadt: Settings,
                                                        tmp_path: Path) -> None:
    path = _write(tmp_path / "vorgaenge_doppelt.csv", ROWS[:-1])  # no mapping error left
    with get_engine(kleinstadt).connect() as conn:
        before = conn.execute(select(func.count()).select_from(Case)).scalar_one()
    with pytest.raises(RejectedFileError) as err:
        import_file(path, _profile(on_error="fail_file"), kleinstadt)
    assert (err.value.file, err.value.row, err.value.column) == (str(path), 5, "completed_at")
    assert "schon in Zeile 3 vor" in str(err.value)
    with get_engine(kleinstadt).connect() as conn:
        assert conn.execute(select(func.count()).select_from(Case)).scalar_one() == before
        status = conn.execute(select(ImportRun.status).order_by(ImportRun.id.desc())).first()
    assert status == ("failed",)
