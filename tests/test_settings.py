"""The settings class: defaults, environment, and the README documents every field."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.settings import Settings

README = Path(__file__).parents[1] / "README.md"


@pytest.mark.parametrize("field", sorted(Settings.model_fields))
def test_readme_documents_every_setting(field: str) -> None:
    info = Settings.model_fields[field]
    assert info.description, f"{field} has no description"
    assert f"`SERVICEPULS_{field.upper()}`" in README.read_text(encoding="utf-8")


def test_defaults_and_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in Settings.model_fields:
        monkeypatch.delenv(f"SERVICEPULS_{name.upper()}", raising=False)
    monkeypatch.chdir(tmp_path)
    s = Settings()
    assert (s.min_n, s.language, s.db_url) == (5, "de", "sqlite:///data/servicepuls.db")
    monkeypatch.setenv("SERVICEPULS_MIN_N", "10")
    monkeypatch.setenv("SERVICEPULS_DATABASE_URL", "postgresql+psycopg://u@h/db")
    s = Settings()
    assert (s.min_n, s.db_url) == (10, "postgresql+psycopg://u@h/db")


def test_generated_key_is_created_once_and_kept(tmp_path: Path) -> None:
    s = Settings(data_dir=tmp_path)
    first = s.key_bytes()
    assert len(first) == 64 and Settings(data_dir=tmp_path).key_bytes() == first
    assert (tmp_path / "pseudonymisation.key").stat().st_mode & 0o077 == 0
