"""spot_checks and spot_check_reviews: the month's DT-SPOT draws with seed and population, and the
district's review task for each drawn case

Revision ID: 1312
Revises: 1311
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

revision = "1312"
down_revision = "1311"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "spot_checks",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("region", sa.String(64), nullable=False),
        sa.Column("org_unit", sa.String(100), nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("programme", sa.String(32), nullable=False),
        sa.Column("rate", sa.String(10), nullable=False),
        sa.Column("seed", sa.String(128), nullable=False),
        sa.Column("algorithm", sa.String(300), nullable=False),
        sa.Column("population", sa.Text(), nullable=False),
        sa.Column("sample", sa.Text(), nullable=False),
        sa.Column("drawn_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("drawn_by_id", sa.String(100), nullable=False),
        sa.Column("drawn_by_name", sa.String(100), nullable=False),
        sa.UniqueConstraint("region", "org_unit", "month", "programme",
                            name="uq_spot_checks_region_org_unit_month_programme"),
    )
    op.create_table(
        "spot_check_reviews",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("spot_check_id", sa.String(36), sa.ForeignKey("spot_checks.id",
                                                                name="fk_spot_check_reviews_spot_check_id_spot_checks"),
                  nullable=False),
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("region", sa.String(64), nullable=False),
        sa.Column("org_unit", sa.String(100), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(20)),
        sa.Column("comment", sa.Text()),
        sa.Column("actor_id", sa.String(100)),
        sa.Column("actor_name", sa.String(100)),
        sa.Column("decided_at", sa.DateTime(timezone=True)),
        sa.UniqueConstraint("spot_check_id", "case_id", name="uq_spot_check_reviews_spot_check_id_case_id"),
    )
    op.create_index("ix_spot_check_reviews_inbox", "spot_check_reviews", ["status", "role", "region"])


def downgrade() -> None:
    op.drop_table("spot_check_reviews")
    op.drop_table("spot_checks")
