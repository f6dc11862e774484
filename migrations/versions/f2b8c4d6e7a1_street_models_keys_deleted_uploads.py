"""a street's own classifier: 12345 labels up to 60 characters in re-routings, Open311 key names per street
(live ones unique), deleted uploads kept as a record without their data

Revision ID: f2b8c4d6e7a1
Revises: e5a1c7d2b9f3
Create Date: 2026-11-26 23:20:00

"""
from alembic import op
import sqlalchemy as sa

import core.db  # noqa: F401  (custom column types)


# revision identifiers, used by Alembic.
revision = 'f2b8c4d6e7a1'
down_revision = 'e5a1c7d2b9f3'
branch_labels = None
depends_on = None

BEFORE = "status IN ('uploaded', 'queued', 'running', 'done', 'failed')"
AFTER = "status IN ('uploaded', 'queued', 'running', 'done', 'failed', 'deleted')"
LIVE = sa.text("revoked_at IS NULL")


def upgrade():
    with op.batch_alter_table('routing_correction', schema=None) as batch_op:
        batch_op.alter_column('predicted', existing_type=sa.String(length=20), type_=sa.String(length=60),
                              existing_nullable=False)
    with op.batch_alter_table('open311_key', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_open311_key_name'), type_='unique')
    op.create_index('uq_open311_key_live_name', 'open311_key', ['street_id', 'name'], unique=True,
                    sqlite_where=LIVE, postgresql_where=LIVE)
    with op.batch_alter_table('training_run', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_training_run_status_known'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_training_run_status_known'), AFTER)


def downgrade():
    # A deleted upload has no data left to train on: it goes as a failed one.
    op.execute("UPDATE training_run SET status = 'failed' WHERE status = 'deleted'")
    with op.batch_alter_table('training_run', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_training_run_status_known'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_training_run_status_known'), BEFORE)
    op.drop_index('uq_open311_key_live_name', table_name='open311_key')
    with op.batch_alter_table('open311_key', schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f('uq_open311_key_name'), ['name'])
    op.execute("UPDATE routing_correction SET predicted = substr(predicted, 1, 20)")
    with op.batch_alter_table('routing_correction', schema=None) as batch_op:
        batch_op.alter_column('predicted', existing_type=sa.String(length=60), type_=sa.String(length=20),
                              existing_nullable=False)
