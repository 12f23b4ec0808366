"""The region pack's payment terms, read for one payment: limits and due days, caps, the reserve
fund's rule. Unknown regions have none of them (a payment is still paid, with no deadline)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from disbursement import policy
from disbursement.policy import Caps, DibaoFundShare, ReserveRule, approval_day, payment_limits
from relief_shared import timelimits
from relief_shared.calendar import SHANGHAI, WorkingCalendar
from relief_shared.regions import RegionPack, RegionPacks, UnknownRegion
from relief_shared.timelimits import TimeLimit


@dataclass(frozen=True)
class PaymentTerms:
    packs: RegionPacks
    calendar: WorkingCalendar

    def pack(self, region: str) -> RegionPack | None:
        try:
            return self.packs.get(region)
        except UnknownRegion:
            return None

    def limits(self, region: str, approved_at: datetime, *, advance: bool = False) -> list[TimeLimit]:
        pack = self.pack(region)
        return payment_limits(pack, approval_day(approved_at), advance=advance) if pack else []

    def due(self, limits: list[TimeLimit], approved_at: datetime) -> date | None:
        """Pay by this day: the earliest due of the limits an approval starts (DT-PAY-3WD, DT-ADV-PAY)."""
        dues = [timelimits.due(limit.span, approved_at, limit.warn_before, self.calendar).at for limit in limits]
        return min(dues).astimezone(SHANGHAI).date() if dues else None

    def caps(self, region: str, on: date) -> Caps | None:
        pack = self.pack(region)
        return policy.caps(pack, on) if pack else None

    def reserve(self, region: str, on: date) -> ReserveRule | None:
        pack = self.pack(region)
        return policy.reserve_rule(pack, on) if pack else None

    def dibao_fund(self, region: str, on: date) -> DibaoFundShare | None:
        pack = self.pack(region)
        return policy.dibao_fund_share(pack, on) if pack else None
