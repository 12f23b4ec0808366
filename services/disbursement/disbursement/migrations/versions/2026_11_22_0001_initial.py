"""initial: plumbing and payments

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
        "payments",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("task_id", sa.String(64), nullable=False),
        sa.Column("region", sa.String(64), nullable=False),
        sa.Column("org_unit", sa.String(100), nullable=False),
        sa.Column("amount_fen", sa.BigInteger, nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("payee_name", sa.String(200), nullable=False),
        sa.Column("payee_id_number", sa.String(32), nullable=False),
        sa.Column("due", sa.Date),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True)),
        sa.Column("last_error", sa.Text),
        sa.Column("bank_transaction", sa.String(64)),
        sa.Column("correlation_id", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True)),
        sa.Column("paid_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("id", name="pk_payments"),
        sa.UniqueConstraint("case_id", "task_id", name="uq_payments_case_id_task_id"),
    )
    op.create_index("ix_payments_status_next_attempt_at", "payments", ["status", "next_attempt_at"])
    op.create_index("ix_payments_payee_id_number", "payments", ["payee_id_number"])


def downgrade() -> None:
    op.drop_table("payments")
