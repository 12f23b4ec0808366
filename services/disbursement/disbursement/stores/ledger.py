"""The ledger (台账, FX-LEDGER): append-only. This repository can add lines and read them; it has
no update and no delete, so a correction is a new line (a reversal), never an edit."""
from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from disbursement.domain import Movement
from disbursement.tables import ledger
from relief_shared.money import Money

c = ledger.c
_add = insert(ledger)


def _row(m: Movement) -> dict:
    return dict(at=m.at, region=m.region, org_unit=m.org_unit, kind=m.kind, amount_fen=m.amount.fen, channel=m.channel,
                payment_id=m.payment_id, case_id=m.case_id, reference=m.reference, id_number=m.id_number,
                note=m.note)


class Ledger:
    def __init__(self, conn: AsyncConnection):
        self.conn = conn

    async def add(self, *movements: Movement) -> None:
        if movements:
            await self.conn.execute(_add, [_row(m) for m in movements])

    async def of_fund(self, org_unit: str, kinds: tuple[str, ...], limit: int = 200) -> list[Movement]:
        rows = await self.conn.execute(select(ledger).where(c.org_unit == org_unit, c.kind.in_(kinds))
                                       .order_by(c.id.desc()).limit(limit))
        return [_movement(r) for r in rows]

    async def page(self, *, region: str, org_unit: str, start: datetime, end: datetime, offset: int,
                   limit: int) -> list[Movement]:
        rows = await self.conn.execute(select(ledger).where(
            c.region == region, c.org_unit == org_unit, c.at >= start, c.at < end)
            .order_by(c.id).offset(offset).limit(limit))
        return [_movement(r) for r in rows]

    async def stream(self, *, region: str, org_unit: str, start: datetime, end: datetime,
                     page: int = 5000) -> AsyncIterator[Movement]:
        """A street's lines in [start, end), oldest first, a page at a time (a month can be large)."""
        after = 0
        while True:
            rows = (await self.conn.execute(select(ledger).where(
                c.region == region, c.org_unit == org_unit, c.at >= start, c.at < end, c.id > after)
                .order_by(c.id).limit(page))).all()
            for row in rows:
                yield _movement(row)
            if len(rows) < page:
                return
            after = rows[-1].id


def _movement(r) -> Movement:  # noqa: ANN001 - a Row
    return Movement(at=r.at, region=r.region, org_unit=r.org_unit, kind=r.kind, amount=Money(r.amount_fen),
                    note=r.note, channel=r.channel, payment_id=r.payment_id, case_id=r.case_id,
                    reference=r.reference, id_number=r.id_number)
