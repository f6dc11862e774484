"""complaints: 不予受理 (declined), a closed status with the reason told to the resident

Revision ID: e5a1c7d2b9f3
Revises: d460de5f483d
Create Date: 2026-11-26 17:30:00

"""
from alembic import op

import core.db  # noqa: F401  (custom column types)


# revision identifiers, used by Alembic.
revision = 'e5a1c7d2b9f3'
down_revision = 'd460de5f483d'
branch_labels = None
depends_on = None

BEFORE = "status IN ('received', 'assigned', 'in_progress', 'resolved', 'rated', 'returned')"
AFTER = "status IN ('received', 'assigned', 'in_progress', 'resolved', 'rated', 'returned', 'declined')"


def upgrade():
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_complaint_status_known'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_complaint_status_known'), AFTER)


def downgrade():
    # A declined ticket goes back to triage (退回) when the status is taken away.
    op.execute("UPDATE complaint SET status = 'returned' WHERE status = 'declined'")
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_complaint_status_known'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_complaint_status_known'), BEFORE)
