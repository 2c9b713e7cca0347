"""The block-wise CSV reader: blocks without quotes are parsed by polars, blocks with quotes
by the csv module. Whichever way a block goes and wherever a block boundary falls — inside a
line, inside a quoted field, between the bytes of a character — the records, their line
numbers, the malformed rows and the batches are the same. Checked with every block size from
1 byte to the whole file, against values worked out by hand."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from sqlalchemy import select

import connectors.readers as readers
from connectors.db import get_engine
from connectors.errors import InputFileError
from connectors.importer import import_file
from connectors.profiles import profile_for, resolve_profile
from connectors.readers import LINE_COL, read_csv_batches
from connectors.store import RejectedRow
from tests.conftest import KLEINSTADT

EXPORT = (
    "Bericht Vorgänge Januar\r\n"                       # 1 title: skip_rows = 1
    "Nr;Leistung;Kanal;Notiz\r\n"                       # 2 header
    "1;Ummelden;Post;ok\r\n"                            # 3
    '2;"Gebühr; 12 €";Online;"zwei\r\nZeilen"\r\n'      # 4–5 one record (ends on line 5)
    "3;Pass;Vor Ort;-\r\n"                              # 6 "-" means missing
    "\r\n"                                              # 7 blank: no record
    "4;Ausweis;Post\r\n"                                # 8 three fields: malformed
    "5;Führerschein; Post ;NA\r\n"                      # 9 stripped; "NA" means missing
    ";;;\r\n"                                           # 10 only delimiters: no record
    '6;"a ""b""";E-Mail;x\r\n'                          # 11 a doubled quote
    "7;ä€;Post;y;z\r\n"                                 # 12 five fields: malformed
    "8;Zulassung;Post;ä€"                               # 13 no line break at the end
)
HEADERS = ["Nr", "Leistung", "Kanal", "Notiz"]
ROWS = [
    ("1", "Ummelden", "Post", "ok", 3),
    ("2", "Gebühr; 12 €", "Online", "zwei\r\nZeilen", 5),
    ("3", "Pass", "Vor Ort", None, 6),
    ("5", "Führerschein", "Post", None, 9),
    ("6", 'a "b"', "E-Mail", "x", 11),
    ("8", "Zulassung", "Post", "ä€", 13),
]
MALFORMED = [(8, 3, ["4", "Ausweis", "Post"]), (12, 5, ["7", "ä€", "Post", "y", "z"])]


def _write(tmp_path: Path, text: str, encoding: str) -> Path:
    path = tmp_path / "export.csv"
    path.write_bytes(text.encode(encoding))
    return path


def _read(path: Path, block_bytes: int, batch_rows: int = 100, **kw) -> list:  # noqa: ANN003
    kw = {"encoding": "auto", "delimiter": ";", "skip_rows": 1, "required_headers": HEADERS,
          "missing": ["", "-", "NA"], **kw}
    return list(read_csv_batches(path, batch_rows=batch_rows, block_bytes=block_bytes, **kw))


def _records(batches: list) -> tuple[list, list]:
    rows = [r for b in batches for r in b.frame.select(*HEADERS, LINE_COL).rows()]
    malformed = [(line, int(reason.split()[0]), raw)
                 for b in batches for line, reason, raw in b.malformed]
    return rows, malformed


@pytest.mark.parametrize("encoding", ["windows-1252", "utf-8"])
def test_every_block_size_gives_the_same_records_and_line_numbers(tmp_path, encoding) -> None:
    """Every byte position is a block boundary for one of the sizes: in the middle of a line,
    inside the quoted field with ";" and a line break, on € (0x80 in Windows-1252, three
    bytes in UTF-8) and ä (0xE4; two bytes in UTF-8)."""
    path = _write(tmp_path, EXPORT, encoding)
    size = path.stat().st_size
    for block_bytes in range(1, size + 2):
        assert _records(_read(path, block_bytes)) == (ROWS, MALFORMED), block_bytes


def test_a_windows_1252_byte_at_a_block_boundary(tmp_path) -> None:
    path = _write(tmp_path, EXPORT, "windows-1252")
    data = path.read_bytes()
    euro, umlaut = data.index(b"\x80"), data.index(b"\xe4")
    for at in (euro, euro + 1, umlaut, umlaut + 1):  # the byte ends one read or starts the next
        rows, _ = _records(_read(path, at))
        assert rows[1][1] == "Gebühr; 12 €" and rows[-1][3] == "ä€", at


def test_quoted_blocks_go_to_the_csv_module_and_the_others_to_polars(tmp_path,
                                                                     monkeypatch) -> None:
    """With 48-byte blocks some blocks hold quotes and some do not: both paths run, polars
    takes over again after a quoted record has ended, and the result is the hand-made one."""
    path = _write(tmp_path, EXPORT, "windows-1252")
    paths: list[str] = []
    parse_block = readers._parse_block

    def spy(block, layout, first_line):  # noqa: ANN001, ANN202
        parsed = parse_block(block, layout, first_line)
        paths.append("polars" if parsed is not None else "csv")
        return parsed

    monkeypatch.setattr(readers, "_parse_block", spy)
    assert _records(_read(path, 48)) == (ROWS, MALFORMED)
    assert "polars" in paths[paths.index("csv"):], paths


def test_batches_are_cut_after_the_same_records_whatever_the_blocks(tmp_path) -> None:
    """Two records (rows or malformed rows) per batch, in file order."""
    path = _write(tmp_path, EXPORT, "windows-1252")
    expected = [([3, 5], []), ([6], [8]), ([9, 11], []), ([13], [12])]
    for block_bytes in (1, 7, 48, 1 << 20):
        batches = _read(path, block_bytes, batch_rows=2)
        got = [(b.frame[LINE_COL].to_list(), [m[0] for m in b.malformed]) for b in batches]
        assert got == expected, block_bytes
    assert batches[-1].bytes_read == path.stat().st_size


def test_whitespace_is_what_str_strip_removes() -> None:
    """The polars path strips exactly the characters the csv path's str.strip() does."""
    assert set(readers.WHITESPACE) == {c for c in map(chr, range(sys.maxunicode + 1))
                                       if c.isspace()}


def test_lf_line_breaks_tabs_and_a_lone_cr(tmp_path) -> None:
    """A lone carriage return ends a line for the csv module; polars would not see it, so
    such a block takes the csv path — the line numbers stay those of the csv module."""
    text = "A\tB\n1\t x \n2\t\u00a0y\u3000\n\t\n3\tz\r4\tw\n"
    path = _write(tmp_path, text, "utf-8")
    for block_bytes in (1, 5, 1 << 20):
        batches = _read(path, block_bytes, skip_rows=0, delimiter="\t", required_headers=["B"])
        rows = [r for b in batches for r in b.frame.rows()]
        assert rows == [("x", 2), ("y", 3), ("z", 5), ("w", 6)], block_bytes


def test_a_block_that_starts_like_compressed_data_is_read_as_text(tmp_path) -> None:
    """polars would take bytes starting with "x^" for zlib data; such a block is text."""
    path = _write(tmp_path, "A;B\nx^2;1\nx\x01;2\ny;3\n", "utf-8")
    for block_bytes in (1, 1 << 20):
        batches = _read(path, block_bytes, skip_rows=0, required_headers=["A", "B"])
        assert [r for b in batches for r in b.frame.rows()] == [
            ("x^2", "1", 2), ("x\x01", "2", 3), ("y", "3", 4)], block_bytes


@pytest.mark.parametrize("block_bytes", [16, None])
def test_undecodable_byte_names_row_and_column(tmp_path, block_bytes) -> None:
    """Windows-1252 read as UTF-8: the error names the line and the column of the byte,
    whether the header came in an earlier block or in the same one."""
    text = "Nr;Leistung;Kanal;Notiz\r\n1;Ummelden;Post;ok\r\n2;Pass;Vor Ort;Gebühr\r\n"
    path = _write(tmp_path, text, "windows-1252")
    with pytest.raises(InputFileError) as err:
        _read(path, block_bytes, encoding="utf-8", skip_rows=0)
    message = str(err.value)
    assert "Zeile 3, Spalte 'Notiz'" in message and "Byte 0xFC" in message  # the ü
    assert "read.encoding" in message


# Kleinstadt's case export with a quoted two-line applicant (line 4–5, a column that is not
# imported) and a line with four fields (line 8): the rows after them move down.
MULTILINE = '"Jürgen „Jupp“ Schmitz\r\nc/o Büro; 2. OG"'


def _kleinstadt_variant(tmp_path: Path) -> Path:
    lines = (KLEINSTADT / "vorgaenge.csv").read_bytes().decode("cp1252").split("\r\n")
    v3 = lines[3].split(";")
    lines[3] = ";".join([*v3[:-1], MULTILINE])
    lines.insert(6, "V-13;L1;A;Post")
    path = tmp_path / "vorgaenge_mehrzeilig.csv"
    path.write_bytes("\r\n".join(lines).encode("cp1252"))
    return path


@pytest.mark.parametrize("block_bytes", [32, 300, 1 << 23])
def test_quarantine_row_numbers_with_quoted_line_breaks(settings, tmp_path, monkeypatch,
                                                        block_bytes) -> None:
    for name in ("leistungen.csv", "standorte.csv"):
        import_file(KLEINSTADT / name, profile_for(KLEINSTADT / name), settings)
    monkeypatch.setattr(readers, "BLOCK_BYTES", block_bytes)
    result = import_file(_kleinstadt_variant(tmp_path), resolve_profile("musterstadt_vorgaenge"),
                         settings)
    assert (result.rows_read, result.inserted, result.duplicate, result.rejected) == (
        14, 8, 1, 5)
    with get_engine(settings).connect() as conn:
        rows = conn.execute(select(RejectedRow.row_number, RejectedRow.column,
                                   RejectedRow.reason).order_by(RejectedRow.row_number)).all()
    assert [(r.row_number, r.column) for r in rows] == [
        (8, None), (12, "Leistung"), (13, "Eingangskanal"), (14, "Abgeschlossen am"),
        (15, "Eingang am")]
    assert rows[0].reason.startswith("4 Felder statt 9")
    assert "'X999' ist keine bekannte Leistung" in rows[1].reason
