"""chat photos: fetched later from WeChat by media id

Revision ID: 70ab1a64a9cb
Revises: c9b53032fcc0
Create Date: 2026-11-24 12:59:49.008901

"""
from alembic import op
import sqlalchemy as sa

import core.db  # noqa: F401  (custom column types)


# revision identifiers, used by Alembic.
revision = '70ab1a64a9cb'
down_revision = 'c9b53032fcc0'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('complaint_photo', schema=None) as batch_op:
        batch_op.add_column(sa.Column('media_id', sa.String(length=128), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('fetch_attempts', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('fetch_error', sa.String(length=200), nullable=False, server_default=''))
        batch_op.alter_column('data',
               existing_type=sa.LargeBinary(),
               nullable=True)
        batch_op.alter_column('sha256',
               existing_type=sa.VARCHAR(length=64),
               nullable=True)


def downgrade():
    with op.batch_alter_table('complaint_photo', schema=None) as batch_op:
        batch_op.alter_column('sha256',
               existing_type=sa.VARCHAR(length=64),
               nullable=False)
        batch_op.alter_column('data',
               existing_type=sa.LargeBinary(),
               nullable=False)
        batch_op.drop_column('fetch_error')
        batch_op.drop_column('fetch_attempts')
        batch_op.drop_column('media_id')

