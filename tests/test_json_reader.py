"""JSON reader: the three layouts, value conversion, batching and errors.

Real data: the Moers waiting-time feed (objects separated by commas, no enclosing brackets),
read as published from /work/shared/realdata; expected counts are computed here independently
of the reader (by bracketing each file and calling ``json.loads``).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import polars as pl
import pytest

from connectors import json_reader
from connectors.errors import InputFileError
from connectors.json_reader import read_json_batches
from connectors.readers import LINE_COL

MOERS = Path("/work/shared/realdata/moers-wartezeit")
MOERS_KEYS = ["wait", "hour", "year", "week", "weekday"]


def read_all(path: Path, **kw) -> tuple[pl.DataFrame, list]:
    kw.setdefault("required_headers", [])
    batches = list(read_json_batches(path, **kw))
    malformed = [m for b in batches for m in b.malformed]
    if not batches:
        return pl.DataFrame(), malformed
    return pl.concat([b.frame for b in batches]), malformed


def write(tmp_path: Path, text: str | bytes, name: str = "in.json") -> Path:
    p = tmp_path / name
    if isinstance(text, bytes):
        p.write_bytes(text)
    else:
        p.write_text(text, encoding="utf-8")
    return p


# --- real data: Moers -----------------------------------------------------------------------

moers_files = sorted(MOERS.glob("*/*.json"))
needs_moers = pytest.mark.skipif(not moers_files, reason=f"{MOERS} not present")


def _independent(path: Path) -> list[dict]:
    text = path.read_text(encoding="utf-8").strip().rstrip(",")
    return json.loads(f"[{text}]")


@needs_moers
def test_moers_every_file_counts_per_year() -> None:
    expected, got, regex = Counter(), Counter(), Counter()
    for path in moers_files:
        year = path.parent.name[:4]
        expected[year] += len(_independent(path))
        regex[year] += len(re.findall(r'\{"wait"', path.read_text(encoding="utf-8")))
        frame, malformed = read_all(path, required_headers=MOERS_KEYS)
        assert malformed == []
        assert frame[LINE_COL].to_list() == list(range(1, frame.height + 1))
        assert frame.null_count().sum_horizontal().item() == 0
        got[year] += frame.height
    assert len(moers_files) == 138
    assert got == expected == regex
    assert dict(got) == {"2014": 902, "2015": 1419, "2016": 1740, "2017": 1104}
    assert sum(got.values()) == 5165


@needs_moers
def test_moers_first_record_and_value_ranges() -> None:
    frame, _ = read_all(MOERS / "2016-json" / "2016-01.json", required_headers=MOERS_KEYS)
    assert frame.row(0, named=True) == {"wait": "69", "hour": "12", "year": "2016",
                                        "week": "1", "weekday": "0", LINE_COL: 1}
    assert frame.height == 34
    last = _independent(MOERS / "2016-json" / "2016-01.json")[-1]
    assert frame.row(-1, named=True) == {**{k: str(v) for k, v in last.items()}, LINE_COL: 34}

    every = pl.concat([read_all(p, required_headers=MOERS_KEYS)[0] for p in moers_files])
    ints = every.select(pl.col(MOERS_KEYS).cast(pl.Int64))
    assert sorted(ints["weekday"].unique()) == [0, 1, 2, 3, 4, 5]
    assert (ints["hour"].min(), ints["hour"].max()) == (8, 17)
    assert (ints["wait"].min(), ints["wait"].max()) == (2, 171)


@needs_moers
def test_moers_anomalies_are_passed_through_not_hidden() -> None:
    """2017-19/21/22 repeat one weekday's block many times; the reader keeps every record
    (deduplication is the mapping's and the store's business)."""
    frame, _ = read_all(MOERS / "2017-json" / "2017-19.json", required_headers=MOERS_KEYS)
    assert frame.height == 89
    assert frame.select(MOERS_KEYS).n_unique() == 34
    tuesday = frame.filter(pl.col("weekday") == "1")
    assert tuesday.height == 60  # 12 identical copies of hours 8–12
    assert tuesday.filter(pl.col("hour") == "12")["wait"].unique().to_list() == ["27"]
    frame, _ = read_all(MOERS / "2017-json" / "2017-22.json", required_headers=MOERS_KEYS)
    assert frame.height == 109
    assert frame.filter(pl.col("weekday") == "5").height == 80


@needs_moers
def test_moers_streams_across_tiny_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    path = MOERS / "2017-json" / "2017-22.json"
    whole, _ = read_all(path, required_headers=MOERS_KEYS)
    monkeypatch.setattr(json_reader, "CHUNK_BYTES", 7)
    chunked, _ = read_all(path, required_headers=MOERS_KEYS)
    assert chunked.equals(whole)


# --- layouts --------------------------------------------------------------------------------

def test_ndjson(tmp_path: Path) -> None:
    p = write(tmp_path, '{"a": 1, "b": "x"}\n\n{"a": 2, "b": "y"}\r\n{"a": 3}\n')
    frame, malformed = read_all(p, required_headers=["a"], optional_headers=["b"])
    assert frame.to_dict(as_series=False) == {"a": ["1", "2", "3"], "b": ["x", "y", None],
                                              LINE_COL: [1, 2, 3]}
    assert malformed == []


def test_array(tmp_path: Path) -> None:
    p = write(tmp_path, ' [\n {"a": 1}, {"a": 2} ,\n{"a": 3}\n]\n')
    frame, _ = read_all(p, required_headers=["a"])
    assert frame["a"].to_list() == ["1", "2", "3"]
    assert frame[LINE_COL].to_list() == [1, 2, 3]


def test_empty_array_yields_nothing(tmp_path: Path) -> None:
    assert list(read_json_batches(write(tmp_path, "[ ]"), required_headers=["a"])) == []


@pytest.mark.parametrize(("doc", "record_path"), [
    ({"data": [{"a": 1}, {"a": 2}], "meta": {"page": 1}}, "data"),
    ({"results": {"items": [{"a": 1}, {"a": 2}], "next": None}}, "results.items"),
])
def test_array_under_record_path(tmp_path: Path, doc: dict, record_path: str) -> None:
    p = write(tmp_path, json.dumps(doc, indent=2))
    frame, _ = read_all(p, required_headers=["a"], record_path=record_path)
    assert frame.to_dict(as_series=False) == {"a": ["1", "2"], LINE_COL: [1, 2]}


def test_record_path_not_found_lists_keys(tmp_path: Path) -> None:
    p = write(tmp_path, '{"results": {"rows": []}}')
    with pytest.raises(InputFileError) as err:
        read_all(p, required_headers=["a"], record_path="results.items")
    assert "'items' fehlt unter results" in str(err.value)
    assert "'rows'" in str(err.value)
    assert "read.record_path" in err.value.fix


def test_record_path_on_bracketless_file_says_remove_it(tmp_path: Path) -> None:
    p = write(tmp_path, '{"a": 1},{"a": 2}')
    with pytest.raises(InputFileError, match="read.record_path entfernen"):
        read_all(p, required_headers=["a"], record_path="data")


def test_bracketless_with_newlines_and_trailing_comma(tmp_path: Path) -> None:
    text = ('{"wait": 69, "hour": 12, "year": 2016, "week": 1, "weekday": 0},'
            '{"wait": 59, "hour": 11, "year": 2016, "week": 1, "weekday": 0},\n'
            '  {"wait": 64, "hour": 12, "year": 2016, "week": 1, "weekday": 1} ,\n\n'
            '{"wait": 47, "hour": 11, "year": 2016, "week": 1, "weekday": 1},\n')
    frame, malformed = read_all(write(tmp_path, text), required_headers=MOERS_KEYS)
    assert frame["wait"].to_list() == ["69", "59", "64", "47"]
    assert frame["weekday"].to_list() == ["0", "0", "1", "1"]
    assert frame[LINE_COL].to_list() == [1, 2, 3, 4]
    assert malformed == []


def test_utf8_bom_and_umlauts_across_chunks(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    text = '[{"amt": "Bürgerbüro Süd", "n": 1}, {"amt": "Straßenverkehrsamt", "n": 2}]'
    p = write(tmp_path, "\ufeff".encode() + text.encode("utf-8"))
    monkeypatch.setattr(json_reader, "CHUNK_BYTES", 3)  # splits multi-byte characters
    for encoding in ("auto", "utf-8"):
        frame, _ = read_all(p, required_headers=["amt"], encoding=encoding)
        assert frame["amt"].to_list() == ["Bürgerbüro Süd", "Straßenverkehrsamt"]


def test_not_utf8_names_file_and_fix(tmp_path: Path) -> None:
    p = write(tmp_path, '{"amt": "Bürgerbüro"}'.encode("windows-1252"))
    with pytest.raises(InputFileError) as err:
        read_all(p, required_headers=["amt"])
    assert err.value.file == str(p)
    assert "0xFC" in str(err.value)
    assert "UTF-8" in err.value.fix and "read.encoding" in err.value.fix
    frame, _ = read_all(p, required_headers=["amt"], encoding="windows-1252")
    assert frame["amt"].to_list() == ["Bürgerbüro"]


# --- values, batching -----------------------------------------------------------------------

def test_batching_and_progress(tmp_path: Path) -> None:
    p = write(tmp_path, "\n".join(json.dumps({"a": i}) for i in range(5)))
    progress: list[int] = []
    batches = list(read_json_batches(p, batch_rows=2, required_headers=["a"],
                                     on_progress=progress.append))
    assert [b.frame[LINE_COL].to_list() for b in batches] == [[1, 2], [3, 4], [5]]
    assert [b.frame["a"].to_list() for b in batches] == [["0", "1"], ["2", "3"], ["4"]]
    assert all(b.frame.schema == {"a": pl.String, LINE_COL: pl.Int64} for b in batches)
    assert batches[-1].bytes_read == p.stat().st_size
    assert progress[-1] == p.stat().st_size


def test_value_conversion(tmp_path: Path) -> None:
    rec = {"int": 69, "float": 12.5, "whole": 3.0, "small": 0.1, "big": 1e20, "yes": True,
           "no": False, "null": None, "text": "  Bürgeramt  ", "obj": {"x": [1, "ä"]},
           "list": [1, 2]}
    p = write(tmp_path, json.dumps(rec) + "\n" + '{"int": NaN}')
    frame, _ = read_all(p, required_headers=list(rec))
    assert frame.row(0, named=True) == {
        "int": "69", "float": "12.5", "whole": "3", "small": "0.1",
        "big": "1e+20", "yes": "true", "no": "false", "null": None,
        "text": "Bürgeramt", "obj": '{"x":[1,"ä"]}', "list": "[1,2]", LINE_COL: 1,
    }
    assert frame.row(1, named=True)["int"] is None  # NaN, as pandas writes missing numbers
    assert frame.row(1, named=True)["text"] is None  # key absent later: None, no error


def test_missing_markers(tmp_path: Path) -> None:
    p = write(tmp_path, '[{"a": "NA", "b": "ND"}, {"a": "5", "b": -1}, {"a": " NA ", "b": 2}]')
    frame, _ = read_all(p, required_headers=["a", "b"], missing=["NA", "ND", "-1"])
    assert frame["a"].to_list() == [None, "5", None]
    assert frame["b"].to_list() == [None, None, "2"]


def test_keys_match_headers_like_csv_headers(tmp_path: Path) -> None:
    p = write(tmp_path, '{"Wartezeit  Minuten": 7, "HOUR": 8}\n')
    frame, _ = read_all(p, required_headers=["wartezeit minuten", "hour"])
    assert frame.row(0) == ("7", "8", 1)


def test_non_object_records_go_to_malformed(tmp_path: Path) -> None:
    p = write(tmp_path, '[{"a": 1}, 42, "x", [1, 2], null, {"a": 2}]')
    frame, malformed = read_all(p, required_headers=["a"], batch_rows=100)
    assert frame.to_dict(as_series=False) == {"a": ["1", "2"], LINE_COL: [1, 6]}
    assert [(line, raw) for line, _, raw in malformed] == [
        (2, ["42"]), (3, ['"x"']), (4, ["[1, 2]"]), (5, ["null"])]
    assert "kein JSON-Objekt" in malformed[0][1]


# --- errors ---------------------------------------------------------------------------------

@pytest.mark.parametrize("chunk", [1 << 20, 5])
def test_broken_object_names_record_and_offset(tmp_path: Path, chunk: int,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(json_reader, "CHUNK_BYTES", chunk)
    good = '{"wait": 69, "hour": 12},'
    broken = '{"wait": 59 "hour": 11},'
    text = good + "\n" + good + broken + good
    p = write(tmp_path, text)
    offset = text.index('"hour": 11')
    with pytest.raises(InputFileError) as err:
        read_all(p, required_headers=["wait"])
    e = err.value
    assert (e.file, e.row) == (str(p), 3)
    message = str(e)
    assert "Datensatz 3 ist kein gültiges JSON: ',' erwartet" in message
    assert f"Zeichen-Offset {offset}" in message
    assert "Textzeile 2" in message
    assert "Lösung:" in message


def test_broken_ndjson_line_and_truncated_files(tmp_path: Path) -> None:
    p = write(tmp_path, '{"a": 1}\n{"a": 2\n{"a": 3}\n')
    with pytest.raises(InputFileError, match="Datensatz 2 ist kein gültiges JSON"):
        read_all(p, required_headers=["a"])
    p = write(tmp_path, '{"a": 1}, {"a": "abgeschnit')
    with pytest.raises(InputFileError, match="Datensatz 2 .*ohne schließendes Anführungszeichen"):
        read_all(p, required_headers=["a"])
    p = write(tmp_path, '[{"a": 1}, {"a": 2}')
    with pytest.raises(InputFileError, match=r"Array nicht geschlossen \(']' fehlt\)"):
        read_all(p, required_headers=["a"])
    p = write(tmp_path, '[{"a": 1} {"a": 2}]')
    with pytest.raises(InputFileError, match="',' oder ']' erwartet nach Datensatz 1"):
        read_all(p, required_headers=["a"])


def test_first_record_missing_required_key(tmp_path: Path) -> None:
    p = write(tmp_path, '{"wartezeit": 69, "stunde": 12}\n{"wait": 1, "hour": 2}\n')
    with pytest.raises(InputFileError) as err:
        read_all(p, required_headers=["wait", "hour"])
    e = err.value
    assert (e.row, e.column) == (1, "wait")
    assert "Schlüssel fehlen im ersten Datensatz: 'wait', 'hour'" in str(e)
    assert "gefunden: 'wartezeit', 'stunde'" in str(e)
    assert "[columns]" in e.fix


def test_api_response_without_record_path_hints_at_it(tmp_path: Path) -> None:
    p = write(tmp_path, '{"data": [{"a": 1}], "meta": {}}')
    with pytest.raises(InputFileError) as err:
        read_all(p, required_headers=["a"])
    assert 'read.record_path = "data"' in err.value.fix


def test_later_record_missing_key_is_not_an_error(tmp_path: Path) -> None:
    p = write(tmp_path, '[{"a": 1, "b": 2}, {"b": 3}]')
    frame, malformed = read_all(p, required_headers=["a", "b"])
    assert frame["a"].to_list() == ["1", None]
    assert malformed == []


@pytest.mark.parametrize(("text", "match"), [
    ("", "Datei leer"),
    ("  \n ", "Datei leer"),
    ("wait;hour\n69;12\n", "keine JSON-Datei: beginnt mit 'w'"),
])
def test_not_json_at_all(tmp_path: Path, text: str, match: str) -> None:
    with pytest.raises(InputFileError, match=match):
        read_all(write(tmp_path, text), required_headers=["wait"])
