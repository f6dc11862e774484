"""a street's history trains a candidate classifier; labels map to a street's departments

Revision ID: c3d9e1f2a7b4
Revises: b7e2c4d1a9f0
Create Date: 2026-11-26 14:30:00

"""
import sqlalchemy as sa
from alembic import op

import core.db  # noqa: F401  (custom column types)

revision = 'c3d9e1f2a7b4'
down_revision = 'b7e2c4d1a9f0'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'label_mapping',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('street_id', sa.Integer(), nullable=False),
        sa.Column('label', sa.String(length=60), nullable=False),
        sa.Column('department_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_label_mapping_department_id_department')),
        sa.ForeignKeyConstraint(['street_id'], ['street.id'], name=op.f('fk_label_mapping_street_id_street')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_label_mapping')),
        sa.UniqueConstraint('street_id', 'label', name=op.f('uq_label_mapping_street_id_label')),
    )
    with op.batch_alter_table('label_mapping', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_label_mapping_street_id'), ['street_id'], unique=False)
    op.create_table(
        'training_run',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('street_id', sa.Integer(), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', core.db.UTCDateTime(), nullable=False),
        sa.Column('filename', sa.String(length=200), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.Column('columns', sa.JSON(), nullable=False),
        sa.Column('text_columns', sa.JSON(), nullable=False),
        sa.Column('label_column', sa.String(length=100), nullable=False),
        sa.Column('with_corrections', sa.Boolean(), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('progress', sa.Integer(), nullable=False),
        sa.Column('message', sa.String(length=300), nullable=False),
        sa.Column('result', sa.JSON(), nullable=True),
        sa.Column('started_at', core.db.UTCDateTime(), nullable=True),
        sa.Column('finished_at', core.db.UTCDateTime(), nullable=True),
        sa.Column('promoted_at', core.db.UTCDateTime(), nullable=True),
        sa.CheckConstraint("status IN ('uploaded', 'queued', 'running', 'done', 'failed')",
                           name=op.f('ck_training_run_status_known')),
        sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_training_run_created_by_id_user')),
        sa.ForeignKeyConstraint(['street_id'], ['street.id'], name=op.f('fk_training_run_street_id_street')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_training_run')),
    )
    with op.batch_alter_table('training_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_run_street_id'), ['street_id'], unique=False)


def downgrade():
    op.drop_table('training_run')
    op.drop_table('label_mapping')
