"""money out: instalments (keyed by case, task and instalment number), channels, caps, reissue
with a new bank reference, the payroll's key; the ledger, reserve funds, cap usage, cash and
in-kind receipts, payment tasks, reconciliations, recoveries, the roster and payroll runs

Revision ID: 1401
Revises: 0003
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = "1401"
down_revision = "0003"
branch_labels = None
depends_on = None

UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("payments") as batch:
        batch.add_column(sa.Column("instalment", sa.Integer, nullable=False, server_default="1"))
        batch.add_column(sa.Column("kind", sa.String(20), nullable=False, server_default="temporary"))
        batch.add_column(sa.Column("not_before", UTC))
        batch.add_column(sa.Column("approved_fen", sa.BigInteger))
        batch.add_column(sa.Column("approved_on", sa.Date))
        batch.add_column(sa.Column("household_id", sa.String(64)))
        batch.add_column(sa.Column("bank_account", sa.String(32)))
        batch.add_column(sa.Column("reference", sa.String(48)))
        batch.add_column(sa.Column("reissues", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("payroll_month", sa.String(7)))
        batch.add_column(sa.Column("rule", sa.String(40)))
    op.execute("UPDATE payments SET reference = id")
    with op.batch_alter_table("payments") as batch:
        batch.alter_column("reference", existing_type=sa.String(48), nullable=False)
        batch.drop_constraint("uq_payments_case_id_task_id", type_="unique")
        batch.create_unique_constraint("uq_payments_case_id_task_id_instalment", ["case_id", "task_id", "instalment"])
        batch.create_unique_constraint("uq_payments_payroll_month_payee_id_number", ["payroll_month", "payee_id_number"])
        batch.create_unique_constraint("uq_payments_reference", ["reference"])
        batch.create_index("ix_payments_status_created_at", ["status", "created_at"])
        batch.create_index("ix_payments_household_id", ["household_id"])
        batch.create_index("ix_payments_paid_at", ["paid_at"])

    op.create_table(
        "ledger",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", UTC, nullable=False),
        sa.Column("region", sa.String(64), nullable=False),
        sa.Column("org_unit", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("amount_fen", sa.BigInteger, nullable=False),
        sa.Column("channel", sa.String(20)),
        sa.Column("payment_id", sa.String(36)),
        sa.Column("case_id", sa.String(64)),
        sa.Column("reference", sa.String(64)),
        sa.Column("id_number", sa.String(32)),
        sa.Column("note", sa.Text, nullable=False),
    )
    op.create_index("ix_ledger_org_unit_at", "ledger", ["org_unit", "at"])
    op.create_table(
        "reserve_funds",
        sa.Column("org_unit", sa.String(100), primary_key=True),
        sa.Column("region", sa.String(64), nullable=False),
        sa.Column("balance_fen", sa.BigInteger, nullable=False),
        sa.Column("below_floor", sa.Boolean, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
    )
    op.create_table(
        "cap_usage",
        sa.Column("region", sa.String(64), primary_key=True),
        sa.Column("subject", sa.String(80), primary_key=True),
        sa.Column("year", sa.Integer, primary_key=True),
        sa.Column("used_fen", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "dibao_fund_balances",
        sa.Column("region", sa.String(64), primary_key=True),
        sa.Column("year", sa.Integer, primary_key=True),
        sa.Column("balance_fen", sa.BigInteger, nullable=False),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.Column("recorded_at", UTC, nullable=False),
    )
    op.create_table(
        "cash_receipts",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("payment_id", sa.String(36), nullable=False, unique=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("signed_by_recipient", sa.Boolean, nullable=False),
        sa.Column("witnesses", sa.Text, nullable=False),
        sa.Column("items", sa.Text, nullable=False),
        sa.Column("received_by", sa.Text),
        sa.Column("value_fen", sa.BigInteger, nullable=False),
        sa.Column("paid_on", sa.Date, nullable=False),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.Column("recorded_at", UTC, nullable=False),
    )
    op.create_table(
        "payment_tasks",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("region", sa.String(64), nullable=False),
        sa.Column("org_unit", sa.String(100)),
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("payment_id", sa.String(36)),
        sa.Column("dedup", sa.String(120), nullable=False, unique=True),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("rules", sa.String(200), nullable=False),
        sa.Column("opened_at", UTC, nullable=False),
        sa.Column("closed_at", UTC),
    )
    op.create_index("ix_payment_tasks_region_closed_at", "payment_tasks", ["region", "closed_at"])
    op.create_table(
        "reconciliations",
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("statement", sa.String(300), nullable=False),
        sa.Column("credits", sa.Integer, nullable=False),
        sa.Column("matched", sa.Integer, nullable=False),
        sa.Column("breaks", sa.Integer, nullable=False),
        sa.Column("reconciled_at", UTC, nullable=False),
    )
    op.create_table(
        "reconciliation_breaks",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("reference", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("payment_id", sa.String(36)),
        sa.Column("region", sa.String(64)),
        sa.Column("expected", sa.Text),
        sa.Column("found", sa.Text),
        sa.Column("task_id", sa.String(36)),
        sa.UniqueConstraint("day", "reference", "kind"),
    )
    op.create_table(
        "recoveries",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("region", sa.String(64), nullable=False),
        sa.Column("org_unit", sa.String(100), nullable=False),
        sa.Column("debtor_id_number", sa.String(32), nullable=False),
        sa.Column("debtor_name", sa.String(200), nullable=False),
        sa.Column("amount_fen", sa.BigInteger, nullable=False),
        sa.Column("recovered_fen", sa.BigInteger, nullable=False),
        sa.Column("instalments", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("dedup", sa.String(120), nullable=False, unique=True),
        sa.Column("opened_at", UTC, nullable=False),
    )
    op.create_table(
        "roster",
        sa.Column("id_number", sa.String(32), primary_key=True),
        sa.Column("key", sa.String(36), nullable=False, unique=True),
        sa.Column("region", sa.String(64), nullable=False),
        sa.Column("org_unit", sa.String(100)),
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("dispersed", sa.Boolean),
        sa.Column("since", sa.Date, nullable=False),
        sa.Column("monthly_fen", sa.BigInteger),
        sa.Column("bank_account", sa.String(32)),
        sa.Column("deceased_on", sa.Date),
        sa.Column("paid_status", sa.String(20)),
        sa.Column("event_at", UTC, nullable=False),
    )
    op.create_index("ix_roster_region_status", "roster", ["region", "status"])
    op.create_table(
        "payroll_runs",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("region", sa.String(64), nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("cursor", sa.String(32), nullable=False),
        sa.Column("produced", sa.Integer, nullable=False),
        sa.Column("skipped", sa.Integer, nullable=False),
        sa.Column("total_fen", sa.BigInteger, nullable=False),
        sa.Column("due", sa.Date, nullable=False),
        sa.Column("rule", sa.String(40), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("produced_at", UTC),
        sa.Column("completed_at", UTC),
        sa.UniqueConstraint("region", "month"),
    )


def downgrade() -> None:
    for table in ("payroll_runs", "roster", "recoveries", "reconciliation_breaks", "reconciliations",
                  "payment_tasks", "cash_receipts", "dibao_fund_balances", "cap_usage", "reserve_funds", "ledger"):
        op.drop_table(table)
