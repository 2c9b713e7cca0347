"""read.encoding = "auto" and read.delimiter = "auto": CSV and TSV exports as Fachverfahren
write them — UTF-8, UTF-8 with BOM or Windows-1252 (not Latin-1: „ “ – € are 0x84, 0x93,
0x96, 0x80), separated by ";", ",", tab or "|" — give the same records."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from connectors.readers import LINE_COL, detect_encoding, read_csv_batches

ROWS = [["Nr", "Name", "Betrag"],
        ["1", "Jürgen „Jupp“ Schmitz – Büro", "12 €"],
        ["2", "Ärztehaus", "3"]]
ENCODINGS = {"utf-8": "utf-8", "utf-8-sig": "utf-8-sig", "cp1252": "windows-1252"}


@pytest.mark.parametrize(("encoding", "sep"),
                         list(itertools.product(ENCODINGS, [";", ",", "\t", "|"])))
def test_encoding_and_delimiter_are_detected(tmp_path: Path, encoding: str, sep: str) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes("".join(sep.join(r) + "\r\n" for r in ROWS).encode(encoding))
    assert detect_encoding(path, "auto") == ENCODINGS[encoding]
    (batch,) = read_csv_batches(path, encoding="auto", delimiter="auto",
                                required_headers=["Nr", "Name", "Betrag"])
    assert batch.frame.select("Nr", "Name", "Betrag").rows() == [tuple(r) for r in ROWS[1:]]
    assert batch.frame[LINE_COL].to_list() == [2, 3] and batch.malformed == []
