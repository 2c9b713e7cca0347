"""Summary lines below the data and a title line above the header (read.skip_rows,
read.skip_row_patterns): skipped and counted in the import run (rows_skipped), never taken
for bad rows, never lost — for CSV (polars and csv-module path alike), JSON and XLSX.

The hand-made export tests/data/summen/vorgaenge_mit_summen.csv (Windows-1252), line by line:

 1  title "Vorgangsliste Bürgeramt – Januar 2026"     skip_rows = 1
 2  header
 3  S-1 L1                                             accepted
 4  S-2 L1                                             accepted
 5  S-3 L9 (no such service)                           rejected
 6  S-4 with 7 fields instead of 8                     rejected (malformed)
 7  S-5 L2                                             accepted
 8  blank                                              no record
 9  "Summe;;;;;;;2" (8 fields)                         summary
10  "Anzahl Vorgänge: 5" (1 field)                     summary
11  " ;Summe Januar;;;;;;5" (first field blank)        summary

so 5 rows read (3 inserted, 2 rejected) + 3 summary lines + title, header and blank = 11.
The _quotes variant has quotes in lines 4 and 9 ("Vor Ort", "Summe"): the csv module reads it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

import connectors.readers as readers
from connectors.db import get_engine
from connectors.errors import ProfileError
from connectors.importer import import_file
from connectors.profiles import load_profile, resolve_profile
from connectors.readers import LINE_COL, read_csv_batches
from connectors.store import ImportRun, RejectedRow
from tests.conftest import KLEINSTADT

DATA = Path(__file__).parent / "data" / "summen"
PROFILE = DATA / "vorgaenge_mit_summen.toml"
FILES = ["vorgaenge_mit_summen.csv", "vorgaenge_mit_summen_quotes.csv"]
ACCEPTED_LINES = [3, 4, 5, 7]  # S-3 (line 5) is well-formed; the mapping rejects it
MALFORMED_LINES = [6]


@pytest.fixture
def master(settings):  # noqa: ANN001, ANN201 - Settings
    """Kleinstadt's services (L1, L2) and locations (A, …) only."""
    for name, profile in (("leistungen.csv", "musterstadt_leistungen"),
                          ("standorte.csv", "musterstadt_standorte")):
        import_file(KLEINSTADT / name, resolve_profile(profile), settings)
    return settings


def _read(path: Path, patterns: list[str] | None = None, **kw) -> list:  # noqa: ANN003
    profile = load_profile(PROFILE)
    required, optional = profile.headers()
    return list(read_csv_batches(path, encoding="windows-1252", delimiter=";", skip_rows=1,
                                 required_headers=required, optional_headers=optional,
                                 skip_row_patterns=patterns or profile.read.skip_row_patterns,
                                 **kw))


# the profile's patterns; and look-aheads, which polars' regex cannot prefilter: Python only
PATTERNS = [None, ["^(?=Summe)", "^Anzahl(?= Vorgänge)"]]


@pytest.mark.parametrize("patterns", PATTERNS)
@pytest.mark.parametrize("name", FILES)
def test_every_block_size_skips_the_same_summary_lines(name: str, patterns) -> None:  # noqa: ANN001
    """Block sizes from 1 byte to the whole file: the polars path (no quotes in the block)
    and the csv-module path give the same records, malformed rows and summary count."""
    path = DATA / name
    size = path.stat().st_size
    for block_bytes in range(1, size + 2):
        batches = _read(path, patterns, block_bytes=block_bytes, batch_rows=2)
        lines = [n for b in batches for n in b.frame[LINE_COL].to_list()]
        assert lines == ACCEPTED_LINES, block_bytes
        assert [m[0] for b in batches for m in b.malformed] == MALFORMED_LINES, block_bytes
        assert sum(b.skipped for b in batches) == 3, block_bytes


def test_the_polars_path_finds_summaries_among_parsed_rows(monkeypatch) -> None:  # noqa: ANN001
    """Without quotes the whole file is one block for polars; with them, for the csv module."""
    paths: list[str] = []
    fast, slow = readers._parse_block, readers._parse_rows
    monkeypatch.setattr(readers, "_parse_block",
                        lambda *a: paths.append("polars") or fast(*a))
    monkeypatch.setattr(readers, "_parse_rows", lambda *a: paths.append("csv") or slow(*a))
    plain = _read(DATA / FILES[0])
    assert paths == ["polars"] and sum(b.skipped for b in plain) == 3
    paths.clear()
    quoted = _read(DATA / FILES[1])
    assert "csv" in paths and sum(b.skipped for b in quoted) == 3
    assert quoted[0].frame["Eingangskanal"].to_list() == plain[0].frame["Eingangskanal"].to_list()


def test_without_patterns_the_summary_lines_are_bad_rows() -> None:
    """What the patterns change: the same file read without them has 2 more malformed lines
    (1 and 4 fields) and the "Summe" lines of 8 fields among the records."""
    path = DATA / FILES[0]
    profile = load_profile(PROFILE)
    required, optional = profile.headers()
    batches = list(read_csv_batches(path, encoding="windows-1252", delimiter=";", skip_rows=1,
                                    required_headers=required, optional_headers=optional))
    assert [n for b in batches for n in b.frame[LINE_COL].to_list()] == [3, 4, 5, 7, 9, 11]
    assert [m[0] for b in batches for m in b.malformed] == [6, 10]
    assert sum(b.skipped for b in batches) == 0


@pytest.mark.parametrize("name", FILES)
def test_import_counts_summary_lines_and_adds_up_to_the_lines_of_the_file(master,
                                                                          name: str) -> None:
    path = DATA / name
    result = import_file(path, load_profile(PROFILE), master)
    assert (result.rows_read, result.inserted, result.rejected, result.summary_rows) == (
        5, 3, 2, 3)
    assert "3 Summenzeile(n) übersprungen" in result.summary()
    with get_engine(master).connect() as conn:
        run = conn.execute(select(ImportRun.status, ImportRun.rows_read, ImportRun.rows_skipped)
                           .where(ImportRun.id == result.run_id)).one()
        rejected = conn.execute(select(RejectedRow.row_number).where(
            RejectedRow.import_run_id == result.run_id).order_by(RejectedRow.row_number)
        ).scalars().all()
    assert (run.status, run.rows_read, run.rows_skipped) == ("succeeded", 5, 3)
    assert rejected == [5, 6]  # the unknown service and the short line; no summary line
    lines = path.read_bytes().decode("cp1252").splitlines()
    title_header_blank = 3
    assert run.rows_read + run.rows_skipped + title_header_blank == len(lines) == 11


def test_json_totals_entry_is_skipped_and_counted(master) -> None:  # noqa: ANN001
    result = import_file(DATA / "termine_mit_summe.json",
                         load_profile(DATA / "termine_mit_summe.toml"), master)
    # SU-1, SU-2 stored; SU-3 has an unknown service; {"standort": "Gesamt"} is the total
    assert (result.rows_read, result.inserted, result.rejected, result.summary_rows) == (
        3, 2, 1, 1)
    with get_engine(master).connect() as conn:
        assert conn.execute(select(ImportRun.rows_skipped).where(
            ImportRun.id == result.run_id)).scalar_one() == 1


def test_a_bad_pattern_is_reported_with_the_other_problems(tmp_path: Path) -> None:
    text = PROFILE.read_text(encoding="utf-8").replace(
        'skip_row_patterns = ["^Summe", "^Anzahl Vorgänge"]',
        'skip_row_patterns = ["^Summe(", "^Anzahl"]\ndelimiter_ = ";"')
    bad = tmp_path / "p.toml"
    bad.write_text(text.replace('delimiter = ";"', 'delimiter = ";;"'), encoding="utf-8")
    with pytest.raises(ProfileError) as err:
        load_profile(bad)
    # structural errors first (an unknown key), then every rule once the shape is right
    assert any("delimiter_" in p for p in err.value.problems)
    bad.write_text(text.replace('\ndelimiter_ = ";"', "").replace(
        'delimiter = ";"', 'delimiter = ";;"'), encoding="utf-8")
    with pytest.raises(ProfileError) as err:
        load_profile(bad)
    problems = err.value.problems
    assert len(problems) == 2
    assert problems[0].startswith("read.delimiter = ';;': genau ein Zeichen")
    assert problems[1].startswith("read.skip_row_patterns[0] = '^Summe(': kein gültiger "
                                  "regulärer Ausdruck")
