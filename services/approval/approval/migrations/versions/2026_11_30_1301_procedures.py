"""procedures: tasks by round with their reports and returns, the approval's revision (one
decision at a time), flags and details; DT-SOD duties under a key, the LF-KIN register,
public-notice objections, deliberation minutes, early means results

Revision ID: 1301
Revises: 0003
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = "1301"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("approvals") as batch:
        batch.add_column(sa.Column("revision", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("flags", sa.Text, nullable=False, server_default="[]"))
        batch.add_column(sa.Column("details", sa.Text, nullable=False, server_default="{}"))
    with op.batch_alter_table("approval_tasks") as batch:
        batch.add_column(sa.Column("round", sa.Integer, nullable=False, server_default="1"))
        batch.add_column(sa.Column("report", sa.Text))
        batch.add_column(sa.Column("superseded_by", sa.String(64)))
        batch.drop_constraint("uq_approval_tasks_case_id_step", type_="unique")
        batch.create_unique_constraint("uq_approval_tasks_case_id_step_round", ["case_id", "step", "round"])
    op.create_table(
        "approval_duties",
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("actor_id", sa.String(100), nullable=False),
        sa.Column("duty", sa.String(20), nullable=False),
        sa.Column("step", sa.String(32), nullable=False),
        sa.Column("acted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("case_id", "actor_id", name="pk_approval_duties"),
    )
    op.create_table(
        "kin_register",
        sa.Column("region", sa.String(64), nullable=False),
        sa.Column("staff_id", sa.String(100), nullable=False),
        sa.Column("staff_name", sa.String(100), nullable=False),
        sa.Column("relative_id_number", sa.String(32), nullable=False),
        sa.Column("relative_name", sa.String(100), nullable=False),
        sa.Column("relation", sa.String(40), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("registered_by", sa.String(100), nullable=False),
        sa.PrimaryKeyConstraint("region", "staff_id", "relative_id_number", name="pk_kin_register"),
    )
    op.create_index("ix_kin_register_region_relative_id_number", "kin_register", ["region", "relative_id_number"])
    op.create_table(
        "notice_objections",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("region", sa.String(64), nullable=False),
        sa.Column("objector_name", sa.String(100), nullable=False),
        sa.Column("objector_phone", sa.String(40), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("received_on", sa.Date, nullable=False),
        sa.Column("recorded_by", sa.String(100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("resolution", sa.Text),
        sa.Column("resolved_by", sa.String(100)),
        sa.Column("resolved_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("id", name="pk_notice_objections"),
    )
    op.create_index("ix_notice_objections_case_id", "notice_objections", ["case_id"])
    op.create_table(
        "deliberations",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("task_id", sa.String(36), nullable=False),
        sa.Column("held_on", sa.Date, nullable=False),
        sa.Column("record", sa.Text, nullable=False),
        sa.Column("minutes_file_name", sa.String(200)),
        sa.Column("minutes_file_type", sa.String(100)),
        sa.Column("minutes_file", sa.Text),
        sa.Column("decided_amount_fen", sa.BigInteger, nullable=False),
        sa.Column("recorded_by", sa.String(100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_deliberations"),
    )
    op.create_index("ix_deliberations_case_id", "deliberations", ["case_id"])
    op.create_table(
        "means_results",
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("verification_id", sa.String(64), nullable=False),
        sa.Column("complete", sa.Boolean, nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("case_id", name="pk_means_results"),
    )


def downgrade() -> None:
    for table in ("means_results", "deliberations", "notice_objections", "kin_register", "approval_duties"):
        op.drop_table(table)
    with op.batch_alter_table("approval_tasks") as batch:
        batch.drop_constraint("uq_approval_tasks_case_id_step_round", type_="unique")
        batch.create_unique_constraint("uq_approval_tasks_case_id_step", ["case_id", "step"])
        for column in ("superseded_by", "report", "round"):
            batch.drop_column(column)
    with op.batch_alter_table("approvals") as batch:
        for column in ("details", "flags", "revision"):
            batch.drop_column(column)
