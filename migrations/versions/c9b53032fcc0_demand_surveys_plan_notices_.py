"""demand surveys, plan notices, satisfaction surveys

Revision ID: c9b53032fcc0
Revises: fdc3d1bb820a
Create Date: 2026-11-24 11:58:20.857200

"""
from alembic import op
import sqlalchemy as sa

import core.db  # noqa: F401  (custom column types)


# revision identifiers, used by Alembic.
revision = 'c9b53032fcc0'
down_revision = 'fdc3d1bb820a'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('demand_survey',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('estate_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('opens_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('closes_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', core.db.UTCDateTime(), nullable=False),
    sa.CheckConstraint("status IN ('draft', 'open', 'closed')", name=op.f('ck_demand_survey_status_known')),
    sa.CheckConstraint('closes_at > opens_at', name=op.f('ck_demand_survey_closes_after_opening')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_demand_survey_created_by_id_user')),
    sa.ForeignKeyConstraint(['estate_id'], ['estate.id'], name=op.f('fk_demand_survey_estate_id_estate')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_demand_survey'))
    )
    with op.batch_alter_table('demand_survey', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_demand_survey_estate_id'), ['estate_id'], unique=False)

    op.create_table('survey',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('estate_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('anonymous', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('opens_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('closes_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', core.db.UTCDateTime(), nullable=False),
    sa.CheckConstraint("status IN ('draft', 'open', 'closed')", name=op.f('ck_survey_status_known')),
    sa.CheckConstraint('closes_at > opens_at', name=op.f('ck_survey_closes_after_opening')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_survey_created_by_id_user')),
    sa.ForeignKeyConstraint(['estate_id'], ['estate.id'], name=op.f('fk_survey_estate_id_estate')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey'))
    )
    with op.batch_alter_table('survey', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_estate_id'), ['estate_id'], unique=False)

    op.create_table('demand_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=12), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('key', sa.String(length=20), nullable=False),
    sa.CheckConstraint("category IN ('basic', 'improvement', 'upgrade')", name=op.f('ck_demand_item_category_known')),
    sa.ForeignKeyConstraint(['survey_id'], ['demand_survey.id'], name=op.f('fk_demand_item_survey_id_demand_survey')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_demand_item')),
    sa.UniqueConstraint('survey_id', 'position', name=op.f('uq_demand_item_survey_id_position'))
    )
    with op.batch_alter_table('demand_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_demand_item_survey_id'), ['survey_id'], unique=False)

    op.create_table('survey_question',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('text', sa.String(length=200), nullable=False),
    sa.Column('options', sa.JSON(), nullable=False),
    sa.Column('required', sa.Boolean(), nullable=False),
    sa.CheckConstraint("kind IN ('rating', 'choice', 'text')", name=op.f('ck_survey_question_kind_known')),
    sa.ForeignKeyConstraint(['survey_id'], ['survey.id'], name=op.f('fk_survey_question_survey_id_survey')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_question'))
    )
    with op.batch_alter_table('survey_question', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_question_survey_id'), ['survey_id'], unique=False)

    op.create_table('notice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('estate_id', sa.Integer(), nullable=False),
    sa.Column('building_id', sa.Integer(), nullable=True),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('publish_at', core.db.UTCDateTime(), nullable=True),
    sa.Column('ends_at', core.db.UTCDateTime(), nullable=True),
    sa.Column('published_at', core.db.UTCDateTime(), nullable=True),
    sa.Column('closed_at', core.db.UTCDateTime(), nullable=True),
    sa.Column('outcome', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', core.db.UTCDateTime(), nullable=False),
    sa.CheckConstraint("status IN ('draft', 'scheduled', 'published', 'closed')", name=op.f('ck_notice_status_known')),
    sa.CheckConstraint('ends_at IS NULL OR publish_at IS NULL OR ends_at > publish_at', name=op.f('ck_notice_period_order')),
    sa.ForeignKeyConstraint(['building_id'], ['building.id'], name=op.f('fk_notice_building_id_building')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_notice_created_by_id_user')),
    sa.ForeignKeyConstraint(['estate_id'], ['estate.id'], name=op.f('fk_notice_estate_id_estate')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_notice_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notice'))
    )
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notice_estate_id'), ['estate_id'], unique=False)

    op.create_table('notice_attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('notice_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=120), nullable=False),
    sa.Column('content_type', sa.String(length=40), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['notice_id'], ['notice.id'], name=op.f('fk_notice_attachment_notice_id_notice')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notice_attachment'))
    )
    with op.batch_alter_table('notice_attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notice_attachment_notice_id'), ['notice_id'], unique=False)

    op.create_table('survey_participation',
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('flat_id', sa.Integer(), nullable=False),
    sa.Column('at', core.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['flat_id'], ['flat.id'], name=op.f('fk_survey_participation_flat_id_flat')),
    sa.ForeignKeyConstraint(['survey_id'], ['survey.id'], name=op.f('fk_survey_participation_survey_id_survey')),
    sa.PrimaryKeyConstraint('survey_id', 'flat_id', name=op.f('pk_survey_participation'))
    )
    op.create_table('demand_response',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('flat_id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('comment', sa.String(length=300), nullable=False),
    sa.Column('updated_at', core.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['flat_id'], ['flat.id'], name=op.f('fk_demand_response_flat_id_flat')),
    sa.ForeignKeyConstraint(['owner_id'], ['owner.id'], name=op.f('fk_demand_response_owner_id_owner')),
    sa.ForeignKeyConstraint(['survey_id'], ['demand_survey.id'], name=op.f('fk_demand_response_survey_id_demand_survey')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_demand_response')),
    sa.UniqueConstraint('survey_id', 'flat_id', name=op.f('uq_demand_response_survey_id_flat_id'))
    )
    with op.batch_alter_table('demand_response', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_demand_response_flat_id'), ['flat_id'], unique=False)

    op.create_table('notice_comment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('notice_id', sa.Integer(), nullable=False),
    sa.Column('flat_id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('text', sa.String(length=500), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('reply', sa.String(length=500), nullable=False),
    sa.Column('reply_public', sa.Boolean(), nullable=False),
    sa.Column('replied_by_id', sa.Integer(), nullable=True),
    sa.Column('replied_at', core.db.UTCDateTime(), nullable=True),
    sa.CheckConstraint("kind IN ('comment', 'objection')", name=op.f('ck_notice_comment_kind_known')),
    sa.ForeignKeyConstraint(['flat_id'], ['flat.id'], name=op.f('fk_notice_comment_flat_id_flat')),
    sa.ForeignKeyConstraint(['notice_id'], ['notice.id'], name=op.f('fk_notice_comment_notice_id_notice')),
    sa.ForeignKeyConstraint(['owner_id'], ['owner.id'], name=op.f('fk_notice_comment_owner_id_owner')),
    sa.ForeignKeyConstraint(['replied_by_id'], ['user.id'], name=op.f('fk_notice_comment_replied_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notice_comment'))
    )
    with op.batch_alter_table('notice_comment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notice_comment_notice_id'), ['notice_id'], unique=False)

    op.create_table('survey_response',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('building_id', sa.Integer(), nullable=False),
    sa.Column('flat_id', sa.Integer(), nullable=True),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['building_id'], ['building.id'], name=op.f('fk_survey_response_building_id_building')),
    sa.ForeignKeyConstraint(['flat_id'], ['flat.id'], name=op.f('fk_survey_response_flat_id_flat')),
    sa.ForeignKeyConstraint(['owner_id'], ['owner.id'], name=op.f('fk_survey_response_owner_id_owner')),
    sa.ForeignKeyConstraint(['survey_id'], ['survey.id'], name=op.f('fk_survey_response_survey_id_survey')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_response'))
    )
    with op.batch_alter_table('survey_response', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_response_survey_id'), ['survey_id'], unique=False)

    op.create_table('demand_choice',
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('rank', sa.SmallInteger(), nullable=True),
    sa.CheckConstraint('rank IS NULL OR (rank >= 1 AND rank <= 3)', name=op.f('ck_demand_choice_rank_range')),
    sa.ForeignKeyConstraint(['item_id'], ['demand_item.id'], name=op.f('fk_demand_choice_item_id_demand_item')),
    sa.ForeignKeyConstraint(['response_id'], ['demand_response.id'], name=op.f('fk_demand_choice_response_id_demand_response')),
    sa.PrimaryKeyConstraint('response_id', 'item_id', name=op.f('pk_demand_choice'))
    )


def downgrade():
    op.drop_table('demand_choice')
    with op.batch_alter_table('survey_response', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_response_survey_id'))

    op.drop_table('survey_response')
    with op.batch_alter_table('notice_comment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notice_comment_notice_id'))

    op.drop_table('notice_comment')
    with op.batch_alter_table('demand_response', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_demand_response_flat_id'))

    op.drop_table('demand_response')
    op.drop_table('survey_participation')
    with op.batch_alter_table('notice_attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notice_attachment_notice_id'))

    op.drop_table('notice_attachment')
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notice_estate_id'))

    op.drop_table('notice')
    with op.batch_alter_table('survey_question', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_question_survey_id'))

    op.drop_table('survey_question')
    with op.batch_alter_table('demand_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_demand_item_survey_id'))

    op.drop_table('demand_item')
    with op.batch_alter_table('survey', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_estate_id'))

    op.drop_table('survey')
    with op.batch_alter_table('demand_survey', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_demand_survey_estate_id'))

    op.drop_table('demand_survey')
