"""What disbursement paid a person and their household this year, for the yearly caps (LF-CAP).

Read from disbursement's `GET /v1/ledger/paid-this-year` before a classified case's transaction
opens (the inbox's `prepare`), only for regions that declare LF-CAP. If disbursement cannot
answer, the amount is calculated with what was paid unknown and says so in its trace: the cap
is enforced again, atomically, when the money is paid, so an outage there never holds up a
calculation here.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx
from relief_shared.auth import issue
from relief_shared.contract import Envelope
from relief_shared.contract.case import CaseClassified
from relief_shared.money import Money
from relief_shared.regions import RegionPacks

log = logging.getLogger(__name__)
TOKEN_HOURS = 1


@dataclass(frozen=True)
class PaidSoFar:
    person: Money
    household: Money | None


class Ledger:
    def __init__(self, base_url: str, jwt_secret: str, *, timeout_seconds: float = 2.0):
        self._client = httpx.AsyncClient(base_url=base_url, timeout=timeout_seconds)
        self._secret = jwt_secret
        self._tokens: dict[str, tuple[str, float]] = {}

    async def paid_for(self, events: Sequence[Envelope[CaseClassified]], packs: RegionPacks) -> dict[str, Any]:
        """For each event of a region with yearly caps: what was paid so far, or None if unknown."""
        found: dict[str, PaidSoFar | None] = {}
        for event in events:
            if event.region in packs and packs.get(event.region).has_rule("LF-CAP"):
                found[event.id] = await self.paid(event.region, event.data.applicant.id_number,
                                                  event.data.accepted_on.year)
        return found

    async def paid(self, region: str, id_number: str, year: int) -> PaidSoFar | None:
        try:
            r = await self._client.get("/v1/ledger/paid-this-year", params={"id_number": id_number, "year": year},
                                       headers={"Authorization": f"Bearer {self._token(region)}"})
            r.raise_for_status()
            body = r.json()
            household = body.get("household")
            return PaidSoFar(Money.yuan(body["person"]), Money.yuan(household) if household is not None else None)
        except (httpx.HTTPError, KeyError, ValueError, TypeError) as exc:
            log.warning("paid-this-year unknown for a case of %s (disbursement: %r)", region, exc)
            return None

    def _token(self, region: str) -> str:
        token, expires = self._tokens.get(region, ("", 0.0))
        if time.time() > expires - 300:
            token = issue(self._secret, sub="system:benefit-calc", name="benefit-calc", roles=["auditor"],
                          region=region, ttl_hours=TOKEN_HOURS)
            self._tokens[region] = (token, time.time() + TOKEN_HOURS * 3600)
        return token

    async def close(self) -> None:
        await self._client.aclose()
