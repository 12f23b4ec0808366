"""initial: plumbing and means checks

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""
import sqlalchemy as sa
from alembic import op

from relief_shared.plumbing import create_plumbing_v1

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_plumbing_v1(op)
    op.create_table(
        "means_checks",
        sa.Column("case_id", sa.String(64), primary_key=True),
        sa.Column("region", sa.String(64), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("scope", sa.String(200), nullable=False),
        sa.Column("rules", sa.String(200), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("means_checks")
