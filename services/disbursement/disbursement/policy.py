"""Payment rules.

FX-PAY-CHANNEL (Fuxin 四): paid to the recipient's own bank account through a bank.
DT-PAY-3WD (Dongtou 八): temporary aid is paid within 3 working days of approval. The limit is
the region pack's (`[time_limits.DT-PAY-3WD]`: owner disbursement, started by `case.approved`,
stopped by `payment.paid`) and runs on the durable deadline clock (`relief_shared.deadlines`);
a region without it has no payment deadline (nothing borrows another region's numbers), so a
payment's `due` is then None.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

from relief_shared.calendar import SHANGHAI
from relief_shared.regions import RegionPack
from relief_shared.timelimits import TimeLimit

CHANNEL_BANK = "bank"
CHANNEL_RULE = "FX-PAY-CHANNEL"


def approval_day(approved_at: datetime) -> date:
    return approved_at.astimezone(SHANGHAI).date()


def payment_limits(pack: RegionPack, approved_on: date) -> list[TimeLimit]:
    """The region's limits this service owns that an approval starts (e.g. DT-PAY-3WD)."""
    return [limit for limit in pack.limits_owned_by("disbursement", approved_on) if limit.start == "case.approved"]


def retry_delay(attempts: int, base_seconds: float, max_seconds: float) -> timedelta:
    """Doubling back-off for asking an unanswering bank again; never gives up."""
    return timedelta(seconds=min(base_seconds * 2 ** min(max(attempts - 1, 0), 20), max_seconds))
