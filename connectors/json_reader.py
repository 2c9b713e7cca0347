"""Streaming JSON reader: yields the same ``Batch`` shape as the CSV reader.

Layouts, detected from the first non-whitespace character:

1. NDJSON / JSON Lines — one object per line;
2. a JSON array of objects ``[{...}, {...}]``; with ``record_path`` (e.g. ``"data"`` or
   ``"results.items"``) the array sits under that key of an API-style response
   ``{"data": [...]}``;
3. objects separated by commas without enclosing brackets, as the city of Moers publishes
   them: ``{"wait": 69, "hour": 12},{"wait": 59, "hour": 11},`` (any whitespace or newlines
   between objects, trailing comma allowed). Layouts 1 and 3 are read by the same loop:
   objects separated by whitespace and at most one comma.

Every layout is streamed: the file is decoded in chunks of ``CHUNK_BYTES`` into a sliding
text buffer and ``json.JSONDecoder.raw_decode`` takes one record at a time, so memory stays
bounded by ``batch_rows`` plus one chunk plus the largest single record. With
``record_path`` the document is walked key by key to the array (other values are skipped
element by element, never loaded whole), its records are read one at a time, and the rest
of the document is checked to the end. (A streaming parser such as ijson would be a new
dependency, give numbers as ``Decimal`` and other error texts; this walker reuses the same
decoder, value conversion and error messages — record number, text line and offset — as the
other layouts.)

Values become text like the CSV reader's cells: strings stripped, ints ``"69"``, floats in
their shortest form (``"12.5"``; integral floats such as ``12.0`` as ``"12"`` so integer
fields still parse), booleans ``"true"``/``"false"``, ``null`` and ``NaN`` → ``None``, nested
objects and lists → compact JSON text; a value listed in ``missing`` → ``None``. ``LINE_COL``
holds the 1-based record number (the N-th value in the file), not the text line.
"""

from __future__ import annotations

import codecs
import json
import logging
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, BinaryIO

from connectors.errors import InputFileError
from connectors.readers import Batch, BatchBuffer, _normalise, summary_matcher

log = logging.getLogger(__name__)

CHUNK_BYTES = 1 << 20
RAW_LIMIT = 1_000  # characters of a malformed record kept for the error report
_WS = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()
_BROKEN_FIX = ("die Datei an dieser Stelle prüfen (fehlendes Komma oder Anführungszeichen, "
               "abgeschnittener Download?) und neu exportieren bzw. herunterladen")
_MESSAGES = {  # json's English messages, in the words of our error texts
    "Expecting ',' delimiter": "',' erwartet",
    "Expecting ':' delimiter": "':' erwartet",
    "Expecting value": "Wert erwartet",
    "Expecting property name enclosed in double quotes":
        "Schlüssel in doppelten Anführungszeichen erwartet",
    "Unterminated string starting at": "Zeichenkette ohne schließendes Anführungszeichen",
    "Invalid control character at": "Steuerzeichen in einer Zeichenkette",
    "Invalid \\escape": "ungültige Escape-Sequenz",
    "Invalid \\uXXXX escape": "ungültige \\uXXXX-Escape-Sequenz",
    "Extra data": "weitere Daten nach dem Ende des Dokuments",
}


def detect_json_encoding(path: Path, declared: str) -> str:
    """BOM → utf-8-sig (or utf-16); otherwise UTF-8, which RFC 8259 requires for JSON."""
    if declared != "auto":
        return declared
    with path.open("rb") as f:
        head = f.read(4)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return "utf-8"


def read_json_batches(
    path: Path,
    *,
    encoding: str = "auto",
    batch_rows: int = 100_000,
    required_headers: list[str],
    optional_headers: list[str] = (),
    missing: list[str] = (),
    record_path: str | None = None,
    skip_row_patterns: Sequence[str] = (),
    on_progress: Callable[[int], None] | None = None,
) -> Iterator[Batch]:
    """Yield batches of JSON records as text columns (see the module docstring).

    Columns: every required and optional header (``None`` where a record lacks the key), plus
    ``LINE_COL``. Keys match headers like CSV headers do: case and inner whitespace ignored.
    Raises ``InputFileError`` for undecodable bytes, broken JSON (with record number, text
    line/column and character offset) and for a first record without a required key; a
    record that is not an object goes to ``Batch.malformed``.
    """
    path = Path(path)
    enc = detect_json_encoding(path, encoding)
    with path.open("rb") as binary:
        src = _Source(path, binary, enc)
        records = _under_path(src, record_path) if record_path else _stream(src)
        yield from record_batches(records, origin={"file": str(path)}, position=binary.tell,
                                  batch_rows=batch_rows, required_headers=required_headers,
                                  optional_headers=optional_headers, missing=missing,
                                  skip_row_patterns=skip_row_patterns, on_progress=on_progress)
    log.debug("read %s as JSON (%s)", path, enc)


class _Source:
    """Decoded text of the file in a sliding buffer; ``pos`` is the next unread character."""

    def __init__(self, path: Path, binary: BinaryIO, enc: str) -> None:
        self.path, self.binary, self.enc = path, binary, enc
        self.decoder = codecs.getincrementaldecoder(enc)(errors="strict")
        self.buf = ""
        self.pos = 0
        self.base = 0  # characters before buf[0]
        self.lines = 0  # newlines before buf[0]
        self.eof = False
        self.started = False

    def more(self) -> None:
        """Drop consumed text and append the next chunk (sets ``eof`` at the end)."""
        if self.eof:
            return
        if self.pos:
            self.lines += self.buf.count("\n", 0, self.pos)
            self.base += self.pos
            self.buf = self.buf[self.pos:]
            self.pos = 0
        start = self.binary.tell()
        chunk = self.binary.read(CHUNK_BYTES)
        pending = len(self.decoder.getstate()[0])
        try:
            text = self.decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError as exc:
            byte = exc.object[exc.start] if exc.start < len(exc.object) else 0
            raise InputFileError(
                f"Zeichen nicht lesbar als {self.enc} ({exc.reason}, Byte 0x{byte:02X} an "
                f"Byte-Position {start - pending + exc.start})",
                file=str(self.path),
                fix="JSON muss UTF-8 sein: die Datei als UTF-8 exportieren oder im Profil "
                    "read.encoding passend setzen (z. B. 'windows-1252')",
            ) from None
        if not self.started:
            self.started = True
            text = text.removeprefix("\ufeff")  # a BOM despite a declared 'utf-8'
        self.buf += text
        self.eof = not chunk

    def peek(self) -> str:
        """Skip whitespace; return the next character, or '' at the end of the file."""
        while True:
            self.pos = _WS.match(self.buf, self.pos).end()
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if self.eof:
                return ""
            self.more()

    def value(self, record: int) -> Any:
        """Decode the JSON value at ``pos``, reading more text while it is incomplete."""
        last = None
        while True:
            try:
                value, end = _DECODER.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as exc:
                seen = (exc.msg, self.base + exc.pos)
                # More text may complete a value cut at the buffer's end. The same error
                # again after another chunk is real — except an unterminated string, which
                # only the end of the file proves, and an error so near the buffer's end
                # that a literal cut by more than one chunk boundary may cause it ("nu").
                near_end = len(self.buf) - exc.pos < 16
                if self.eof or (seen == last and not near_end
                                and exc.msg != "Unterminated string starting at"):
                    raise self.broken(record, exc) from None
                last = seen
                self.more()
                continue
            if end == len(self.buf) and not self.eof and not isinstance(value, dict | list | str):
                self.more()  # a bare number or literal at the buffer's end may go on
                continue
            self.pos = end
            return value

    def rest(self) -> str:
        while not self.eof:
            self.more()
        return self.buf[self.pos:]

    def where(self, index: int) -> str:
        """'Textzeile L, Spalte C, Zeichen-Offset O' for buffer index ``index``."""
        line = self.lines + self.buf.count("\n", 0, index) + 1
        col = index - self.buf.rfind("\n", 0, index)
        return f"Textzeile {line}, Spalte {col}, Zeichen-Offset {self.base + index}"

    def broken(self, record: int | None, exc: json.JSONDecodeError,
               fix: str = _BROKEN_FIX) -> InputFileError:
        what = _MESSAGES.get(exc.msg, exc.msg)
        near = self.buf[max(exc.pos - 30, 0):exc.pos + 30].replace("\n", "⏎")
        label = f"Datensatz {record}" if record else "Dokument"
        return InputFileError(
            f"{label} ist kein gültiges JSON: {what} ({self.where(exc.pos)}; "
            f"Umgebung: {near!r})",
            file=str(self.path), row=record, fix=fix,
        )

    def error(self, what: str, record: int | None, fix: str) -> InputFileError:
        return InputFileError(f"{what} ({self.where(self.pos)})", file=str(self.path),
                              row=record, fix=fix)


def _stream(src: _Source) -> Iterator[tuple[int, Any]]:
    """(record number, value) for layouts 1–3, one value at a time."""
    first = src.peek()
    if first == "":
        raise InputFileError("keine Datensätze gefunden (Datei leer?)", file=str(src.path),
                             fix="Export prüfen")
    if first not in "{[":
        raise src.error(f"keine JSON-Datei: beginnt mit {first!r} statt '{{' oder '['", 1,
                        "source.format im Profil prüfen (CSV?) oder die Datei neu exportieren")
    if first == "[":
        yield from _array(src)
        return
    n = 0
    while src.peek():
        n += 1
        yield n, src.value(n)
        if src.peek() == ",":  # Moers: objects separated by commas, trailing comma allowed
            src.pos += 1


def _array(src: _Source, top_level: bool = True) -> Iterator[tuple[int, Any]]:
    src.pos += 1  # '['
    n = 0
    expect_value = True  # after '[' or ','
    while True:
        c = src.peek()
        if c == "]":  # also accepts a trailing comma: [{...},]
            src.pos += 1
            break
        if c == "":
            raise src.error(f"Array nicht geschlossen (']' fehlt) nach Datensatz {n}", n or None,
                            "Datei vollständig neu exportieren bzw. herunterladen")
        if not expect_value:
            raise src.error(f"',' oder ']' erwartet nach Datensatz {n}, gefunden {c!r}", n + 1,
                            _BROKEN_FIX)
        n += 1
        yield n, src.value(n)
        expect_value = src.peek() == ","
        if expect_value:
            src.pos += 1
    if not top_level:
        return
    trailing = src.peek()
    if trailing:
        raise src.error(f"weitere Daten nach dem Ende des Arrays: {trailing!r}", None,
                        "nur ein Array je Datei, oder ein Objekt je Zeile (NDJSON)")


def _under_path(src: _Source, record_path: str) -> Iterator[tuple[int, Any]]:
    """Layout 2 under ``record_path``, streamed (see the module docstring)."""
    first = src.peek()
    if first == "":
        raise InputFileError("keine Datensätze gefunden (Datei leer?)", file=str(src.path),
                             fix="Export prüfen")
    if first not in "{[":
        raise src.error(f"keine JSON-Datei: beginnt mit {first!r} statt '{{' oder '['", None,
                        "source.format im Profil prüfen (CSV?) oder die Datei neu exportieren")
    parts = record_path.split(".")
    open_levels: list[Iterator] = []  # the containers around the records, still to be closed
    for depth, part in enumerate(parts):
        at = ".".join(parts[:depth]) or "oberster Ebene"
        c = src.peek()
        level = (_members(src) if c == "{" else _elements(src) if c == "[" and part.isdigit()
                 else None)
        if level is None:
            raise _path_error(f"read.record_path '{record_path}': '{part}' fehlt unter {at}; "
                              f"dort steht {_describe(src)}", src)
        seen = []
        for name in level:
            if str(name) == part:
                break
            seen.append(name)
            _skip(src)
        else:
            if depth == 0:
                _expect_end(src)  # several documents: record_path cannot apply
            found = (f"Schlüssel dort: {', '.join(repr(k) for k in seen)}" if c == "{"
                     else f"dort steht ein Array mit {len(seen)} Einträgen")
            raise _path_error(f"read.record_path '{record_path}': '{part}' fehlt unter {at}; "
                              f"{found}", src)
        open_levels.append(level)
    if src.peek() != "[":
        raise _path_error(f"read.record_path '{record_path}' zeigt auf {_describe(src)}, "
                          "nicht auf ein Array von Datensätzen", src,
                          "read.record_path im Profil auf die Liste der Datensätze setzen")
    yield from _array(src, top_level=False)
    for level in reversed(open_levels):  # the rest of the document must be valid JSON too
        for _ in level:
            _skip(src)
    _expect_end(src)


def _path_error(what: str, src: _Source,
                fix: str = "read.record_path im Profil an die Datei anpassen") -> InputFileError:
    return InputFileError(what, file=str(src.path), fix=fix)


def _members(src: _Source) -> Iterator[str]:
    """The keys of the object at ``pos``; after each, ``pos`` is at its value, which the
    caller must consume before asking for the next key."""
    src.pos += 1  # '{'
    first = True
    while True:
        c = src.peek()
        if c == "}":
            src.pos += 1
            return
        if not first:
            if c != ",":
                raise _unexpected(src, "',' oder '}'", c)
            src.pos += 1
            c = src.peek()
        if c != '"':
            raise _unexpected(src, "Schlüssel in doppelten Anführungszeichen", c)
        key = src.value(None)
        if src.peek() != ":":
            raise _unexpected(src, "':'", src.peek())
        src.pos += 1
        first = False
        yield key


def _elements(src: _Source) -> Iterator[int]:
    """The indexes of the array at ``pos``, like ``_members``."""
    src.pos += 1  # '['
    i = 0
    while True:
        c = src.peek()
        if c == "]":
            src.pos += 1
            return
        if i:
            if c != ",":
                raise _unexpected(src, "',' oder ']'", c)
            src.pos += 1
            c = src.peek()
        if c in ("]", ""):
            raise _unexpected(src, "ein Wert", c)
        yield i
        i += 1


def _skip(src: _Source) -> None:
    """Consume the value at ``pos`` without holding more than one scalar of it."""
    c = src.peek()
    if c == "{":
        for _ in _members(src):
            _skip(src)
    elif c == "[":
        for _ in _elements(src):
            _skip(src)
    elif c == "":
        raise _unexpected(src, "ein Wert", c)
    else:
        src.value(None)


def _describe(src: _Source) -> str:
    """What the value at ``pos`` is, for an error message (consumes it)."""
    c = src.peek()
    if c == "{":
        return "ein Objekt"
    if c == "[":
        n = 0
        for _ in _elements(src):
            _skip(src)
            n += 1
        return f"ein Array mit {n} Einträgen"
    return _kind(src.value(None))


def _unexpected(src: _Source, expected: str, found: str) -> InputFileError:
    found = repr(found) if found else "das Dateiende"
    return src.error(f"Dokument ist kein gültiges JSON: {expected} erwartet, gefunden {found}",
                     None, _BROKEN_FIX)


def _expect_end(src: _Source) -> None:
    if src.peek():
        raise src.broken(None, json.JSONDecodeError("Extra data", src.buf, src.pos), (
            "read.record_path gilt nur für ein einzelnes JSON-Dokument; für eine Datei mit "
            "einem Objekt je Zeile oder kommagetrennten Objekten read.record_path entfernen"))


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "ein Objekt"
    if isinstance(value, list):
        return f"ein Array mit {len(value)} Einträgen"
    return f"der Wert {json.dumps(value, ensure_ascii=False)[:40]}"


def _text(value: Any, missing: set[str]) -> str | None:
    kind = type(value)  # exact types first: this runs once per value
    if kind is int:
        text = str(value)
    elif kind is str:
        text = value.strip()
    elif value is None:
        return None
    elif kind is bool:
        text = "true" if value else "false"
    elif kind is float:
        if value != value:  # NaN, as pandas writes missing numbers
            return None
        text = str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    else:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return None if text in missing else text


def _check_first(origin: dict, record: dict, n: int, required: list[str]) -> None:
    keys = {_normalise(str(k)) for k in record}
    absent = [h for h in required if _normalise(h) not in keys]
    if not absent:
        return
    fix = "Schlüsselnamen im Profil ([columns]) an die Datei anpassen"
    nested = [k for k, v in record.items() if isinstance(v, list | dict)]
    if nested:
        fix = (f"die Datensätze stehen vermutlich unter {nested[0]!r} — read.record_path = "
               f"\"{nested[0]}\" im Profil setzen, sonst " + fix)
    raise InputFileError(
        f"Schlüssel fehlen im ersten Datensatz: {', '.join(repr(h) for h in absent)}; "
        f"gefunden: {', '.join(repr(k) for k in record) or '(keine)'}",
        row=n, column=absent[0], fix=fix, **origin,
    )


def record_batches(
    records: Iterable[tuple[int, Any]],
    *,
    origin: dict,
    position: Callable[[], int],
    batch_rows: int,
    required_headers: list[str],
    optional_headers: list[str] = (),
    missing: list[str] = (),
    skip_row_patterns: Sequence[str] = (),
    on_progress: Callable[[int], None] | None = None,
) -> Iterator[Batch]:
    """Batches of text columns from decoded JSON records ``(record number, value)`` — of a
    file here, of web API pages in connectors/pull_http.py. ``origin`` names the input in
    errors (``{"file": …}`` or ``{"source": …}``); ``position`` is the progress so far.
    A record whose first non-empty value matches one of ``skip_row_patterns`` (a totals
    entry such as ``{"Standort": "Gesamt", …}``) is counted in ``Batch.skipped``."""
    summary = summary_matcher(skip_row_patterns, **origin)
    required, missing = required_headers, set(missing)
    wanted = list(dict.fromkeys([*required, *optional_headers]))
    norm = [_normalise(h) for h in wanted]
    buffer = BatchBuffer(wanted, batch_rows)
    checked = False
    for n, record in records:
        if not isinstance(record, dict):
            raw = json.dumps(record, ensure_ascii=False)
            buffer.malformed.append((n, f"Datensatz ist kein JSON-Objekt, sondern {_kind(record)}",
                              [raw[:RAW_LIMIT]]))
        elif summary and summary(next((t for t in (_text(v, {""}) for v in record.values())
                                       if t is not None), "")):
            buffer.skipped += 1
        else:
            if not checked:
                _check_first(origin, record, n, required)
                checked = True
            by_norm = None
            for col, header, key in zip(buffer.columns, wanted, norm, strict=True):
                if header in record:
                    value = record[header]
                else:  # keys match headers like CSV headers: case and spacing ignored
                    if by_norm is None:
                        by_norm = {_normalise(str(k)): v for k, v in record.items()}
                    value = by_norm.get(key)
                col.append(_text(value, missing))
            buffer.lines.append(n)
        if buffer.full:
            yield buffer.take(position())
            if on_progress:
                on_progress(position())
    if buffer:
        yield buffer.take(position())
    if on_progress:
        on_progress(position())
