"""The report as PowerPoint (python-pptx): a 16:9 deck a department head can present or copy
slides from. Same content as the PDF: title, KPI summary, one chart per slide (alt text on the
picture and in the speaker notes), the service table over as many slides as it needs, one
slide per pilot, method notes, coverage and the withheld cells.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence

from pptx import Presentation
from pptx.slide import Slide
from pptx.util import Emu, Inches, Pt

from dashboard.i18n import t
from dashboard.report.model import Chart, Report, Table

WIDTH, HEIGHT = Inches(13.333), Inches(7.5)
MARGIN = Inches(0.5)
TITLE_ONLY, TITLE = 5, 0  # layouts of python-pptx's default template
ROWS_PER_SLIDE = 10
SUMMARY_ROWS = 6  # KPI rows wrap (label, change with its earlier value): fewer per slide
LINES_PER_SLIDE = 14


def _chunks(items: Sequence, size: int) -> Iterator[Sequence]:
    for start in range(0, max(len(items), 1), size):
        yield items[start:start + size]


def _slide(deck, title: str) -> Slide:  # noqa: ANN001 - pptx Presentation
    slide = deck.slides.add_slide(deck.slide_layouts[TITLE_ONLY])
    shape = slide.shapes.title
    shape.left, shape.top, shape.width, shape.height = MARGIN, Inches(0.3), WIDTH - 2 * MARGIN, \
        Inches(0.9)
    shape.text = title
    for paragraph in shape.text_frame.paragraphs:
        for run in paragraph.runs:
            run.font.size = Pt(28)
    return slide


def _text(slide: Slide, paragraphs: Sequence[str], top: Emu, height: Emu, size: int = 14,
          left: Emu = MARGIN, width: Emu | None = None, bold_first: bool = False) -> None:
    box = slide.shapes.add_textbox(left, top, width or WIDTH - 2 * MARGIN, height)
    frame = box.text_frame
    frame.word_wrap = True
    for i, text in enumerate(paragraphs):
        paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        run = paragraph.add_run()
        run.text = text
        run.font.size = Pt(size)
        run.font.bold = bold_first and i == 0
        paragraph.space_after = Pt(4)


def _table(slide: Slide, table: Table, rows: Sequence[Sequence[str]], top: Emu,
           size: int) -> None:
    height = Inches(0.4) * (len(rows) + 1)
    shape = slide.shapes.add_table(len(rows) + 1, len(table.headers), MARGIN, top,
                                   WIDTH - 2 * MARGIN, height)
    grid = shape.table
    wide = [Inches(3.2), Inches(1.7)][:table.text_columns]
    rest = (WIDTH - 2 * MARGIN - sum(wide)) // (len(table.headers) - len(wide))
    for c, width in enumerate([*wide, *[rest] * (len(table.headers) - len(wide))]):
        grid.columns[c].width = Emu(width)
    for r, row in enumerate([table.headers, *rows]):
        for c, value in enumerate(row):
            cell = grid.cell(r, c)
            cell.text = value
            for paragraph in cell.text_frame.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(size)
                    run.font.bold = r == 0


def _picture(slide: Slide, png: bytes, chart: Chart, left: Emu, top: Emu, width: Emu) -> None:
    picture = slide.shapes.add_picture(io.BytesIO(png), left, top, width=width)
    picture._element.nvPicPr.cNvPr.set("descr", chart.alt)  # the alt text screen readers read
    slide.notes_slide.notes_text_frame.text = chart.alt


def to_pptx(report: Report, images: Sequence[bytes], pilot_images: Sequence[bytes | None]
            ) -> bytes:
    lang = report.lang
    deck = Presentation()
    deck.slide_width, deck.slide_height = WIDTH, HEIGHT
    deck.core_properties.title = f"{report.title} – {report.scope_label} – {report.period_label}"
    deck.core_properties.language = "de-DE" if lang == "de" else "en-GB"
    deck.core_properties.author = "Servicepuls"

    first = deck.slides.add_slide(deck.slide_layouts[TITLE])
    first.shapes.title.text = report.title
    first.shapes.title.left, first.shapes.title.width = MARGIN, WIDTH - 2 * MARGIN
    subtitle = first.placeholders[1]
    subtitle.left, subtitle.width = MARGIN, WIDTH - 2 * MARGIN
    subtitle.text = "\n".join([
        " – ".join(x for x in (report.city, report.scope_label) if x),
        f"{report.period_label} ({report.period_span})",
        f"{t('r_as_of', lang)}: {report.data_as_of}",
        f"{t('r_generated', lang)}: {report.generated} · {t('r_made_with', lang)}"])

    summary = report.kpi_table()
    parts = list(_chunks(summary.rows, SUMMARY_ROWS))
    for i, rows in enumerate(parts, 1):
        suffix = f" ({i}/{len(parts)})" if len(parts) > 1 else ""
        slide = _slide(deck, f"{t('r_sec_summary', lang)} – {report.period_label}{suffix}")
        _table(slide, summary, rows, Inches(1.4), 13)
    # at the bottom: the table's rows grow when a change with its earlier value wraps
    _text(slide, [*report.notes, report.coverage], Inches(5.6), Inches(1.7), size=11)

    for png, chart in zip(images, report.charts, strict=True):
        slide = _slide(deck, chart.title)
        _picture(slide, png, chart, MARGIN, Inches(1.2), Inches(11.5))
        _text(slide, [chart.alt], Inches(6.15), Inches(1.1), size=10)  # readable, not only alt

    pages = list(_chunks(report.services.rows, ROWS_PER_SLIDE))
    for i, rows in enumerate(pages, 1):
        suffix = f" ({i}/{len(pages)})" if len(pages) > 1 else ""
        slide = _slide(deck, t("r_sec_services", lang) + suffix)
        _table(slide, report.services, rows, Inches(1.2), 10)
        _text(slide, [report.services_note], Inches(6.7), Inches(0.6), size=10)

    if not report.pilots:
        _text(_slide(deck, t("nav_pilots", lang)), [t("r_no_pilots", lang)], Inches(1.4),
              Inches(1))
    for pilot, png in zip(report.pilots, pilot_images, strict=True):
        slide = _slide(deck, pilot.name)
        facts = [f"{k}: {v}" for k, v in pilot.facts]
        facts += [f"{t('p_tile_target', lang)}: {pilot.target}",
                  f"{t('r_col_status', lang)}: {pilot.status}"]
        _text(slide, [pilot.sentence, *facts], Inches(1.3), Inches(5.5), size=13,
              width=Inches(5.2), bold_first=True)
        if png is not None and pilot.chart is not None:
            _picture(slide, png, pilot.chart, Inches(6.0), Inches(1.5), Inches(6.8))

    methods = [f"{title}: {text}" for title, text in report.methods]
    for i, chunk in enumerate(_chunks(methods, 4), 1):
        slide = _slide(deck, t("r_sec_methods", lang) + (f" ({i})" if len(methods) > 4 else ""))
        _text(slide, chunk, Inches(1.3), Inches(5.8), size=12)

    lines = [report.coverage, "", t("r_sec_suppressed", lang) + ":", *report.suppressed]
    for i, chunk in enumerate(_chunks(lines, LINES_PER_SLIDE), 1):
        slide = _slide(deck, t("r_sec_coverage", lang)
                       + (f" ({i})" if len(lines) > LINES_PER_SLIDE else ""))
        _text(slide, chunk, Inches(1.3), Inches(5.8), size=12)

    out = io.BytesIO()
    deck.save(out)
    return out.getvalue()
