"""proxies bind their WeChat and ballots name the proxy

Revision ID: d460de5f483d
Revises: deb7feabdfac
Create Date: 2026-11-26 16:54:34.882401

"""
from alembic import op
import sqlalchemy as sa

import core.db  # noqa: F401  (custom column types)


# revision identifiers, used by Alembic.
revision = 'd460de5f483d'
down_revision = 'deb7feabdfac'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('ballot_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('proxy_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_ballot_entry_proxy_id_proxy'), 'proxy', ['proxy_id'], ['id'])

    with op.batch_alter_table('proxy', schema=None) as batch_op:
        batch_op.add_column(sa.Column('code_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('code_expires_at', core.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('openid', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('bound_at', core.db.UTCDateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_proxy_openid'), ['openid'], unique=False)
        batch_op.create_unique_constraint(batch_op.f('uq_proxy_code_hash'), ['code_hash'])


def downgrade():
    with op.batch_alter_table('proxy', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_proxy_code_hash'), type_='unique')
        batch_op.drop_index(batch_op.f('ix_proxy_openid'))
        batch_op.drop_column('bound_at')
        batch_op.drop_column('openid')
        batch_op.drop_column('code_expires_at')
        batch_op.drop_column('code_hash')

    with op.batch_alter_table('ballot_entry', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_ballot_entry_proxy_id_proxy'), type_='foreignkey')
        batch_op.drop_column('proxy_id')
