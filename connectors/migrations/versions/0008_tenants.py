"""tenants: an ``ags`` column on master data, facts, runs, state and the cube

Several municipalities in one store (connectors/tenants.py). Existing rows belong to the
installation's default municipality (``SERVICEPULS_AGS``, handed over by
``connectors.db.upgrade``), so nothing changes for a store of one municipality. The AGS
becomes the first column of every unique key and of the indexes the reads filter on: the
same code or case number may then exist once per municipality.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""
from __future__ import annotations

from alembic import context, op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

TABLES = ['services', 'locations', 'import_runs', 'rejected_rows', 'cases', 'cube_volume',
          'cube_durations', 'cube_open', 'usage_stats', 'wait_stats', 'standard_stats',
          'feedback', 'form_funnel', 'appointments', 'source_files', 'source_cursors']
# table → (old name, new name, old columns, new columns) of its unique key
UNIQUES = {
    'services': (None, 'uq_services_ags_code', ['code'], ['ags', 'code']),
    'locations': (None, 'uq_locations_ags_code', ['code'], ['ags', 'code']),
    'cases': ('uq_cases_source_case_key', 'uq_cases_ags_source_case_key',
              ['source', 'case_key'], ['ags', 'source', 'case_key']),
    'wait_stats': ('uq_wait_stats_slot', 'uq_wait_stats_slot',
                   ['source', 'location_id', 'day', 'hour'],
                   ['ags', 'source', 'location_id', 'day', 'hour']),
    'feedback': ('uq_feedback_response_topic', 'uq_feedback_response_topic',
                 ['source', 'response_key', 'topic'], ['ags', 'source', 'response_key', 'topic']),
    'form_funnel': ('uq_form_funnel_day', 'uq_form_funnel_day', ['source', 'service_id', 'day'],
                    ['ags', 'source', 'service_id', 'day']),
    'appointments': ('uq_appointments_key', 'uq_appointments_key', ['source', 'appointment_key'],
                     ['ags', 'source', 'appointment_key']),
    'source_files': ('uq_source_files_path', 'uq_source_files_path', ['source', 'path'],
                     ['ags', 'source', 'path']),
    'source_cursors': ('uq_source_cursors_source', 'uq_source_cursors_source', ['source'],
                       ['ags', 'source']),
}
# table → (index, old columns, new columns)
INDEXES = {
    'cube_volume': ('ix_cube_volume_key', ['month', 'service_id'], ['ags', 'month', 'service_id']),
    'cube_durations': ('ix_cube_durations_key', ['month', 'service_id'],
                       ['ags', 'month', 'service_id']),
    'cube_open': ('ix_cube_open_key', ['month', 'service_id'], ['ags', 'month', 'service_id']),
    'usage_stats': ('ix_usage_stats_period', ['source', 'period_start', 'period_end'],
                    ['ags', 'source', 'period_start', 'period_end']),
    'standard_stats': ('ix_standard_stats_period', ['source', 'period_start', 'period_end'],
                       ['ags', 'source', 'period_start', 'period_end']),
}
# SQLite reflects the unnamed unique keys of migration 0001 without a name; this convention
# names them so the batch can drop them.
NAMING = {'uq': 'uq_%(table_name)s_%(column_0_name)s'}


def _default_ags() -> str:
    ags = context.config.attributes.get('ags')
    if ags is None:
        from connectors.settings import get_settings

        ags = get_settings().ags
    return ags


def _unique_name(table: str, columns: list[str]) -> str:
    """The stored name of ``table``'s unique key on ``columns`` (PostgreSQL named the
    unnamed ones of migration 0001 ``<table>_code_key``; SQLite by :data:`NAMING`)."""
    for uq in sa.inspect(op.get_bind()).get_unique_constraints(table):
        if uq['column_names'] == columns and uq['name']:
            return uq['name']
    return NAMING['uq'] % {'table_name': table, 'column_0_name': columns[0]}


def upgrade() -> None:
    ags = _default_ags()
    for table in TABLES:
        # existing rows belong to the default municipality; the server default only fills
        # them and is dropped below, so a writer that forgets the AGS fails loudly
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column('ags', sa.String(length=8), nullable=False,
                                       server_default=ags))
        old_uq = UNIQUES.get(table)
        old_name = _unique_name(table, old_uq[2]) if old_uq and old_uq[0] is None else None
        with op.batch_alter_table(table, naming_convention=NAMING) as batch:
            batch.alter_column('ags', existing_type=sa.String(length=8), server_default=None)
            if old_uq:
                batch.drop_constraint(old_name or old_uq[0], type_='unique')
                batch.create_unique_constraint(old_uq[1], old_uq[3])
            if table in INDEXES:
                name, _, columns = INDEXES[table]
                batch.drop_index(name)
                batch.create_index(name, columns, unique=False)


def downgrade() -> None:
    for table in reversed(TABLES):
        with op.batch_alter_table(table) as batch:
            if table in INDEXES:
                name, columns, _ = INDEXES[table]
                batch.drop_index(name)
            if table in UNIQUES:
                old, new, columns, _ = UNIQUES[table]
                batch.drop_constraint(new, type_='unique')
            batch.drop_column('ags')
            if table in INDEXES:
                batch.create_index(name, columns, unique=False)
            if table in UNIQUES:
                batch.create_unique_constraint(old or NAMING['uq'] % {
                    'table_name': table, 'column_0_name': columns[0]}, columns)
