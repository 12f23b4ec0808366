"""deadlines: the durable clock of the payment limits (DT-PAY-3WD)

Revision ID: 0100
Revises: 0001
Create Date: 2026-11-30
"""
from alembic import op

from relief_shared.deadlines import create_deadlines_v1

revision = "0100"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_deadlines_v1(op)


def downgrade() -> None:
    op.drop_table("deadlines")
