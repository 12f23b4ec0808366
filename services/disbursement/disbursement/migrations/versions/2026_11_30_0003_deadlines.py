"""deadlines: the durable clock of the payment limits (DT-PAY-3WD)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""
from alembic import op

from relief_shared.deadlines import create_deadlines_v1

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_deadlines_v1(op)


def downgrade() -> None:
    op.drop_table("deadlines")
