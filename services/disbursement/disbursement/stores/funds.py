"""Reserve funds and yearly cap usage: balances that concurrent payments must never overdraw.

A drawdown is one conditional UPDATE (`… WHERE balance >= amount`): two advance payments can
never both take the last money. Cap usage rows are locked (`FOR UPDATE` on PostgreSQL; SQLite
has one writer) before they are read, so two payments to one person see each other.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from disbursement.domain import Fund
from disbursement.tables import cap_usage, dibao_fund_balances, reserve_funds
from relief_shared.db import insert_if_absent
from relief_shared.money import Money

f, u, d = reserve_funds.c, cap_usage.c, dibao_fund_balances.c


class Funds:
    def __init__(self, conn: AsyncConnection):
        self.conn = conn

    async def get(self, org_unit: str, *, region: str) -> Fund | None:
        row = (await self.conn.execute(select(reserve_funds).where(f.org_unit == org_unit, f.region == region))).first()
        return Fund(row.org_unit, row.region, Money(row.balance_fen), row.below_floor) if row else None

    async def _ensure(self, org_unit: str, region: str, now: datetime) -> None:
        await self.conn.execute(insert_if_absent(self.conn.dialect.name, reserve_funds), dict(
            org_unit=org_unit, region=region, balance_fen=0, below_floor=False, updated_at=now))

    async def draw(self, org_unit: str, region: str, amount: Money, now: datetime) -> Money | None:
        """Take `amount` if the fund holds it; the balance after, or None (nothing taken)."""
        await self._ensure(org_unit, region, now)
        row = (await self.conn.execute(
            update(reserve_funds).where(f.org_unit == org_unit, f.balance_fen >= amount.fen)
            .values(balance_fen=f.balance_fen - amount.fen, updated_at=now).returning(f.balance_fen))).first()
        return Money(row.balance_fen) if row else None

    async def credit(self, org_unit: str, region: str, amount: Money, now: datetime) -> Money:
        await self._ensure(org_unit, region, now)
        row = (await self.conn.execute(
            update(reserve_funds).where(f.org_unit == org_unit)
            .values(balance_fen=f.balance_fen + amount.fen, updated_at=now).returning(f.balance_fen))).one()
        return Money(row.balance_fen)

    async def flag_below_floor(self, org_unit: str, below: bool) -> bool:
        """Set the alert flag; True if this call changed it (the alert is raised once per crossing)."""
        result = await self.conn.execute(update(reserve_funds).where(f.org_unit == org_unit, f.below_floor != below)
                                         .values(below_floor=below))
        return result.rowcount == 1


class CapUsage:
    def __init__(self, conn: AsyncConnection):
        self.conn = conn

    async def lock(self, region: str, subjects: list[str], year: int) -> dict[str, Money]:
        """What each subject used in the year, its row locked until the transaction ends."""
        statement = insert_if_absent(self.conn.dialect.name, cap_usage)
        await self.conn.execute(statement, [dict(region=region, subject=s, year=year, used_fen=0) for s in subjects])
        query = (select(u.subject, u.used_fen).where(u.region == region, u.subject.in_(subjects), u.year == year)
                 .order_by(u.subject))
        if self.conn.dialect.name == "postgresql":
            query = query.with_for_update()
        return {subject: Money(used) for subject, used in await self.conn.execute(query)}

    async def used(self, region: str, subject: str, year: int) -> Money:
        fen = await self.conn.scalar(select(u.used_fen).where(u.region == region, u.subject == subject, u.year == year))
        return Money(fen or 0)

    async def add(self, region: str, subjects: list[str], year: int, amount: Money) -> None:
        await self.conn.execute(update(cap_usage).where(u.region == region, u.subject.in_(subjects), u.year == year)
                                .values(used_fen=u.used_fen + amount.fen))


class DibaoFund:
    """LF-FUND: the dibao funds' year-end balance per region and year."""

    def __init__(self, conn: AsyncConnection):
        self.conn = conn

    async def record(self, region: str, year: int, balance: Money, by: str, at: datetime) -> None:
        await self.conn.execute(dibao_fund_balances.delete().where(d.region == region, d.year == year))
        await self.conn.execute(dibao_fund_balances.insert().values(region=region, year=year, balance_fen=balance.fen,
                                                                    recorded_by=by, recorded_at=at))

    async def balance(self, region: str, year: int) -> Money | None:
        fen = await self.conn.scalar(select(d.balance_fen).where(d.region == region, d.year == year))
        return Money(fen) if fen is not None else None
