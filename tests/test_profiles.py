"""Profiles: built-ins load, a broken profile reports every problem at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.errors import ProfileError
from connectors.profiles import available_profiles, load_profile, profile_for

BROKEN = Path(__file__).parent / "data" / "profiles" / "broken.toml"


@pytest.mark.parametrize("name", sorted(available_profiles()))
def test_builtin_profiles_are_valid(name: str) -> None:
    assert load_profile(available_profiles()[name]).source.name


def test_broken_profile_lists_every_problem_with_key() -> None:
    with pytest.raises(ProfileError) as err:
        load_profile(BROKEN)
    problems = err.value.problems
    assert len(problems) == 3, problems
    assert any(p.startswith("columns.colour: kein Feld") for p in problems)
    assert any(p.startswith("columns.channel: Pflichtfeld fehlt") for p in problems)
    assert any(p.startswith('values.channel."Online-Antrag" = \'internet\'') for p in problems)
    assert "broken.toml" in str(err.value)


def test_structural_errors_name_the_key(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text('[source]\nname = "x"\nkind = "cases"\nfile_pattern = ""\n\n[read]\n'
                    'skip_rows = -1\nencodng = "utf-8"\n', encoding="utf-8")
    with pytest.raises(ProfileError) as err:
        load_profile(path)
    text = "\n".join(err.value.problems)
    assert "source.file_pattern" in text and "read.skip_rows" in text and "read.encodng" in text
    assert "columns" in text


def test_a_misspelt_key_and_a_wrong_field_in_one_run(tmp_path: Path) -> None:
    """Structural and semantic problems together: the rules run on the rest of the profile."""
    path = tmp_path / "p.toml"
    path.write_text(BROKEN.read_text(encoding="utf-8") + '\n[read]\nencodng = "utf-8"\n'
                    'skip_rows = "zwei"\n', encoding="utf-8")
    with pytest.raises(ProfileError) as err:
        load_profile(path)
    problems = err.value.problems
    assert [p.split(":")[0] for p in problems] == [
        "read.skip_rows", "read.encodng", "columns.colour", "columns.channel",
        'values.channel."Online-Antrag" = \'internet\'']


@pytest.mark.parametrize(("file", "profile"), [
    ("vorgaenge.csv", "musterstadt_vorgaenge"),
    ("Vorgaenge_2026-10.csv", "musterstadt_vorgaenge"),
    ("leistungen.csv", "musterstadt_leistungen"),
    ("standorte.csv", "musterstadt_standorte"),
])
def test_files_find_their_profile_by_name(file: str, profile: str) -> None:
    found = profile_for(Path(file))
    assert found is not None and found.path.stem == profile


def test_unknown_file_has_no_profile() -> None:
    assert profile_for(Path("haushalt.xlsx")) is None


@pytest.mark.parametrize(("kind", "table"), [("services", "services"),
                                             ("locations", "locations")])
def test_field_lengths_match_the_store_columns(kind: str, table: str) -> None:
    """A value longer than its column is quarantined by the mapping, not refused by the
    database (PostgreSQL would fail the whole file; SQLite would store it silently)."""
    from connectors.records import RECORD_KINDS
    from connectors.store import Base

    columns = Base.metadata.tables[table].c
    for spec in RECORD_KINDS[kind].fields:
        if spec.type == "str":
            assert spec.max_length == columns[spec.name].type.length, spec.name
