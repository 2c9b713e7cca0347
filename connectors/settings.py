"""The one settings class. Every field has a default and a description; README documents each."""

from __future__ import annotations

import logging
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

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
        "`<data_dir>/<ags>/pilotprojekte.toml` if it exists, else `<data_dir>/pilotprojekte.toml`; "
        "`{ags}` in the path stands for the municipality shown.",
    )
    targets_file: Path | None = Field(
        default=None,
        description="TOML file with the targets (Zielwerte: KPI, value, due date, optional "
        "department, services, locations) whose status the overview's tiles show. Empty "
        "means `<data_dir>/<ags>/zielwerte.toml` if it exists, else `<data_dir>/zielwerte.toml`; "
        "`{ags}` in the path stands for the municipality shown.",
    )
    costs_file: Path | None = Field(
        default=None,
        description="TOML file with the cost (euro) and staff minutes per transaction of each "
        "channel, with overrides per service, for cost per transaction and staff hours freed "
        "on the page Überblick. Empty means `<data_dir>/<ags>/kosten.toml` if it exists, else "
        "`<data_dir>/kosten.toml`; `{ags}` in the path stands for the municipality shown.",
    )
    min_n: int = Field(
        default=5,
        ge=1,
        description="Small-number suppression: a value resting on fewer cases or ratings than "
        "this is not shown or exported.",
    )
    ags: str = Field(
        default="05999001",
        pattern=r"^\d{8}$",
        description="Amtlicher Gemeindeschlüssel (8 digits) of the municipality (tenant) an "
        "installation works with by default: imports write into it unless a source or "
        "`--ags` names another, and the dashboard, report, publish and notify show it. "
        "The default is the fictional sample city's.",
    )
    language: Literal["de", "en"] = Field(
        default="de", description="Default language of the dashboard (`de` or `en`)."
    )
    publisher: str = Field(
        default="Musterstadt",
        description="Name of the municipality publishing the open data (`dct:publisher` of "
        "`servicepuls publish`), named in the mails of `servicepuls notify` and on the title "
        "page of the council report (`servicepuls report`).",
    )
    smtp_host: str | None = Field(
        default=None,
        description="Mail server for `servicepuls notify`, e.g. `mail.stadt.de`. Empty: "
        "notify cannot send (it says so; `--dry-run` prints the mails instead).",
    )
    smtp_port: int = Field(
        default=587, ge=1, le=65535,
        description="Port of the mail server (587 with STARTTLS, 25 without).",
    )
    smtp_starttls: bool = Field(
        default=True, description="Encrypt the SMTP connection with STARTTLS before login."
    )
    smtp_user: str | None = Field(
        default=None, description="SMTP login name; empty: send without login."
    )
    smtp_password: SecretStr | None = Field(
        default=None, description="SMTP password (never logged or printed)."
    )
    smtp_timeout: float = Field(
        default=30.0, gt=0,
        description="Seconds to wait for the mail server before giving up with an error.",
    )
    mail_from: str | None = Field(
        default=None, description="Sender address of the mails, e.g. `servicepuls@stadt.de`."
    )
    mail_to: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Recipients of the monthly summary and the reminders, comma-separated, "
        "e.g. `amt10@stadt.de,it@stadt.de`.",
    )

    @field_validator("mail_to", mode="before")
    @classmethod
    def _split_addresses(cls, value: object) -> object:
        if isinstance(value, str):
            return [a.strip() for a in value.split(",") if a.strip()]
        return value

    @property
    def db_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'servicepuls.db').as_posix()}"

    def tenant_file(self, configured: Path | None, name: str, ags: str | None = None) -> Path:
        """Where municipality ``ags`` (default :attr:`ags`) keeps the settings file ``name``
        (pilots, targets, costs): a configured path, with ``{ags}`` replaced by the AGS; else
        ``<data_dir>/<ags>/<name>`` when that file exists (an installation serving several
        municipalities gives each its own), else ``<data_dir>/<name>`` for every one."""
        ags = ags or self.ags
        if configured is not None:
            return Path(str(configured).replace("{ags}", ags))
        own = self.data_dir / ags / name
        return own if own.is_file() else self.data_dir / name

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
