"""Every table disbursement owns. Money is integer fen; times are UTC (`UtcDateTime`).

`payments` holds every instalment, bank or cash or in kind, approval's or the payroll's: one
row per natural key — (case, approval task, instalment number), and for the payroll (month,
person) — so a second payment of the same thing cannot be written. The `ledger` is the 台账
(FX-LEDGER): append-only, every movement of money once.
"""
from __future__ import annotations

from sqlalchemy import (BigInteger, Boolean, Column, Date, Index, Integer, String, Table, Text, UniqueConstraint)

from relief_shared.db import UtcDateTime, new_metadata
from relief_shared.deadlines import DeadlineTable
from relief_shared.plumbing import Plumbing

metadata = new_metadata()
plumbing = Plumbing(metadata)
deadlines = DeadlineTable(metadata)

payments = Table(
    "payments", metadata,
    Column("id", String(36), primary_key=True),
    Column("case_id", String(64), nullable=False),
    Column("task_id", String(64), nullable=False),
    Column("region", String(64), nullable=False),
    Column("org_unit", String(100), nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    Column("channel", String(20), nullable=False),
    Column("status", String(20), nullable=False),
    Column("payee_name", String(200), nullable=False),
    Column("payee_id_number", String(32), nullable=False),
    Column("due", Date),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UtcDateTime()),
    Column("last_error", Text),
    Column("bank_transaction", String(64)),
    Column("correlation_id", String(64), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("sent_at", UtcDateTime()),
    Column("paid_at", UtcDateTime()),
    Column("instalment", Integer, nullable=False, server_default="1"),
    Column("kind", String(20), nullable=False, server_default="temporary"),  # temporary | advance | payroll
    Column("not_before", UtcDateTime()),  # not paid before this instant (suite clock): a staged instalment's day
    Column("approved_fen", BigInteger),  # what was approved, where a yearly cap paid less
    Column("approved_on", Date),  # the cap year is the approval's (LF-CAP, Interpretation)
    Column("household_id", String(64)),
    Column("bank_account", String(32)),
    Column("reference", String(48), nullable=False),  # what the bank de-duplicates on; new only on reissue
    Column("reissues", Integer, nullable=False, server_default="0"),
    Column("payroll_month", String(7)),
    Column("rule", String(40)),  # the rule that refused or reduced it
    UniqueConstraint("case_id", "task_id", "instalment"),
    UniqueConstraint("payroll_month", "payee_id_number"),
    UniqueConstraint("reference"),
    Index("ix_payments_status_next_attempt_at", "status", "next_attempt_at"),
    Index("ix_payments_status_created_at", "status", "created_at"),
    Index("ix_payments_payee_id_number", "payee_id_number"),
    Index("ix_payments_household_id", "household_id"),
    Index("ix_payments_paid_at", "paid_at"),
)

ledger = Table(
    "ledger", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime(), nullable=False),
    Column("region", String(64), nullable=False),
    Column("org_unit", String(100), nullable=False),
    Column("kind", String(20), nullable=False),  # payment | reversal | recovery | top_up | allocation | drawdown
    Column("amount_fen", BigInteger, nullable=False),
    Column("channel", String(20)),
    Column("payment_id", String(36)),
    Column("case_id", String(64)),
    Column("reference", String(64)),
    Column("id_number", String(32)),
    Column("note", Text, nullable=False),
    Index("ix_ledger_org_unit_at", "org_unit", "at"),
)

reserve_funds = Table(
    "reserve_funds", metadata,
    Column("org_unit", String(100), primary_key=True),
    Column("region", String(64), nullable=False),
    Column("balance_fen", BigInteger, nullable=False),
    Column("below_floor", Boolean, nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)

cap_usage = Table(
    "cap_usage", metadata,
    Column("region", String(64), primary_key=True),
    Column("subject", String(80), primary_key=True),  # person:<id number> | household:<household id>
    Column("year", Integer, primary_key=True),
    Column("used_fen", BigInteger, nullable=False),
)

dibao_fund_balances = Table(  # LF-FUND: the dibao funds' year-end balance, as the district records it
    "dibao_fund_balances", metadata,
    Column("region", String(64), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("balance_fen", BigInteger, nullable=False),
    Column("recorded_by", String(200), nullable=False),
    Column("recorded_at", UtcDateTime(), nullable=False),
)

cash_receipts = Table(
    "cash_receipts", metadata,
    Column("id", String(36), primary_key=True),
    Column("payment_id", String(36), nullable=False, unique=True),
    Column("kind", String(20), nullable=False),  # cash | in_kind
    Column("signed_by_recipient", Boolean, nullable=False),
    Column("witnesses", Text, nullable=False),  # JSON [{name, id_number}]
    Column("items", Text, nullable=False),  # JSON [{name, quantity, unit, value_fen}] (in kind)
    Column("received_by", Text),  # JSON {name, id_number} (in kind)
    Column("value_fen", BigInteger, nullable=False),
    Column("paid_on", Date, nullable=False),
    Column("recorded_by", String(200), nullable=False),
    Column("recorded_at", UtcDateTime(), nullable=False),
)

tasks = Table(
    "payment_tasks", metadata,
    Column("id", String(36), primary_key=True),
    Column("kind", String(30), nullable=False),
    Column("role", String(20), nullable=False),
    Column("region", String(64), nullable=False),
    Column("org_unit", String(100)),
    Column("case_id", String(64), nullable=False),
    Column("payment_id", String(36)),
    Column("dedup", String(120), nullable=False, unique=True),  # one open task per thing to act on
    Column("detail", Text, nullable=False),
    Column("rules", String(200), nullable=False),
    Column("opened_at", UtcDateTime(), nullable=False),
    Column("closed_at", UtcDateTime()),
    Index("ix_payment_tasks_region_closed_at", "region", "closed_at"),
)

reconciliations = Table(
    "reconciliations", metadata,
    Column("day", Date, primary_key=True),
    Column("statement", String(300), nullable=False),
    Column("credits", Integer, nullable=False),
    Column("matched", Integer, nullable=False),
    Column("breaks", Integer, nullable=False),
    Column("reconciled_at", UtcDateTime(), nullable=False),
)

reconciliation_breaks = Table(
    "reconciliation_breaks", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("day", Date, nullable=False),
    Column("reference", String(64), nullable=False),
    Column("kind", String(30), nullable=False),
    Column("payment_id", String(36)),
    Column("region", String(64)),
    Column("expected", Text),
    Column("found", Text),
    Column("task_id", String(36)),
    UniqueConstraint("day", "reference", "kind"),
)

recoveries = Table(
    "recoveries", metadata,
    Column("id", String(36), primary_key=True),
    Column("case_id", String(64), nullable=False),
    Column("region", String(64), nullable=False),
    Column("org_unit", String(100), nullable=False),
    Column("debtor_id_number", String(32), nullable=False),
    Column("debtor_name", String(200), nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    Column("recovered_fen", BigInteger, nullable=False),
    Column("instalments", Text, nullable=False),  # JSON [{amount_fen, due}]
    Column("reason", Text, nullable=False),
    Column("status", String(20), nullable=False),  # open | settled
    Column("dedup", String(120), nullable=False, unique=True),
    Column("opened_at", UtcDateTime(), nullable=False),
)

roster = Table(
    "roster", metadata,
    Column("id_number", String(32), primary_key=True),
    Column("key", String(36), nullable=False, unique=True),  # names the person in payment keys, not the ID number
    Column("region", String(64), nullable=False),
    Column("org_unit", String(100)),
    Column("case_id", String(64), nullable=False),
    Column("name", String(200), nullable=False),
    Column("status", String(20), nullable=False),
    Column("dispersed", Boolean),
    Column("since", Date, nullable=False),
    Column("monthly_fen", BigInteger),
    Column("bank_account", String(32)),
    Column("deceased_on", Date),
    Column("paid_status", String(20)),  # the last status that paid (dibao/tekun), kept after they leave
    Column("event_at", UtcDateTime(), nullable=False),
    Index("ix_roster_region_status", "region", "status"),
)

payroll_runs = Table(
    "payroll_runs", metadata,
    Column("id", String(36), primary_key=True),
    Column("region", String(64), nullable=False),
    Column("month", String(7), nullable=False),
    Column("status", String(20), nullable=False),  # producing | paying | paid
    Column("cursor", String(32), nullable=False),  # the last roster ID number produced: resume after it
    Column("produced", Integer, nullable=False),
    Column("skipped", Integer, nullable=False),
    Column("total_fen", BigInteger, nullable=False),
    Column("due", Date, nullable=False),
    Column("rule", String(40), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("produced_at", UtcDateTime()),
    Column("completed_at", UtcDateTime()),
    UniqueConstraint("region", "month"),
)
