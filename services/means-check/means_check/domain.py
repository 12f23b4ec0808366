"""means-check's commands, outcomes and domain errors."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from relief_shared.idempotency import IdempotentRequest

from means_check.sources.base import Answer, Pending

PURPOSE = "household economic status verification (ANY-MEANS-SOURCES) for a social-assistance case"


class NoSuchCheck(LookupError):
    """No means check of that case in the caller's region."""


class NoSuchVerification(LookupError):
    """No verification of that id in the caller's region."""


class InvalidRequest(ValueError):
    """The request cannot be acted on; `errors` names each field."""

    def __init__(self, detail: str, errors: list[dict[str, str]]):
        super().__init__(detail)
        self.errors = errors


class NoConsent(InvalidRequest):
    """No recorded consent of the household: nothing may be queried."""

    rule = "ANY-MEANS-SOURCES"


class OutsideJurisdiction(PermissionError):
    pass


@dataclass(frozen=True)
class Actor:
    id: str
    name: str


@dataclass(frozen=True)
class Member:
    id_number: str
    relation: str


@dataclass(frozen=True)
class StartVerification:
    case_id: str
    region: str
    org_unit: str | None
    applies_for: str | None
    members: tuple[Member, ...]
    sources: tuple[str, ...]
    consent_signed_on: date | None
    origin: str  # intake | request
    by: Actor
    rules: tuple[str, ...] = ("ANY-MEANS-SOURCES",)
    request: IdempotentRequest | None = None
    correlation_id: str | None = None


@dataclass(frozen=True)
class Call:
    """A claimed request as the worker needs it: who to ask about, at which source."""

    request_id: int
    claim: str
    verification_id: str
    case_id: str
    region: str
    source: str
    id_number: str
    actor: Actor
    ticket: str | None
    attempts: int


@dataclass(frozen=True)
class Outcome:
    call: Call
    answer: Answer | None = None
    pending: Pending | None = None
    error: str | None = None
