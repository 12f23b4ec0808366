"""The access log: every lookup of a person's data, append-only and tamper-evident.

Each row carries the hash of the row before it (`prev_hash`) and its own hash over its fields
and that previous hash, so changing, removing or reordering any row breaks the chain from that
row on; `verify_chain` walks it and names the first row that does not hold. Appends serialise
on the one `access_log_head` row (locked by the UPDATE on PostgreSQL, by the writer lock on
SQLite), which also records the last sequence number and hash, so cutting rows off the end is
caught too. A person is recorded masked, and by a keyed digest for the auditors' search; never
by the full ID number.
"""
from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, fields
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Column, Index, Integer, MetaData, String, Table, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from relief_shared.db import UtcDateTime

GENESIS = "0" * 64


def access_log(metadata: MetaData) -> Table:
    return Table(
        "access_log", metadata,
        Column("seq", Integer, primary_key=True, autoincrement=False),
        Column("at", UtcDateTime(), nullable=False),
        Column("region", String(64), nullable=False),
        Column("actor", String(200), nullable=False),
        Column("actor_name", String(200), nullable=False),
        Column("case_id", String(64), nullable=False),
        Column("verification_id", String(36), nullable=False),
        Column("purpose", String(200), nullable=False),
        Column("source", String(40), nullable=False),
        Column("person", String(18), nullable=False),
        Column("person_digest", String(64), nullable=False),
        Column("action", String(20), nullable=False),  # asked | answered | not_found | pending | failed
        Column("summary", String(300), nullable=False),
        Column("prev_hash", String(64), nullable=False),
        Column("hash", String(64), nullable=False),
        Index("ix_access_log_region_case_id", "region", "case_id"),
        Index("ix_access_log_person_digest", "person_digest"),
    )


def access_log_head(metadata: MetaData) -> Table:
    return Table(
        "access_log_head", metadata,
        Column("id", Integer, primary_key=True, autoincrement=False),
        Column("seq", Integer, nullable=False),
        Column("hash", String(64), nullable=False),
    )


@dataclass(frozen=True)
class Entry:
    at: datetime
    region: str
    actor: str
    actor_name: str
    case_id: str
    verification_id: str
    purpose: str
    source: str
    person: str
    person_digest: str
    action: str
    summary: str


ENTRY_FIELDS = tuple(f.name for f in fields(Entry))


def row_hash(seq: int, entry: dict[str, Any], prev_hash: str) -> str:
    values = {k: entry[k] for k in ENTRY_FIELDS}
    values["at"] = values["at"].astimezone(timezone.utc).isoformat(timespec="microseconds")
    text = json.dumps({"seq": seq, **values, "prev_hash": prev_hash}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class ChainReport:
    rows: int
    intact: bool
    first_broken: int | None = None
    reason: str = ""


def walk(rows: Sequence[dict[str, Any]], prev: str = GENESIS, seq: int = 0) -> tuple[ChainReport | None, str, int]:
    """Check rows that follow row `seq` (whose hash is `prev`): the first whose sequence, link
    or hash is wrong is named; otherwise the last hash and sequence number come back."""
    for row in rows:
        if row["seq"] != seq + 1:
            return ChainReport(seq, False, seq + 1, f"row {seq + 1} is missing"), prev, seq
        if row["prev_hash"] != prev:
            return ChainReport(seq, False, row["seq"], "its link to the previous row does not match"), prev, seq
        if row_hash(row["seq"], row, prev) != row["hash"]:
            return ChainReport(seq, False, row["seq"], "its contents do not match its hash"), prev, seq
        prev, seq = row["hash"], row["seq"]
    return None, prev, seq


def check_head(head: dict[str, Any] | None, prev: str, seq: int) -> ChainReport:
    if head is not None and (head["seq"] != seq or head["hash"] != prev):
        return ChainReport(seq, False, seq + 1, f"rows after {seq} were removed (the head records row {head['seq']})")
    return ChainReport(seq, True)


@functools.cache
def _appending(table: Table, head: Table, dialect: str) -> tuple[Any, Any, Any]:
    read_head = select(head.c.seq, head.c.hash).where(head.c.id == 1)
    if dialect == "postgresql":
        read_head = read_head.with_for_update()  # appends queue here, one chain
    move_head = update(head).where(head.c.id == 1).values(seq=bindparam("b_seq"), hash=bindparam("b_hash"))
    return read_head, table.insert(), move_head


class AccessLog:
    def __init__(self, conn: AsyncConnection, table: Table, head: Table):
        self.conn, self.t, self.head = conn, table, head

    async def append(self, entries: Sequence[Entry]) -> None:
        """Add rows at the end of the chain, in this transaction."""
        if not entries:
            return
        read_head, insert_rows, move_head = _appending(self.t, self.head, self.conn.dialect.name)
        current = (await self.conn.execute(read_head)).first()
        seq, prev = (current.seq, current.hash) if current else (0, GENESIS)
        rows = []
        for entry in entries:
            seq += 1
            values = {name: getattr(entry, name) for name in ENTRY_FIELDS}  # dataclasses.asdict deep-copies: slow
            digest = row_hash(seq, values, prev)
            rows.append({**values, "seq": seq, "prev_hash": prev, "hash": digest})
            prev = digest
        await self.conn.execute(insert_rows, rows)
        if current is None:
            await self.conn.execute(self.head.insert(), {"id": 1, "seq": seq, "hash": prev})
        else:
            await self.conn.execute(move_head, {"b_seq": seq, "b_hash": prev})

    async def find(self, *, region: str, case_id: str | None, person_digest: str | None,
                   limit: int, after: int) -> list[dict[str, Any]]:
        t = self.t
        query = select(t).where(t.c.region == region, t.c.seq > after).order_by(t.c.seq).limit(limit)
        if case_id is not None:
            query = query.where(t.c.case_id == case_id)
        if person_digest is not None:
            query = query.where(t.c.person_digest == person_digest)
        return [dict(r) for r in (await self.conn.execute(query)).mappings()]

    async def rows(self, batch: int = 5000) -> AsyncIterator[list[dict[str, Any]]]:
        after = 0
        while True:
            rows = [dict(r) for r in (await self.conn.execute(
                select(self.t).where(self.t.c.seq > after).order_by(self.t.c.seq).limit(batch))).mappings()]
            if not rows:
                return
            yield rows
            after = rows[-1]["seq"]

    async def verify(self) -> ChainReport:
        """The whole chain, in batches (the log grows without bound)."""
        head = (await self.conn.execute(select(self.head).where(self.head.c.id == 1))).mappings().first()
        prev, seq = GENESIS, 0
        async for rows in self.rows():
            broken, prev, seq = walk(rows, prev, seq)
            if broken is not None:
                return broken
        return check_head(dict(head) if head else None, prev, seq)
