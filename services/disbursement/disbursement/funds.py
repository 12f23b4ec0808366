"""LF-FUND (Linfen 二(八)1): where the dibao funds have a year-end balance, at most 10% of it may
go to temporary aid for dibao recipients. The district records the balance; each such payment
is counted against the allowance at payment (`paying.within_caps`) and refused above it."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from disbursement.domain import NoSuchFund
from disbursement.paying import FUND_SUBJECT
from disbursement.policy import FUND_RULE, fund_allowance
from disbursement.store import UnitOfWork
from disbursement.terms import PaymentTerms
from relief_shared.auth import Principal
from relief_shared.money import Money


def _share(principal: Principal, year: int, terms: PaymentTerms):  # noqa: ANN202
    share = terms.dibao_fund(principal.region, date(year + 1, 1, 1))
    if share is None:
        raise NoSuchFund(f"region {principal.region} has no rule on the dibao funds' year-end balance ({FUND_RULE})")
    return share


async def record_dibao_balance(principal: Principal, year: int, balance: Money, uow: UnitOfWork,
                               terms: PaymentTerms, *, now: datetime) -> None:
    _share(principal, year, terms)
    async with uow:
        await uow.dibao_fund.record(principal.region, year, balance, f"{principal.name} ({principal.sub})", now)
        await uow.commit()


async def dibao_fund_view(principal: Principal, year: int, uow: UnitOfWork, terms: PaymentTerms) -> dict[str, Any]:
    share = _share(principal, year, terms)
    async with uow:
        balance = await uow.dibao_fund.balance(principal.region, year)
        used = await uow.caps.used(principal.region, FUND_SUBJECT, year + 1)
    return {"region": principal.region, "year": year, "balance": str(balance) if balance is not None else None,
            "share": str(share.share), "allowance": str(fund_allowance(balance, share)) if balance is not None else None,
            "used": str(used), "rule": FUND_RULE, "source": share.source}
