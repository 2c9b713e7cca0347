"""cases: the receipt-time index leads with the AGS

The cube's refresh finds a key's cases by ``ags = …``, a range of ``received_at`` and the
services. Since migration 0008 put the AGS first in the unique key of ``cases``, SQLite
(which keeps no statistics) preferred that key's ``ags = …`` — every case of the
municipality, read row by row — to the range on (``received_at``, ``service_id``). With the
AGS leading this index too, the range is searched within the municipality on either store.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""
from __future__ import annotations

from alembic import op


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index('ix_cases_received_service', table_name='cases')
    op.create_index('ix_cases_ags_received_service', 'cases',
                    ['ags', 'received_at', 'service_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_cases_ags_received_service', table_name='cases')
    op.create_index('ix_cases_received_service', 'cases', ['received_at', 'service_id'],
                    unique=False)
