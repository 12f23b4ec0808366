"""Idempotency-Key handling for POSTs that create something (contract.md, Conventions).

Same key and same body: the first response again, nothing created. Same key, other body: 409.
The key row is written in the same transaction as what the request creates.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Table, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from relief_shared.problems import Conflict


def _scope(scope: str) -> str:
    """Scopes embed ids from tokens, whose length we do not control; keep them in the column."""
    if len(scope) <= 200:
        return scope
    return scope[:135] + "#" + hashlib.sha256(scope.encode()).hexdigest()


def request_hash(body: Any) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


async def replay(conn: AsyncConnection, table: Table, scope: str, key: str, body_hash: str) -> tuple[int, Any] | None:
    """The stored (status, response) for this key, None if new; Conflict if the body differs."""
    row = (await conn.execute(select(table).where(table.c.scope == _scope(scope), table.c.key == key))).first()
    if row is None:
        return None
    if row.request_hash != body_hash:
        raise Conflict(f"Idempotency-Key {key!r} was already used with a different body")
    return row.status_code, json.loads(row.response)


async def remember(conn: AsyncConnection, table: Table, scope: str, key: str, body_hash: str,
                   status: int, response: Any) -> None:
    await conn.execute(insert(table).values(
        scope=_scope(scope), key=key, request_hash=body_hash, status_code=status,
        response=json.dumps(response, default=str), created_at=datetime.now(timezone.utc),
    ))


@dataclass(frozen=True)
class IdempotentRequest:
    """A POST that carried an `Idempotency-Key`: who sent it (the scope), the key, the body."""

    scope: str
    key: str
    body_hash: str

    @classmethod
    def of(cls, scope: str, key: str | None, body: Any) -> IdempotentRequest | None:
        return None if key is None else cls(scope, key, request_hash(body))


@dataclass(frozen=True)
class Reply:
    status: int
    body: Any


class IdempotencyKeys:
    """The repository of answered requests, on every unit of work as `uow.idempotency`; the
    use case that creates something records its reply in its own transaction."""

    def __init__(self, conn: AsyncConnection, table: Table):
        self.conn, self.table = conn, table

    async def replay(self, request: IdempotentRequest | None) -> Reply | None:
        """The first reply to this key; None if new (or no key); Conflict if the body differs."""
        if request is None:
            return None
        earlier = await replay(self.conn, self.table, request.scope, request.key, request.body_hash)
        return Reply(*earlier) if earlier else None

    async def remember(self, request: IdempotentRequest | None, reply: Reply) -> None:
        if request is not None:
            await remember(self.conn, self.table, request.scope, request.key, request.body_hash,
                           reply.status, reply.body)
