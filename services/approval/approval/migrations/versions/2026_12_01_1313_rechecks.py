"""rechecks: the periodic re-checks of approved recipients (ANY-RECHECK, DT-CASE-RECHECK)

Revision ID: 1313
Revises: 1312
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

revision = "1313"
down_revision = "1312"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rechecks",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("region", sa.String(64), nullable=False),
        sa.Column("org_unit", sa.String(100), nullable=False),
        sa.Column("rule", sa.String(40), nullable=False),
        sa.Column("clause", sa.String(400), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("visible_from", sa.Date(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("outcome", sa.String(20)),
        sa.Column("comment", sa.Text()),
        sa.Column("actor_id", sa.String(100)),
        sa.Column("actor_name", sa.String(100)),
        sa.Column("done_at", sa.DateTime(timezone=True)),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("case_id", "rule", "round", name="uq_rechecks_case_id_rule_round"),
    )
    op.create_index("ix_rechecks_inbox", "rechecks", ["status", "region", "org_unit"])


def downgrade() -> None:
    op.drop_table("rechecks")
