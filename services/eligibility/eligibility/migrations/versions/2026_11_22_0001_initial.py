"""initial: plumbing, cases and their timeline

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
        "cases",
        sa.Column("case_id", sa.String(64), primary_key=True),
        sa.Column("region", sa.String(64), nullable=False),
        sa.Column("org_unit", sa.String(128), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("applies_for", sa.String(32), nullable=False),
        sa.Column("accepted_by", sa.String(128), nullable=False),
        sa.Column("applicant_id_number", sa.String(18), nullable=False),
        sa.Column("request", sa.JSON, nullable=False),
        sa.Column("view", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_cases_region_org_status", "cases", ["region", "org_unit", "status"])
    op.create_table(
        "timeline",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.String(64), nullable=False, index=True),
        sa.Column("event_id", sa.String(36), nullable=False, unique=True),
        sa.Column("event", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by_id", sa.String(128), nullable=False),
        sa.Column("by_name", sa.String(128), nullable=False),
        sa.Column("summary", sa.String(500), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("timeline")
    op.drop_table("cases")
