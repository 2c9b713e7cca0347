"""Streaming XLSX reader: yields the same ``Batch`` shape as the CSV and JSON readers.

Monthly statistics of Fachverfahren come as workbooks: one sheet per year or per location,
title rows above the header, one column per channel, a totals row at the end. The workbook
is opened with ``load_workbook(read_only=True, data_only=True)``, so rows stream from the
sheet XML and memory stays bounded by ``batch_rows``; formulas give their cached value (a
file written by a program and never opened in Excel has none: such cells read as empty).

Per selected sheet (``sheets``: names or glob patterns such as ``"20*"``, case ignored;
every sheet when empty; a sheet without any cell is skipped):

1. ``skip_rows`` rows are skipped (title, blank line), the next row is the header. Read-only
   mode does not know merged ranges: a merged cell is its top-left value with empty cells
   to the right or below. A title merged across the columns is therefore a row with one
   value — a title row, to skip with ``skip_rows``. An empty header cell takes the value of
   the cell above it when that row holds more than one value (a two-row header whose
   "Monat" is merged downwards over "Online", "Vor Ort" …), never from a title row.
2. Every further row is a data row, except entirely empty rows (skipped, the sheet goes on)
   and summary rows: rows whose first non-empty cell matches one of ``skip_row_patterns``
   (regular expressions, e.g. ``"^Summe"``). Summary rows are no records; they are counted in
   ``Batch.skipped`` (the import run's ``rows_skipped``) and each sheet logs how many.

Values become text like the CSV reader's cells, so a profile parses them the same way:
strings stripped; integral numbers without a decimal part (``1204.0`` → ``"1204"``), other
floats in their shortest form with ``.`` as decimal sign (profiles for XLSX set
``read.decimal = "."``); date cells → ``"dd.mm.yyyy"`` and timestamps → ``"dd.mm.yyyy
HH:MM"`` (seconds are dropped: minutes are the resolution of every case source), i.e. the
default ``read.date_format`` and ``read.datetime_format`` apply unchanged; a timestamp at
midnight counts as a date (a datetime field parses that too); booleans ``"true"``/``"false"``;
empty cells and values listed in ``missing`` → ``None``.

Columns of every batch: each required and optional header (``None`` where a sheet lacks an
optional one), ``SHEET_COL`` with the sheet's name (a profile may map a field to it, e.g.
``period = "__sheet"`` with ``read.period_format = "year"`` for one sheet per year; it is
also part of the raw values kept with a rejected row, so the quarantine says which sheet),
and ``LINE_COL`` with the Excel row number. Errors name the file, the sheet and the row.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import itertools
import logging
import zipfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import polars as pl
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from connectors.errors import InputFileError
from connectors.readers import Batch, BatchBuffer, _normalise, summary_matcher

log = logging.getLogger(__name__)

SHEET_COL = "__sheet"
HINT_ROWS = 30  # rows searched for the header when it is not where skip_rows says
_SHEET_KEY = _normalise(SHEET_COL)
_SHEETS_FIX = "; sind nicht alle Blätter Datenblätter, read.sheets im Profil auf sie beschränken"


def read_xlsx_batches(
    path: Path,
    *,
    sheets: Sequence[str] = (),
    skip_rows: int = 0,
    skip_row_patterns: Sequence[str] = (),
    encoding: str = "auto",  # noqa: ARG001 - an XLSX file declares its own encoding
    batch_rows: int = 100_000,
    required_headers: list[str],
    optional_headers: list[str] = (),
    missing: list[str] = (),
    on_progress: Callable[[int], None] | None = None,
) -> Iterator[Batch]:
    """Yield batches of the selected sheets' data rows as text columns (see the module
    docstring). Raises ``InputFileError`` for a file that is no XLSX workbook, a selection
    without sheets, an invalid summary-row pattern, and a sheet without a required header."""
    path = Path(path)
    summary = summary_matcher(skip_row_patterns, file=str(path))
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError) as exc:
        raise InputFileError(
            f"keine lesbare XLSX-Arbeitsmappe ({type(exc).__name__}: {exc})", file=str(path),
            fix="im Fachverfahren als Excel-Arbeitsmappe (.xlsx) exportieren; für .xls oder "
                ".csv ein Profil mit passendem source.format verwenden",
        ) from None
    try:
        names = _select(path, workbook.sheetnames, sheets)
        yield from _batches(path, workbook, names, skip_rows, summary, batch_rows,
                            required_headers, list(optional_headers), set(missing),
                            bool(sheets), on_progress)
    finally:
        workbook.close()
    log.debug("read %s, sheets %s", path, ", ".join(names))


def _select(path: Path, names: list[str], wanted: Sequence[str]) -> list[str]:
    """The sheets in workbook order whose name equals or matches one of ``wanted``."""
    if not wanted:
        return list(names)
    keys = [w.casefold() for w in wanted]
    chosen = [n for n in names if any(fnmatch.fnmatchcase(n.casefold(), k) for k in keys)]
    if not chosen:
        raise InputFileError(
            f"kein Tabellenblatt passt zu read.sheets = {list(wanted)}; Blätter der Datei: "
            f"{', '.join(repr(n) for n in names)}",
            file=str(path), fix="read.sheets im Profil an die Blattnamen anpassen",
        )
    return chosen


def _where(path: Path, sheet: str) -> str:
    return f"{path}, Blatt '{sheet}'"


def _text(value: Any, missing: set[str]) -> str | None:
    kind = type(value)  # exact types first: this runs once per cell
    if kind is str:
        text = value.strip()
    elif value is None:
        return None
    elif kind is int:
        text = str(value)
    elif kind is float:
        if value != value:
            return None
        text = str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    elif kind is dt.datetime:
        midnight = value.hour == value.minute == value.second == value.microsecond == 0
        text = value.strftime("%d.%m.%Y" if midnight else "%d.%m.%Y %H:%M")
    elif kind is dt.date:
        text = value.strftime("%d.%m.%Y")
    elif kind is dt.time:
        text = value.strftime("%H:%M")
    elif kind is bool:
        text = "true" if value else "false"
    else:  # timedelta of a duration cell, or another type a future openpyxl returns
        text = str(value).strip()
    return None if text in missing else text


def _is_empty(row: tuple) -> bool:
    return all(v is None or (type(v) is str and not v.strip()) for v in row)


def _filled(row: tuple) -> int:
    return sum(1 for v in row if _text(v, {""}) is not None)


def _header(row: tuple, above: tuple | None) -> list[str | None]:
    """Header texts; an empty cell takes the one above it from a multi-value row (a header
    cell merged downwards), never from a title row (one value, merged to the right)."""
    names = [_text(v, {""}) for v in row]
    if above is not None and _filled(above) > 1:
        for i, name in enumerate(names):
            if name is None and i < len(above):
                names[i] = _text(above[i], {""})
    return names


def _missing_header_error(path: Path, sheet: str, row_number: int, names: list[str | None],
                          absent: list[str], required: list[str], seen: list[tuple],
                          suggest_sheets: bool) -> InputFileError:
    found = [n for n in names if n is not None]
    wanted = {_normalise(h) for h in required if _normalise(h) != _SHEET_KEY}
    at = next((i for i, r in enumerate(seen, start=1)
               if wanted <= {_normalise(t) for t in (_text(v, {""}) for v in r) if t}), None)
    if at is not None:
        fix = f"die Kopfzeile steht in Zeile {at} — read.skip_rows = {at - 1} im Profil setzen"
    elif not found:
        fix = "die Zeile ist leer — read.skip_rows im Profil anpassen"
    elif len(found) == 1:
        fix = ("die Zeile enthält nur einen Wert, vermutlich eine (verbundene) Titelzeile — "
               "read.skip_rows im Profil erhöhen")
    else:
        fix = "Spaltenüberschriften im Profil ([columns]) an die Datei anpassen"
    if suggest_sheets and at is None:
        fix += _SHEETS_FIX
    return InputFileError(
        f"Spalte(n) fehlen: {', '.join(repr(c) for c in absent)}; gefunden: "
        f"{', '.join(repr(h) for h in found) or '(keine)'}",
        file=_where(path, sheet), row=row_number, column=absent[0], fix=fix,
    )


def _batches(path, workbook, names, skip_rows, summary, batch_rows, required, optional,
             missing, explicit_sheets, on_progress) -> Iterator[Batch]:  # noqa: ANN001, PLR0913
    wanted = [h for h in dict.fromkeys([*required, *optional]) if _normalise(h) != _SHEET_KEY]
    buffer = BatchBuffer(wanted, batch_rows, extra={SHEET_COL: pl.String})
    size = path.stat().st_size
    # Progress: rows done of the rows the sheets' dimension tags announce (an estimate).
    estimate = sum(workbook[n].max_row or 0 for n in names) or 1
    done = 0
    suggest_sheets = not explicit_sheets and len(names) > 1

    for sheet in names:
        ws = workbook[sheet]
        ws.reset_dimensions()  # exporters often write a wrong dimension: read what is there
        rows = enumerate(ws.iter_rows(values_only=True), start=1)
        seen: list[tuple] = []  # the rows up to the header, in order from row 1
        content = False
        for number, row in rows:
            seen.append(row)
            content = content or not _is_empty(row)
            if number > skip_rows and content:
                break  # the header row; past it only while the sheet has shown nothing yet
        done += min(len(seen), skip_rows + 1)
        if not content:
            log.info("%s: sheet %r is empty — skipped", path.name, sheet)
            continue
        if len(seen) <= skip_rows:
            raise InputFileError(f"Blatt endet vor der Kopfzeile (Zeile {skip_rows + 1})",
                                 file=_where(path, sheet),
                                 fix="read.skip_rows im Profil verkleinern"
                                     + (_SHEETS_FIX if suggest_sheets else ""))
        header_number = skip_rows + 1
        names_ = _header(seen[skip_rows], seen[skip_rows - 1] if skip_rows else None)
        positions: dict[str, int] = {}
        for i, name in enumerate(names_):
            if name is not None:
                positions.setdefault(_normalise(name), i)
        absent = [h for h in required
                  if _normalise(h) != _SHEET_KEY and _normalise(h) not in positions]
        if absent:
            seen += [r for _, r in itertools.islice(rows, HINT_ROWS)]
            raise _missing_header_error(path, sheet, header_number, names_, absent, required,
                                        seen, suggest_sheets)
        # rows read past an empty header row while looking for content are data rows
        rows = itertools.chain(enumerate(seen[header_number:], start=header_number + 1), rows)
        index = [positions.get(_normalise(h)) for h in wanted]
        summaries = 0
        for number, row in rows:
            done += 1
            if _is_empty(row):
                continue
            if summary:
                first = next((t for t in (_text(v, {""}) for v in row) if t is not None), "")
                if summary(first):
                    summaries += 1
                    buffer.skipped += 1  # counted by the import run (rows_skipped)
                    continue
            width = len(row)
            for col, i in zip(buffer.columns, index, strict=True):
                col.append(_text(row[i], missing) if i is not None and i < width else None)
            buffer.extra_columns[SHEET_COL].append(sheet)
            buffer.lines.append(number)
            if buffer.full:
                yield buffer.take(min(size, size * done // estimate))
                if on_progress:
                    on_progress(min(size, size * done // estimate))
        if summaries:
            log.info("%s, sheet %r: %d summary row(s) skipped (read.skip_row_patterns)",
                     path.name, sheet, summaries)
    done = estimate
    if buffer:
        yield buffer.take(size)
    if on_progress:
        on_progress(size)
