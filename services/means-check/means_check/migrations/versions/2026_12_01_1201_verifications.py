"""verifications: members, per-source requests, figures, the access log with its hash chain,
and the durable deadlines (DT-MEANS-15D)

Revision ID: 1201
Revises: 0002
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

from relief_shared.deadlines import create_deadlines_v1

revision = "1201"
down_revision = "0002"
branch_labels = None
depends_on = None


def _at(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "verifications",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("region", sa.String(64), nullable=False),
        sa.Column("org_unit", sa.String(128)),
        sa.Column("applies_for", sa.String(30)),
        sa.Column("scope", sa.String(20), nullable=False),
        sa.Column("sources", sa.String(400), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("origin", sa.String(20), nullable=False),
        sa.Column("purpose", sa.String(200), nullable=False),
        sa.Column("requested_by", sa.String(200), nullable=False),
        sa.Column("requested_by_name", sa.String(200), nullable=False),
        sa.Column("consent_signed_on", sa.Date()),
        sa.Column("consent_scope", sa.String(400), nullable=False),
        sa.Column("household_size", sa.Integer(), nullable=False),
        sa.Column("rules", sa.String(200), nullable=False),
        _at("started_at", nullable=False), _at("deadline_at"), _at("finished_at"),
        sa.Column("result", sa.Text()),
        _at("purged_at"),
        sa.Column("correlation_id", sa.String(64)),
    )
    op.create_index("ix_verifications_case_id", "verifications", ["case_id"])
    op.create_index("ix_verifications_status_deadline_at", "verifications", ["status", "deadline_at"])
    op.create_index("ix_verifications_finished_at", "verifications", ["finished_at"])
    op.create_table(
        "verification_members",
        sa.Column("verification_id", sa.String(36), primary_key=True),
        sa.Column("position", sa.Integer(), primary_key=True),
        sa.Column("id_number", sa.String(18)),
        sa.Column("masked", sa.String(18), nullable=False),
        sa.Column("relation", sa.String(20), nullable=False),
        sa.Column("adult", sa.Boolean(), nullable=False),
    )
    op.create_table(
        "source_requests",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("verification_id", sa.String(36), nullable=False),
        sa.Column("source", sa.String(40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _at("next_at"), _at("lease_until"),
        sa.Column("claim", sa.String(36)),
        sa.Column("ticket", sa.String(200)),
        sa.Column("reference", sa.String(100)),
        sa.Column("error", sa.String(300)),
        _at("settled_at"),
    )
    op.create_index("ix_source_requests_verification_id", "source_requests", ["verification_id"])
    op.create_index("ix_source_requests_status_next_at", "source_requests", ["status", "next_at"])
    op.create_table(
        "figures",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("verification_id", sa.String(36), nullable=False),
        sa.Column("source", sa.String(40), nullable=False),
        sa.Column("reference", sa.String(100), nullable=False),
        sa.Column("member", sa.String(18), nullable=False),
        sa.Column("category", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("monthly_fen", sa.BigInteger()),
        sa.Column("value_fen", sa.BigInteger()),
        sa.Column("count", sa.Integer()),
        sa.Column("note", sa.String(100), nullable=False),
    )
    op.create_index("ix_figures_verification_id", "figures", ["verification_id"])
    op.create_table(
        "access_log",
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=False),
        _at("at", nullable=False),
        sa.Column("region", sa.String(64), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("actor_name", sa.String(200), nullable=False),
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("verification_id", sa.String(36), nullable=False),
        sa.Column("purpose", sa.String(200), nullable=False),
        sa.Column("source", sa.String(40), nullable=False),
        sa.Column("person", sa.String(18), nullable=False),
        sa.Column("person_digest", sa.String(64), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("summary", sa.String(300), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_index("ix_access_log_region_case_id", "access_log", ["region", "case_id"])
    op.create_index("ix_access_log_person_digest", "access_log", ["person_digest"])
    op.create_table(
        "access_log_head",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    create_deadlines_v1(op)


def downgrade() -> None:
    for table in ("deadlines", "access_log_head", "access_log", "figures", "source_requests",
                  "verification_members", "verifications"):
        op.drop_table(table)
