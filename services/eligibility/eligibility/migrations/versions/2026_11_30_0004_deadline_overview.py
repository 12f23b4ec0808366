"""the district overview of every service's deadlines (GET /v1/deadlines)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "deadline_overview",
        sa.Column("deadline_id", sa.String(36), primary_key=True),
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("region", sa.String(64), nullable=False),
        sa.Column("org_unit", sa.String(128)),
        sa.Column("state", sa.String(24), nullable=False),
        sa.Column("due_soon", sa.Boolean, nullable=False),
        sa.Column("due", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("entry", sa.JSON, nullable=False),
    )
    op.create_index("ix_deadline_overview_region_state_due", "deadline_overview", ["region", "state", "due"])


def downgrade() -> None:
    op.drop_table("deadline_overview")
