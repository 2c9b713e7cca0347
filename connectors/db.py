"""Engines and migrations. The product creates its schema only through Alembic."""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event

from connectors.settings import Settings, get_settings

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # noqa: ANN001 - DBAPI connection
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            # 64 MiB page cache (default 2 MiB): index inserts of large imports stay in memory
            cur.execute("PRAGMA cache_size=-65536")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


_engines: dict[str, Engine] = {}


def get_engine(settings: Settings | None = None) -> Engine:
    """One engine per URL per process."""
    url = (settings or get_settings()).db_url
    if url not in _engines:
        _engines[url] = make_engine(url)
    return _engines[url]


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


_at_head: set[str] = set()


def upgrade(settings: Settings | None = None, revision: str = "head") -> None:
    """Bring the store's schema to ``revision`` (idempotent). Once a store is at head in
    this process it stays there, so imports don't ask Alembic again every file."""
    settings = settings or get_settings()
    engine = get_engine(settings)
    url = engine.url.render_as_string(hide_password=False)
    if revision == "head" and url in _at_head:
        return
    _migrate(engine, settings, command.upgrade, revision)
    if revision == "head":
        _at_head.add(url)
    else:
        _at_head.discard(url)


def downgrade(settings: Settings, revision: str) -> None:
    """Take the store's schema back to ``revision`` (tests, and undoing a migration)."""
    engine = get_engine(settings)
    _at_head.discard(engine.url.render_as_string(hide_password=False))
    _migrate(engine, settings, command.downgrade, revision)


def _migrate(engine: Engine, settings: Settings, step, revision: str) -> None:  # noqa: ANN001
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    cfg.attributes["ags"] = settings.ags  # migration 0008: the tenant of existing rows
    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            # SQLite changes a table's keys by copying it and dropping the old one, which
            # would break the foreign keys pointing at it: they are switched off (possible
            # only outside a transaction) and checked once at the end instead.
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            conn.commit()
        try:
            with conn.begin():
                cfg.attributes["connection"] = conn
                step(cfg, revision)
                if sqlite and (broken := conn.exec_driver_sql(
                        "PRAGMA foreign_key_check").all()):
                    raise RuntimeError(f"migration left broken foreign keys: {broken[:5]}")
        finally:
            if sqlite:
                conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                conn.commit()


def schema_is_current(engine: Engine) -> bool:
    """True when the store exists and is at the newest migration."""
    head = ScriptDirectory.from_config(alembic_config(str(engine.url))).get_current_head()
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision() == head
    except Exception:  # noqa: BLE001 - unreachable store counts as "not current"
        return False
