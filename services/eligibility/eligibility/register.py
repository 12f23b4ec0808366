"""The status register (DT-NO-PAPER) and the education push (DT-EDU-NEXT-MONTH).

Eligibility keeps each person's current dibao / marginal / tekun status per region, from every
`status.changed` (approval's decisions and terminations, and this service's own ops import of
existing recipients). An entry moves only forward, by the change's `since` and then the event's
time: a late or redelivered event changes nothing and pushes nothing, so the register is the
same whatever order the events arrive in.

A change that makes a person enter, leave or move between the covered statuses is pushed to
the education bureau on its own subjects (`referral.education.status_changed`), effective the
first day of the month after the change, in the transaction that updates the register (the
outbox). Only in regions whose pack declares DT-EDU-NEXT-MONTH: a rule the region does not
declare is never applied.

The lookup answers only the status, its since-date and the region, and records who asked, for
which department, when and why before it answers (`lookups.LookupLog`).
"""
from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from relief_shared.auth import Principal
from relief_shared.calendar import SHANGHAI
from relief_shared.contract import Actor, Envelope, Person
from relief_shared.contract.education import EducationStatusChanged
from relief_shared.contract.status import StatusChanged
from relief_shared.idempotency import IdempotentRequest, Reply
from relief_shared.inbox import Poison
from relief_shared.money import Yuan
from relief_shared.regions import RegionPacks

from eligibility import citizen_id
from eligibility.domain import InvalidRequest, OutsideJurisdiction
from eligibility.store import UnitOfWork

SOURCE = "eligibility"
COVERED = ("dibao", "marginal", "tekun")
EDU_RULE = "DT-EDU-NEXT-MONTH"
IMPORT_RULE = "DT-NO-PAPER"
MAX_IMPORT_ROWS = 2000  # and the body limit (256 KiB by default): split larger imports


def first_of_next_month(day: date) -> date:
    """DT-EDU-NEXT-MONTH: aid starts (or ends) "from the next month": a change on any day of March,
    the 1st included, takes effect on April 1."""
    return date(day.year + 1, 1, 1) if day.month == 12 else date(day.year, day.month + 1, 1)


def education_change(previous: str, status: str) -> str | None:
    """What the education bureau hears of a move from `previous` to `status`: None if nothing
    (neither is a covered status, or nothing changed)."""
    if previous == status or (previous not in COVERED and status not in COVERED):
        return None
    if previous not in COVERED:
        return "entered"
    return "left" if status not in COVERED else "changed"


def _is_newer(seen: Any, since: date, at: datetime, event_id: str) -> bool:
    return seen is None or (since, at, event_id) > (seen.since, seen.event_at, seen.event_id)


_UNREAD: Any = object()


async def apply_change(event: Envelope[StatusChanged], uow: UnitOfWork, packs: RegionPacks, *,
                       seen: Any = _UNREAD) -> bool:
    """Put one `status.changed` on the register, and push it to education where it must go; False
    (nothing written, nothing pushed) when the register already has this or a newer change.
    `seen`: the person's entry as already read in this transaction (None: no entry)."""
    data, region = event.data, event.region
    if region not in packs:
        raise Poison(f"status.changed for unknown region {region!r}")
    if seen is _UNREAD:
        seen = await uow.register.get(data.person.id_number, region)
    if not _is_newer(seen, data.since, event.occurred_at, event.id):
        return False
    previous = seen.status if seen is not None else "none"
    await uow.register.put(seen=seen, id_number=data.person.id_number, region=region, name=data.person.name,
                           status=data.status, since=data.since,
                           org_unit=data.org_unit or (seen.org_unit if seen is not None else None),
                           event_id=event.id, event_at=event.occurred_at, case_id=event.case_id)
    change = education_change(previous, data.status)
    pack = packs.get(region)
    if change is not None and pack.has_rule(EDU_RULE):
        uow.record(Envelope.new(EducationStatusChanged(
            person=Person(id_number=data.person.id_number, name=data.person.name), change=change,
            status=data.status, previous=previous, since=data.since, effective_from=first_of_next_month(data.since),
            org_unit=data.org_unit, clause=pack.require_rule(EDU_RULE)[:300],
        ), case_id=event.case_id, region=region, source=SOURCE, cause=event))
    return True


async def apply_changes(events: Sequence[Envelope[StatusChanged]], uow: UnitOfWork, *, packs: RegionPacks) -> None:
    """The register consumer: each event of the batch in order, inside the inbox's transaction."""
    for event in events:
        await apply_change(event, uow, packs)


# --- the ops import of existing recipients -------------------------------------------------------

class ImportRow(BaseModel):
    """One existing recipient as the import takes them (a CSV row or a JSON line)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id_number: str = Field(min_length=18, max_length=18)
    name: str = Field(min_length=1, max_length=100)
    status: str = Field(pattern="^(dibao|marginal|tekun|none)$")
    since: date
    org_unit: str | None = Field(None, max_length=100)
    household_size: int | None = Field(None, ge=1, le=50)
    monthly_amount: Yuan | None = None
    dispersed: bool | None = None
    bank_account: str | None = Field(None, pattern=r"^[0-9]{8,32}$")

    @field_validator("id_number")
    @classmethod
    def _valid_id(cls, value: str) -> str:
        problem = citizen_id.problem_with(value)
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("org_unit", "household_size", "monthly_amount", "dispersed", "bank_account", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return None if value == "" else value


@dataclass(frozen=True)
class StatusImport:
    region: str
    content_type: str
    body: bytes
    by: Principal
    request: IdempotentRequest | None = None


def parse_rows(content_type: str, body: bytes) -> list[ImportRow]:
    """CSV with a header line (`text/csv`) or one JSON object a line (`application/x-ndjson`,
    `application/jsonl`); every bad row is named (`line N: field`), and one bad row refuses all."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidRequest("the import is not UTF-8", errors=[{"field": "body", "message": str(exc)}]) from exc
    kind = content_type.split(";")[0].strip().lower()
    raw: list[tuple[int, Any]]
    if kind == "text/csv":
        reader = csv.DictReader(io.StringIO(text))
        raw = [(reader.line_num, dict(row)) for row in reader]
    elif kind in ("application/x-ndjson", "application/jsonl", "application/json-lines"):
        raw = []
        for n, line in enumerate(text.splitlines(), 1):
            if line.strip():
                try:
                    raw.append((n, json.loads(line)))
                except ValueError as exc:
                    raise InvalidRequest(f"line {n} is not JSON", errors=[{"field": f"line {n}",
                                                                           "message": str(exc)}]) from exc
    else:
        raise InvalidRequest(f"cannot import {kind or 'a body without a content type'}", errors=[
            {"field": "Content-Type", "message": "text/csv or application/x-ndjson"}])
    if not raw:
        raise InvalidRequest("the import has no rows", errors=[{"field": "body", "message": "no rows"}])
    if len(raw) > MAX_IMPORT_ROWS:
        raise InvalidRequest(f"at most {MAX_IMPORT_ROWS} rows an import", errors=[
            {"field": "body", "message": f"{len(raw)} rows; split the import"}])
    rows, errors = [], []
    for n, obj in raw:
        try:
            rows.append(ImportRow.model_validate(obj))
        except ValidationError as exc:
            errors += [{"field": f"line {n}: {'.'.join(str(p) for p in e['loc']) or 'row'}", "message": e["msg"]}
                       for e in exc.errors()]
    first_line: dict[str, int] = {}
    for (n, _), row in zip(raw, rows):
        if row.id_number in first_line:
            errors.append({"field": f"line {n}: id_number", "message": f"the same person as line {first_line[row.id_number]}"})
        first_line.setdefault(row.id_number, n)
    if errors:
        raise InvalidRequest(f"{len(errors)} problems in the import; nothing was imported", errors=errors[:100])
    return rows


async def import_statuses(cmd: StatusImport, uow: UnitOfWork, packs: RegionPacks, *, now: datetime) -> Reply:
    """Seed the register with existing recipients: each row becomes a `status.changed` (eligibility
    is its also-publisher, so disbursement's roster hears of them too) and is applied to the
    register, with its education push, in one transaction with the key's reply. A row the
    register already has a newer change for is skipped and said so."""
    if cmd.region not in packs:
        raise InvalidRequest(f"unknown region {cmd.region!r}", errors=[{"field": "region", "message": "unknown region"}])
    if "ops" not in cmd.by.roles and cmd.region != cmd.by.region:
        raise OutsideJurisdiction(f"{cmd.by.sub} works for region {cmd.by.region}, not {cmd.region}")
    rows = parse_rows(cmd.content_type, cmd.body)
    pack = packs.get(cmd.region)
    bad_units = [{"field": f"row {i}: org_unit", "message": "not a town/street of this region"}
                 for i, row in enumerate(rows, 1) if row.org_unit and not pack.has_org_unit(row.org_unit)]
    if bad_units:
        raise InvalidRequest("unknown org units; nothing was imported", errors=bad_units[:100])
    import_id = f"SI-{now.astimezone(SHANGHAI):%Y%m%d}-{uuid.uuid4().hex[:10]}"
    by = Actor(id=cmd.by.sub, name=cmd.by.name)
    async with uow:
        earlier = await uow.idempotency.replay(cmd.request)
        if earlier:
            return earlier
        applied, skipped = 0, []
        known = await uow.register.entries([row.id_number for row in rows], cmd.region)
        for i, row in enumerate(rows, 1):
            seen = known.get(row.id_number)
            event = Envelope.new(StatusChanged(
                person=Person(id_number=row.id_number, name=row.name), status=row.status,
                previous=seen.status if seen is not None else "none", since=row.since,
                household_size=row.household_size, monthly_amount=row.monthly_amount, dispersed=row.dispersed,
                reason=f"existing recipient imported into the status register ({import_id})", rules=[IMPORT_RULE],
                by=by, org_unit=row.org_unit, bank_account=row.bank_account,
            ), case_id=import_id, region=cmd.region, source=SOURCE, at=now)
            if await apply_change(event, uow, packs, seen=seen):
                uow.record(event)
                applied += 1
            else:
                skipped.append({"row": i, "reason": "the register has this person's status from a later change"})
        reply = Reply(201, {"import_id": import_id, "region": cmd.region, "rows": len(rows), "applied": applied,
                            "skipped": skipped})
        await uow.idempotency.remember(cmd.request, reply)
        await uow.commit()
    return reply
