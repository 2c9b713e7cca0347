"""The one settings class. Every field has a default and a description; README documents each."""

from __future__ import annotations

import logging
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

log = logging.getLogger(__name__)


class Settings(BaseSettings):
    """Configuration from environment variables (prefix ``SERVICEPULS_``) or a ``.env`` file."""

    model_config = SettingsConfigDict(
        env_prefix="SERVICEPULS_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    data_dir: Path = Field(
        default=Path("data"),
        description="Folder for the embedded SQLite store, the sample city's exports and the "
        "generated pseudonymisation key (relative paths start at the working directory).",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the store. Empty means the SQLite file "
        "`<data_dir>/servicepuls.db`; production uses e.g. "
        "`postgresql+psycopg://user@host:5432/servicepuls`.",
    )
    pseudonymisation_key: str | None = Field(
        default=None,
        description="Secret key for the keyed hash (BLAKE2b) that replaces case numbers. Empty "
        "means a random key is created once in `<data_dir>/pseudonymisation.key`. Keep it "
        "stable: a new key makes re-imported cases look new.",
    )
    profiles_dir: Path | None = Field(
        default=None,
        description="Folder with the city's own source profiles (*.toml); they are found "
        "next to the built-in ones and override a built-in profile of the same name.",
    )
    sources_file: Path = Field(
        default=Path("sources.toml"),
        description="TOML file listing the sources `servicepuls import --all` pulls: folder "
        "or file, pattern, profile and expected delivery interval per source.",
    )
    pilots_file: Path | None = Field(
        default=None,
        description="TOML file with the pilot projects (services, locations, start, target, "
        "interventions) shown on the page Pilotprojekte. Empty means "
        "`<data_dir>/pilotprojekte.toml`.",
    )
    min_n: int = Field(
        default=5,
        ge=1,
        description="Small-number suppression: a value resting on fewer cases or ratings than "
        "this is not shown or exported.",
    )
    language: Literal["de", "en"] = Field(
        default="de", description="Default language of the dashboard (`de` or `en`)."
    )

    @property
    def db_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'servicepuls.db').as_posix()}"

    def key_bytes(self) -> bytes:
        """The pseudonymisation key; created once under ``data_dir`` when not configured."""
        if self.pseudonymisation_key:
            return self.pseudonymisation_key.encode("utf-8")
        path = self.data_dir / "pseudonymisation.key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_hex(32), encoding="ascii")
            path.chmod(0o600)
            log.warning("created a new pseudonymisation key in %s — keep it with the store", path)
        return path.read_text(encoding="ascii").strip().encode("ascii")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
