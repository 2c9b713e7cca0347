"""Shared fixtures: a store on SQLite and on PostgreSQL, the hand-made Kleinstadt export, and
the sample city imported once per session.

PostgreSQL tests use ``SERVICEPULS_TEST_POSTGRES_URL`` (default: the local server on
127.0.0.1:5432, database ``test``) and get a fresh database each; without a reachable server
they skip and say why.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from connectors.importer import import_file
from connectors.profiles import profiles_for
from connectors.settings import Settings

TESTS = Path(__file__).parent
# Real public data, beside the checkout as ../shared/realdata (CI clones main next to it).
REALDATA = TESTS.parents[1] / "shared" / "realdata"
KLEINSTADT = TESTS / "data" / "kleinstadt"
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _pg_admin_url() -> str:
    return os.environ.get("SERVICEPULS_TEST_POSTGRES_URL", PG_DEFAULT)


def _pg_unavailable() -> str | None:
    try:
        engine = create_engine(_pg_admin_url())
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
    except Exception as exc:  # noqa: BLE001
        return f"PostgreSQL not reachable at {_pg_admin_url()} ({type(exc).__name__}); set " \
               "SERVICEPULS_TEST_POSTGRES_URL to run these tests"
    return None


def required(what: str) -> bool:
    """CI sets SERVICEPULS_TEST_REQUIRE=postgres,browser: there a missing service fails."""
    return what in os.environ.get("SERVICEPULS_TEST_REQUIRE", "").split(",")


def skip_or_fail(what: str, reason: str) -> None:
    if required(what):
        pytest.fail(f"{reason} — required here (SERVICEPULS_TEST_REQUIRE)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def pg_reason() -> str | None:
    return _pg_unavailable()


@contextmanager
def _postgres_database(pg_reason: str | None) -> Iterator[str]:
    """A fresh, empty PostgreSQL database, dropped afterwards."""
    if pg_reason:
        skip_or_fail("postgres", pg_reason)
    admin = create_engine(_pg_admin_url(), isolation_level="AUTOCOMMIT")
    name = f"sp_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(_pg_admin_url()).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        from connectors.db import _at_head, _engines

        _at_head.discard(url)
        engine = _engines.pop(url, None)
        if engine is not None:
            engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def postgres_url(pg_reason: str | None) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test."""
    with _postgres_database(pg_reason) as url:
        yield url


STORES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=STORES)
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Settings for an empty store, once on SQLite and once on PostgreSQL."""
    url = (f"sqlite:///{tmp_path / 'store.db'}" if request.param == "sqlite"
           else request.getfixturevalue("postgres_url"))
    return Settings(data_dir=tmp_path, database_url=url, pseudonymisation_key="test-key")


@pytest.fixture(scope="module", params=STORES)
def module_settings(request: pytest.FixtureRequest, pg_reason: str | None,
                    tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """Like ``settings``, but one store per test module: for tests that share an expensive
    import (the real data) and only read afterwards."""
    folder = tmp_path_factory.mktemp("store")
    if request.param == "sqlite":
        yield Settings(data_dir=folder, database_url=f"sqlite:///{folder / 'store.db'}",
                       pseudonymisation_key="test-key")
        return
    with _postgres_database(pg_reason) as url:
        yield Settings(data_dir=folder, database_url=url, pseudonymisation_key="test-key")


def import_dir(folder: Path, settings: Settings) -> list:
    """Import every file of ``folder`` that a built-in profile matches, master data first."""
    from connectors.records import IMPORT_ORDER

    plan = [(f, p) for f in sorted(folder.iterdir()) if f.is_file() for p in profiles_for(f)]
    plan = sorted(plan, key=lambda fp: IMPORT_ORDER[fp[1].source.kind])
    return [import_file(f, p, settings) for f, p in plan]


@pytest.fixture
def kleinstadt(settings: Settings) -> Settings:
    """The hand-made Kleinstadt export imported (8 cases, 4 rejected, 1 duplicate)."""
    import_dir(KLEINSTADT, settings)
    return settings


@pytest.fixture(scope="session")
def sample_export(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201 - SampleExport
    """The sample city at a test-friendly size (deterministic)."""
    from sample_data import generate

    return generate(tmp_path_factory.mktemp("musterstadt"), cases=30_000)


@pytest.fixture(scope="session")
def sample_store(sample_export, tmp_path_factory: pytest.TempPathFactory) -> Settings:  # noqa: ANN001
    """Settings of a SQLite store with the sample city imported (once per session)."""
    folder = tmp_path_factory.mktemp("sample_store")
    settings = Settings(data_dir=folder, database_url=f"sqlite:///{folder / 'store.db'}",
                        pseudonymisation_key="test-key")
    import_dir(sample_export.out_dir, settings)
    return settings
