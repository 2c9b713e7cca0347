"""Streaming readers: yield batches of raw text rows with their line numbers.

Memory stays bounded by ``batch_rows`` whatever the file size. Encoding and delimiter are
detected when the profile says ``auto``; Windows-1252 is decoded as Windows-1252, never as
Latin-1 (bytes 0x80–0x9F differ: €, „, “, –).
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from connectors.errors import InputFileError

log = logging.getLogger(__name__)

SNIFF_BYTES = 1 << 20
DELIMITERS = ";,\t|"
LINE_COL = "__line"


@dataclass(frozen=True)
class Batch:
    frame: pl.DataFrame  # one String column per header, plus LINE_COL (1-based line number)
    malformed: list[tuple[int, str, list[str]]]  # (line, reason, raw fields)
    bytes_read: int


class BatchBuffer:
    """The one batching rule of every reader: rows collected column by column (readers
    append to ``columns`` and ``lines`` directly, so the per-row loop stays lean) and
    handed out as a :class:`Batch` once ``batch_rows`` rows are held."""

    def __init__(self, wanted: list[str], batch_rows: int,
                 extra: dict[str, pl.DataType] | None = None) -> None:
        self.wanted, self.batch_rows = wanted, batch_rows
        self.extra = extra or {}  # more String-like columns, e.g. the XLSX sheet name
        self._reset()

    def _reset(self) -> None:
        self.columns: list[list[str | None]] = [[] for _ in self.wanted]
        self.extra_columns: dict[str, list] = {name: [] for name in self.extra}
        self.lines: list[int] = []
        self.malformed: list[tuple[int, str, list[str]]] = []

    @property
    def full(self) -> bool:
        return len(self.lines) + len(self.malformed) >= self.batch_rows

    def __bool__(self) -> bool:
        return bool(self.lines or self.malformed)

    def take(self, bytes_read: int) -> Batch:
        data = dict(zip(self.wanted, self.columns, strict=True))
        frame = pl.DataFrame(
            {**data, **self.extra_columns, LINE_COL: self.lines},
            schema={**{h: pl.String for h in self.wanted}, **self.extra, LINE_COL: pl.Int64})
        batch = Batch(frame=frame, malformed=self.malformed, bytes_read=bytes_read)
        self._reset()
        return batch


def detect_encoding(path: Path, declared: str) -> str:
    if declared != "auto":
        return declared
    with path.open("rb") as f:
        head = f.read(SNIFF_BYTES)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut at the sniff boundary
            return "windows-1252"
    return "utf-8"


def detect_delimiter(header_line: str, declared: str) -> str:
    if declared != "auto":
        return declared
    counts = {d: header_line.count(d) for d in DELIMITERS}
    best = max(counts, key=counts.get)
    return best if counts[best] > 0 else ";"


def _normalise(name: str) -> str:
    return " ".join(name.replace("\ufeff", "").split()).casefold()


def read_csv_batches(
    path: Path,
    *,
    encoding: str = "auto",
    delimiter: str = "auto",
    skip_rows: int = 0,
    batch_rows: int = 100_000,
    required_headers: list[str],
    optional_headers: list[str] = (),
    missing: list[str] = (),
    on_progress: Callable[[int], None] | None = None,
) -> Iterator[Batch]:
    """Yield batches with only the mapped columns (unmapped columns are dropped on read)."""
    enc = detect_encoding(path, encoding)
    binary = path.open("rb")
    text = io.TextIOWrapper(binary, encoding=enc, newline="", errors="strict")
    try:
        yield from _batches(path, text, binary, enc, delimiter, skip_rows, batch_rows,
                            required_headers, list(optional_headers), set(missing), on_progress)
    except UnicodeDecodeError as exc:
        raise InputFileError(
            f"Zeichen nicht lesbar als {enc} ({exc.reason}, Byte 0x{exc.object[exc.start]:02X})",
            file=str(path),
            fix="im Profil read.encoding passend setzen (z. B. 'windows-1252' oder 'utf-8-sig')",
        ) from None
    finally:
        text.close()


def _batches(path, text, binary, enc, delimiter, skip_rows, batch_rows, required, optional,
             missing, on_progress) -> Iterator[Batch]:  # noqa: ANN001, PLR0913
    for _ in range(skip_rows):
        if not text.readline():
            raise InputFileError("Datei endet vor der Kopfzeile", file=str(path),
                                 fix="read.skip_rows im Profil verkleinern")
    header_line = text.readline()
    if not header_line.strip():
        raise InputFileError("keine Kopfzeile gefunden (Datei leer?)", file=str(path),
                             row=skip_rows + 1, fix="Export prüfen oder read.skip_rows anpassen")
    sep = detect_delimiter(header_line, delimiter)
    header = next(csv.reader([header_line], delimiter=sep))
    positions = {_normalise(h): i for i, h in enumerate(header)}
    missing_cols = [h for h in required if _normalise(h) not in positions]
    if missing_cols:
        hint = "Spaltenüberschriften im Profil ([columns]) an die Datei anpassen"
        if len(header) == 1:
            others = [d for d in DELIMITERS if d != sep and d in header_line]
            if others:
                hint = (f"die Datei ist vermutlich mit '{others[0]}' getrennt, nicht mit "
                        f"'{sep}' — read.delimiter im Profil setzen")
        raise InputFileError(
            f"Spalte(n) fehlen: {', '.join(repr(c) for c in missing_cols)}; gefunden: "
            f"{', '.join(repr(h) for h in header)}",
            file=str(path), row=skip_rows + 1, column=missing_cols[0], fix=hint,
        )
    wanted = [h for h in [*required, *optional] if _normalise(h) in positions]
    index = [positions[_normalise(h)] for h in wanted]
    width = len(header)
    reader = csv.reader(text, delimiter=sep)
    line_offset = skip_rows + 1  # csv line_num counts from the reader's first line
    buffer = BatchBuffer(wanted, batch_rows)
    columns, lines = buffer.columns, buffer.lines
    for row in reader:
        line = reader.line_num + line_offset
        if not row or all(not v.strip() for v in row):
            continue  # blank line: not a record
        if len(row) != width:
            buffer.malformed.append((line, f"{len(row)} Felder statt {width} — Trennzeichen "
                                           "oder Anführungszeichen in dieser Zeile prüfen", row))
        else:
            for col, i in zip(columns, index, strict=True):
                value = row[i].strip()
                col.append(None if value in missing else value)
            lines.append(line)
        if buffer.full:
            yield buffer.take(binary.tell())
            if on_progress:
                on_progress(binary.tell())
            columns, lines = buffer.columns, buffer.lines
    if buffer:
        yield buffer.take(binary.tell())
    if on_progress:
        on_progress(binary.tell())
    log.debug("read %s as %s, delimiter %r", path, enc, sep)
