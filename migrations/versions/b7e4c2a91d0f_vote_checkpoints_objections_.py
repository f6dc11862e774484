"""vote log checkpoints (signed heads), the objection window and objections

Revision ID: b7e4c2a91d0f
Revises: dc9c75a8af31
Create Date: 2026-11-26 14:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import core.db  # noqa: F401  (custom column types)


# revision identifiers, used by Alembic.
revision = 'b7e4c2a91d0f'
down_revision = 'dc9c75a8af31'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('vote_checkpoint',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('vote_id', sa.Integer(), nullable=False),
    sa.Column('tree_size', sa.Integer(), nullable=False),
    sa.Column('root_hash', sa.String(length=64), nullable=False),
    sa.Column('chain_head', sa.String(length=64), nullable=False),
    sa.Column('signed_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('reason', sa.String(length=10), nullable=False),
    sa.Column('public_key', sa.String(length=64), nullable=False),
    sa.Column('signature', sa.String(length=128), nullable=False),
    sa.CheckConstraint("reason IN ('interval', 'close')", name=op.f('ck_vote_checkpoint_checkpoint_reason_known')),
    sa.ForeignKeyConstraint(['vote_id'], ['vote.id'], name=op.f('fk_vote_checkpoint_vote_id_vote')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vote_checkpoint'))
    )
    with op.batch_alter_table('vote_checkpoint', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_vote_checkpoint_vote_id'), ['vote_id'], unique=False)

    op.create_table('vote_objection',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('vote_id', sa.Integer(), nullable=False),
    sa.Column('flat_id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False, server_default=''),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('answered_at', core.db.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['answered_by_id'], ['user.id'], name=op.f('fk_vote_objection_answered_by_id_user')),
    sa.ForeignKeyConstraint(['flat_id'], ['flat.id'], name=op.f('fk_vote_objection_flat_id_flat')),
    sa.ForeignKeyConstraint(['owner_id'], ['owner.id'], name=op.f('fk_vote_objection_owner_id_owner')),
    sa.ForeignKeyConstraint(['vote_id'], ['vote.id'], name=op.f('fk_vote_objection_vote_id_vote')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vote_objection'))
    )
    with op.batch_alter_table('vote_objection', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_vote_objection_vote_id'), ['vote_id'], unique=False)

    with op.batch_alter_table('vote', schema=None) as batch_op:
        batch_op.add_column(sa.Column('objection_days', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('objection_ends_at', core.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('confirmed_at', core.db.UTCDateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('vote', schema=None) as batch_op:
        batch_op.drop_column('confirmed_at')
        batch_op.drop_column('objection_ends_at')
        batch_op.drop_column('objection_days')

    with op.batch_alter_table('vote_objection', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_vote_objection_vote_id'))

    op.drop_table('vote_objection')
    with op.batch_alter_table('vote_checkpoint', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_vote_checkpoint_vote_id'))

    op.drop_table('vote_checkpoint')
