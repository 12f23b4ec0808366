"""The ledger (台账, FX-LEDGER) as CSV, per street and month, streamed page by page."""
from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone

from disbursement.domain import Movement
from disbursement.policy import month_bounds, start_of
from disbursement.store import UnitOfWork
from relief_shared.auth import Principal
from relief_shared.calendar import SHANGHAI

COLUMNS = ("at", "kind", "amount", "channel", "case_id", "payment_id", "reference", "id_number", "note")


def _line(m: Movement) -> tuple[str, ...]:
    return (m.at.astimezone(SHANGHAI).isoformat(), m.kind, str(m.amount), m.channel or "", m.case_id or "",
            m.payment_id or "", m.reference or "", ("*" * 14 + m.id_number[-4:]) if m.id_number else "", m.note)


def _bounds(month: str) -> tuple[datetime, datetime]:
    first, last = month_bounds(month)
    return start_of(first).astimezone(timezone.utc), (start_of(last) + timedelta(days=1)).astimezone(timezone.utc)


async def ledger_page(principal: Principal, org_unit: str, month: str, uow: UnitOfWork, *,
                      page: int, size: int = 1000) -> list[dict[str, str]]:
    start, end = _bounds(month)
    async with uow:
        lines = await uow.ledger.page(region=principal.region, org_unit=org_unit, start=start, end=end,
                                      offset=(page - 1) * size, limit=size)
    return [dict(zip(COLUMNS, _line(m), strict=True)) for m in lines]


async def ledger_csv(principal: Principal, org_unit: str, month: str, uow: UnitOfWork) -> AsyncIterator[str]:
    """A street's movements of a month (Asia/Shanghai), oldest first; ID numbers masked but for
    the last four (the archive's full record stays in the database)."""
    start, end = _bounds(month)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    async with uow:
        async for m in uow.ledger.stream(region=principal.region, org_unit=org_unit, start=start, end=end):
            writer.writerow(_line(m))
            if buffer.tell() > 64_000:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
    yield buffer.getvalue()
