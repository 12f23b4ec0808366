"""Tables every service owns a copy of: outbox, inbox, parked messages, idempotency keys.

Each service declares them on its own MetaData (services never share tables) and creates them
in its own first migration with `create_plumbing_v1(op)`.
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
    """First migration of every service. The tables above are version 1: changing them
    means a new `create_plumbing_v2`-style migration step, never a silent edit."""
    metadata = MetaData(naming_convention=NAMING)
    Plumbing(metadata)
    metadata.create_all(op.get_bind())
