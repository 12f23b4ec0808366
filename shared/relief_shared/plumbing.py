"""Tables every service owns a copy of: outbox, inbox, parked messages, idempotency keys.

Each service declares them on its own MetaData (services never share tables) and creates them
in its own first migration with `create_plumbing_v1(op)` and moves them on with
`upgrade_plumbing_v2(op)` and its successors, one migration each.
"""
from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, MetaData, String, Table, Text

from relief_shared.db import NAMING, UtcDateTime

SeqId = BigInteger().with_variant(Integer(), "sqlite")


class Plumbing:
    def __init__(self, metadata: MetaData):
        self.outbox = Table(
            "outbox", metadata,
            Column("seq", SeqId, primary_key=True, autoincrement=True),
            Column("event_id", String(36), nullable=False, unique=True),
            Column("subject", String(200), nullable=False),
            Column("case_id", String(64), nullable=False),
            Column("payload", Text, nullable=False),
            Column("created_at", UtcDateTime(), nullable=False),
            Column("sent_at", UtcDateTime()),
            # v2: a row the broker refuses is tried a bounded number of times, then parked
            Column("attempts", Integer, nullable=False, server_default="0"),
            Column("last_error", Text),
            Column("next_attempt_at", UtcDateTime()),
            Column("parked_at", UtcDateTime()),
            Index("ix_outbox_unsent", "sent_at", "seq"),
        )
        self.inbox = Table(
            "inbox", metadata,
            Column("consumer", String(100), primary_key=True),
            Column("event_id", String(36), primary_key=True),
            Column("processed_at", UtcDateTime(), nullable=False),
        )
        self.parked = Table(
            "parked_messages", metadata,
            Column("id", SeqId, primary_key=True, autoincrement=True),
            Column("consumer", String(100), nullable=False),
            Column("event_id", String(64)),
            Column("region", String(64)),
            Column("subject", String(200), nullable=False),
            Column("payload", Text, nullable=False),
            Column("reason", Text, nullable=False),
            Column("deliveries", Integer, nullable=False),
            Column("parked_at", UtcDateTime(), nullable=False),
            # v2: ops replay or discard a parked message; who, when and what came of it stays
            Column("outbox_seq", SeqId),  # set when the relay parked an outbox row it could not publish
            Column("resolved_at", UtcDateTime()),
            Column("resolved_by", String(200)),
            Column("resolution", String(20)),  # replayed | discarded
            Column("resolution_note", Text),
        )
        self.idempotency = Table(
            "idempotency_keys", metadata,
            Column("scope", String(200), primary_key=True),
            Column("key", String(200), primary_key=True),
            Column("request_hash", String(64), nullable=False),
            Column("status_code", Integer, nullable=False),
            Column("response", Text, nullable=False),
            Column("created_at", UtcDateTime(), nullable=False),
        )


def create_plumbing_v1(op) -> None:  # noqa: ANN001 - alembic's op proxy
    """First migration of every service: the tables as they were in version 1. Later versions
    are steps below, never a silent edit of this one."""
    metadata = MetaData(naming_convention=NAMING)
    Table("outbox", metadata,
          Column("seq", SeqId, primary_key=True, autoincrement=True),
          Column("event_id", String(36), nullable=False, unique=True),
          Column("subject", String(200), nullable=False),
          Column("case_id", String(64), nullable=False),
          Column("payload", Text, nullable=False),
          Column("created_at", UtcDateTime(), nullable=False),
          Column("sent_at", UtcDateTime()),
          Index("ix_outbox_unsent", "sent_at", "seq"))
    Table("inbox", metadata,
          Column("consumer", String(100), primary_key=True),
          Column("event_id", String(36), primary_key=True),
          Column("processed_at", UtcDateTime(), nullable=False))
    Table("parked_messages", metadata,
          Column("id", SeqId, primary_key=True, autoincrement=True),
          Column("consumer", String(100), nullable=False),
          Column("event_id", String(64)),
          Column("region", String(64)),
          Column("subject", String(200), nullable=False),
          Column("payload", Text, nullable=False),
          Column("reason", Text, nullable=False),
          Column("deliveries", Integer, nullable=False),
          Column("parked_at", UtcDateTime(), nullable=False))
    Table("idempotency_keys", metadata,
          Column("scope", String(200), primary_key=True),
          Column("key", String(200), primary_key=True),
          Column("request_hash", String(64), nullable=False),
          Column("status_code", Integer, nullable=False),
          Column("response", Text, nullable=False),
          Column("created_at", UtcDateTime(), nullable=False))
    metadata.create_all(op.get_bind())


def upgrade_plumbing_v2(op) -> None:  # noqa: ANN001 - alembic's op proxy
    """Version 2: outbox rows count their attempts and can be parked; parked messages record
    how ops resolved them (replayed or discarded, by whom, when)."""
    op.add_column("outbox", Column("attempts", Integer, nullable=False, server_default="0"))
    op.add_column("outbox", Column("last_error", Text))
    op.add_column("outbox", Column("next_attempt_at", UtcDateTime()))
    op.add_column("outbox", Column("parked_at", UtcDateTime()))
    for column in (Column("outbox_seq", SeqId), Column("resolved_at", UtcDateTime()),
                   Column("resolved_by", String(200)), Column("resolution", String(20)),
                   Column("resolution_note", Text)):
        op.add_column("parked_messages", column)


def downgrade_plumbing_v2(op) -> None:  # noqa: ANN001 - alembic's op proxy
    with op.batch_alter_table("parked_messages") as batch:
        for name in ("resolution_note", "resolution", "resolved_by", "resolved_at", "outbox_seq"):
            batch.drop_column(name)
    with op.batch_alter_table("outbox") as batch:
        for name in ("parked_at", "next_attempt_at", "last_error", "attempts"):
            batch.drop_column(name)
