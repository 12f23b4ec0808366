"""The worker's short transactions around the department calls: claim what is due (and log
each lookup before it goes out), write back what came in (partial results kept as they
arrive), close verifications that are done or overdue, and forget expired results. No call
to a department is made inside any of them."""
from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from relief_shared.regions import RegionPacks

from means_check import service
from means_check.access_log import Entry
from means_check.domain import PURPOSE, Actor, Call, Outcome
from means_check.privacy import digest, mask, mask_text
from means_check.resilience import Breaker, backoff
from means_check.store import UnitOfWork


def _entry(call: Call, action: str, summary: str, at: datetime, key: str) -> Entry:
    return Entry(at=at, region=call.region, actor=call.actor.id, actor_name=call.actor.name, case_id=call.case_id,
                 verification_id=call.verification_id, purpose=PURPOSE, source=call.source,
                 person=mask(call.id_number), person_digest=digest(call.id_number, key), action=action,
                 summary=mask_text(summary)[:300])


async def claim(uow: UnitOfWork, *, now: datetime, lease_seconds: float, batch: int,
                breakers: dict[str, Breaker], key: str) -> list[Call]:
    """Take due requests; those whose source's breaker is open go back untouched; those without
    a consent covering them are failed unasked; the rest are logged as asked, then returned."""
    real_now = datetime.now(timezone.utc)
    async with uow:
        rows = await uow.requests.claim(now=now, real_now=real_now, claim=str(uuid.uuid4()), batch=batch,
                                        lease_until=real_now + timedelta(seconds=lease_seconds))
        if not rows:
            return []
        verifications = await uow.verifications.many({r["verification_id"] for r in rows})
        members = await uow.members.of(verifications)
        calls, held, entries = [], {}, []
        for r in rows:
            v, member = verifications[r["verification_id"]], members[(r["verification_id"], r["position"])]
            if v["status"] != "verifying" or v["consent_signed_on"] is None or \
                    r["source"] not in v["consent_scope"].split(",") or member["id_number"] is None:
                await uow.requests.settle(r["id"], r["claim"], {"status": "failed", "settled_at": now,
                                                                "error": "not asked: no consent covers it"})
                continue
            breaker = breakers[r["source"]]
            if not breaker.allows():
                held.setdefault(breaker.retry_in(), []).append(r["id"])
                continue
            call = Call(r["id"], r["claim"], v["id"], v["case_id"], v["region"], r["source"], member["id_number"],
                        Actor(v["requested_by"], v["requested_by_name"]), r["ticket"], r["attempts"])
            calls.append(call)
            entries.append(_entry(call, "asked", "collecting an answer promised earlier" if call.ticket
                                  else f"query sent (attempt {call.attempts + 1})", now, key))
        for wait, ids in held.items():
            await uow.requests.release(ids, now + timedelta(seconds=wait))
        await uow.access_log.append(entries)
        await uow.commit()
    return calls


async def record(outcomes: list[Outcome], uow: UnitOfWork, packs: RegionPacks, *, now: datetime,
                 schedule: tuple[float, ...], max_attempts: int, key: str) -> int:
    """Write back what the calls brought, and finish each verification whose last answer this
    was. Returns how many verifications finished."""
    async with uow:
        written, entries, found = [], [], []
        for o in outcomes:
            call = o.call
            row = {"id": call.request_id, "claim": call.claim, "attempts": call.attempts + 1, "reference": None,
                   "settled_at": None, "error": None, "ticket": call.ticket, "next_at": None}
            if o.answer is not None:
                row.update(status="answered" if o.answer.found else "not_found", reference=o.answer.reference,
                           settled_at=now, ticket=None)
                action, summary = ("answered" if o.answer.found else "not_found"), o.answer.summary()
                found.append(o)
            elif o.pending is not None:
                row.update(status="waiting", ticket=o.pending.ticket, next_at=o.pending.ready_at)
                action, summary = "pending", f"answer promised for {o.pending.ready_at.date().isoformat()}"
            else:
                gave_up = row["attempts"] >= max_attempts
                row.update(status="failed" if gave_up else ("waiting" if call.ticket else "pending"),
                           error=mask_text(o.error or "")[:300], settled_at=now if gave_up else None,
                           next_at=None if gave_up else now + timedelta(seconds=backoff(row["attempts"], schedule)))
                action, summary = "failed", f"{o.error} ({'gave up' if gave_up else 'will retry'})"
            written.append(row)
            entries.append(_entry(call, action, summary, now, key))
        settled = await uow.requests.settle_many(written)
        touched = {o.call.verification_id for o in outcomes if o.call.request_id in settled}
        await uow.figures.add([_figure(o.call, o.answer.reference, item) for o in found  # type: ignore[union-attr]
                               if o.call.request_id in settled for item in o.answer.items])  # type: ignore[union-attr]
        await uow.access_log.append(entries)
        open_ = await uow.requests.unsettled(touched)
        finished = 0
        for verification_id in sorted(touched - set(open_)):
            finished += await service.finish(verification_id, uow, packs, now=now, forced=False)
        await uow.commit()
    return finished


def _figure(call: Call, reference: str, item) -> dict:  # noqa: ANN001 - sources.base.Item
    return {"verification_id": call.verification_id, "source": call.source, "reference": reference,
            "member": mask(call.id_number), "category": item.category, "kind": item.kind,
            "monthly_fen": item.monthly_fen, "value_fen": item.value_fen, "count": item.count, "note": item.note}


async def decide_overdue(uow_factory: Callable[[], UnitOfWork], packs: RegionPacks, *, now: datetime,
                         batch: int = 100) -> int:
    """At its deadline a verification is closed on the data it has (DT-MEANS-15D's limit)."""
    async with uow_factory() as uow:
        ids = await uow.verifications.overdue(now, batch)
    finished = 0
    for verification_id in ids:
        async with uow_factory() as uow:
            finished += await service.finish(verification_id, uow, packs, now=now, forced=True)
            await uow.commit()
    return finished


async def forget_expired(uow: UnitOfWork, *, now: datetime, retention_days: int, batch: int = 500) -> int:
    """Results and the members' ID numbers are deleted `retention_days` after a verification
    finished; the access log (masked, keyed digests) stays."""
    async with uow:
        ids = await uow.verifications.expired(now - timedelta(days=retention_days), batch)
        if ids:
            await uow.figures.delete(ids)
            await uow.members.forget(ids)
            await uow.requests.forget(ids)
            await uow.verifications.purge(ids, now)
            await uow.commit()
    return len(ids)
