"""initial: plumbing, approvals and their tasks

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
        "approvals",
        sa.Column("case_id", sa.String(64), primary_key=True),
        sa.Column("region", sa.String(64), nullable=False),
        sa.Column("org_unit", sa.String(100), nullable=False),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("ceiling_fen", sa.BigInteger, nullable=False),
        sa.Column("amount_fen", sa.BigInteger),
        sa.Column("payee_id_number", sa.String(32), nullable=False),
        sa.Column("payee_name", sa.String(100), nullable=False),
        sa.Column("accepted_by_id", sa.String(100), nullable=False),
        sa.Column("accepted_by_name", sa.String(100), nullable=False),
        sa.Column("route", sa.Text, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("correlation_id", sa.String(64)),
    )
    op.create_table(
        "approval_tasks",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("case_id", sa.String(64), sa.ForeignKey("approvals.case_id"), nullable=False),
        sa.Column("region", sa.String(64), nullable=False),
        sa.Column("step", sa.String(32), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("org_unit", sa.String(100), nullable=False),
        sa.Column("due", sa.DateTime(timezone=True)),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("actor_id", sa.String(100)),
        sa.Column("actor_name", sa.String(100)),
        sa.Column("amount_fen", sa.BigInteger),
        sa.Column("comment", sa.Text, nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True)),
        sa.UniqueConstraint("case_id", "step", name="uq_approval_tasks_case_id_step"),
    )
    op.create_index("ix_approval_tasks_inbox", "approval_tasks", ["status", "role", "org_unit"])
    op.create_index("ix_approval_tasks_case_id", "approval_tasks", ["case_id"])


def downgrade() -> None:
    op.drop_table("approval_tasks")
    op.drop_table("approvals")
