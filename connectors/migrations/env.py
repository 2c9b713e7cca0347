"""Alembic environment: runs on the connection handed over by connectors.db.upgrade."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from connectors.store import Base

config = context.config
target_metadata = Base.metadata


def _compare_type(context, inspected, metadata, inspected_type, metadata_type):  # noqa: ANN001, ANN202
    """SQLite does not enforce VARCHAR lengths (migration 0002 widens services.name only on
    other databases), so autogenerate must not propose length changes there."""
    if context.dialect.name == "sqlite":
        return False
    return None  # default comparison elsewhere


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata,
                          render_as_batch=True, compare_type=_compare_type)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url"))
    with engine.begin() as conn:
        context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True,
                          compare_type=_compare_type)
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
