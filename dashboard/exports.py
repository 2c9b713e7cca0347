"""Tables as files people open in Excel: XLSX (formatted) and CSV for Excel, with file names.

Pure functions, no Streamlit: a polars frame in (usually the display-text table a page shows,
German headers and "1.234", "39,1 %", "< 5"), bytes out. The same functions serve the
dashboard's download buttons and anything else that writes tables (reports, scripts).

Two promises hold for every file written here:

- **No formula ever runs.** A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a
  carriage return is prefixed with ``'`` (OWASP "CSV injection"), so a service named
  ``=HYPERLINK(…)`` stays text. A genuine number such as "-3,2" or "-50,0 %" is not text
  to neutralise: it stays a number.
- **Numbers stay numbers.** In the XLSX a cell whose text is a formatted number ("1.234",
  "39,1 %", "+1,2 Pp.", "2 Tage") becomes a real number with a number format that shows the
  same text, so Excel can sum and sort it; markers such as "< 5", "–" or "33,7–37,2 %"
  stay text. The CSV keeps the display text, which German Excel reads as numbers itself.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import re
import unicodedata
from dataclasses import dataclass

import polars as pl
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

logger = logging.getLogger(__name__)

BOM = "\ufeff"
NBSP = "\u00a0"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
MAX_WIDTH = 60  # characters; longer text wraps instead of making the column unreadable
MIN_WIDTH = 8
HEADER_FILL = PatternFill("solid", fgColor="E8ECF1")
MIME = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
    "png": "image/png",
    "svg": "image/svg+xml",
}

# Units the dashboard writes after a number (dashboard.formatting, dashboard.figures):
# percent (scaled by Excel's %), percentage points, days, minutes.
_UNITS = {"%", "Pp.", "pp", "Tag", "Tage", "day", "days", "Min.", "min"}
_SEPARATORS = {"de": (".", ","), "en": (",", ".")}  # thousands, decimal


@dataclass(frozen=True)
class Number:
    """A display text read back as a number, with an Excel format that shows it the same."""

    value: float | int
    number_format: str


def _number_re(lang: str) -> re.Pattern[str]:
    group, decimal = (re.escape(s) for s in _SEPARATORS.get(lang, _SEPARATORS["de"]))
    # Exactly what Babel writes: grouped thousands ("1.234", never "1234"), no leading zero.
    # An ungrouped "2026" or "007" is a code or a year, not a formatted number: it stays text.
    return re.compile(
        rf"^(?P<sign>[+\-±]?)(?P<int>0|[1-9]\d{{0,2}}(?:{group}\d{{3}})*)"
        rf"(?:{decimal}(?P<dec>\d+))?(?P<space>[ {NBSP}]?)(?P<unit>\S*)$"
    )


_PATTERNS = {lang: _number_re(lang) for lang in _SEPARATORS}


def parse_number(text: str, lang: str = "de") -> Number | None:
    """ "1.234" → 1234 (``#,##0``), "39,1 %" → 0.391 (``0.0 %``), "+1,2 Pp." → 1.2,
    "2 Tage" → 2; ``None`` for anything else ("< 5", "–", "L003", "2026", "12 von 12")."""
    match = _PATTERNS.get(lang, _PATTERNS["de"]).match(text)
    if match is None:
        return None
    sign, unit, space = match["sign"], match["unit"], match["space"]
    if unit and unit not in _UNITS:
        return None
    if space and not unit:
        return None
    group, _ = _SEPARATORS.get(lang, _SEPARATORS["de"])
    digits = match["int"].replace(group, "")
    decimals = len(match["dec"] or "")
    value: float | int = float(f"{digits}.{match['dec']}") if decimals else int(digits)
    if sign == "-":
        value = -value
    elif sign == "±" and value != 0:
        return None  # "±" only ever means a change that rounds to zero
    body = "#,##0" + ("." + "0" * decimals if decimals else "")
    if unit == "%":
        value = round(value / 100, decimals + 2)
        # "\ %" keeps the German space before the percent sign; Excel scales by 100 itself
        body += "\\ %" if space else "%"
    elif unit:
        body += f'"{space}{unit}"'
    # a change is always shown with its sign, and zero as "±0,0"
    number_format = f'"+"{body};"-"{body};"±"{body}' if sign else body
    return Number(value, number_format)


def neutralise(value: object) -> object:
    """A text that a spreadsheet would run as a formula, made harmless by a leading ``'``.

    Non-text values and genuine numbers ("-3,2", "+1.234", "-50,0 %") pass unchanged: only
    text that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return and is not
    a number gets the prefix (OWASP, "CSV injection")."""
    if not isinstance(value, str) or not value.startswith(FORMULA_START):
        return value
    return value if _genuine_number(value) else "'" + value


def _genuine_number(text: str) -> bool:
    """A number Excel reads as a number itself (no unit other than %): "-3,2", "-50,0 %"."""
    for pattern in _PATTERNS.values():
        match = pattern.match(text)
        if match and match["unit"] in ("", "%") and bool(match["space"]) <= bool(match["unit"]):
            return True
    return False


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%d.%m.%Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%d.%m.%Y")
    return str(value)


def to_csv(frame: pl.DataFrame) -> bytes:
    """CSV for Excel: ``;`` between fields, UTF-8 with BOM, CRLF line ends, the frame's
    header as the first line; every cell neutralised. A non-breaking space becomes a plain
    one, so German Excel reads "39,1 %" as a number."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([neutralise(c) for c in frame.columns])
    for row in frame.iter_rows():
        writer.writerow([neutralise(_cell_text(v).replace(NBSP, " ")) for v in row])
    return (BOM + out.getvalue()).encode("utf-8")


_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def sheet_title(title: str) -> str:
    """Excel's rules: at most 31 characters, none of ``[]:*?/\\``, not empty."""
    cleaned = _SHEET_FORBIDDEN.sub(" ", title).strip().strip("'")
    return (cleaned[:31].strip() or "Daten")


def _width(texts: list[str]) -> float:
    longest = max((len(line) for text in texts for line in text.splitlines() or [""]),
                  default=0)
    return float(min(MAX_WIDTH, max(MIN_WIDTH, longest + 2)))


def to_xlsx(frame: pl.DataFrame, title: str, lang: str = "de") -> bytes:
    """One sheet named after ``title``: bold header on a light background, frozen first
    row, an auto-filter, columns as wide as their content (up to :data:`MAX_WIDTH`).

    Display-text numbers become real numbers with a matching format (see
    :func:`parse_number`); other text is neutralised; native numbers, dates and datetimes
    are written as such with German-looking formats."""
    wb = Workbook()
    ws = wb.active
    ws.title = sheet_title(title)
    wb.properties.title = title
    wb.properties.creator = "Servicepuls"
    ws.append([neutralise(c) for c in frame.columns])
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(vertical="top", wrap_text=True)
    texts: list[list[str]] = [[c] for c in frame.columns]
    for r, row in enumerate(frame.iter_rows(), start=2):
        for c, value in enumerate(row, start=1):
            cell = ws.cell(row=r, column=c)
            texts[c - 1].append(_cell_text(value))
            if isinstance(value, str):
                number = parse_number(value, lang)
                if number is None:
                    cell.value = neutralise(value)
                    if len(value) > MAX_WIDTH or "\n" in value:
                        cell.alignment = Alignment(wrap_text=True, vertical="top")
                else:
                    cell.value = number.value
                    cell.number_format = number.number_format
            elif isinstance(value, bool) or value is None:
                cell.value = value
            elif isinstance(value, int):
                cell.value = value
                cell.number_format = "#,##0"
            elif isinstance(value, float):
                cell.value = value
                cell.number_format = "#,##0.0##"
            elif isinstance(value, dt.datetime):
                cell.value = value
                cell.number_format = "DD.MM.YYYY HH:MM"
            elif isinstance(value, dt.date):
                cell.value = value
                cell.number_format = "DD.MM.YYYY"
            else:
                cell.value = neutralise(str(value))
    for c, column_texts in enumerate(texts, start=1):
        ws.column_dimensions[get_column_letter(c)].width = _width(column_texts)
    ws.freeze_panes = "A2"
    if frame.width:
        ws.auto_filter.ref = f"A1:{get_column_letter(frame.width)}{frame.height + 1}"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


_TRANSLITERATE = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe",
                                "Ü": "Ue", "ß": "ss"})


def slug(name: str, limit: int = 60) -> str:
    """"Digitale Nutzungsquote – Bürgeramt Süd" → "digitale-nutzungsquote-buergeramt-sued"."""
    ascii_text = unicodedata.normalize("NFKD", name.translate(_TRANSLITERATE))
    ascii_text = ascii_text.encode("ascii", "ignore").decode("ascii").lower()
    words = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    return words[:limit].rstrip("-") or "servicepuls"


def file_name(name: str, ext: str, day: dt.date | None = None) -> str:
    """An ASCII file name with the export date: "digitale-nutzungsquote_2026-11-05.xlsx"."""
    day = day or dt.date.today()
    return f"{slug(name)}_{day.isoformat()}.{ext}"
