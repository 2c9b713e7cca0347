"""Migrations: a store made by the first migration, with data in it, upgrades to head and
keeps every row (SQLite and PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import inspect, text

from connectors.db import get_engine, schema_is_current, upgrade
from tests.conftest import KLEINSTADT, import_dir


def test_upgrade_from_the_first_migration_keeps_the_data(settings) -> None:  # noqa: ANN001
    upgrade(settings, "0001")
    engine = get_engine(settings)
    assert not inspect(engine).has_table("usage_stats")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO services (code, name) VALUES ('L1', 'Wohnsitz "
                          "anmelden'), ('L2', 'Hundesteuer anmelden')"))
        conn.execute(text("INSERT INTO import_runs (source, profile, file_name, "
                          "file_sha256, started_at, status, rows_read, rows_inserted, "
                          "rows_updated, rows_duplicate, rows_rejected) VALUES ('s', 'p', "
                          "'f.csv', 'x', '2026-01-01 00:00:00', 'succeeded', 1, 1, 0, 0, 0)"))
        conn.execute(text("INSERT INTO cases (source, case_key, service_id, channel, "
                          "received_at, status, follow_up_count, import_run_id) SELECT "
                          "'s', 'k1', s.id, 'online', '2026-01-05 10:00:00', 'open', 0, r.id "
                          "FROM services s, import_runs r WHERE s.code = 'L1'"))
    assert not schema_is_current(engine)
    upgrade(settings)
    assert schema_is_current(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT code, name, attributes FROM services ORDER BY code")
                            ).all() == [("L1", "Wohnsitz anmelden", None),
                                        ("L2", "Hundesteuer anmelden", None)]
        assert conn.execute(text("SELECT case_key, channel FROM cases")).all() == [
            ("k1", "online")]
    # and the upgraded store takes a normal import
    results = import_dir(KLEINSTADT, settings)
    assert results[-1].inserted == 8


def test_models_and_migrations_agree(settings) -> None:  # noqa: ANN001
    """A model changed without a migration would make autogenerate find a difference."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from connectors.store import Base

    upgrade(settings)
    with get_engine(settings).connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        ctx = MigrationContext.configure(conn, opts={"compare_type": not sqlite})
        assert compare_metadata(ctx, Base.metadata) == []


def test_0005_adds_source_cursors_and_keeps_the_file_state(settings) -> None:  # noqa: ANN001
    upgrade(settings, "0004")
    engine = get_engine(settings)
    assert not inspect(engine).has_table("source_cursors")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO source_files (source, path, size, mtime_ns, sha256, "
                          "checked_at) VALUES ('Meldewesen', '/srv/v.csv', 10, 5, 'ab', "
                          "'2026-01-01 00:00:00')"))
    upgrade(settings, "0005")
    with engine.begin() as conn:
        assert conn.execute(text("SELECT source, path, size FROM source_files")).all() == [
            ("Meldewesen", "/srv/v.csv", 10)]
        conn.execute(text("INSERT INTO import_runs (source, profile, file_name, file_sha256, "
                          "started_at, status, rows_read, rows_inserted, rows_updated, "
                          "rows_duplicate, rows_rejected) VALUES ('s', 'p', 'SQL x', 'ab', "
                          "'2026-01-01 00:00:00', 'succeeded', 0, 0, 0, 0, 0)"))
        conn.execute(text("INSERT INTO source_cursors (source, identity, value, import_run_id, "
                          "updated_at) SELECT 'Meldewesen-DB', 'ab', '{}', id, "
                          "'2026-01-01 00:00:00' FROM import_runs"))
    # and back: the cursor table goes, the file state stays
    from alembic import command

    from connectors.db import _at_head, alembic_config

    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0004")
    _at_head.clear()
    assert not inspect(engine).has_table("source_cursors")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM source_files")).scalar_one() == 1


def test_0008_puts_existing_rows_into_the_default_municipality(settings) -> None:  # noqa: ANN001
    """A store of one municipality at 0007 with data: after the upgrade every row carries
    the configured AGS, nothing is lost, and a second municipality with the same codes and
    case numbers imports beside it."""
    from connectors.tenants import TENANT_TABLES

    settings = settings.model_copy(update={"ags": "05170024"})
    import_dir(KLEINSTADT, settings)  # at head, then back to 0007 with the data
    engine = get_engine(settings)
    with engine.connect() as conn:
        before = {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
                  for t in sorted(TENANT_TABLES)}
    from connectors.db import downgrade

    downgrade(settings, "0007")
    assert "ags" not in {c["name"] for c in inspect(engine).get_columns("cases")}
    upgrade(settings)
    assert schema_is_current(engine)
    with engine.connect() as conn:
        for table in sorted(TENANT_TABLES):
            rows = conn.execute(text(f"SELECT ags, count(*) FROM {table} GROUP BY ags")).all()
            assert rows == ([("05170024", before[table])] if before[table] else []), table
    assert before["cases"] == 8 and before["services"] > 0
    # the same export into another municipality: everything new, nothing clashes
    other = import_dir(KLEINSTADT, settings.model_copy(update={"ags": "05999001"}))
    assert other[-1].inserted == 8
    with engine.connect() as conn:
        assert conn.execute(text("SELECT ags, count(*) FROM cases GROUP BY ags ORDER BY ags")
                            ).all() == [("05170024", 8), ("05999001", 8)]
