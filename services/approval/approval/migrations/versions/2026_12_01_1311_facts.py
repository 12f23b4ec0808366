"""approval_facts: the subject's facts and the amount's reason for the approval record (FX-RECORD)

Revision ID: 1311
Revises: 1302
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

revision = "1311"
down_revision = "1302"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "approval_facts",
        sa.Column("case_id", sa.String(64), primary_key=True),
        sa.Column("region", sa.String(64), nullable=False),
        sa.Column("org_unit", sa.String(100), nullable=False),
        sa.Column("applies_for", sa.String(32)),
        sa.Column("subject", sa.Text()),
        sa.Column("reason", sa.Text()),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("approval_facts")
