"""persisted cube: cube_volume, cube_durations, cube_open, cube_state

The tables are created empty. Filling them is not this migration's job: the cube is derived
data, computed by the code of the day (connectors/cube.py), and a frozen copy of that
GROUP BY here would drift from it. An empty ``cube_state`` with cases in the store marks the
cube as behind, so it is built whole by whichever comes first: ``servicepuls db upgrade``
(right after migrating), the next import, ``servicepuls db rebuild-cube``, or the
dashboard's first load.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def _key_columns() -> list[sa.Column]:
    return [
        sa.Column('id', _ID, nullable=False),
        sa.Column('month', sa.Date(), nullable=False),
        sa.Column('service_id', sa.Integer(), nullable=False),
        sa.Column('location_id', sa.Integer(), nullable=True),
        sa.Column('channel', sa.String(length=20), nullable=False),
    ]


def upgrade() -> None:
    op.create_table('cube_volume', *_key_columns(),
    sa.Column('cases', sa.Integer(), nullable=False),
    sa.Column('completed', sa.Integer(), nullable=False),
    sa.Column('completed_with_follow_up', sa.Integer(), nullable=False),
    sa.Column('open', sa.Integer(), nullable=False),
    sa.Column('last_received', sa.Date(), nullable=False),
    sa.Column('last_completed', sa.Date(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_cube_volume_key', 'cube_volume', ['month', 'service_id'], unique=False)
    op.create_table('cube_durations', *_key_columns(),
    sa.Column('days', sa.Integer(), nullable=False),
    sa.Column('cases', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_cube_durations_key', 'cube_durations', ['month', 'service_id'],
                    unique=False)
    op.create_table('cube_open', *_key_columns(),
    sa.Column('received', sa.Date(), nullable=False),
    sa.Column('cases', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_cube_open_key', 'cube_open', ['month', 'service_id'], unique=False)
    op.create_table('cube_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cases_max_id', sa.BigInteger(), nullable=True),
    sa.Column('refreshed_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )


def downgrade() -> None:
    op.drop_table('cube_state')
    op.drop_index('ix_cube_open_key', table_name='cube_open')
    op.drop_table('cube_open')
    op.drop_index('ix_cube_durations_key', table_name='cube_durations')
    op.drop_table('cube_durations')
    op.drop_index('ix_cube_volume_key', table_name='cube_volume')
    op.drop_table('cube_volume')
