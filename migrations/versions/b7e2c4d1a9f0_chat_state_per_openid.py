"""the chat's short memory: what the bot expects next from each WeChat user

Revision ID: b7e2c4d1a9f0
Revises: 70ab1a64a9cb
Create Date: 2026-11-26 14:00:00

"""
import sqlalchemy as sa
from alembic import op

import core.db  # noqa: F401  (custom column types)

revision = 'b7e2c4d1a9f0'
down_revision = '70ab1a64a9cb'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'chat_state',
        sa.Column('openid', sa.String(length=64), nullable=False),
        sa.Column('expecting', sa.String(length=20), nullable=False),
        sa.Column('data', sa.JSON(), nullable=False),
        sa.Column('expires_at', core.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('openid', name=op.f('pk_chat_state')),
    )


def downgrade():
    op.drop_table('chat_state')
