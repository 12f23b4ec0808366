"""Cash receipts (signature or witnesses) and in-kind delivery records, one per payment."""
from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from disbursement.domain import DeliveredItem, Receipt, Witness
from disbursement.tables import cash_receipts
from relief_shared.db import insert_if_absent
from relief_shared.money import Money

r = cash_receipts.c


class Receipts:
    def __init__(self, conn: AsyncConnection):
        self.conn = conn

    async def add(self, receipt: Receipt) -> bool:
        """False if the payment already has its receipt."""
        result = await self.conn.execute(insert_if_absent(self.conn.dialect.name, cash_receipts), dict(
            id=receipt.id, payment_id=receipt.payment_id, kind=receipt.kind,
            signed_by_recipient=receipt.signed_by_recipient,
            witnesses=json.dumps([{"name": w.name, "id_number": w.id_number} for w in receipt.witnesses],
                                 ensure_ascii=False),
            items=json.dumps([{"name": i.name, "quantity": i.quantity, "unit": i.unit, "value_fen": i.value.fen}
                              for i in receipt.items], ensure_ascii=False),
            received_by=json.dumps({"name": receipt.received_by.name, "id_number": receipt.received_by.id_number},
                                   ensure_ascii=False) if receipt.received_by else None,
            value_fen=receipt.value.fen, paid_on=receipt.paid_on, recorded_by=receipt.recorded_by,
            recorded_at=receipt.recorded_at))
        return result.rowcount == 1

    async def of_payment(self, payment_id: str) -> Receipt | None:
        row = (await self.conn.execute(select(cash_receipts).where(r.payment_id == payment_id))).first()
        if row is None:
            return None
        received = json.loads(row.received_by) if row.received_by else None
        return Receipt(row.id, row.payment_id, row.kind, row.signed_by_recipient,
                       tuple(Witness(w["name"], w["id_number"]) for w in json.loads(row.witnesses)),
                       tuple(DeliveredItem(i["name"], i["quantity"], i["unit"], Money(i["value_fen"]))
                             for i in json.loads(row.items)),
                       Witness(received["name"], received["id_number"]) if received else None,
                       Money(row.value_fen), row.paid_on, row.recorded_by, row.recorded_at)
