"""import_runs.rows_skipped: summary rows (read.skip_row_patterns) an import read and skipped

A totals line ("Summe;1234;;") is no record, but it is a line of the input: counting it keeps
the run's figures adding up to what was delivered (rows_read + rows_skipped).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('import_runs', sa.Column('rows_skipped', sa.Integer(), nullable=False,
                                           server_default='0'))


def downgrade() -> None:
    # plain ALTER TABLE … DROP COLUMN (SQLite 3.35+): a batch copy of import_runs would
    # trip the foreign keys that point at it
    op.drop_column('import_runs', 'rows_skipped')
