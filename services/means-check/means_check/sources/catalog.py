"""The eleven sources of ANY-MEANS-SOURCES (Anyang 二(六)22), who holds them, and what each
needs to know. `adults_only`: the source is not asked about members under 16 (a child has no
wages, business, provident fund, vehicle or securities account to find), so their ID numbers
are not sent there."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SourceInfo:
    code: str
    name: str
    department: str
    categories: tuple[str, ...]
    adults_only: bool = False


CATALOG: tuple[SourceInfo, ...] = (
    SourceInfo("household_registration", "户籍 household registration", "public security",
               ("household_registration",)),
    SourceInfo("tax", "税务 tax records", "taxation", ("wages", "labour_services"), adults_only=True),
    SourceInfo("social_insurance", "社保 social-insurance contributions and benefits",
               "human resources and social security", ("pension", "unemployment_benefit", "contributions")),
    SourceInfo("real_estate", "不动产登记 real-estate registration", "natural resources", ("real_estate",)),
    SourceInfo("market_entity", "市场主体登记 business registration", "market regulation", ("business",),
               adults_only=True),
    SourceInfo("housing_fund", "住房公积金 housing provident fund", "housing provident fund centre",
               ("housing_fund",), adults_only=True),
    SourceInfo("vehicles", "车辆船舶 vehicles and vessels", "public security traffic / maritime",
               ("vehicles", "vessels"), adults_only=True),
    SourceInfo("bank_deposits", "银行存款 bank deposits", "banks (through the central bank)", ("deposits",)),
    SourceInfo("commercial_insurance", "商业保险 commercial insurance", "insurance regulator",
               ("commercial_insurance",)),
    SourceInfo("securities", "证券 securities", "securities depository", ("securities",), adults_only=True),
    SourceInfo("internet_finance", "互联网金融 internet-finance assets", "internet-finance platforms",
               ("internet_finance",)),
)
CODES: tuple[str, ...] = tuple(s.code for s in CATALOG)
BY_CODE = {s.code: s for s in CATALOG}
ADULT_AGE = 16
