"""departments, complaint routing, photos and corrections

Revision ID: fdc3d1bb820a
Revises: afcc410905ef
Create Date: 2026-11-24 11:37:15.997384

"""
from alembic import op
import sqlalchemy as sa

import core.db  # noqa: F401  (custom column types)


# revision identifiers, used by Alembic.
revision = 'fdc3d1bb820a'
down_revision = 'afcc410905ef'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('department',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('handles', sa.String(length=300), nullable=False),
    sa.Column('sla_hours', sa.Integer(), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.CheckConstraint('sla_hours > 0 AND sla_hours <= 2160', name=op.f('ck_department_sla_sane')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_department')),
    sa.UniqueConstraint('code', name=op.f('uq_department_code'))
    )
    op.create_table('complaint_photo',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('complaint_id', sa.Integer(), nullable=False),
    sa.Column('content_type', sa.String(length=20), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaint.id'], name=op.f('fk_complaint_photo_complaint_id_complaint')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint_photo')),
    sa.UniqueConstraint('complaint_id', 'sha256', name=op.f('uq_complaint_photo_complaint_id_sha256'))
    )
    with op.batch_alter_table('complaint_photo', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaint_photo_complaint_id'), ['complaint_id'], unique=False)

    op.create_table('routing_correction',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('complaint_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('predicted', sa.String(length=20), nullable=False),
    sa.Column('department_code', sa.String(length=20), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('at', core.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user.id'], name=op.f('fk_routing_correction_actor_id_user')),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaint.id'], name=op.f('fk_routing_correction_complaint_id_complaint')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_routing_correction')),
    sa.UniqueConstraint('complaint_id', name=op.f('uq_routing_correction_complaint_id'))
    )
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.add_column(sa.Column('department_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('routed_by', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('suggestions', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('key_words', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('model_version', sa.String(length=40), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('assigned_at', core.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('due_at', core.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('overdue_at', core.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('responded_at', core.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('resolved_at', core.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('rating', sa.SmallInteger(), nullable=True))
        batch_op.add_column(sa.Column('rating_comment', sa.String(length=300), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('rated_at', core.db.UTCDateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_complaint_department_id'), ['department_id'], unique=False)
        batch_op.create_check_constraint('rating_range', 'rating IS NULL OR (rating >= 1 AND rating <= 5)')
        batch_op.create_index('ix_complaint_status_due', ['status', 'due_at'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_complaint_department_id_department'), 'department', ['department_id'], ['id'])

    with op.batch_alter_table('complaint_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('department_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_complaint_event_department_id_department'), 'department', ['department_id'], ['id'])



def downgrade():
    with op.batch_alter_table('complaint_event', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_complaint_event_department_id_department'), type_='foreignkey')
        batch_op.drop_column('department_id')

    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_complaint_department_id_department'), type_='foreignkey')
        batch_op.drop_index('ix_complaint_status_due')
        batch_op.drop_constraint(batch_op.f('ck_complaint_rating_range'), type_='check')
        batch_op.drop_index(batch_op.f('ix_complaint_department_id'))
        batch_op.drop_column('rated_at')
        batch_op.drop_column('rating_comment')
        batch_op.drop_column('rating')
        batch_op.drop_column('resolved_at')
        batch_op.drop_column('responded_at')
        batch_op.drop_column('overdue_at')
        batch_op.drop_column('due_at')
        batch_op.drop_column('assigned_at')
        batch_op.drop_column('model_version')
        batch_op.drop_column('key_words')
        batch_op.drop_column('suggestions')
        batch_op.drop_column('routed_by')
        batch_op.drop_column('department_id')

    op.drop_table('routing_correction')
    with op.batch_alter_table('complaint_photo', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaint_photo_complaint_id'))

    op.drop_table('complaint_photo')
    op.drop_table('department')
