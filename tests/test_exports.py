"""Downloads: XLSX and CSV of every table, PNG and SVG of every chart, and that no export can
ever run a formula in Excel.

Hand-made frames show the formatting rules; ``tests/data/exports`` is a tiny real export
(master data, cases) whose second service is called ``=HYPERLINK("http://example.org",
"klick")`` — imported through the real importer into SQLite and PostgreSQL, then exported the
way the services page does. Hand-counted: Jan 2026, "Wohnsitz anmelden" 6 cases, 4 online
(66,7 %); the HYPERLINK service 5 cases, 1 online (20,0 %); every case done in 2 days.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import xml.etree.ElementTree as ET
from pathlib import Path

import openpyxl
import polars as pl
import pytest
import streamlit

from connectors.db import get_engine
from connectors.settings import Settings
from dashboard import exports, figures, images, widgets
from dashboard.exports import file_name, neutralise, parse_number, to_csv, to_xlsx
from metrics.cube import load_cube
from metrics.funnel import load_funnel
from metrics.service_view import ranking
from tests.conftest import import_dir, skip_or_fail
from tests.test_dashboard_overview import open_page, use_store

NB = "\u00a0"
EXPORTS = Path(__file__).parent / "data" / "exports"
HYPERLINK = '=HYPERLINK("http://example.org","klick")'


def workbook(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel then reads umlauts right
    text = data.decode("utf-8-sig")
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))


# --- reading display text back as numbers --------------------------------------------------

NUMBERS = [
    ("1.234", "de", 1234, "#,##0"),
    ("0", "de", 0, "#,##0"),
    (f"39,1{NB}%", "de", 0.391, "#,##0.0\\ %"),
    (f"-50,0{NB}%", "de", -0.5, '"+"#,##0.0\\ %;"-"#,##0.0\\ %;"±"#,##0.0\\ %'),
    ("-3,2", "de", -3.2, '"+"#,##0.0;"-"#,##0.0;"±"#,##0.0'),
    (f"+1,2{NB}Pp.", "de", 1.2, f'"+"#,##0.0"{NB}Pp.";"-"#,##0.0"{NB}Pp.";"±"#,##0.0"{NB}Pp."'),
    (f"±0,0{NB}Pp.", "de", 0, f'"+"#,##0.0"{NB}Pp.";"-"#,##0.0"{NB}Pp.";"±"#,##0.0"{NB}Pp."'),
    (f"2{NB}Tage", "de", 2, f'#,##0"{NB}Tage"'),
    (f"1,5{NB}Tage", "de", 1.5, f'#,##0.0"{NB}Tage"'),
    (f"12{NB}Min.", "de", 12, f'#,##0"{NB}Min."'),
    ("1,234.5", "en", 1234.5, "#,##0.0"),
    ("12.3%", "en", 0.123, "#,##0.0%"),
]


@pytest.mark.parametrize(("text", "lang", "value", "number_format"), NUMBERS,
                         ids=[n[0] for n in NUMBERS])
def test_formatted_numbers_are_read_back(text, lang, value, number_format):
    number = parse_number(text, lang)
    assert number is not None
    assert number.value == pytest.approx(value)
    assert number.number_format == number_format


# markers, codes, years, ranges: never a number (a LeiKa key must not become 9,9E+13)
TEXTS = [f"<{NB}5", "–", "", "L003", "2026", "007", "99115001001000", "12 von 12",
         f"33,7–37,2{NB}%", "Okt 2026", "1.23", "5 Äpfel", f"+1{NB}", "+49 201 1234"]


@pytest.mark.parametrize("text", TEXTS)
def test_markers_and_codes_stay_text(text):
    assert parse_number(text, "de") is None


# --- neutralising formulas -----------------------------------------------------------------

NEUTRALISE = [
    (HYPERLINK, "'" + HYPERLINK),
    ("+49 201 1234", "'+49 201 1234"),
    ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
    ("@SUMME(A1:A9)", "'@SUMME(A1:A9)"),
    ("\t=1+1", "'\t=1+1"),
    ("\r=1+1", "'\r=1+1"),
    ("-", "'-"),
    (f"+1,2{NB}Pp.", f"'+1,2{NB}Pp."),  # Excel would read "+…" as a formula
    ("-3,2", "-3,2"),  # genuine numbers stay numbers
    ("+1.234", "+1.234"),
    (f"-50,0{NB}%", f"-50,0{NB}%"),
    ("-50,0 %", "-50,0 %"),
    ("Hundesteuer = Steuer", "Hundesteuer = Steuer"),
    ("", ""),
    (5, 5),
    (None, None),
]


@pytest.mark.parametrize(("value", "expected"), NEUTRALISE, ids=[repr(n[0]) for n in NEUTRALISE])
def test_neutralise(value, expected):
    assert neutralise(value) == expected


# --- XLSX and CSV of a hand-made table -----------------------------------------------------

TABLE = pl.DataFrame(
    [["Okt 2026", f"39,1{NB}%", "1.234", "-3,2", "L003", ""],
     ["Sep 2026", f"<{NB}5", f"<{NB}5", f"+1,2{NB}Pp.", "L004",
      "Werte mit weniger als 5 Fällen werden nicht angezeigt"],
     ["Aug 2026", "–", "0", f"±0,0{NB}Pp.", "=1+1", "keine Daten; neu"]],
    schema={c: pl.String for c in ("Monat", "Digitale Nutzungsquote", "Vorgänge (n)",
                                   "Veränderung", "Leistungsnummer", "Hinweis")},
    orient="row")


def test_xlsx_is_formatted_and_keeps_numbers_numeric():
    ws = workbook(to_xlsx(TABLE, "Digitale Nutzungsquote im Zeitverlauf", "de")).active
    assert ws.title == "Digitale Nutzungsquote im Zeitv"  # Excel allows 31 characters
    assert ws.freeze_panes == "A2"
    assert [c.value for c in ws[1]] == TABLE.columns
    assert all(c.font.bold for c in ws[1])
    assert ws.auto_filter.ref == "A1:F4"
    values = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    assert values == [
        ["Okt 2026", 0.391, 1234, -3.2, "L003", None],
        ["Sep 2026", f"<{NB}5", f"<{NB}5", 1.2, "L004",
         "Werte mit weniger als 5 Fällen werden nicht angezeigt"],
        ["Aug 2026", "–", 0, 0, "'=1+1", "keine Daten; neu"],
    ]
    assert ws["B2"].data_type == "n" and ws["B2"].number_format == "#,##0.0\\ %"
    assert ws["C2"].data_type == "n" and ws["C2"].number_format == "#,##0"
    assert ws["B3"].data_type == "s" and ws["C3"].data_type == "s"
    assert ws["E4"].data_type == "s"  # "=1+1" is text, not a formula
    assert not any(c.data_type == "f" for row in ws.iter_rows() for c in row)
    # columns as wide as their content: the long note is wider than the month, capped
    widths = {col: ws.column_dimensions[col].width for col in "ABF"}
    assert widths["A"] == len("Okt 2026") + 2 == 10
    assert widths["F"] == len("Werte mit weniger als 5 Fällen werden nicht angezeigt") + 2


def test_xlsx_in_english_reads_english_numbers():
    frame = pl.DataFrame({"Month": ["Oct 2026"], "Digital take-up": ["39.1%"],
                          "Cases (n)": ["1,234"], "Note": ["< 5"]})
    ws = workbook(to_xlsx(frame, "Digital take-up", "en")).active
    assert [c.value for c in ws[2]] == ["Oct 2026", 0.391, 1234, "< 5"]


def test_xlsx_of_native_values():
    frame = pl.DataFrame({"Tag": [dt.date(2026, 1, 31)], "Anzahl": [1234], "Anteil": [0.25],
                          "Leer": [None]}, schema_overrides={"Leer": pl.String})
    ws = workbook(to_xlsx(frame, "Roh", "de")).active
    assert ws["A2"].value == dt.datetime(2026, 1, 31) and ws["A2"].number_format == "DD.MM.YYYY"
    assert (ws["B2"].value, ws["B2"].number_format) == (1234, "#,##0")
    assert ws["C2"].value == 0.25 and ws["D2"].value is None


def test_csv_for_excel():
    data = to_csv(TABLE)
    rows = csv_rows(data)
    assert rows[0] == TABLE.columns
    assert rows[1] == ["Okt 2026", "39,1 %", "1.234", "-3,2", "L003", ""]  # NBSP → space
    assert rows[2][3] == "'+1,2 Pp."
    assert rows[3] == ["Aug 2026", "–", "0", "±0,0 Pp.", "'=1+1", "keine Daten; neu"]
    # the raw bytes: ';' between fields, a field containing ';' quoted, Windows line ends
    assert data.decode("utf-8-sig").splitlines()[3] == \
        "Aug 2026;–;0;±0,0 Pp.;'=1+1;\"keine Daten; neu\""


@pytest.mark.parametrize(("name", "ext", "expected"), [
    ("Digitale Nutzungsquote – Bürgeramt Süd", "xlsx",
     "digitale-nutzungsquote-buergeramt-sued_2026-11-05.xlsx"),
    (HYPERLINK, "csv", "hyperlink-http-example-org-klick_2026-11-05.csv"),
    ("Straße & Größe: 90. Perzentil", "png", "strasse-groesse-90-perzentil_2026-11-05.png"),
    ("???", "svg", "servicepuls_2026-11-05.svg"),
])
def test_file_names_are_ascii_with_date(name, ext, expected):
    assert file_name(name, ext, dt.date(2026, 11, 5)) == expected


# --- a real import with a formula as a service name ------------------------------------------


def test_imported_formula_name_is_neutralised_in_xlsx_and_csv(settings: Settings):
    results = import_dir(EXPORTS, settings)
    assert [r.inserted for r in results] == [2, 1, 11]
    engine = get_engine(settings)
    frame = figures.ranking_table(ranking(load_cube(engine), load_funnel(engine),
                                          min_n=settings.min_n), "de", settings.min_n)
    assert frame["Leistung"].to_list() == ["Wohnsitz anmelden", HYPERLINK]  # stored as is

    ws = workbook(to_xlsx(frame, "Alle Leistungen im Vergleich", "de")).active
    rows = {r[0].value: r for r in ws.iter_rows(min_row=2)}
    cell = rows["'" + HYPERLINK][0]
    assert cell.data_type == "s" and cell.value == "'" + HYPERLINK
    assert not any(c.data_type == "f" for row in ws.iter_rows() for c in row)
    header = [c.value for c in ws[1]]
    hyperlink = dict(zip(header, (c.value for c in rows["'" + HYPERLINK]), strict=True))
    assert hyperlink["LeiKa-Schlüssel"] == "99093002001000"  # a key stays text
    assert hyperlink["Vorgänge"] == 5
    assert hyperlink["Digitale Nutzungsquote"] == pytest.approx(0.2)  # 1 of 5 online
    assert hyperlink["Median (Tage)"] == 2
    wohnsitz = dict(zip(header, (c.value for c in rows["Wohnsitz anmelden"]), strict=True))
    assert wohnsitz["Vorgänge"] == 6
    assert wohnsitz["Digitale Nutzungsquote"] == pytest.approx(0.667)  # 4 of 6, as shown

    by_name = {r[0]: r for r in csv_rows(to_csv(frame))[1:]}
    assert set(by_name) == {"Wohnsitz anmelden", "'" + HYPERLINK}
    assert by_name["'" + HYPERLINK][1:4] == ["99093002001000", "5", "20,0 %"]


# --- the pages: buttons next to every table, and what they deliver ---------------------------


@pytest.fixture
def export_store(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    import_dir(EXPORTS, settings)
    use_store(monkeypatch, settings)
    return settings


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> dict[str, dict]:
    """Every st.download_button of a run by key, with its (deferred) data and file name."""
    seen: dict[str, dict] = {}
    original = streamlit.download_button

    def record(label, data, file_name=None, mime=None, key=None, **kwargs):  # noqa: ANN001, ANN202
        seen[key] = {"label": label, "data": data, "file_name": file_name, "mime": mime,
                     "disabled": kwargs.get("disabled", False)}
        return original(label, data, file_name, mime, key, **kwargs)

    monkeypatch.setattr(streamlit, "download_button", record)
    return seen


@pytest.mark.parametrize(("page", "table", "chart"), [
    ("views/overview.py", "trend_table", "trend_chart"),
    ("views/services.py", "v_ranking_table", "v_mix_chart"),
    ("views/locations.py", "l_take_up_table", "l_take_up_chart"),
    ("views/quality.py", "q_runs_table", None),
])
def test_pages_offer_downloads_of_their_tables(export_store, page, table, chart):
    at = open_page(page)
    buttons = at.get_by_key(table).get("download_button")
    assert [b.label for b in buttons] == ["Excel (XLSX)", "CSV für Excel"]
    assert [b.key for b in buttons] == [f"{table}_xlsx", f"{table}_csv"]
    if chart:
        labels = [at.get_by_key(f"{chart}_{fmt}").label for fmt in ("png", "svg")]
        assert labels == ["Bild (PNG)", "Vektorgrafik (SVG)"]


def test_the_ranking_downloads_are_the_table_shown(export_store, downloads):
    at = open_page("views/services.py")
    shown = at.get_by_key("v_ranking_table").table[0].value  # the text a person reads
    xlsx, csv_button = downloads["v_ranking_table_xlsx"], downloads["v_ranking_table_csv"]
    today = dt.date.today().isoformat()
    heading = next(h.value for h in at.subheader if h.value.startswith("Alle Leistungen"))
    assert xlsx["file_name"] == file_name(heading, "xlsx")  # "…-feb-2025-jan-2026_<heute>.xlsx"
    assert xlsx["file_name"].endswith(f"_{today}.xlsx")
    assert xlsx["mime"] == exports.MIME["xlsx"]
    assert callable(xlsx["data"])  # made only when someone clicks
    ws = workbook(xlsx["data"]()).active
    assert [c.value for c in ws[1]] == list(shown.columns)
    for row, texts in zip(ws.iter_rows(min_row=2), shown.itertuples(index=False), strict=True):
        for cell, text in zip(row, texts, strict=True):
            number = parse_number(text, "de")
            expected = neutralise(text) if number is None else number.value
            assert cell.value == (expected if expected != "" else None), text
    assert ws["A3"].value == "'" + HYPERLINK and ws["A3"].data_type == "s"
    lines = csv_rows(csv_button["data"]())
    assert lines[2][0] == "'" + HYPERLINK and len(lines) == 1 + len(shown)


def test_chart_downloads_are_deferred(export_store, downloads):
    at = open_page("views/services.py")
    assert not at.exception
    png, svg = downloads["v_mix_chart_png"], downloads["v_mix_chart_svg"]
    assert callable(png["data"]) and callable(svg["data"])  # nothing rendered on a rerun
    assert (png["mime"], svg["mime"]) == ("image/png", "image/svg+xml")
    assert png["file_name"].startswith("wohnsitz-anmelden-eingangskanaele-im-zeitverlauf_")
    assert png["disabled"] is (images.chromium_path() is None)


def test_buttons_speak_english(export_store):
    at = open_page("views/overview.py", "en")
    assert [b.label for b in at.get_by_key("trend_table").get("download_button")] == [
        "Excel (XLSX)", "CSV for Excel"]
    assert at.get_by_key("trend_chart_svg").label == "Vector graphic (SVG)"


# --- images through Chromium ---------------------------------------------------------------


@pytest.mark.browser
def test_chart_images_through_chromium():
    if images.chromium_path() is None:
        skip_or_fail("browser", "no Chromium for kaleido (apt-get install chromium)")
    frame = pl.DataFrame({"name": ["Bürgeramt Mitte", "Bürgeramt Nord"],
                          "value": [7 / 13, 0.2], "lo": [0.29, 0.06], "hi": [0.77, 0.51],
                          "n": [13, 10], "suppressed": [False, False]})
    fig = figures.interval_figure(frame, "Digitale Nutzungsquote", "de", 5)
    png = widgets._image(fig, "png")()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = (int.from_bytes(png[i:i + 4], "big") for i in (16, 20))
    assert (width, height) == (widgets.IMAGE_WIDTH * 2, fig.layout.height * 2)
    svg = widgets._image(fig, "svg")()
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    texts = [e.text for e in root.iter("{http://www.w3.org/2000/svg}text") if e.text]
    assert f"53,8{NB}%" in texts and f"20,0{NB}%" in texts  # German decimal comma
    assert any("Bürgeramt Mitte" in text for text in texts)

    # the download: the chart's title above it, source, date and method below
    title = "Digitale Nutzungsquote je Standort – 2. Quartal 2026"
    note = widgets.source_note("de", "Σ digitale / Σ alle Vorgänge.", dt.date(2026, 12, 6))
    assert note == ("Quelle: Servicepuls, Auswertung der Verwaltungsdaten · Stand 06.12.2026 · "
                    "Werte mit zu wenigen Fällen ausgeblendet · Methode: Σ digitale / Σ alle "
                    "Vorgänge.")
    svg = widgets._image(fig, "svg", title, note)()
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    height = int(root.get("height"))
    assert height > fig.layout.height and root.get("width") == str(widgets.IMAGE_WIDTH)
    lines = [(float(e.get("y", 0)), e.text) for e in root.findall(f"{ns}text")]
    assert lines[0][1] == title and lines[0][0] < 40  # at the top
    below = " ".join(text for y, text in lines[1:])
    assert below == note and all(y > fig.layout.height for y, _ in lines[1:])  # wrapped
    (chart,) = root.findall(f"{ns}svg")  # the chart itself, moved down under the title
    assert int(chart.get("y")) >= 30 and f"53,8{NB}%" in [
        e.text for e in chart.iter(f"{ns}text")]
    png = widgets._image(fig, "png", title, note)()
    width, tall = (int.from_bytes(png[i:i + 4], "big") for i in (16, 20))
    assert width == widgets.IMAGE_WIDTH * 2 and tall > fig.layout.height * 2 + 80
