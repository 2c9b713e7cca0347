"""JSON under ``read.record_path`` is streamed: the document is walked to the array, the
records are read one at a time with bounded memory, and the rest is checked to the end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from connectors import json_reader
from connectors.db import get_engine
from connectors.errors import InputFileError
from connectors.importer import import_file
from connectors.json_reader import read_json_batches
from connectors.profiles import resolve_profile
from connectors.readers import LINE_COL
from connectors.settings import Settings
from connectors.store import Appointment, ImportRun

# Siblings before and after the records, with brackets and braces inside strings.
API_PAGE = {
    "meta": {"x": [1, {"y": "]"}, [[]], {}], "s": "}{ \" ,", "n": None, "ok": True},
    "data": [{"a": 1, "b": "ä"}, {"a": 2.5, "b": {"c": [1]}}, {"a": None}],
    "links": {"next": None, "self": "/api?page=1"},
    "count": 3,
}


def read_all(path: Path, record_path: str, **kw) -> list[dict]:
    batches = list(read_json_batches(path, required_headers=["a"], optional_headers=["b"],
                                     record_path=record_path, **kw))
    return [row for b in batches for row in b.frame.iter_rows(named=True)]


@pytest.mark.parametrize("chunk", [1 << 20, 3])
def test_records_between_other_values(tmp_path: Path, chunk: int,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(json_reader, "CHUNK_BYTES", chunk)
    p = tmp_path / "page.json"
    p.write_text(json.dumps(API_PAGE, indent=1, ensure_ascii=False), encoding="utf-8")
    assert read_all(p, "data") == [
        {"a": "1", "b": "ä", LINE_COL: 1},
        {"a": "2.5", "b": '{"c":[1]}', LINE_COL: 2},
        {"a": None, "b": None, LINE_COL: 3},
    ]


def test_array_index_in_the_path(tmp_path: Path) -> None:
    p = tmp_path / "pages.json"
    p.write_text(json.dumps({"pages": [{"items": [{"a": 0}]},
                                       {"items": [{"a": 1}, {"a": 2}]}]}), encoding="utf-8")
    assert [r["a"] for r in read_all(p, "pages.1.items")] == ["1", "2"]
    with pytest.raises(InputFileError, match="'5' fehlt unter pages; dort steht ein Array mit "
                                             "2 Einträgen"):
        read_all(p, "pages.5.items")


@pytest.mark.parametrize(("record_path", "message"), [
    ("meta", "read.record_path 'meta' zeigt auf ein Objekt, nicht auf ein Array"),
    ("count", "read.record_path 'count' zeigt auf der Wert 3, nicht auf ein Array"),
    ("links.next.x", "'x' fehlt unter links.next; dort steht der Wert null"),
    ("links.prev", "'prev' fehlt unter links; Schlüssel dort: 'next', 'self'"),
])
def test_path_errors_say_what_is_there(tmp_path: Path, record_path: str, message: str) -> None:
    p = tmp_path / "page.json"
    p.write_text(json.dumps(API_PAGE), encoding="utf-8")
    with pytest.raises(InputFileError, match=message) as err:
        read_all(p, record_path)
    assert err.value.file == str(p) and "read.record_path" in err.value.fix


def test_memory_stays_bounded_by_chunk_and_record(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """The decoded text held at any time stays within two chunks plus one record, while
    the document is a hundred times larger."""
    chunk = 256
    monkeypatch.setattr(json_reader, "CHUNK_BYTES", chunk)
    records = [{"a": i, "b": f"Bürgeramt {i:05d}"} for i in range(5_000)]
    doc = {"meta": {"pages": list(range(2_000))}, "data": records, "links": {"next": None}}
    p = tmp_path / "big.json"
    p.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    longest = max(len(json.dumps(r, ensure_ascii=False)) for r in records)
    held: list[int] = []
    more = json_reader._Source.more

    def watched(self: json_reader._Source) -> None:
        more(self)
        held.append(len(self.buf))

    monkeypatch.setattr(json_reader._Source, "more", watched)
    rows = read_all(p, "data", batch_rows=500)
    assert [r["a"] for r in rows] == [str(i) for i in range(5_000)]
    assert rows[-1]["b"] == "Bürgeramt 04999"
    assert max(held) <= 2 * chunk + longest
    assert p.stat().st_size > 100 * (2 * chunk + longest)


@pytest.mark.parametrize(("text", "match"), [
    ('{"data": [{"a": 1}], "meta": {"x": 1 "y": 2}}',
     r"Dokument ist kein gültiges JSON: ',' oder '\}' erwartet, gefunden '\"' "
     r"\(Textzeile 1, Spalte 38, Zeichen-Offset 37\)"),
    ('{"data": [{"a": 1}, {"a": 2}', r"Array nicht geschlossen \(']' fehlt\) nach Datensatz 2"),
    ('{"data": [{"a": 1}]', "gefunden das Dateiende"),
    ('{"data": [{"a": 1}]}\n{"data": [{"a": 2}]}', "read.record_path entfernen"),
    ('{"data": [{"a": 1}, {"a": 2 "b": 3}]}', "Datensatz 2 ist kein gültiges JSON: ',' erwartet"),
])
def test_broken_documents_are_named_even_after_the_records(tmp_path: Path, text: str,
                                                           match: str) -> None:
    p = tmp_path / "broken.json"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(InputFileError, match=match):
        read_all(p, "data")


def _termin(i: int) -> dict:
    return {"terminId": f"T-{i}", "standort": "A", "dienstleistung": "L1",
            "gebucht": "2026-03-01T08:00:00", "termin": "2026-03-02T10:00:00",
            "kanal": "online", "status": "erschienen", "wartezeit_min": 5}


def test_a_broken_tail_imports_nothing(kleinstadt: Settings, tmp_path: Path) -> None:
    """The records come before the broken part, yet the import is one transaction."""
    good = json.dumps({"standort": "A", "termine": [_termin(1), _termin(2)]})
    p = tmp_path / "termine_kaputt.json"
    p.write_text(good[:-1] + ', "exportiert": }', encoding="utf-8")
    with pytest.raises(InputFileError, match="Wert erwartet"):
        import_file(p, resolve_profile("musterstadt_termine"), kleinstadt)
    with get_engine(kleinstadt).connect() as conn:
        assert conn.execute(select(func.count()).select_from(Appointment)).scalar_one() == 0
        assert conn.execute(select(ImportRun.status).order_by(ImportRun.id.desc())
                            ).first() == ("failed",)
    p.write_text(good, encoding="utf-8")
    result = import_file(p, resolve_profile("musterstadt_termine"), kleinstadt)
    assert (result.rows_read, result.inserted) == (2, 2)
