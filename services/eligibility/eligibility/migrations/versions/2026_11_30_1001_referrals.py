"""referrals to the partner departments, eligibility's durable clocks (DT-FEEDBACK-1WD), and the
first-inquiry owner and channel reference of each case

Revision ID: 1001
Revises: 0004
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

from relief_shared.deadlines import create_deadlines_v1

revision = "1001"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("accepted_by_name", sa.String(128)))
        batch.add_column(sa.Column("channel_ref", sa.String(64)))
    op.create_table(
        "referrals",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("region", sa.String(64), nullable=False),
        sa.Column("org_unit", sa.String(128), nullable=False),
        sa.Column("department", sa.String(32), nullable=False),
        sa.Column("rules", sa.JSON, nullable=False),
        sa.Column("reasons", sa.JSON, nullable=False),
        sa.Column("needs", sa.JSON, nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due", sa.DateTime(timezone=True)),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True)),
        sa.Column("acknowledged_by", sa.String(200)),
        sa.Column("completed_at", sa.DateTime(timezone=True)),
        sa.Column("outcome", sa.String(20)),
        sa.Column("detail", sa.Text),
        sa.Column("finished_on", sa.Date),
        sa.Column("answered_by", sa.String(200)),
        sa.Column("feedback_due", sa.DateTime(timezone=True)),
        sa.Column("late_feedback", sa.Boolean),
        sa.Column("overdue_at", sa.DateTime(timezone=True)),
        sa.UniqueConstraint("case_id", "department", name="uq_referrals_case_id_department"),
    )
    op.create_index("ix_referrals_region_department_requested_at", "referrals",
                    ["region", "department", "requested_at"])
    create_deadlines_v1(op)


def downgrade() -> None:
    op.drop_table("deadlines")
    op.drop_table("referrals")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("channel_ref")
        batch.drop_column("accepted_by_name")
