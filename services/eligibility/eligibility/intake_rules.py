"""What a window checks across fields and against the calendar before it accepts a request.

The shape of each field is the schema's job (`schemas`); these rules need more than one field
or "today", which the caller passes in (the Asia/Shanghai date, by the suite clock where there
is one), so they stay pure and every rule is testable on any day. Field paths are the ones the
schema's own errors use (`household.members.1.birth_date`), so a front end points at both alike.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import date

from relief_shared.problems import Unprocessable

from eligibility.citizen_id import birth_date_of
from eligibility.policy import EMERGENCY_KINDS
from eligibility.schemas import CaseIn

EARLIEST = date(1900, 1, 1)  # before the oldest living person: such a date is a typing error


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str
    code: str


def problems(case: CaseIn, today: date) -> list[FieldError]:
    """Every rule broken by `case`, in the order of the body; empty when the window may accept it."""
    return [*_trouble(case), *_dates(case, today), *_people(case, today), *_needs(case), *_severity(case)]


def check(case: CaseIn, today: date) -> None:
    """Refuse the request with a 422 naming every bad field, before anything is written."""
    found = problems(case, today)
    if found:
        fields = ", ".join(dict.fromkeys(f.field for f in found))
        raise Unprocessable(f"Invalid fields: {fields}", errors=[asdict(f) for f in found])


def _trouble(case: CaseIn) -> Iterator[FieldError]:
    """Temporary assistance answers a stated trouble: at least one event (an emergency's severity
    is `_severity`'s). A dibao, marginal or tekun application rests on the household's means, not
    on an event: it may state none."""
    if case.applies_for == "temporary_assistance" and not case.situation.events:
        yield FieldError("situation.events", "temporary assistance names at least one event", "too_short")


def _when(field: str, day: date, today: date) -> Iterator[FieldError]:
    if day > today:
        yield FieldError(field, f"{day} is in the future (today is {today})", "date_in_future")
    elif day < EARLIEST:
        yield FieldError(field, f"{day} is before {EARLIEST}", "date_too_early")


def _dates(case: CaseIn, today: date) -> Iterator[FieldError]:
    """Events, spending and consent already happened: expenditure aid counts money already
    spent (policy §3.2, §3.3), and a consent dated ahead was not given yet."""
    for i, event in enumerate(case.situation.events):
        yield from _when(f"situation.events.{i}.occurred_on", event.occurred_on, today)
    for i, expense in enumerate(case.situation.expenses):
        yield from _when(f"situation.expenses.{i}.incurred_from", expense.incurred_from, today)
        yield from _when(f"situation.expenses.{i}.incurred_to", expense.incurred_to, today)
        if expense.incurred_from > expense.incurred_to:
            yield FieldError(f"situation.expenses.{i}.incurred_to",
                             f"ends ({expense.incurred_to}) before it starts ({expense.incurred_from})",
                             "dates_out_of_order")
    yield from _when("consent.signed_on", case.consent.signed_on, today)


def _people(case: CaseIn, today: date) -> Iterator[FieldError]:
    """A person is known by their ID number, which also carries their birth date (GB 11643):
    a household lists each person once, and a birth date that differs from the one in the
    number means one of the two was mistyped."""
    yield from _born("applicant.id_number", birth_date_of(case.applicant.id_number), today)
    first_seen: dict[str, int] = {}
    selves = 0
    for i, member in enumerate(case.household.members):
        at = f"household.members.{i}"
        in_number = birth_date_of(member.id_number)
        yield from _born(f"{at}.id_number", in_number, today)
        if member.birth_date > today:
            yield FieldError(f"{at}.birth_date", f"{member.birth_date} is in the future (today is {today})",
                             "date_in_future")
        elif member.birth_date != in_number:
            yield FieldError(f"{at}.birth_date", f"differs from the birth date in the ID number ({in_number})",
                             "birth_date_mismatch")
        if member.id_number in first_seen:
            yield FieldError(f"{at}.id_number", f"the same person as household.members.{first_seen[member.id_number]}",
                             "duplicate_member")
        first_seen.setdefault(member.id_number, i)
        if member.relation == "self":
            selves += 1
            if selves > 1:
                yield FieldError(f"{at}.relation", "only the applicant is `self`, once", "duplicate_self")
            elif member.id_number != case.applicant.id_number:
                yield FieldError(f"{at}.id_number", "`self` is the applicant: the ID numbers differ",
                                 "self_is_not_applicant")


def _born(field: str, born: date, today: date) -> Iterator[FieldError]:
    if born > today:
        yield FieldError(field, f"the birth date in the number ({born}) is in the future", "date_in_future")
    elif born < EARLIEST:
        yield FieldError(field, f"the birth date in the number ({born}) is before {EARLIEST}", "date_too_early")


def _needs(case: CaseIn) -> Iterator[FieldError]:
    seen: set[str] = set()
    for i, need in enumerate(case.situation.needs):
        if need in seen:
            yield FieldError(f"situation.needs.{i}", f"{need} is listed twice", "duplicate_need")
        seen.add(need)


def _severity(case: CaseIn) -> Iterator[FieldError]:
    """An emergency's amount goes by its severity (FX-EMG-TIER and its twins); a referral-only or
    expenditure request has none to give."""
    sudden = sorted({e.kind for e in case.situation.events} & EMERGENCY_KINDS)
    if sudden and case.situation.severity is None:
        yield FieldError("situation.severity", f"required for an emergency ({', '.join(sudden)})", "missing")
