"""The council report as files, read back: the PDF as text (pypdf), the PowerPoint as slides,
titles, table cells and pictures (python-pptx) — compared with the report's content, which
tests/test_report.py compares with hand-computed values and with :mod:`metrics`.

Charts and the PDF need Debian's Chromium: without it these tests skip and say why (and fail
in CI, see ``skip_or_fail``).
"""

from __future__ import annotations

import io
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE
from pypdf import PdfReader

from connectors.settings import Settings
from dashboard.cli import main
from dashboard.images import chromium_path
from dashboard.report import build, load_inputs, render
from tests.conftest import KLEINSTADT, import_dir, skip_or_fail
from tests.test_browser import handmade_store, server  # noqa: F401, F811 - real-server fixtures
from tests.test_report import EXAMPLE_FILES, EXAMPLES, use_env

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def chromium() -> None:
    if chromium_path() is None:
        skip_or_fail("browser", "Chromium not installed (apt-get install chromium): charts and "
                     "the PDF report are rendered by it")


@pytest.fixture
def kleinstadt_sqlite(tmp_path: Path) -> Settings:
    """The Kleinstadt on SQLite only: rendering depends on the report's content alone, which
    tests/test_report.py checks on both stores (the CLI and the sample city run on both)."""
    settings = Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'store.db'}",
                        pseudonymisation_key="test-key")
    import_dir(KLEINSTADT, settings)
    return settings


def words(text: str) -> str:
    """Whitespace (line breaks, NBSP) collapsed to single spaces."""
    return " ".join(text.split())


def pdf_text(data: bytes) -> list[str]:
    return [words(page.extract_text()) for page in PdfReader(io.BytesIO(data)).pages]


def slides(data: bytes) -> list:
    return list(Presentation(io.BytesIO(data)).slides)


def title(slide) -> str:  # noqa: ANN001
    return slide.shapes.title.text if slide.shapes.title is not None else ""


def tables(slide) -> list[list[tuple[str, ...]]]:  # noqa: ANN001
    return [[tuple(c.text for c in row.cells) for row in shape.table.rows]
            for shape in slide.shapes if shape.has_table]


def summary_rows(deck: list) -> list[tuple[str, ...]]:
    """The KPI summary over its slides: the headers once, then every row in order."""
    parts = [table for s in deck if title(s).startswith(("Kennzahlen im Überblick",
                                                         "Key figures"))
             for table in tables(s)]
    assert all(part[0] == parts[0][0] for part in parts)
    return [parts[0][0], *(row for part in parts for row in part[1:])]


def test_pdf_says_what_the_report_says(kleinstadt_sqlite: Settings) -> None:
    report = build(load_inputs(kleinstadt_sqlite), "2026-Q1", "stadt")
    data = render(report, "pdf")
    assert data.startswith(b"%PDF")
    pages = pdf_text(data)
    assert pages[0] == ("Bericht für den Rat Musterstadt – Gesamte Kommune 1. Quartal 2026 "
                        f"(01.01.2026 – 31.03.2026) Datenstand: {words(report.data_as_of)} "
                        f"Erstellt am: {report.generated} Servicepuls – Kennzahlen digitaler "
                        "Verwaltungsleistungen")
    text = " ".join(pages)
    # the hand-computed summary (see tests/test_report.py), row by row: cases and take-up
    # withheld (Feb's 3 cases), processing time and follow-ups shown
    assert "Vorgänge geschützt geschützt – (–) – (–) – –" in text
    assert "Digitale Nutzungsquote geschützt geschützt – (–) – (–) – –" in text
    assert "Bearbeitungszeit (Median) 2 Tage 6" in text
    assert "Rückfragenrate 33,3 % 6" in text
    for row in report.services.rows:  # from the LeiKa key on: key and values unbroken
        assert words(" ".join(row[1:])) in text
    assert "99115001001000 geschützt geschützt < 5 < 5 < 5" in text  # L1 protects L2
    assert "60,0 %" not in text  # L1's take-up 3 / 5 is nowhere
    assert words(report.coverage) in text
    for line in report.suppressed:
        assert words(line) in text
    for chart in report.charts:
        assert words(chart.alt) in text


def test_pdf_of_a_withheld_scope_shows_less_than_five(kleinstadt_sqlite: Settings) -> None:
    data = render(build(load_inputs(kleinstadt_sqlite), "2026-01", "services:L1"), "pdf")
    text = " ".join(pdf_text(data))
    assert "Vorgänge < 5 < 5" in text
    assert "Digitale Nutzungsquote < 5 < 5" in text
    assert "50,0 %" not in text  # 2 of 4 online


def test_pptx_slides_titles_tables_and_pictures(kleinstadt_sqlite: Settings) -> None:
    report = build(load_inputs(kleinstadt_sqlite), "2026-Q1", "stadt")
    deck = slides(render(report, "pptx"))
    titles = [title(s) for s in deck]
    assert titles == ["Bericht für den Rat", "Kennzahlen im Überblick – 1. Quartal 2026 (1/2)",
                      "Kennzahlen im Überblick – 1. Quartal 2026 (2/2)",
                      *(c.title for c in report.charts), "Leistungen im Einzelnen",
                      "Pilotprojekte", "Methodenhinweise (1)", "Methodenhinweise (2)",
                      "Methodenhinweise (3)", "Datenabdeckung"]
    assert deck[0].placeholders[1].text.split("\n")[:2] == [
        "Musterstadt – Gesamte Kommune", "1. Quartal 2026 (01.01.2026 – 31.03.2026)"]
    summary = summary_rows(deck)
    table = report.kpi_table()
    assert summary == [table.headers, *table.rows]  # 6 rows a slide, each with the headers
    assert summary[2][:3] == ("Digitale Nutzungsquote", "geschützt", "geschützt")  # Feb's 3
    (services,) = tables(deck[3 + len(report.charts)])
    assert services == [report.services.headers, *report.services.rows]
    pictures = [shape for s in deck for shape in s.shapes
                if shape.shape_type == MSO_SHAPE_TYPE.PICTURE]
    assert [p._element.nvPicPr.cNvPr.get("descr") for p in pictures] == [
        c.alt for c in report.charts]
    assert deck[3].notes_slide.notes_text_frame.text == report.charts[0].alt


@pytest.fixture(scope="module")
def city(module_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    folder = tmp_path_factory.mktemp("examples")
    for name in EXAMPLE_FILES:
        shutil.copy(EXAMPLES / name, folder / name)
    import_dir(folder, module_settings)
    shutil.copy(EXAMPLES / "pilotprojekte.toml", module_settings.data_dir)
    return module_settings


def test_example_city_pdf_and_pptx_carry_every_number(city: Settings) -> None:
    report = build(load_inputs(city), "2026-Q2", "locations:BA-NORD,BA-WEST")
    assert len(report.services.rows) > 10 and report.pilots
    text = " ".join(pdf_text(render(report, "pdf")))
    for row in report.kpi_table().rows:
        assert words(" ".join(row[1:])) in text
    for row in report.services.rows:
        assert words(" ".join(row[1:])) in text
    pilot = report.pilots[0]
    assert words(pilot.sentence) in text and words(pilot.description) in text

    deck = slides(render(report, "pptx"))
    rows = [row for s in deck if title(s).startswith("Leistungen im Einzelnen")
            for table in tables(s) for row in table[1:]]
    assert rows == list(report.services.rows)  # over several slides, in order
    pilot_slide = next(s for s in deck if title(s) == pilot.name)
    body = " ".join(shape.text_frame.text for shape in pilot_slide.shapes
                    if shape.has_text_frame and shape != pilot_slide.shapes.title)
    assert pilot.sentence in body and f"Zielwert: {pilot.target}" in body


def test_cli_end_to_end(kleinstadt: Settings, monkeypatch: pytest.MonkeyPatch,
                        tmp_path: Path) -> None:
    use_env(monkeypatch, kleinstadt)
    out = tmp_path / "rat" / "q1.pptx"
    result = CliRunner().invoke(main, ["report", "--period", "2026-Q1", "--scope",
                                       "department:Bürgerservice", "--format", "pptx",
                                       "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert f"Bericht geschrieben: {out}" in result.output
    assert "Fachbereich: Bürgerservice, 1. Quartal 2026" in result.output
    deck = slides(out.read_bytes())
    (summary,) = tables(deck[1])
    # Bürgerservice is Wohnsitz anmelden (L1) alone: 5 cases, 3 online — but the Leistungen
    # ranking of Q1 withholds it as the partner of L2's 3 cases, so the Überblick filtered to
    # it withholds Q1 too (a filter holding part of what the ranking withholds), and so does
    # the report
    assert summary[1][:3] == ("Vorgänge", "geschützt", "geschützt")
    assert summary[2][:2] == ("Digitale Nutzungsquote", "geschützt")
    assert list(out.parent.iterdir()) == [out]  # no temporary file left behind
    umask = os.umask(0)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask  # shareable, not private to root

    english = CliRunner().invoke(main, ["report", "--period", "2026-Q1", "--lang", "en",
                                        "--out", str(tmp_path / "en.pdf")])
    assert english.exit_code == 0, english.output
    text = " ".join(pdf_text((tmp_path / "en.pdf").read_bytes()))
    assert text.startswith("Council report Musterstadt – Whole municipality Q1 2026")
    assert "Digital take-up protected protected" in text  # Feb's 3 (tests/test_report.py)


def test_page_makes_the_report_only_on_the_button(kleinstadt_sqlite: Settings,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.test_dashboard_overview import open_page

    use_env(monkeypatch, kleinstadt_sqlite)
    at = open_page("views/reports.py")
    assert at.title[0].value == "Bericht für den Rat"
    assert at.selectbox(key="report_period_quarter").value == "2026-Q1"
    assert not at.get("download_button") and "report_file" not in at.session_state
    at.radio(key="report_scope_kind").set_value("services").run()
    at.multiselect(key="report_scope_services").set_value(["L1"]).run()
    at.radio(key="report_format").set_value("pptx").run()
    assert "report_file" not in at.session_state  # choosing does not generate
    at.button[0].click().run()
    assert not at.exception, [e.message for e in at.exception]
    (button,) = at.get("download_button")
    assert button.proto.label == "servicepuls-bericht-2026-Q1-services-L1.pptx herunterladen"
    _, name, payload = at.session_state["report_file"]
    (summary,) = tables(slides(payload)[1])
    assert summary[1][:2] == ("Vorgänge", "geschützt")  # see test_cli_end_to_end
    at.run()  # a rerun keeps the file without generating again
    assert at.session_state["report_file"][2] is payload
    assert at.code[0].value == ("servicepuls report --period 2026-Q1 --scope services:L1 "
                                "--format pptx")


def test_report_page_in_chromium(server: str, tmp_path: Path) -> None:  # noqa: F811
    """The real server in Debian's Chromium: the page Berichte passes axe-core (WCAG 2.1
    A/AA, serious and critical), the button makes the PDF and the browser downloads it. The
    hand-made store of test_dashboard_overview: 2026-Q3 (the newest whole quarter, chosen by
    default) holds Aug and Sep 2026 — 23 cases of Anmeldung einer Wohnung, 7 online: 30,4 %,
    but Aug's 3 cases are withheld in the month view, so Q3's totals are "geschützt"."""
    from playwright import sync_api

    from tests.test_browser import CHROMIUM, CHROMIUM_ARGS, full_page_screenshot, run_axe

    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="de-DE")
            page.goto(server)
            page.locator('[data-testid="stMetric"]').first.wait_for(state="visible",
                                                                    timeout=30_000)
            page.locator('[data-testid="stSidebarNav"]').get_by_text("Berichte",
                                                                    exact=True).click()
            page.get_by_role("heading", name="Bericht für den Rat", exact=True).wait_for(
                state="visible", timeout=30_000)
            page.get_by_role("button", name="Bericht erstellen").wait_for(state="visible")
            assert run_axe(page) == []
            page.get_by_role("button", name="Bericht erstellen").click()
            download = page.get_by_role(
                "button", name="servicepuls-bericht-2026-Q3-stadt.pdf herunterladen")
            download.wait_for(state="visible", timeout=120_000)
            assert page.locator('[data-testid="stException"]').count() == 0
            full_page_screenshot(page, "reports.png")
            with page.expect_download(timeout=60_000) as got:
                download.click()
            target = tmp_path / got.value.suggested_filename
            got.value.save_as(target)
        finally:
            browser.close()
    text = " ".join(pdf_text(target.read_bytes()))
    assert "Bericht für den Rat Musterstadt – Gesamte Kommune 3. Quartal 2026" in text
    assert "Vorgänge geschützt geschützt" in text
    assert "Digitale Nutzungsquote geschützt geschützt" in text and "30,4" not in text
