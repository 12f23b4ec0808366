"""Field types every payload shares, and the personal-data marks the allow-list test reads.

A field that holds something about a citizen (an ID number, a name, a phone, a bank account,
an address, a health fact) is declared with one of the types below; the mark travels into the
JSON schema as `x-personal-data`, so the generated AsyncAPI document tells a partner what an
event exposes, and a test refuses an ID number in any event type not on the allow-list.
"""
from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from relief_shared.money import Yuan

PersonalKind = Literal["id_number", "name", "phone", "bank_account", "address", "health"]
PERSONAL_MARK = "x-personal-data"


def personal(kind: PersonalKind, description: str) -> object:
    return Field(description=description, json_schema_extra={PERSONAL_MARK: kind})


IdNumber = Annotated[str, Field(min_length=18, max_length=18, pattern=r"^\d{17}[\dX]$"),
                     personal("id_number", "18-character citizen ID number (GB 11643)")]
BankAccount = Annotated[str, Field(min_length=8, max_length=32, pattern=r"^[0-9]{8,32}$"),
                       personal("bank_account", "a citizen's bank card or passbook number")]
PersonName = Annotated[str, Field(max_length=100), personal("name", "a citizen's name")]
Amount = Yuan
"""Exact yuan, a string such as "1500.00" on the wire (relief_shared.money)."""
LocalDate = date
"""A calendar date (YYYY-MM-DD) in Asia/Shanghai."""
Instant = AwareDatetime
"""An ISO 8601 instant with its UTC offset."""


class Payload(BaseModel):
    """Base of every event payload: immutable, and tolerant of fields added by a newer producer
    (changes within a version are additive, so a consumer ignores what it does not know)."""

    model_config = ConfigDict(frozen=True, extra="ignore")


class Actor(Payload):
    """Who did it, for the case timeline: a staff member (token `sub` and name) or a service
    (`system:<service>`). Staff identities are not citizens' personal data."""

    id: str = Field(max_length=200, description="token `sub`, or `system:<service>`")
    name: str = Field(max_length=200)


class Person(Payload):
    """A citizen named so the consumer can act on them (pay them, record the approval's subject)."""

    id_number: IdNumber
    name: PersonName


def system(service: str) -> Actor:
    return Actor(id=f"system:{service}", name=service)


