"""law headcount: holder kind and person key, frozen person key, unique paper sheet numbers, proxies, transfers

Revision ID: 439f4e1d0abd
Revises: b7e4c2a91d0f
Create Date: 2026-11-26 13:43:18.843705

"""
from alembic import op
import sqlalchemy as sa

import core.db  # noqa: F401  (custom column types)


# revision identifiers, used by Alembic.
revision = '439f4e1d0abd'
down_revision = 'b7e4c2a91d0f'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('flat', schema=None) as batch_op:
        batch_op.add_column(sa.Column('holder_kind', sa.String(length=20), server_default='owner', nullable=False))
        batch_op.add_column(sa.Column('person_key', sa.String(length=64), server_default='', nullable=False))
        batch_op.create_check_constraint(
            'holder_kind_known', "holder_kind IN ('owner', 'developer', 'original_unit')")

    with op.batch_alter_table('vote_flat', schema=None) as batch_op:
        batch_op.add_column(sa.Column('person_key', sa.String(length=100), nullable=True))

    # 过户: an owner who moved out stays (ballot logs name them), marked.
    with op.batch_alter_table('owner', schema=None) as batch_op:
        batch_op.add_column(sa.Column('moved_out_at', core.db.UTCDateTime(), nullable=True))

    # 委托投票: proxies recorded by community workers.
    op.create_table('proxy',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('estate_id', sa.Integer(), nullable=False),
    sa.Column('flat_id', sa.Integer(), nullable=False),
    sa.Column('principal_id', sa.Integer(), nullable=False),
    sa.Column('proxy_owner_id', sa.Integer(), nullable=True),
    sa.Column('proxy_name', sa.String(length=40), nullable=False),
    sa.Column('proxy_phone', sa.String(length=20), nullable=False),
    sa.Column('vote_id', sa.Integer(), nullable=True),
    sa.Column('valid_until', core.db.UTCDateTime(), nullable=True),
    sa.Column('scan', sa.LargeBinary(), nullable=True),
    sa.Column('scan_type', sa.String(length=30), nullable=False),
    sa.Column('entered_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('revoked_at', core.db.UTCDateTime(), nullable=True),
    sa.Column('revoked_by_id', sa.Integer(), nullable=True),
    sa.Column('revoke_reason', sa.String(length=200), nullable=False),
    sa.CheckConstraint('(vote_id IS NULL AND valid_until IS NOT NULL) OR (vote_id IS NOT NULL AND valid_until IS NULL)', name=op.f('ck_proxy_one_scope')),
    sa.ForeignKeyConstraint(['entered_by_id'], ['user.id'], name=op.f('fk_proxy_entered_by_id_user')),
    sa.ForeignKeyConstraint(['estate_id'], ['estate.id'], name=op.f('fk_proxy_estate_id_estate')),
    sa.ForeignKeyConstraint(['flat_id'], ['flat.id'], name=op.f('fk_proxy_flat_id_flat')),
    sa.ForeignKeyConstraint(['principal_id'], ['owner.id'], name=op.f('fk_proxy_principal_id_owner')),
    sa.ForeignKeyConstraint(['proxy_owner_id'], ['owner.id'], name=op.f('fk_proxy_proxy_owner_id_owner')),
    sa.ForeignKeyConstraint(['revoked_by_id'], ['user.id'], name=op.f('fk_proxy_revoked_by_id_user')),
    sa.ForeignKeyConstraint(['vote_id'], ['vote.id'], name=op.f('fk_proxy_vote_id_vote')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proxy'))
    )
    with op.batch_alter_table('proxy', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proxy_estate_id'), ['estate_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_proxy_flat_id'), ['flat_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_proxy_proxy_owner_id'), ['proxy_owner_id'], unique=False)

    # A paper sheet number names one sheet of a vote. Logs are insert-only: where an earlier version
    # accepted one number twice, the entries stay, the index is not created, and the application's own
    # check refuses further duplicates.
    duplicates = op.get_bind().execute(sa.text(
        "SELECT vote_id, paper_ref FROM ballot_entry WHERE paper_ref != '' "
        "GROUP BY vote_id, paper_ref HAVING COUNT(*) > 1")).all()
    if duplicates:
        print(f"uq_ballot_entry_paper_ref not created: {len(duplicates)} sheet number(s) already used twice "
              f"(vote, number): {duplicates[:10]}")
    else:
        with op.batch_alter_table('ballot_entry', schema=None) as batch_op:
            batch_op.create_index('uq_ballot_entry_paper_ref', ['vote_id', 'paper_ref'], unique=True,
                                  sqlite_where=sa.text("paper_ref != ''"), postgresql_where=sa.text("paper_ref != ''"))


def downgrade():
    with op.batch_alter_table('proxy', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proxy_proxy_owner_id'))
        batch_op.drop_index(batch_op.f('ix_proxy_flat_id'))
        batch_op.drop_index(batch_op.f('ix_proxy_estate_id'))
    op.drop_table('proxy')

    with op.batch_alter_table('ballot_entry', schema=None) as batch_op:
        batch_op.drop_index('uq_ballot_entry_paper_ref', if_exists=True)

    with op.batch_alter_table('owner', schema=None) as batch_op:
        batch_op.drop_column('moved_out_at')

    with op.batch_alter_table('vote_flat', schema=None) as batch_op:
        batch_op.drop_column('person_key')

    with op.batch_alter_table('flat', schema=None) as batch_op:
        batch_op.drop_constraint('holder_kind_known', type_='check')
        batch_op.drop_column('person_key')
        batch_op.drop_column('holder_kind')
