"""the status register and its lookup log (DT-NO-PAPER), complaints and tip-offs (LF-COMPLAINT),
and the durable clocks of the limits eligibility owns (deadlines v1)

Revision ID: 1011
Revises: 0004
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

from relief_shared.deadlines import create_deadlines_v1

revision = "1011"
down_revision = "1001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The referral work (DT-FEEDBACK-1WD) needs the same `deadlines` table: whichever step runs
    # first creates it.
    if not sa.inspect(op.get_bind()).has_table("deadlines"):
        create_deadlines_v1(op)
    op.create_table(
        "status_register",
        sa.Column("id_number", sa.String(18), primary_key=True),
        sa.Column("region", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("since", sa.Date, nullable=False),
        sa.Column("org_unit", sa.String(128)),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("event_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
    )
    op.create_table(
        "status_lookups",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("region", sa.String(64), nullable=False),
        sa.Column("id_number", sa.String(18), nullable=False),
        sa.Column("by_sub", sa.String(128), nullable=False),
        sa.Column("by_name", sa.String(128), nullable=False),
        sa.Column("roles", sa.String(200), nullable=False),
        sa.Column("department", sa.String(64)),
        sa.Column("org_unit", sa.String(128)),
        sa.Column("purpose", sa.String(200), nullable=False),
        sa.Column("found", sa.Boolean, nullable=False),
    )
    op.create_index("ix_status_lookups_region_at", "status_lookups", ["region", "at"])
    op.create_index("ix_status_lookups_id_number", "status_lookups", ["id_number"])
    op.create_table(
        "complaints",
        sa.Column("complaint_id", sa.String(64), primary_key=True),
        sa.Column("region", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("channel_ref", sa.String(100)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("assigned_to", sa.String(128)),
        sa.Column("case_id", sa.String(64)),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("anonymous", sa.Boolean, nullable=False),
        sa.Column("complainant", sa.JSON),
        sa.Column("received_by", sa.String(128), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("history", sa.JSON, nullable=False),
        sa.Column("verification", sa.JSON),
        sa.Column("answer", sa.JSON),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_complaints_region_status", "complaints", ["region", "status"])


def downgrade() -> None:
    op.drop_table("complaints")
    op.drop_table("status_lookups")
    op.drop_table("status_register")
    op.drop_table("deadlines")
