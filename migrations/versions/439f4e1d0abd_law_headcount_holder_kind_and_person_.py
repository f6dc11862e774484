"""law headcount: holder kind and person key, frozen person key, unique paper sheet numbers

Revision ID: 439f4e1d0abd
Revises: 70ab1a64a9cb
Create Date: 2026-11-26 13:43:18.843705

"""
from alembic import op
import sqlalchemy as sa

import core.db  # noqa: F401  (custom column types)


# revision identifiers, used by Alembic.
revision = '439f4e1d0abd'
down_revision = '70ab1a64a9cb'
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
    with op.batch_alter_table('ballot_entry', schema=None) as batch_op:
        batch_op.drop_index('uq_ballot_entry_paper_ref', if_exists=True)

    with op.batch_alter_table('vote_flat', schema=None) as batch_op:
        batch_op.drop_column('person_key')

    with op.batch_alter_table('flat', schema=None) as batch_op:
        batch_op.drop_constraint('holder_kind_known', type_='check')
        batch_op.drop_column('person_key')
        batch_op.drop_column('holder_kind')
