"""LF-KIN on the whole household: member keys of each case, and the key of each registered relative

Revision ID: 1302
Revises: 1301
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = "1302"
down_revision = "1301"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("kin_register") as batch:
        batch.add_column(sa.Column("relative_key", sa.String(64)))
    op.create_index("ix_kin_register_region_relative_key", "kin_register", ["region", "relative_key"])
    op.create_table(
        "approval_household_keys",
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("member_key", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("case_id", "member_key", name="pk_approval_household_keys"),
    )
    op.create_index("ix_approval_household_keys_member_key", "approval_household_keys", ["member_key"])


def downgrade() -> None:
    op.drop_table("approval_household_keys")
    op.drop_index("ix_kin_register_region_relative_key", "kin_register")
    with op.batch_alter_table("kin_register") as batch:
        batch.drop_column("relative_key")
