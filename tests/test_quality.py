"""Data quality & imports: metrics.quality on the Kleinstadt import (SQLite and PostgreSQL),
hand-made cubes for coverage gaps, and the page through Streamlit's AppTest.

The Kleinstadt export (tests/data/kleinstadt) is small enough to check by hand: three runs
(Leistungen 2 rows, Standorte 2 rows, Vorgänge 13 rows → 8 new, 1 duplicate of V-1,
4 rejected). The rejected lines of vorgaenge.csv are
10 (service X999 unknown), 11 (channel "Fax" not mapped), 12 (completed before received)
and 13 (31.02.2026 is no date). Cases: L1 and L2 both in Jan and Feb 2026 → no gaps.
"""

from __future__ import annotations

import datetime as dt
from functools import partial

import polars as pl
import pytest
from sqlalchemy import insert, update
from streamlit.testing.v1 import AppTest

from connectors.db import get_engine, upgrade
from connectors.settings import Settings
from connectors.store import Case, ImportRun, RejectedRow, Service
from metrics import quality
from metrics.cube import Cube, load_cube
from tests.test_dashboard_overview import open_page, use_store

NB = "\u00a0"
CASES_RUN = 3
REJECTED = [  # line, column, problem as grouped
    (10, "Leistung", "Leistung: '…' ist keine bekannte Leistung"),
    (11, "Eingangskanal", "Eingangskanal: '…' ist kein bekannter Wert"),
    (12, "Abgeschlossen am", "Abgeschlossen am: Abschluss liegt vor dem Eingang"),
    (13, "Eingang am", "Eingang am: '…' ist kein gültiger Zeitpunkt (TT.MM.JJJJ hh:mm)"),
]


def run(run_id: int, source: str, status: str, finished: dt.datetime | None, **counts: int):
    """An import_runs row for tests (counts default to 0)."""
    return {
        "id": run_id, "source": source, "profile": "test", "file_name": f"{source}.csv",
        "file_sha256": f"{run_id:064d}", "started_at": finished or dt.datetime(2026, 3, 1),
        "finished_at": finished, "status": status, "message": counts.pop("message", None),
        **{f"rows_{k}": counts.get(k, 0)
           for k in ("read", "inserted", "updated", "duplicate", "rejected")},
    }


# --- metrics.quality on the Kleinstadt import ----------------------------------------------


def test_import_runs_newest_first_with_exact_counts(kleinstadt):
    runs = quality.import_runs(get_engine(kleinstadt))
    assert runs.schema == pl.Schema(quality.RUN_SCHEMA)
    assert runs["id"].to_list() == [3, 2, 1]
    assert runs["file_name"].to_list() == ["vorgaenge.csv", "standorte.csv", "leistungen.csv"]
    assert runs["status"].to_list() == ["succeeded"] * 3
    cases = runs.row(0, named=True)
    assert (cases["source"], cases["profile"]) == ("musterstadt-fachverfahren",
                                                   "musterstadt_vorgaenge")
    counts = [cases[f"rows_{k}"] for k in ("read", "inserted", "updated", "duplicate",
                                           "rejected")]
    assert counts == [13, 8, 0, 1, 4]
    assert runs["rows_read"].to_list() == [13, 2, 2]
    assert runs["rows_skipped"].to_list() == [0, 0, 0]  # Kleinstadt's exports: no summaries
    assert runs["finished_at"].null_count() == 0
    assert quality.import_runs(get_engine(kleinstadt), limit=1)["id"].to_list() == [3]


def test_rejected_rows_lines_columns_and_minimised_raw_values(kleinstadt):
    engine = get_engine(kleinstadt)
    rows = quality.rejected_rows(engine)
    assert rows.schema == pl.Schema(quality.REJECTED_SCHEMA)
    assert rows["import_run_id"].to_list() == [CASES_RUN] * 4
    assert rows["row_number"].to_list() == [line for line, _, _ in REJECTED]
    assert rows["column"].to_list() == [column for _, column, _ in REJECTED]
    assert rows["reason"][0].startswith("Leistung: 'X999' ist keine bekannte Leistung — ")
    raw = rows["raw"][0]
    assert "Leistung: X999 · " in raw and "Eingangskanal: Online-Antrag" in raw
    assert "Abgeschlossen am: –" in raw  # empty field spelled out
    # minimised and pseudonymised by the importer: no applicant, no case number in clear
    assert "Fritz" not in raw and "Antragsteller" not in raw and "V-9" not in raw
    assert rows["raw"][3].find("Eingang am: 31.02.2026 10:00") >= 0
    assert quality.rejected_rows(engine, run_id=CASES_RUN).height == 4
    assert quality.rejected_rows(engine, run_id=1).is_empty()
    assert quality.rejected_rows(engine, limit=2)["row_number"].to_list() == [10, 11]


def test_rejected_by_reason_groups_and_merges_values(kleinstadt):
    engine = get_engine(kleinstadt)
    reasons = quality.rejected_by_reason(engine)
    assert reasons.schema == pl.Schema(quality.REASON_SCHEMA)
    assert reasons["rows"].to_list() == [1, 1, 1, 1]
    assert sorted(zip(reasons["column"], reasons["reason"], strict=True)) == sorted(
        (column, group) for _, column, group in REJECTED
    )
    example = dict(zip(reasons["column"], reasons["example"], strict=True))
    assert example["Leistung"].endswith("in den Stammdaten (Leistungen) anlegen oder den "
                                        "Code korrigieren")
    assert quality.rejected_by_reason(engine, run_id=1).is_empty()
    # two more unknown services with other codes and a malformed line join their groups
    with engine.begin() as conn:
        conn.execute(insert(RejectedRow.__table__).values(ags=kleinstadt.ags), [
            {"import_run_id": CASES_RUN, "row_number": 20, "column": "Leistung",
             "reason": "Leistung: 'Y1' ist keine bekannte Leistung — in den Stammdaten",
             "raw": "{}"},
            {"import_run_id": CASES_RUN, "row_number": 21, "column": "Leistung",
             "reason": "Leistung: 'O'Brien' ist keine bekannte Leistung — in den Stammdaten",
             "raw": "{}"},
            {"import_run_id": CASES_RUN, "row_number": 22, "column": None,
             "reason": "12 Felder statt 9 — Trennzeichen prüfen", "raw": '{"0": "a"}'},
        ])
    reasons = quality.rejected_by_reason(engine, run_id=CASES_RUN)
    assert reasons.row(0, named=True) | {"example": None} == {
        "column": "Leistung", "reason": "Leistung: '…' ist keine bekannte Leistung", "rows": 3,
        "example": None,
    }
    assert reasons.height == 5 and reasons["rows"].sum() == 7
    whole_row = reasons.filter(pl.col("column").is_null())
    assert whole_row["reason"].to_list() == ["… Felder statt …"]


@pytest.mark.parametrize(
    ("reason", "group"),
    [
        ("Leistung: 'X999' ist keine bekannte Leistung — in den Stammdaten anlegen",
         "Leistung: '…' ist keine bekannte Leistung"),
        ("Leistung: 'O'Brien' ist keine bekannte Leistung — …",
         "Leistung: '…' ist keine bekannte Leistung"),
        ("Eingang am: '31.02.2026 10:00' ist kein gültiger Zeitpunkt (TT.MM.JJJJ hh:mm)",
         "Eingang am: '…' ist kein gültiger Zeitpunkt (TT.MM.JJJJ hh:mm)"),
        # a quote inside the message is not a value
        ("Betrag: '12;5' ist keine Zahl (Dezimalzeichen ',')",
         "Betrag: '…' ist keine Zahl (Dezimalzeichen ',')"),
        # several problems: the first one names the row's column
        ("Leistung: 'X' ist keine bekannte Leistung — anlegen; Eingang am: Pflichtfeld ist leer",
         "Leistung: '…' ist keine bekannte Leistung"),
        ("Anzahl: '-1' ist keine ganze Zahl; darf nicht negativ sein",
         "Anzahl: '…' ist keine ganze Zahl"),
        ("Eingang am: Pflichtfeld ist leer", "Eingang am: Pflichtfeld ist leer"),
        ("7 Felder statt 9 — Trennzeichen oder Anführungszeichen prüfen",
         "… Felder statt …"),
        ("  Status:   'x'  ist  ungültig ", "Status: '…' ist ungültig"),
    ],
)
def test_reason_group(reason, group):
    assert quality.reason_group(reason) == group


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ('{"Leistung": "X999", "Abgeschlossen am": null, "Status": ""}',
         "Leistung: X999 · Abgeschlossen am: – · Status: –"),
        ('{"0": "V-1", "1": "L1", "2": null}', "V-1 ; L1 ; –"),
        ("not json", "not json"),
        ("", ""),
    ],
)
def test_readable_raw(raw, shown):
    assert quality.readable_raw(raw) == shown


def test_freshness_with_a_fixed_day(kleinstadt):
    engine = get_engine(kleinstadt)
    with engine.begin() as conn:
        for run_id, finished in [(1, dt.datetime(2026, 1, 5, 8)), (2, dt.datetime(2026, 1, 6)),
                                 (3, dt.datetime(2026, 3, 2, 23, 59))]:
            conn.execute(update(ImportRun).where(ImportRun.id == run_id)
                         .values(finished_at=finished))
        conn.execute(insert(ImportRun.__table__).values(ags=kleinstadt.ags), [
            run(4, "portal", "failed", dt.datetime(2026, 3, 10), message="kaputt"),
            run(5, "musterstadt-fachverfahren", "failed", dt.datetime(2026, 3, 15)),
        ])
    fresh = quality.freshness(engine, today=dt.date(2026, 3, 20))
    assert fresh.schema == pl.Schema(quality.FRESHNESS_SCHEMA)
    rows = {r["source"]: r for r in fresh.iter_rows(named=True)}
    assert fresh["source"].to_list() == ["musterstadt-stammdaten", "portal",
                                         "musterstadt-fachverfahren"]  # stale first
    assert rows["musterstadt-stammdaten"] | {"source": None} == {
        "source": None, "runs": 2, "failed_runs": 0,
        "last_success": dt.datetime(2026, 1, 6), "days_since": 73, "stale": True,
    }
    # the later failed run does not count as a delivery
    assert rows["musterstadt-fachverfahren"]["last_success"] == dt.datetime(2026, 3, 2, 23, 59)
    assert (rows["musterstadt-fachverfahren"]["runs"],
            rows["musterstadt-fachverfahren"]["failed_runs"]) == (2, 1)
    assert (rows["musterstadt-fachverfahren"]["days_since"],
            rows["musterstadt-fachverfahren"]["stale"]) == (18, False)
    assert (rows["portal"]["last_success"], rows["portal"]["days_since"],
            rows["portal"]["stale"]) == (None, None, True)
    # the threshold is a parameter; exactly at it is not yet stale
    relaxed = quality.freshness(engine, today=dt.date(2026, 3, 20), stale_after_days=73)
    assert relaxed.filter(pl.col("stale"))["source"].to_list() == ["portal"]


def test_kleinstadt_has_no_coverage_gaps(kleinstadt):
    cube = load_cube(get_engine(kleinstadt))
    assert cube.months == [dt.date(2026, 1, 1), dt.date(2026, 2, 1)]
    gaps = quality.coverage_gaps(cube)
    assert gaps.is_empty()
    assert gaps.schema == pl.Schema(quality.COVERAGE_SCHEMA)


# --- coverage gaps on a hand-made cube ---------------------------------------------------


def hand_cube() -> Cube:
    """Anmeldung: Jan, Mar, Apr 2026 (Feb missing); Hundesteuer: Jan–Apr through two
    locations; Parkausweis: no cases but usage statistics; Fischereischein: nothing."""
    cases = [("2026-01", 1, 4), ("2026-03", 1, 2), ("2026-04", 1, 1),
             ("2026-01", 2, 1), ("2026-02", 2, 1), ("2026-03", 2, 1), ("2026-04", 2, 3)]
    volume = pl.DataFrame(
        [(dt.date.fromisoformat(f"{m}-01"), s, loc, "online", n, n, 0, 0, n)
         for i, (m, s, n) in enumerate(cases) for loc in [1 + i % 2]],
        schema={"month": pl.Date, "service_id": pl.Int64, "location_id": pl.Int64,
                "channel": pl.String, "cases": pl.Int64, "completed": pl.Int64,
                "completed_with_follow_up": pl.Int64, "open": pl.Int64, "digital": pl.Int64},
        orient="row",
    )
    services = pl.DataFrame({
        "service_id": [1, 2, 3, 4], "code": ["ANM", "HST", "PARK", "FISCH"],
        "name": ["Anmeldung", "Hundesteuer", "Parkausweis", "Fischereischein"],
    })
    usage = pl.DataFrame({"period_start": [dt.date(2026, 1, 1)], "period_end":
                          [dt.date(2026, 12, 31)], "service_id": [3], "location_id": [None],
                          "channel": ["online"], "volume": [120]},
                         schema_overrides={"location_id": pl.Int64})
    return Cube(volume=volume, durations=pl.DataFrame(), services=services,
                locations=pl.DataFrame(), usage=usage)


def test_coverage_gaps_on_a_hand_made_cube():
    gaps = quality.coverage_gaps(hand_cube())
    assert gaps.to_dicts() == [
        {"service_id": 1, "code": "ANM", "service": "Anmeldung", "months_with_cases": 3,
         "missing_months": 1, "missing": [dt.date(2026, 2, 1)], "has_usage_stats": False},
        {"service_id": 4, "code": "FISCH", "service": "Fischereischein",
         "months_with_cases": 0, "missing_months": 4,
         "missing": [dt.date(2026, m, 1) for m in range(1, 5)], "has_usage_stats": False},
        {"service_id": 3, "code": "PARK", "service": "Parkausweis", "months_with_cases": 0,
         "missing_months": 4, "missing": [dt.date(2026, m, 1) for m in range(1, 5)],
         "has_usage_stats": True},
    ]


# --- empty stores -------------------------------------------------------------------------


@pytest.mark.parametrize("with_schema", [False, True], ids=["no-tables", "no-rows"])
def test_every_function_handles_an_empty_store(tmp_path, with_schema):
    db = tmp_path / "none.db"
    settings = Settings(data_dir=tmp_path, database_url=f"sqlite:///{db}")
    if with_schema:
        upgrade(settings)
    engine = get_engine(settings)
    for frame, schema in [
        (quality.import_runs(engine), quality.RUN_SCHEMA),
        (quality.rejected_by_reason(engine), quality.REASON_SCHEMA),
        (quality.rejected_rows(engine), quality.REJECTED_SCHEMA),
        (quality.freshness(engine, today=dt.date(2026, 1, 1)), quality.FRESHNESS_SCHEMA),
        (quality.coverage_gaps(load_cube(engine)), quality.COVERAGE_SCHEMA),
    ]:
        assert frame.is_empty()
        assert frame.schema == pl.Schema(schema)
    assert db.exists() == with_schema  # reading never creates a store


# --- the page through AppTest ---------------------------------------------------------------

PAGE = "views/quality.py"


run_page = partial(open_page, PAGE)


def table(at: AppTest, key: str) -> list[dict]:
    """The rows of the dataframe with ``key`` as shown (every cell is display text)."""
    frames = at.get_by_key(key).dataframe
    assert len(frames) == 1
    return frames[0].value.to_dict("records")


def texts(at: AppTest) -> str:
    return "\n".join([c.value for c in at.caption] + [m.value for m in at.markdown])


@pytest.mark.parametrize("with_schema", [False, True], ids=["no-tables", "no-runs"])
def test_page_on_an_empty_store_explains_how_to_import(monkeypatch, tmp_path, with_schema):
    settings = Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'none.db'}")
    if with_schema:
        upgrade(settings)
    use_store(monkeypatch, settings)
    at = run_page()
    assert at.title[0].value == "Datenqualität & Importe"
    assert len(at.info) == 1
    info = at.info[0].value
    assert "Noch keine Daten" in info and "servicepuls import data/musterstadt" in info
    assert not at.dataframe and not at.get("plotly_chart")


def test_page_shows_runs_and_quarantine_of_kleinstadt(monkeypatch, kleinstadt):
    use_store(monkeypatch, kleinstadt)
    at = run_page()
    assert [h.value for h in at.header] == ["Import-Läufe", "Quarantäne",
                                            "Aktualität der Quellen", "Lücken"]
    runs = table(at, "q_runs_table")
    assert [r["Lauf"] for r in runs] == ["3", "2", "1"]
    cases = runs[0]
    assert (cases["Datei"], cases["Status"]) == ("vorgaenge.csv", "✓ erfolgreich")
    assert [cases[c] for c in ("Gelesen", "Neu", "Aktualisiert", "Duplikate",
                               "Abgewiesen")] == ["13", "8", "0", "1", "4"]
    assert "3 Import-Läufe · 17 Zeilen gelesen · 12 neu · 4 abgewiesen" in texts(at)
    # quarantine: all runs, then run 3 chosen in the selectbox (same 4 rows)
    for choice in [None, CASES_RUN]:
        if choice is not None:
            at.selectbox(key="lauf").set_value(choice).run()
            assert not at.exception
        rejected = table(at, "q_rejected_table")
        assert [r["Zeile in der Datei"] for r in rejected] == ["10", "11", "12", "13"]
        assert [r["Spalte"] for r in rejected] == [c for _, c, _ in REJECTED]
        reasons = table(at, "q_reasons_table")
        assert sorted(r["Grund"] for r in reasons) == sorted(g for _, _, g in REJECTED)
        assert {r["Zeilen"] for r in reasons} == {"1"}
    assert at.selectbox(key="lauf").options == [
        "Alle Läufe", f"Lauf 3 · vorgaenge.csv · {runs[0]['Beginn']} · 4 abgewiesen"]
    chart = at.get("plotly_chart")
    assert len(chart) == 1
    assert chart[0].proto.alt.startswith(
        "Textalternative: abgewiesene Zeilen nach Grund, insgesamt 4: „")
    assert chart[0].proto.alt in texts(at)  # the alternative is visible text as well
    # freshness: just imported; gaps: none
    assert [r["Aktualität"] for r in table(at, "q_freshness_table")] == ["✓ aktuell"] * 2
    assert not at.warning
    assert [s.value for s in at.success] == [
        "Keine Lücken: Jede Leistung mit Vorgängen hat in jedem Monat von Jan 2026 bis "
        "Feb 2026 Daten."]


def test_page_formats_counts_and_flags_failed_and_stale_sources(monkeypatch, kleinstadt):
    engine = get_engine(kleinstadt)
    old = dt.datetime(2025, 12, 1, 9, 0)
    with engine.begin() as conn:
        conn.execute(update(ImportRun).where(ImportRun.id.in_([1, 2])).values(finished_at=old))
        conn.execute(insert(ImportRun.__table__).values(ags=kleinstadt.ags), [
            run(4, "portal", "failed", dt.datetime(2026, 3, 1, 9, 0), read=12345,
                rejected=12345, message="Spalte 'Formular' fehlt"),
        ])
    use_store(monkeypatch, kleinstadt)
    at = run_page()
    failed = {r["Lauf"]: r for r in table(at, "q_runs_table")}["4"]
    assert (failed["Status"], failed["Gelesen"], failed["Abgewiesen"], failed["Meldung"]) == (
        "✗ fehlgeschlagen", "12.345", "12.345", "Spalte 'Formular' fehlt")
    assert failed["Ende"] == "01.03.2026 10:00"  # stored in UTC, shown in German time
    days = (dt.datetime.now(dt.UTC).date() - old.date()).days
    warnings = [w.value for w in at.warning]
    assert warnings == [
        f"Quelle „musterstadt-stammdaten“ ist veraltet: letzter erfolgreicher Import vor "
        f"{days:,} Tagen (01.12.2025 10:00). Bitte die nächste Lieferung anfordern und "
        "importieren.".replace(",", "."),
        "Quelle „portal“ wurde noch nie erfolgreich importiert (Läufe: 1). Die Meldungen der "
        "Läufe oben nennen den Grund.",
    ]
    fresh = {r["Quelle"]: r for r in table(at, "q_freshness_table")}
    assert fresh["portal"]["Aktualität"] == "⚠ veraltet"
    assert fresh["portal"]["Letzter erfolgreicher Import"] == "–"
    assert fresh["musterstadt-fachverfahren"]["Aktualität"] == "✓ aktuell"


def test_page_lists_gaps_and_services_without_cases(monkeypatch, kleinstadt):
    engine = get_engine(kleinstadt)
    with engine.begin() as conn:
        conn.execute(insert(Service.__table__).values(ags=kleinstadt.ags), [{"id": 3, "code": "L3",
                                                  "name": "Bewohnerparkausweis"}])
        conn.execute(insert(Case.__table__).values(ags=kleinstadt.ags), [{
            "source": "musterstadt-fachverfahren", "case_key": "extra", "service_id": 1,
            "location_id": None, "channel": "online",
            "received_at": dt.datetime(2026, 4, 2, 9), "completed_at": None,
            "status": "open", "follow_up_count": 0, "import_run_id": CASES_RUN}])
    use_store(monkeypatch, kleinstadt)
    at = run_page()
    assert table(at, "q_gaps_table") == [
        {"Leistung": "Hundesteuer anmelden", "Monate ohne Vorgänge": "2",
         "Fehlende Monate": "Mär 2026 – Apr 2026"},
        {"Leistung": "Wohnsitz anmelden", "Monate ohne Vorgänge": "1",
         "Fehlende Monate": "Mär 2026"},
    ]
    assert table(at, "q_no_cases_table") == [
        {"Code": "L3", "Leistung": "Bewohnerparkausweis", "Hinweis": ""}]
    assert any(s.value == "Leistungen ohne Vorgänge" for s in at.subheader)


def test_page_in_english(monkeypatch, kleinstadt):
    use_store(monkeypatch, kleinstadt)
    at = run_page(lang="en")
    assert at.title[0].value == "Data quality & imports"
    assert [h.value for h in at.header] == ["Import runs", "Quarantine",
                                            "Freshness of sources", "Gaps"]
    cases = table(at, "q_runs_table")[0]
    assert (cases["Run"], cases["Status"], cases["Read"], cases["New"], cases["Duplicates"],
            cases["Rejected"]) == ("3", "✓ succeeded", "13", "8", "1", "4")
    assert len(table(at, "q_rejected_table")) == 4
    assert [r["Line in the file"] for r in table(at, "q_rejected_table")] == [
        "10", "11", "12", "13"]
    assert at.selectbox(key="lauf").label == "Import run"
    assert at.selectbox(key="lauf").options[0] == "All runs"
    assert at.get("plotly_chart")[0].proto.alt.startswith(
        "Text alternative: rejected rows by reason, 4 in total: “")
    assert at.query_params["lang"] == "en"


def test_sample_city_smoke(monkeypatch, sample_store):
    use_store(monkeypatch, sample_store)
    at = run_page()
    runs = table(at, "q_runs_table")
    expected = quality.import_runs(get_engine(sample_store))
    assert len(runs) == expected.height
    assert [r["Gelesen"] for r in runs] == [
        f"{n:,}".replace(",", ".") for n in expected["rows_read"].to_list()]
    # the statistics workbook's "Summe" row of each sheet: counted, not rejected
    skipped = {r["Datei"]: r["Summenzeilen"] for r in runs if r["Summenzeilen"] != "0"}
    assert list(skipped) == ["monatsstatistik.xlsx"] and int(skipped["monatsstatistik.xlsx"]) >= 2

