"""The shape of an intake body: each field refused with its path, as FastAPI validates it."""
from __future__ import annotations

import json
from typing import Any

import pytest
from eligibility.schemas import CaseIn
from pydantic import ValidationError
from relief_shared.limits import DEFAULT_MAX_BODY_BYTES

from ..requests import ASTRAL, changed, fire_case, largest_case, member


def refused(body: dict[str, Any]) -> list[str]:
    """The paths of the bad fields, as the problem document names them (`errors[].field`)."""
    with pytest.raises(ValidationError) as error:
        CaseIn.model_validate(body)  # FastAPI validates the parsed JSON in Python mode, so do we
    return [".".join(str(p) for p in e["loc"]) for e in error.value.errors()]


INCOME = "household.monthly_income_per_capita"
AMOUNT = "situation.expenses.0.amount"


def with_expense(amount: Any) -> dict[str, Any]:
    return changed(fire_case(), "situation.expenses", [{"category": "medical_inpatient", "amount": amount,
                                                         "incurred_from": "2026-09-01", "incurred_to": "2026-10-15"}])


@pytest.mark.parametrize("amount", ["-812.00", "-0.01", "812.005", "1000000.01", "８１２.００", "812,00", 812.5, 812])
def test_an_income_is_a_non_negative_string_with_two_decimals_at_most_and_a_sane_size(amount: Any) -> None:
    assert refused(changed(fire_case(), INCOME, amount)) == [INCOME]


@pytest.mark.parametrize("amount", ["-2300.00", "10000000.01", "1e5", ""])
def test_an_expense_is_never_negative_nor_absurd(amount: str) -> None:
    assert refused(with_expense(amount)) == [AMOUNT]


def test_money_at_its_bounds_is_accepted() -> None:
    assert str(CaseIn.model_validate(changed(fire_case(), INCOME, "0")).household.monthly_income_per_capita) == "0.00"
    assert CaseIn.model_validate(changed(fire_case(), INCOME, "1000000.00"))
    assert CaseIn.model_validate(with_expense("10000000.00"))


@pytest.mark.parametrize(("path", "value"), [
    ("household.members.0.disabled", "yes"),
    ("household.members.0.seriously_ill", 1),
    ("household.members.0.able_to_work", "true"),
    ("household.registered_in_region", "yes"),
    ("consent.means_check", 1),
])
def test_booleans_are_json_booleans(path: str, value: Any) -> None:
    assert refused(changed(fire_case(), path, value)) == [path]


@pytest.mark.parametrize(("path", "value"), [
    ("channel", "WINDOW"), ("applies_for", "Dibao"), ("household.status", "poor"),
    ("household.members.0.relation", "Self"), ("situation.events.0.kind", "Fire"), ("situation.severity", 3),
    ("situation.needs.0", "food"),
])
def test_enums_take_their_exact_values_only(path: str, value: Any) -> None:
    assert refused(changed(fire_case(), path, value)) == [path]


@pytest.mark.parametrize("value", [0, 1_700_000_000, "20261120", "2026-11-20T00:00:00", "2026-02-30", "２０２６-11-20"])
def test_dates_are_strings_yyyy_mm_dd(value: Any) -> None:
    assert refused(changed(fire_case(), "situation.events.0.occurred_on", value)) == ["situation.events.0.occurred_on"]


def test_id_numbers_are_ascii_digits() -> None:
    assert refused(changed(fire_case(), "applicant.id_number", "２１０９０２１９８００１０１１２３６")) == ["applicant.id_number"]


@pytest.mark.parametrize(("path", "items"), [
    ("household.members", [member(i) for i in range(31)]),
    ("household.members", []),
    ("situation.events", [fire_case()["situation"]["events"][0]] * 11),
    # an empty situation.events: refused for temporary assistance by the intake rules (an application may have none)
    ("situation.expenses", with_expense("1.00")["situation"]["expenses"] * 51),
    ("situation.needs", ["housing"] * 10),
])
def test_lists_are_bounded(path: str, items: list) -> None:
    assert refused(changed(fire_case(), path, items)) == [path]


@pytest.mark.parametrize(("path", "value"), [
    ("situation.events.0.description", "火" * 2001),
    ("situation.events.0.description", "nul\x00byte"),
    ("applicant.name", "王" * 101),
    ("applicant.name", "   "),
    ("applicant.name", "王\n秀兰"),
    ("household.members.0.name", "王\x1b[2J"),
    ("applicant.phone", "1" * 31),
    ("region", "r" * 65),
    ("org_unit", "o" * 129),
])
def test_strings_are_bounded_and_free_of_control_characters(path: str, value: str) -> None:
    assert refused(changed(fire_case(), path, value)) == [path]


def test_a_description_may_have_lines() -> None:
    assert CaseIn.model_validate(changed(fire_case(), "situation.events.0.description", "起火\n\t房屋烧毁\r\n"))


def test_the_largest_accepted_body_stays_far_below_the_request_and_broker_limits() -> None:
    body = largest_case()  # in 4-byte characters, the most an event can carry
    as_event_data = CaseIn.model_validate(body).model_dump_json().encode()  # how the events serialise it
    assert len(as_event_data) < 110_000  # the arithmetic in `schemas` says ~105 KB; NATS refuses 1 MiB
    assert len(json.dumps(body, ensure_ascii=False).encode()) < DEFAULT_MAX_BODY_BYTES
    chinese = json.loads(json.dumps(body, ensure_ascii=False).replace(ASTRAL, "火"))
    assert len(json.dumps(chinese).encode()) < DEFAULT_MAX_BODY_BYTES  # even written with ASCII escapes
