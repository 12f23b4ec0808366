"""What ops can do about messages a service gave up on: list them, replay them after fixing
the cause, or discard them with a reason. Every action is recorded on the parked row (who,
when, what came of it) and logged; nothing is deleted.

A consumer's parked message is replayed in-process through that consumer's own inbox, so it
is applied at most once even if it was applied meanwhile; an outbox row the relay parked is
handed back to the relay, which publishes it again (with its original `Nats-Msg-Id`).
"""
from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Path, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy import and_, select, update

from relief_shared.auth import Principal, require
from relief_shared.contract import REGISTRY, InvalidMessage
from relief_shared.inbox import Consumer, Poison
from relief_shared.outbox import RELAY
from relief_shared.problems import Conflict, NotFound, Problem, Unprocessable

if TYPE_CHECKING:
    from relief_shared.db import Database

log = logging.getLogger(__name__)
State = Literal["open", "resolved", "all"]


class FailedAgain(Problem):
    status, type, title = 503, "failed-again", "The replay failed again"


class ParkedMessage(BaseModel):
    id: int
    consumer: str = Field(description=f"the durable consumer that parked it, or `{RELAY}` for an outbox row")
    event_id: str | None
    region: str | None
    subject: str
    payload: str | None = Field(None, description="only for role ops: it may hold personal data")
    reason: str
    deliveries: int
    parked_at: str
    resolution: Literal["replayed", "discarded"] | None = None
    resolved_by: str | None = None
    resolved_at: str | None = None
    resolution_note: str | None = None


class Discard(BaseModel):
    note: str = Field(min_length=3, max_length=2000, description="why it is discarded: kept with the record")


class Resolved(BaseModel):
    id: int
    resolution: Literal["replayed", "discarded"]
    outcome: str


Reader = Annotated[Principal, Depends(require("ops", "auditor"))]
Ops = Annotated[Principal, Depends(require("ops"))]
ParkedId = Annotated[int, Path(ge=1, le=2**62)]


def router() -> APIRouter:
    r = APIRouter(prefix="/v1/ops", tags=["ops"])

    @r.get("/parked-messages", response_model=list[ParkedMessage], response_model_exclude_unset=True)
    async def parked_messages(request: Request, principal: Reader, state: State = "open",
                              limit: Annotated[int, Query(ge=1, le=500)] = 500) -> list[dict[str, Any]]:
        """Messages this service gave up on in the caller's region, newest first, with the reason:
        nothing is dropped silently. Only `ops` sees the payload (it may hold personal data)
        and the messages too broken to name a region."""
        return await listing(request.app.state.runtime.db, principal, state, limit)

    @r.post("/parked-messages/{parked_id}/replay", response_model=Resolved,
            responses={404: {}, 409: {}, 422: {}, 503: {}})
    async def replay_parked(request: Request, parked_id: ParkedId, principal: Ops) -> Resolved:
        """After fixing the cause: apply a parked consumer message again (once, through the
        consumer's inbox), or hand a parked outbox row back to the relay. Recorded with who did it."""
        runtime = request.app.state.runtime
        return await replay(runtime.db, runtime.consumers, parked_id, principal)

    @r.post("/parked-messages/{parked_id}/discard", response_model=Resolved, responses={404: {}, 409: {}})
    async def discard_parked(request: Request, parked_id: ParkedId, principal: Ops,
                             body: Annotated[Discard, Body()]) -> Resolved:
        """Give a parked message up for good, with the reason; it stays listed as discarded."""
        return await discard(request.app.state.runtime.db, parked_id, principal, body.note)

    return r


async def listing(db: Database, principal: Principal, state: State, limit: int) -> list[dict[str, Any]]:
    parked = db.plumbing.parked
    ops = "ops" in principal.roles
    visible = parked.c.region == principal.region
    if ops:
        visible = visible | parked.c.region.is_(None)
    if state == "open":
        visible = and_(visible, parked.c.resolved_at.is_(None))
    elif state == "resolved":
        visible = and_(visible, parked.c.resolved_at.is_not(None))
    async with db.engine.connect() as conn:
        rows = (await conn.execute(select(parked).where(visible).order_by(parked.c.id.desc()).limit(limit))
                ).mappings().all()
    return [_document(row, ops) for row in rows]


async def replay(db: Database, consumers: Mapping[str, Consumer], parked_id: int, principal: Principal) -> Resolved:
    row = await _open_row(db, parked_id, principal)
    if row.consumer == RELAY:
        outbox = db.plumbing.outbox
        async with db.writing() as conn:
            await conn.execute(update(outbox).where(outbox.c.seq == row.outbox_seq).values(
                parked_at=None, next_attempt_at=None, attempts=0))
            await _resolve(conn, db, row, principal, "replayed", "handed back to the outbox relay")
            await conn.commit()
        db.outbox_signal.set()
        return Resolved(id=row.id, resolution="replayed", outcome="handed back to the outbox relay")
    consumer = consumers.get(row.consumer)
    if consumer is None:
        raise Conflict(f"this service no longer runs consumer {row.consumer!r}; discard the message instead")
    try:
        event = REGISTRY.parse(row.payload.encode())
    except InvalidMessage as exc:
        raise Unprocessable(f"the message is still invalid: {exc.reason}") from exc
    try:
        applied = await consumer.apply(event)
    except Poison as exc:
        raise Conflict(f"the consumer still refuses the message: {exc}") from exc
    except Exception as exc:
        raise FailedAgain(f"the consumer failed again: {exc!r}") from exc
    outcome = "applied" if applied else "already applied earlier (the inbox had it)"
    async with db.writing() as conn:
        await _resolve(conn, db, row, principal, "replayed", outcome)
        await conn.commit()
    return Resolved(id=row.id, resolution="replayed", outcome=outcome)


async def discard(db: Database, parked_id: int, principal: Principal, note: str) -> Resolved:
    row = await _open_row(db, parked_id, principal)
    async with db.writing() as conn:
        await _resolve(conn, db, row, principal, "discarded", note)
        await conn.commit()
    return Resolved(id=row.id, resolution="discarded", outcome=note)


async def _open_row(db: Database, parked_id: int, principal: Principal) -> Any:
    parked = db.plumbing.parked
    async with db.engine.connect() as conn:
        row = (await conn.execute(select(parked).where(
            parked.c.id == parked_id, (parked.c.region == principal.region) | parked.c.region.is_(None)))).first()
    if row is None:
        raise NotFound(f"no parked message {parked_id} in region {principal.region}")
    if row.resolved_at is not None:
        raise Conflict(f"parked message {parked_id} was already {row.resolution} by {row.resolved_by}")
    return row


async def _resolve(conn: Any, db: Database, row: Any, principal: Principal, resolution: str, note: str) -> None:
    parked = db.plumbing.parked
    result = await conn.execute(update(parked).where(parked.c.id == row.id, parked.c.resolved_at.is_(None)).values(
        resolved_at=datetime.now(timezone.utc), resolved_by=principal.sub, resolution=resolution,
        resolution_note=note[:2000]))
    if result.rowcount != 1:
        raise Conflict(f"parked message {row.id} was resolved meanwhile")
    log.warning("parked message %s (%s, event %s) %s by %s: %s", row.id, row.consumer, row.event_id, resolution,
                principal.sub, note)


def _document(row: Any, ops: bool) -> dict[str, Any]:
    document = {k: v for k, v in row.items() if k != "outbox_seq" and (ops or k != "payload")}
    for key in ("parked_at", "resolved_at"):
        if document.get(key) is not None:
            document[key] = document[key].isoformat()
    return {k: v for k, v in document.items() if v is not None or k in ("event_id", "region")}
