"""Recoveries (ANY-RECOVER): a receivable with its instalments and what came back."""
from __future__ import annotations

import json
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from disbursement.domain import Payee, Recovery
from disbursement.tables import recoveries
from relief_shared.db import insert_if_absent
from relief_shared.money import Money

c = recoveries.c


def _recovery(row) -> Recovery:  # noqa: ANN001 - a Row
    return Recovery(row.id, row.case_id, row.region, row.org_unit, Payee(row.debtor_name, row.debtor_id_number),
                    Money(row.amount_fen), Money(row.recovered_fen),
                    [(Money(i["amount_fen"]), date.fromisoformat(i["due"])) for i in json.loads(row.instalments)],
                    row.reason, row.status, row.opened_at, row.dedup)


class Recoveries:
    def __init__(self, conn: AsyncConnection):
        self.conn = conn

    async def add(self, r: Recovery) -> bool:
        result = await self.conn.execute(insert_if_absent(self.conn.dialect.name, recoveries), dict(
            id=r.id, case_id=r.case_id, region=r.region, org_unit=r.org_unit, debtor_id_number=r.debtor.id_number,
            debtor_name=r.debtor.name, amount_fen=r.amount.fen, recovered_fen=r.recovered.fen,
            instalments=json.dumps([{"amount_fen": a.fen, "due": d.isoformat()} for a, d in r.instalments]),
            reason=r.reason, status=r.status, dedup=r.dedup[:120], opened_at=r.opened_at))
        return result.rowcount == 1

    async def get(self, recovery_id: str, *, region: str) -> Recovery | None:
        row = (await self.conn.execute(select(recoveries).where(c.id == recovery_id, c.region == region))).first()
        return _recovery(row) if row else None

    async def of_case(self, case_id: str, *, region: str) -> list[Recovery]:
        rows = await self.conn.execute(select(recoveries).where(c.case_id == case_id, c.region == region)
                                       .order_by(c.opened_at))
        return [_recovery(row) for row in rows]

    async def repay(self, recovery_id: str, amount: Money) -> Recovery | None:
        """Add a repayment if it does not pass what is owed; the recovery after, or None."""
        row = (await self.conn.execute(
            update(recoveries).where(c.id == recovery_id, c.status == "open",
                                     c.recovered_fen + amount.fen <= c.amount_fen)
            .values(recovered_fen=c.recovered_fen + amount.fen).returning(*c))).first()
        if row is None:
            return None
        if row.recovered_fen == row.amount_fen:
            await self.conn.execute(update(recoveries).where(c.id == recovery_id).values(status="settled"))
            row = (await self.conn.execute(select(recoveries).where(c.id == recovery_id))).one()
        return _recovery(row)
