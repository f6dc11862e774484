"""Complaints for dispatchers: emergencies (urgent_hours, urgent_reason), the same problem linked
(duplicate_of_id), Open311 keys and the open311 channel

Revision ID: dc9c75a8af31
Revises: c3d9e1f2a7b4
Create Date: 2026-11-26 13:55:35.489082

"""
from alembic import op
import sqlalchemy as sa

import core.db  # noqa: F401  (custom column types)


# revision identifiers, used by Alembic.
revision = 'dc9c75a8af31'
down_revision = 'c3d9e1f2a7b4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('open311_key',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('street_id', sa.Integer(), nullable=False),
    sa.Column('key_sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('revoked_at', core.db.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['street_id'], ['street.id'], name=op.f('fk_open311_key_street_id_street')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_open311_key')),
    sa.UniqueConstraint('key_sha256', name=op.f('uq_open311_key_key_sha256')),
    sa.UniqueConstraint('name', name=op.f('uq_open311_key_name'))
    )
    with op.batch_alter_table('open311_key', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_open311_key_street_id'), ['street_id'], unique=False)

    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.add_column(sa.Column('urgent_hours', sa.SmallInteger(), nullable=True))
        batch_op.add_column(sa.Column('urgent_reason', sa.String(length=40), server_default='', nullable=False))
        batch_op.add_column(sa.Column('duplicate_of_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_complaint_duplicate_of_id'), ['duplicate_of_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_complaint_duplicate_of_id_complaint'), 'complaint',
                                    ['duplicate_of_id'], ['id'])
        # Tickets filed by connected systems (Open311).
        batch_op.drop_constraint(batch_op.f('ck_complaint_channel_known'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_complaint_channel_known'),
                                         "channel IN ('wechat', 'web', 'phone', 'open311')")



def downgrade():
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_complaint_channel_known'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_complaint_channel_known'), "channel IN ('wechat', 'web', 'phone')")
        batch_op.drop_constraint(batch_op.f('fk_complaint_duplicate_of_id_complaint'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_complaint_duplicate_of_id'))
        batch_op.drop_column('duplicate_of_id')
        batch_op.drop_column('urgent_reason')
        batch_op.drop_column('urgent_hours')

    with op.batch_alter_table('open311_key', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_open311_key_street_id'))

    op.drop_table('open311_key')
