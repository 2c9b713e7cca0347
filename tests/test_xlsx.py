"""XLSX reader and the monthly statistics workbook: hand-made workbooks built here with
openpyxl (title rows, merged cells, summary rows, several sheets), exact values and errors,
and the sample city's generated workbook imported on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from sqlalchemy import func, select

from connectors.db import get_engine
from connectors.errors import InputFileError
from connectors.importer import import_file
from connectors.profiles import load_profile, resolve_profile
from connectors.readers import LINE_COL
from connectors.store import RejectedRow, Service, UsageStat
from connectors.xlsx_reader import SHEET_COL, read_xlsx_batches
from metrics.cube import load_cube
from metrics.facts import volume_facts
from metrics.kpis import compute
from tests.conftest import import_dir

DATA = Path(__file__).parent / "data" / "xlsx"
HEADERS = ["Monat", "Leistung", "Online", "Vor Ort", "Post"]
JAN25, FEB25, JAN26 = dt.datetime(2025, 1, 1), dt.datetime(2025, 2, 1), dt.datetime(2026, 1, 1)


def _sheet(wb: openpyxl.Workbook, name: str, header: list[str], rows: list[list]) -> None:
    """Title merged across the columns, an empty row, the header, the rows."""
    ws = wb.create_sheet(name)
    ws.append([f"Monatsstatistik Bürgerservice Kleinstadt {name}"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    ws.append([])
    ws.append(header)
    for row in rows:
        ws.append(row)


def kleinstadt_workbook(path: Path, *, notes: bool = False) -> Path:
    """Sheet 2025: 3 data rows, an empty row between them, "-" for no value, 1204.0 as a
    float; sheet 2026: the channel columns in another order, 1 data row; each with a Summe
    row. With ``notes`` an explanatory sheet and an empty sheet follow."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    _sheet(wb, "2025", HEADERS, [
        [JAN25, "L1", 7, 1204.0, 3],
        [JAN25, "L2", None, "-", 5],
        [],
        [FEB25, "L2", 4, 10, 0],
        ["Summe", None, 11, 1214, 8],
    ])
    _sheet(wb, "2026", ["Leistung", "Monat", "Post", "Online", "Vor Ort"], [
        ["L1", JAN26, 1, 2, 3],
        ["Summe", None, 1, 2, 3],
    ])
    if notes:
        wb.create_sheet("Hinweise").append(["Quelle: Fachverfahren, Stand 01.03.2026"])
        wb.create_sheet("Leer")
    wb.save(path)
    return path


def read_all(path: Path, **kw) -> pl.DataFrame:
    kw.setdefault("required_headers", HEADERS)
    kw.setdefault("missing", ["", "-"])
    return pl.concat([b.frame for b in read_xlsx_batches(path, **kw)])


def test_title_merged_cells_empty_and_summary_rows_two_sheets(tmp_path: Path) -> None:
    path = kleinstadt_workbook(tmp_path / "k.xlsx")
    frame = read_all(path, skip_rows=2, skip_row_patterns=["^Summe"])
    assert frame.columns == [*HEADERS, SHEET_COL, LINE_COL]
    assert frame.rows() == [
        ("01.01.2025", "L1", "7", "1204", "3", "2025", 4),  # 1204.0 → "1204"
        ("01.01.2025", "L2", None, None, "5", "2025", 5),  # empty cell and "-" → None
        ("01.02.2025", "L2", "4", "10", "0", "2025", 7),  # row 6 empty: skipped
        ("01.01.2026", "L1", "2", "3", "1", "2026", 4),  # columns found by name per sheet
    ]


def test_without_summary_pattern_the_totals_row_is_data(tmp_path: Path) -> None:
    frame = read_all(kleinstadt_workbook(tmp_path / "k.xlsx"), skip_rows=2)
    summe = frame.filter((pl.col("Monat") == "Summe") | (pl.col("Leistung") == "Summe"))
    assert summe.select("Online", "Vor Ort", "Post", LINE_COL).rows() == [
        ("11", "1214", "8", 8), ("2", "3", "1", 5)]


def test_missing_header_names_file_sheet_row_and_what_was_found(tmp_path: Path) -> None:
    path = kleinstadt_workbook(tmp_path / "k.xlsx")
    with pytest.raises(InputFileError) as err:
        read_all(path, skip_rows=2, required_headers=[*HEADERS, "E-Mail"])
    e = err.value
    assert e.file == f"{path}, Blatt '2025'"
    assert (e.row, e.column) == (3, "E-Mail")
    assert "Spalte(n) fehlen: 'E-Mail'; gefunden: 'Monat', 'Leistung', 'Online', 'Vor Ort', " \
           "'Post'" in str(e)
    assert str(e).startswith(f"Datei {path}, Blatt '2025', Zeile 3, Spalte 'E-Mail': ")


@pytest.mark.parametrize(("skip_rows", "hint"), [
    (0, "die Kopfzeile steht in Zeile 3 — read.skip_rows = 2 im Profil setzen"),
    (1, "die Kopfzeile steht in Zeile 3 — read.skip_rows = 2 im Profil setzen"),
    (3, "die Kopfzeile steht in Zeile 3 — read.skip_rows = 2 im Profil setzen"),
])
def test_wrong_skip_rows_is_explained(tmp_path: Path, skip_rows: int, hint: str) -> None:
    path = kleinstadt_workbook(tmp_path / "k.xlsx")
    with pytest.raises(InputFileError) as err:
        read_all(path, skip_rows=skip_rows)
    assert err.value.fix == hint
    assert err.value.row == skip_rows + 1


def test_a_title_row_as_header_is_recognised(tmp_path: Path) -> None:
    path = kleinstadt_workbook(tmp_path / "k.xlsx")
    with pytest.raises(InputFileError) as err:
        read_all(path, skip_rows=0, required_headers=["Kanal"])
    assert "vermutlich eine (verbundene) Titelzeile" in err.value.fix
    assert "gefunden: 'Monatsstatistik Bürgerservice Kleinstadt 2025'" in str(err.value)


def test_sheet_selection_by_name_and_pattern(tmp_path: Path) -> None:
    path = kleinstadt_workbook(tmp_path / "k.xlsx", notes=True)
    kw = dict(skip_rows=2, skip_row_patterns=["^Summe"])
    assert read_all(path, sheets=["20*"], **kw)[SHEET_COL].to_list() == ["2025"] * 3 + ["2026"]
    assert read_all(path, sheets=["2026"], **kw)[SHEET_COL].to_list() == ["2026"]
    with pytest.raises(InputFileError, match=r"kein Tabellenblatt passt zu read.sheets = "
                       r"\['19\*'\]; Blätter der Datei: '2025', '2026', 'Hinweise', 'Leer'"):
        read_all(path, sheets=["19*"], **kw)
    # every sheet: the notes sheet has no header → error naming it and suggesting read.sheets
    with pytest.raises(InputFileError) as err:
        read_all(path, **kw)
    assert err.value.file == f"{path}, Blatt 'Hinweise'"
    assert err.value.fix == ("read.skip_rows im Profil verkleinern; sind nicht alle Blätter "
                             "Datenblätter, read.sheets im Profil auf sie beschränken")


def test_empty_sheet_is_skipped(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active.title = "Leer"
    _sheet(wb, "2025", HEADERS, [[JAN25, "L1", 1, 2, 3]])
    wb.save(tmp_path / "k.xlsx")
    assert read_all(tmp_path / "k.xlsx", skip_rows=2).height == 1


def test_cell_values_become_text_like_csv_cells(tmp_path: Path) -> None:
    cases = {  # header: (cell value, text)
        "ganz": (1204.0, "1204"), "int": (7, "7"), "bruch": (12.5, "12.5"),
        "klein": (0.1, "0.1"), "negativ": (-3.0, "-3"),
        "datum": (dt.datetime(2025, 3, 1), "01.03.2025"),
        "zeitpunkt": (dt.datetime(2025, 3, 1, 14, 5, 30), "01.03.2025 14:05"),
        "tag": (dt.date(2025, 12, 31), "31.12.2025"), "uhrzeit": (dt.time(8, 30), "08:30"),
        "bool": (True, "true"), "text": ("  Vor Ort  ", "Vor Ort"), "strich": ("-", None),
        "leer": (None, None), "leerzeichen": ("   ", None), "fehler": ("#DIV/0!", "#DIV/0!"),
    }
    wb = openpyxl.Workbook()
    wb.active.append(list(cases))
    wb.active.append([v for v, _ in cases.values()])
    wb.save(tmp_path / "v.xlsx")
    frame = read_all(tmp_path / "v.xlsx", required_headers=list(cases))
    assert frame.row(0, named=True) == {
        **{h: text for h, (_, text) in cases.items()}, SHEET_COL: "Sheet", LINE_COL: 2}


def test_two_row_header_with_cells_merged_downwards(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Monat", "Leistung", "Kanal", None])
    ws.append([None, None, "Online", "Vor Ort"])
    for cells in ("A1:A2", "B1:B2", "C1:D1"):
        ws.merge_cells(cells)
    ws.append([JAN25, "L1", 4, 6])
    wb.save(tmp_path / "h.xlsx")
    frame = read_all(tmp_path / "h.xlsx", skip_rows=1,
                     required_headers=["Monat", "Leistung", "Online", "Vor Ort"])
    assert frame.drop(SHEET_COL).rows() == [("01.01.2025", "L1", "4", "6", 3)]


def test_batches_span_sheets_and_report_progress(tmp_path: Path) -> None:
    path = kleinstadt_workbook(tmp_path / "k.xlsx")
    progress: list[int] = []
    batches = list(read_xlsx_batches(path, skip_rows=2, skip_row_patterns=["^Summe"],
                                     batch_rows=2, required_headers=HEADERS,
                                     missing=["-"], on_progress=progress.append))
    # the last batch only hands over the 2026 sheet's "Summe" row, read after the last record
    assert [b.frame[LINE_COL].to_list() for b in batches] == [[4, 5], [7, 4], []]
    assert [b.frame[SHEET_COL].to_list() for b in batches] == [["2025", "2025"],
                                                               ["2025", "2026"], []]
    assert [b.skipped for b in batches] == [0, 1, 1]  # one "Summe" row per sheet
    assert progress == sorted(progress) and progress[-1] == path.stat().st_size


def test_not_a_workbook_and_a_bad_pattern(tmp_path: Path) -> None:
    fake = tmp_path / "x.xlsx"
    fake.write_text("Monat;Leistung\n", encoding="utf-8")
    with pytest.raises(InputFileError, match="keine lesbare XLSX-Arbeitsmappe"):
        read_all(fake)
    path = kleinstadt_workbook(tmp_path / "k.xlsx")
    with pytest.raises(InputFileError, match=r"'\^Summe\(' ist kein gültiger regulärer"):
        read_all(path, skip_rows=2, skip_row_patterns=["^Summe("])


# --- import ---------------------------------------------------------------------------------

def test_kleinstadt_workbook_imports_with_the_sheet_in_rejected_rows(kleinstadt,
                                                                     tmp_path: Path) -> None:
    path = kleinstadt_workbook(tmp_path / "kleinstadt_monatsstatistik.xlsx")
    wb = openpyxl.load_workbook(path)
    wb["2026"]["C4"] = "x"  # Post of L1 in 01.2026: not a number
    wb.save(path)
    result = import_file(path, load_profile(DATA / "kleinstadt_monatsstatistik.toml"), kleinstadt)
    # 2025: 3 + 1 + 3 cells (empty and "-" are no records); 2026: 3 cells, one rejected
    assert (result.rows_read, result.inserted, result.rejected) == (10, 9, 1)
    with get_engine(kleinstadt).connect() as conn:
        rows = set(conn.execute(select(UsageStat.period_start, Service.code, UsageStat.channel,
                                       UsageStat.volume).join(Service)).all())
        bad = conn.execute(select(RejectedRow.row_number, RejectedRow.column,
                                  RejectedRow.reason, RejectedRow.raw)
                           .where(RejectedRow.import_run_id == result.run_id)).one()
    jan25, feb25, jan26 = JAN25.date(), FEB25.date(), JAN26.date()
    assert rows == {
        (jan25, "L1", "online", 7), (jan25, "L1", "in_person", 1204), (jan25, "L1", "post", 3),
        (jan25, "L2", "post", 5),
        (feb25, "L2", "online", 4), (feb25, "L2", "in_person", 10), (feb25, "L2", "post", 0),
        (jan26, "L1", "online", 2), (jan26, "L1", "in_person", 3),
    }
    assert (bad.row_number, bad.column) == (4, "Wert")
    assert "'x' ist keine ganze Zahl" in bad.reason
    assert json.loads(bad.raw) == {"Monat": "01.01.2026", "Leistung": "L1", SHEET_COL: "2026",
                                   "Spalte": "Post", "Wert": "x"}


def test_sheet_name_as_the_period(kleinstadt, tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for year, rows in (("2024", [["L1", 10, 30], ["L2", 5, 15]]),
                       ("2025", [["L1", 12, 28], ["L2", 9, 11]])):
        ws = wb.create_sheet(year)
        ws.append([f"Jahresstatistik {year}"])
        ws.append(["Leistung", "Online", "Vor Ort"])
        for row in rows:
            ws.append(row)
        ws.append(["Gesamt", sum(r[1] for r in rows), sum(r[2] for r in rows)])
    path = tmp_path / "kleinstadt_jahresstatistik.xlsx"
    wb.save(path)
    result = import_file(path, load_profile(DATA / "kleinstadt_jahresstatistik.toml"), kleinstadt)
    assert (result.rows_read, result.inserted, result.rejected) == (8, 8, 0)
    assert result.summary_rows == 2  # one "Gesamt" row per sheet, counted in the run
    cube = load_cube(get_engine(kleinstadt))
    yearly = {r["period"]: (r["numerator"], r["n"]) for r in
              compute("digital_take_up", cube, ("period",), grain="year").to_dicts()}
    # 2024 and 2025 from the statistics; 2026 from Kleinstadt's cases (2 + 1 of 5 + 3)
    assert yearly == {dt.date(2024, 1, 1): (15, 60), dt.date(2025, 1, 1): (21, 60),
                      dt.date(2026, 1, 1): (3, 8)}


def _sheet_totals(path: Path) -> dict[str, dict[str, int]]:
    """The Summe row of each sheet, read independently of the reader (openpyxl, full mode)."""
    totals = {}
    for ws in openpyxl.load_workbook(path):
        header = [c.value for c in ws[3]]
        last = [c.value for c in ws[ws.max_row]]
        assert last[0] == "Summe"
        totals[ws.title] = dict(zip(header[2:], last[2:], strict=True))
    return totals


def test_generated_statistics_workbook_imports(settings, tmp_path: Path) -> None:
    from sample_data.generate import write_services
    from sample_data.statistics import CHANNEL_COLUMNS, write_monthly_statistics

    write_services(tmp_path / "leistungen.csv")
    path = write_monthly_statistics(tmp_path)
    results = {r.file.name: r for r in import_dir(tmp_path, settings)}
    stats = results["monatsstatistik.xlsx"]
    # 24 months × 4 services × 5 channels, less Beglaubigung's 24 empty "Online" cells
    assert (stats.rows_read, stats.inserted, stats.rejected) == (24 * 4 * 5 - 24, 456, 0)
    assert stats.inserted + stats.updated + stats.duplicate + stats.rejected == stats.rows_read
    assert stats.summary_rows == len(_sheet_totals(path)) >= 2  # a "Summe" row per sheet
    channel = dict(CHANNEL_COLUMNS)
    with get_engine(settings).connect() as conn:
        year = func.extract("year", UsageStat.period_start)
        stored = conn.execute(select(year, UsageStat.channel, func.sum(UsageStat.volume))
                              .group_by(year, UsageStat.channel)).all()
        services = set(conn.execute(select(Service.code).join(UsageStat).distinct()).scalars())
        periods = conn.execute(select(func.min(UsageStat.period_start),
                                      func.max(UsageStat.period_end))).one()
    got: dict[str, dict[str, int]] = {}
    for y, ch, volume in stored:
        got.setdefault(str(int(y)), {})[ch] = int(volume)
    expected = {sheet: {channel[h]: v for h, v in row.items()}
                for sheet, row in _sheet_totals(path).items()}
    assert got == expected  # Σ volume per sheet and channel = the sheet's Summe row
    assert set(got) == {"2024", "2025", "2026"}
    assert services == {"L005", "L013", "L028", "L029"}
    assert tuple(periods) == (dt.date(2024, 11, 1), dt.date(2026, 10, 31))
    again = import_file(path, resolve_profile("musterstadt_monatsstatistik"), settings,
                        force=True)
    assert (again.inserted, again.updated, again.duplicate) == (0, 0, 456)


def test_statistics_count_only_where_the_cases_do_not(tmp_path: Path) -> None:
    """With the case export in the store, a service's statistics are left out in every
    month in which that service has cases (SQLite only: the rule lives in polars)."""
    from connectors.settings import Settings
    from sample_data.generate import generate
    from sample_data.statistics import write_monthly_statistics

    generate(tmp_path, cases=3_000)
    write_monthly_statistics(tmp_path)
    settings = Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 's.db'}",
                        pseudonymisation_key="test-key")
    import_dir(tmp_path, settings)
    cube = load_cube(get_engine(settings))
    facts = volume_facts(cube, "month")
    ids = dict(cube.services.select("code", "service_id").rows())
    stat_ids = [ids[c] for c in ("L005", "L013", "L028", "L029")]
    with_cases = set(facts.filter(pl.col("source_kind") == "cases")
                     .select("period", "service_id").unique().rows())
    used = set(facts.filter(pl.col("source_kind") == "usage")
               .select("period", "service_id").unique().rows())
    delivered = set(cube.usage.select("period_start", "service_id").unique().rows())
    assert used == delivered - with_cases
    assert used <= {(p, s) for p, s in delivered if s in stat_ids}
    assert len(with_cases & delivered) > 0  # the rule was exercised
