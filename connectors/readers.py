"""Streaming readers: yield batches of raw text rows with their line numbers.

Memory stays bounded by ``batch_rows`` whatever the file size. Encoding and delimiter are
detected when the profile says ``auto``; Windows-1252 is decoded as Windows-1252, never as
Latin-1 (bytes 0x80–0x9F differ: €, „, “, –).

CSV is decoded in blocks of whole lines (``BLOCK_BYTES``). A block without a quote character
is parsed by polars — there every line is one record split at every delimiter, exactly what
the ``csv`` module would make of it — and any other block by the ``csv`` module, row by row,
continuing into the next blocks while a quoted field runs on. Both give the same records with
the same line numbers (the line a record ends on, as ``csv.reader.line_num`` counts).

Summary lines ("Summe;1234;;", "Anzahl Vorgänge: 1.234") are no records: a line whose first
non-empty field matches one of ``skip_row_patterns`` (regular expressions, as for XLSX) is
skipped and counted in ``Batch.skipped`` — whatever its number of fields — so the import
run can say how many it left out and its figures still add up to the lines delivered.
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import polars as pl

from connectors.errors import InputFileError

log = logging.getLogger(__name__)

SNIFF_BYTES = 1 << 20
DELIMITERS = ";,\t|"
LINE_COL = "__line"
BLOCK_BYTES = 8 << 20  # bytes decoded and parsed at a time
QUOTE = '"'  # the csv module's default quote character
# What str.strip() removes (every character with str.isspace()): the polars path strips the
# same characters as the csv path.
WHITESPACE = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004"
              "\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")
_EOL = re.compile(r"\r\n|\r|\n")  # the line breaks of TextIOWrapper(newline="") and csv
# codecs.lookup names of single-byte encodings a UTF-8 file decodes in without an error
_SINGLE_BYTE = {"cp1252", "iso8859-1", "iso8859-15", "cp850", "mac-roman"}
# polars takes bytes starting like this for gzip, zlib or zstd data and decompresses them;
# "x^" or "x\x01" can start a line of text.
_COMPRESSED = (b"\x1f\x8b", b"x\x01", b"x^", b"x\x9c", b"x\xda", b"(\xb5/\xfd")


@dataclass(frozen=True)
class Batch:
    frame: pl.DataFrame  # one String column per header, plus LINE_COL (1-based line number)
    malformed: list[tuple[int, str, list[str]]]  # (line, reason, raw fields)
    bytes_read: int
    skipped: int = 0  # summary lines (skip_row_patterns) read since the previous batch


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
        self.skipped = 0  # summary rows; readers add to it

    @property
    def full(self) -> bool:
        return len(self.lines) + len(self.malformed) >= self.batch_rows

    def __bool__(self) -> bool:
        return bool(self.lines or self.malformed or self.skipped)

    def take(self, bytes_read: int) -> Batch:
        data = dict(zip(self.wanted, self.columns, strict=True))
        frame = pl.DataFrame(
            {**data, **self.extra_columns, LINE_COL: self.lines},
            schema={**{h: pl.String for h in self.wanted}, **self.extra, LINE_COL: pl.Int64})
        batch = Batch(frame=frame, malformed=self.malformed, bytes_read=bytes_read,
                      skipped=self.skipped)
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


def _check_not_utf8(path: Path, encoding: str, header: list[str], sep: str) -> None:
    """A file declared Windows-1252 (or Latin-1) that is UTF-8 would decode without an error
    — as "FÃ¼hrungszeugnis" — and import garbled text. UTF-8's multi-byte sequences are
    next to impossible in real single-byte text (a letter such as "Ã" before a byte of
    0x80–0xBF, in every case), so a head that decodes as UTF-8 and has one is UTF-8."""
    if codecs.lookup(encoding).name not in _SINGLE_BYTE:
        return
    with path.open("rb") as f:
        head = f.read(SNIFF_BYTES)
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:
            return  # not UTF-8: the declared encoding may well be right
        text = head[:exc.start].decode("utf-8")
    at = next((i for i, ch in enumerate(text) if ord(ch) > 0x7F), None)
    if at is None:
        return  # ASCII only: the same in either encoding
    lines = _EOL.split(text[:at])
    current = lines[-1]
    column = None
    if len(lines) > 1 and QUOTE not in current and current.count(sep) < len(header):
        column = header[current.count(sep)]
    word = re.search(r"\w*$", current).group() + re.match(r"\w*", text[at:]).group()
    raise InputFileError(
        f"die Datei ist UTF-8-kodiert, das Profil sagt {encoding}: '{word}' würde als "
        f"'{word.encode('utf-8').decode(encoding, errors='replace')}' gelesen",
        file=str(path), row=len(lines), column=column,
        fix="im Profil read.encoding = \"utf-8\" (mit BOM: \"utf-8-sig\") oder \"auto\" "
            "setzen",
    )


def _normalise(name: str) -> str:
    return " ".join(name.replace("\ufeff", "").split()).casefold()


class SummaryMatcher:
    """A test for the first non-empty value of a row: does it make it a summary row?

    Calling it runs the patterns (Python regular expressions) on one value. ``prefilter``
    is the same patterns for polars (Rust's regex syntax, the same for ordinary patterns)
    to narrow a column down to candidates before Python confirms them; None when one of
    them is no Rust regex (e.g. a look-ahead) — then Python sees every value."""

    def __init__(self, compiled: list[re.Pattern[str]]) -> None:
        self.compiled = compiled
        self.prefilter: str | None = "|".join(f"(?:{p.pattern})" for p in compiled)
        try:
            pl.Series([""]).str.contains(self.prefilter)
        except pl.exceptions.PolarsError:
            self.prefilter = None

    def __call__(self, first: str) -> bool:
        return any(p.search(first) for p in self.compiled)


def summary_matcher(patterns: Sequence[str], **where: str) -> SummaryMatcher | None:
    """The :class:`SummaryMatcher` of ``patterns``; None without patterns. ``where``
    (file=… or source=…) names the input in the error for a pattern that is no regular
    expression (a loaded profile has checked them already)."""
    compiled = []
    for p in patterns:
        try:
            compiled.append(re.compile(p))
        except re.error as exc:
            raise InputFileError(
                f"read.skip_row_patterns: '{p}' ist kein gültiger regulärer Ausdruck ({exc})",
                fix="Muster im Profil korrigieren, z. B. \"^Summe|^Gesamt\"", **where,
            ) from None
    return SummaryMatcher(compiled) if compiled else None


def first_value(values: Sequence[str]) -> str | None:
    """The first value that is not empty after str.strip(), stripped; None for none."""
    return next((s for s in (v.strip() for v in values) if s), None)



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
    skip_row_patterns: Sequence[str] = (),
    on_progress: Callable[[int], None] | None = None,
    block_bytes: int | None = None,
) -> Iterator[Batch]:
    """Yield batches with only the mapped columns (unmapped columns are dropped on read);
    the file is decoded ``block_bytes`` (default ``BLOCK_BYTES``) at a time."""
    summary = summary_matcher(skip_row_patterns, file=str(path))
    enc = detect_encoding(path, encoding)
    with path.open("rb") as binary:
        blocks = _Blocks(path, binary, enc, block_bytes or BLOCK_BYTES)
        yield from _batches(path, blocks, binary, enc, delimiter, skip_rows, batch_rows,
                            required_headers, list(optional_headers), set(missing), summary,
                            on_progress)


def _batches(path, blocks, binary, enc, delimiter, skip_rows, batch_rows, required, optional,
             missing, summary, on_progress) -> Iterator[Batch]:  # noqa: ANN001, PLR0913
    for _ in range(skip_rows):
        if not blocks.readline():
            raise InputFileError("Datei endet vor der Kopfzeile", file=str(path),
                                 fix="read.skip_rows im Profil verkleinern")
    header_line = blocks.readline()
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
    _check_not_utf8(path, enc, header, sep)
    wanted = [h for h in [*required, *optional] if _normalise(h) in positions]
    blocks.header, blocks.sep = header, sep
    layout = _Layout(sep, len(header), wanted, [positions[_normalise(h)] for h in wanted],
                     sorted(missing), summary)
    pieces = _Pieces(wanted)
    line = skip_rows + 1  # lines of the file consumed so far
    fast = slow = 0
    while (block := blocks.take()) is not None:
        parsed = _parse_block(block, layout, line + 1)
        if parsed is not None:
            fast += 1
            frame, malformed, skipped, used = parsed
        else:
            slow += 1
            frame, malformed, skipped, used = _parse_rows(path, block, blocks, layout, line)
        line += used
        pieces.add(frame, malformed, skipped)
        while pieces.count >= batch_rows:
            yield pieces.take(batch_rows, binary.tell())
            if on_progress:
                on_progress(binary.tell())
    if pieces.count or pieces.skipped:
        yield pieces.take(batch_rows, binary.tell())
    if on_progress:
        on_progress(binary.tell())
    log.debug("read %s as %s, delimiter %r: %d blocks by polars, %d by the csv module",
              path, enc, sep, fast, slow)


@dataclass(frozen=True)
class _Layout:
    """What the parsers need to know about the file's columns."""

    sep: str
    width: int  # fields per record (the header's)
    names: list[str]  # the wanted columns …
    index: list[int]  # … and their positions in a record
    missing: list[str]  # values that mean "no value"
    summary: SummaryMatcher | None = None  # first non-empty value → summary line?


class _Blocks:
    """The file decoded in blocks of whole lines, about ``block_bytes`` each, one at a time.

    A block ends after a line break, never inside one ("\\r\\n" stays together), so its lines
    are the lines the csv module would read. Bytes that are no character in the encoding
    raise :class:`InputFileError` with the row (and, where it is clear, the column)."""

    def __init__(self, path: Path, binary: io.BufferedReader, encoding: str,
                 block_bytes: int) -> None:
        self.path, self.binary, self.encoding = path, binary, encoding
        self.block_bytes = block_bytes
        self.decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
        self.text, self.pos = "", 0  # the current block and how much of it is used
        self.carry = ""  # the start of a line that ends in the next read
        self.newlines = 0  # b"\n" before the bytes being decoded (for the error's row)
        self.eof = False
        self.bad: UnicodeDecodeError | None = None  # raised once the lines before it are read
        self.bad_row = 0
        self.header: list[str] | None = None  # known once the header is read …
        self.sep: str | None = None  # … to name the column of an undecodable byte

    def readline(self) -> str:
        """The next line with its line break; "" at the end of the file."""
        if self.pos >= len(self.text) and not self._load():
            return ""
        found = _EOL.search(self.text, self.pos)
        end = found.end() if found else len(self.text)
        line, self.pos = self.text[self.pos:end], end
        return line

    def take(self) -> str | None:
        """The rest of the current block, else the next one; None at the end of the file."""
        if self.pos >= len(self.text) and not self._load():
            return None
        block = self.text[self.pos:] if self.pos else self.text
        self.text, self.pos = "", 0
        return block

    def _load(self) -> bool:
        if self.bad:
            raise self._undecodable()
        while not self.eof:
            raw = self.binary.read(self.block_bytes)
            self.eof = not raw
            try:
                text = self.carry + self.decoder.decode(raw, final=self.eof)
            except UnicodeDecodeError as exc:
                # The lines before the bad one are handed out first, so the header is known
                # when the error names the column, whatever the block size.
                text = self.carry + codecs.decode(exc.object[:exc.start], self.encoding)
                self.bad = exc
                self.bad_row = self.newlines + exc.object.count(b"\n", 0, exc.start) + 1
                cut = _last_line_end(text)
                self.text, self.pos, self.carry = text[:cut], 0, text[cut:]
                if self.text:
                    return True
                raise self._undecodable() from None
            self.newlines += raw.count(b"\n")
            cut = len(text) if self.eof else _last_line_end(text)
            self.text, self.pos, self.carry = text[:cut], 0, text[cut:]
            if self.text:
                return True
        return False

    def _undecodable(self) -> InputFileError:
        exc = self.bad
        assert exc is not None
        row = column = None
        # exc.object: the bytes given to the decoder after at most a few it held back (the
        # start of a character, never a line break), so its b"\n" before the error count.
        if "a\n".encode(self.encoding).endswith(b"a\n"):  # ASCII line breaks (not UTF-16)
            row = self.bad_row
            current = _EOL.split(self.carry)[-1]  # the bad line up to the bad byte
            if self.header and QUOTE not in current:
                field = current.count(self.sep)
                column = self.header[field] if field < len(self.header) else None
        return InputFileError(
            f"Zeichen nicht lesbar als {self.encoding} ({exc.reason}, Byte "
            f"0x{exc.object[exc.start]:02X})",
            file=str(self.path), row=row, column=column,
            fix="im Profil read.encoding passend setzen (z. B. 'windows-1252' oder 'utf-8-sig')",
        )


def _last_line_end(text: str) -> int:
    """Length of ``text`` up to its last line break. A lone "\\r" counts only before the last
    character: a "\\n" that belongs to it may come with the next read."""
    cut = text.rfind("\n") + 1
    return cut or text.rfind("\r", 0, len(text) - 1) + 1


@lru_cache(maxsize=8)
def _blank_line(sep: str) -> re.Pattern[str]:
    """A line break followed by a line of only whitespace and delimiters."""
    return re.compile(rf"\n(?:[^\S\n]|{re.escape(sep)})*(?=\n|\Z)")


def _blank_lines(block: str, sep: str) -> set[int]:
    """Lines of the block (0-based) that hold only whitespace and delimiters: the csv path
    skips them as no record."""
    pattern = _blank_line(sep)
    first_end = block.find("\n")
    found = {0} if pattern.fullmatch("\n" + block[:first_end if first_end >= 0 else None]) \
        else set()
    end = len(block) - block.endswith("\n")  # the last line break starts no further line
    line, at = 0, 0
    for match in pattern.finditer(block, 0, end):
        line += block.count("\n", at, match.start() + 1)
        at = match.start() + 1
        found.add(line)
    return found


def _parse_block(block: str, layout: _Layout,
                 first_line: int) -> tuple[pl.DataFrame, list, int, int] | None:
    """polars on a block without quote characters: (rows, malformed rows, summary lines,
    lines), or None when the block needs the csv module. Without quotes each line is one
    record split at every delimiter, so the fields per line are counted here (numpy on the
    bytes) and lines with another number are malformed, as in the csv path; polars only
    parses."""
    sep = layout.sep
    if QUOTE in block or block.startswith("\ufeff") or not sep.isascii():
        return None  # quotes; a BOM polars would drop
    data = block.encode("utf-8")
    if data.startswith(_COMPRESSED):
        return None
    raw = np.frombuffer(data, np.uint8)
    returns = np.flatnonzero(raw == ord("\r"))
    if returns.size and (returns[-1] + 1 == raw.size or (raw[returns + 1] != ord("\n")).any()):
        return None  # a lone "\r": a line break for the csv module, not for polars
    ends = np.flatnonzero(raw == ord("\n"))
    if not data.endswith(b"\n"):
        ends = np.append(ends, len(data))
    fields = np.diff(np.searchsorted(np.flatnonzero(raw == ord(sep)), ends), prepend=0) + 1
    skip = _blank_lines(block, sep)
    malformed = []
    skipped = 0
    for i in np.flatnonzero(fields != layout.width).tolist():
        if i not in skip:
            start = int(ends[i - 1]) + 1 if i else 0
            row = data[start:int(ends[i])].decode("utf-8").removesuffix("\r").split(sep)
            if layout.summary and layout.summary(first_value(row) or ""):
                skipped += 1
            else:
                malformed.append(_malformed(first_line + i, row, layout.width))
            skip.add(i)
    try:
        frame = pl.read_csv(
            data, has_header=False, separator=sep, quote_char=None,
            schema={str(i): pl.String for i in range(layout.width)},
            # a summary line is known by its first non-empty field: every column is needed
            columns=None if layout.summary else sorted(set(layout.index)),
            empty_string_is_null=False, truncate_ragged_lines=True, raise_if_empty=False)
    except (pl.exceptions.PolarsError, OSError):
        return None
    if frame.height != len(ends):
        return None  # polars saw other lines than the csv module would
    lines = pl.int_range(first_line, first_line + frame.height, dtype=pl.Int64).alias(LINE_COL)
    if layout.summary:
        frame = frame.with_columns(lines)
        if skip:
            frame = frame.filter(~pl.col(LINE_COL).is_in([first_line + i for i in sorted(skip)]))
            skip = set()
        frame, found = _drop_summaries(frame, layout)
        skipped += found
        lines = pl.col(LINE_COL)
    frame = frame.select(
        *[_clean(pl.col(str(i)), layout.missing).alias(name)
          for name, i in zip(layout.names, layout.index, strict=True)], lines)
    if skip:
        frame = frame.filter(~pl.col(LINE_COL).is_in([first_line + i for i in sorted(skip)]))
    return frame, malformed, skipped, len(ends)


def _drop_summaries(frame: pl.DataFrame, layout: _Layout) -> tuple[pl.DataFrame, int]:
    """The rows of a polars-parsed block without its summary lines, and how many there were.
    The first non-empty field of each row is found by polars; the patterns (Python regular
    expressions, as on the csv path) run once per distinct value."""
    stripped = [pl.col(str(i)).str.strip_chars(WHITESPACE) for i in range(layout.width)]
    first = frame.select(pl.coalesce([pl.when(s != "").then(s) for s in stripped])).to_series()
    summary = layout.summary
    assert summary is not None
    candidates = first.drop_nulls()
    if summary.prefilter is not None:
        candidates = candidates.filter(candidates.str.contains(summary.prefilter))
    hits = [v for v in candidates.unique().to_list() if summary(v)]
    if not hits:
        return frame, 0
    is_summary = first.is_in(hits)
    return frame.filter(~is_summary), int(is_summary.sum())


def _malformed(line: int, row: list[str], width: int) -> tuple[int, str, list[str]]:
    return (line, f"{len(row)} Felder statt {width} — Trennzeichen oder Anführungszeichen "
                  "in dieser Zeile prüfen", row)


def _clean(value: pl.Expr, missing: list[str]) -> pl.Expr:
    value = value.str.strip_chars(WHITESPACE)
    return pl.when(value.is_in(missing)).then(None).otherwise(value) if missing else value


def _parse_rows(path: Path, block: str, blocks: _Blocks, layout: _Layout,
                line: int) -> tuple[pl.DataFrame, list, int, int]:
    """The csv module on a block, row by row: (rows, malformed rows, summary lines, lines
    used). A quoted
    field still open at the block's end continues into the next blocks; then this goes on
    to the end of the block where that record ends."""
    loaded = [0]  # lines handed to the csv module

    def lines() -> Iterator[str]:
        more = block
        while more is not None:
            part = io.StringIO(more, newline="").readlines()
            loaded[0] += len(part)
            yield from part
            more = blocks.take()

    reader = csv.reader(lines(), delimiter=layout.sep)
    columns: list[list[str | None]] = [[] for _ in layout.names]
    numbers: list[int] = []
    malformed: list[tuple[int, str, list[str]]] = []
    width, index, missing = layout.width, layout.index, set(layout.missing)
    summary, skipped = layout.summary, 0
    try:
        for row in reader:
            if not row or all(not v.strip() for v in row):
                pass  # blank line: not a record
            elif summary and summary(first_value(row) or ""):
                skipped += 1
            elif len(row) != width:
                malformed.append(_malformed(line + reader.line_num, row, width))
            else:
                for col, i in zip(columns, index, strict=True):
                    value = row[i].strip()
                    col.append(None if value in missing else value)
                numbers.append(line + reader.line_num)
            if reader.line_num == loaded[0]:
                break  # the record ends with the lines loaded so far: end of a block
    except csv.Error as exc:
        raise InputFileError(f"CSV nicht lesbar: {exc}", file=str(path),
                             row=line + reader.line_num,
                             fix="Anführungszeichen in dieser Zeile prüfen") from None
    frame = pl.DataFrame({**dict(zip(layout.names, columns, strict=True)), LINE_COL: numbers},
                         schema={**{h: pl.String for h in layout.names}, LINE_COL: pl.Int64})
    return frame, malformed, skipped, reader.line_num


class _Pieces:
    """Parsed rows in file order, handed out as batches of ``batch_rows`` records (rows and
    malformed rows together) — the same cut as a row-by-row reader's."""

    def __init__(self, names: list[str]) -> None:
        self.schema = {**{h: pl.String for h in names}, LINE_COL: pl.Int64}
        self.frames: list[pl.DataFrame] = []
        self.malformed: list[tuple[int, str, list[str]]] = []
        self.count = 0
        self.skipped = 0  # summary lines since the last batch: they go with the next one

    def add(self, frame: pl.DataFrame, malformed: list, skipped: int = 0) -> None:
        if frame.height:
            self.frames.append(frame)
        self.malformed += malformed
        self.count += frame.height + len(malformed)
        self.skipped += skipped

    def take(self, size: int, bytes_read: int) -> Batch:
        frame = (pl.concat(self.frames) if self.frames
                 else pl.DataFrame(schema=self.schema))
        malformed = self.malformed
        if self.count > size:
            last = frame[LINE_COL][size - 1] if not malformed else sorted(
                frame[LINE_COL].head(size).to_list() + [m[0] for m in malformed[:size]]
            )[size - 1]  # the line of the batch's last record
            rows = frame[LINE_COL].search_sorted(last, side="right")
            frame, rest = frame.head(rows), frame.slice(rows)
            malformed = [m for m in self.malformed if m[0] <= last]
            self.frames = [rest] if rest.height else []
            self.malformed = self.malformed[len(malformed):]
        else:
            self.frames, self.malformed = [], []
        self.count -= frame.height + len(malformed)
        skipped, self.skipped = self.skipped, 0
        return Batch(frame=frame, malformed=malformed, bytes_read=bytes_read, skipped=skipped)
