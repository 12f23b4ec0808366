"""Each rule the window applies across fields and against "today", one test a rule."""
from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from eligibility.intake_rules import check, problems
from eligibility.schemas import CaseIn
from relief_shared.problems import Unprocessable

from ..requests import SAMPLE_ID_NUMBER, changed, citizen_id, fire_case, largest_case, member

TODAY = date(2026, 11, 30)


def found(body: dict[str, Any], today: date = TODAY) -> list[tuple[str, str]]:
    return [(p.field, p.code) for p in problems(CaseIn.model_validate(body), today)]


def test_the_sample_and_the_largest_body_pass() -> None:
    assert found(fire_case()) == []
    assert found(largest_case()) == []


def test_an_event_cannot_lie_in_the_future_but_may_be_today() -> None:
    assert found(changed(fire_case(), "situation.events.0.occurred_on", "2026-12-01")) == [
        ("situation.events.0.occurred_on", "date_in_future")]
    assert found(changed(fire_case(), "situation.events.0.occurred_on", "2026-11-30")) == []


def test_today_is_a_parameter_not_the_machine_clock() -> None:
    assert found(fire_case(), today=date(2026, 11, 20)) == [("consent.signed_on", "date_in_future")]


def test_consent_cannot_be_signed_in_the_future() -> None:
    assert found(changed(fire_case(), "consent.signed_on", "2027-01-01")) == [("consent.signed_on", "date_in_future")]


def test_dates_before_1900_are_typing_errors() -> None:
    assert found(changed(fire_case(), "situation.events.0.occurred_on", "0001-01-01")) == [
        ("situation.events.0.occurred_on", "date_too_early")]


def expense(**changes: str) -> dict[str, str]:
    return {"category": "medical_inpatient", "amount": "23000.00", "incurred_from": "2026-09-01",
            "incurred_to": "2026-10-15", **changes}


def test_an_expense_ends_after_it_starts() -> None:
    body = changed(fire_case(), "situation.expenses", [expense(incurred_from="2026-10-16")])
    assert found(body) == [("situation.expenses.0.incurred_to", "dates_out_of_order")]
    assert found(changed(fire_case(), "situation.expenses", [expense(incurred_from="2026-10-15")])) == []


def test_an_expense_was_already_spent() -> None:
    body = changed(fire_case(), "situation.expenses", [expense(incurred_to="2026-12-31")])
    assert found(body) == [("situation.expenses.0.incurred_to", "date_in_future")]


def test_an_id_number_cannot_carry_a_future_birth_date() -> None:
    unborn = citizen_id("21090220991231123")
    assert found(changed(fire_case(), "applicant.id_number", unborn)) == [
        ("applicant.id_number", "date_in_future"),
        ("household.members.0.id_number", "self_is_not_applicant")]
    body = changed(fire_case(), "household.members", [fire_case()["household"]["members"][0],
                                                      member(7, id_number=unborn, birth_date="2099-12-31")])
    assert found(body) == [("household.members.1.id_number", "date_in_future"),
                           ("household.members.1.birth_date", "date_in_future")]


def test_a_birth_date_in_the_future_is_refused() -> None:
    assert found(changed(fire_case(), "household.members.0.birth_date", "2999-01-01")) == [
        ("household.members.0.birth_date", "date_in_future")]


def test_a_birth_date_agrees_with_the_id_number() -> None:
    assert found(changed(fire_case(), "household.members.0.birth_date", "1980-01-02")) == [
        ("household.members.0.birth_date", "birth_date_mismatch")]


def test_a_person_is_listed_once_per_household() -> None:
    body = changed(fire_case(), "household.members", [member(5), member(6), member(5, name="王小二")])
    assert found(body) == [("household.members.2.id_number", "duplicate_member")]


def test_self_is_the_applicant_and_appears_once() -> None:
    body = changed(fire_case(), "household.members.0.id_number", citizen_id("21090219800101999"))
    assert found(body) == [("household.members.0.id_number", "self_is_not_applicant")]
    applicant = fire_case()["household"]["members"][0]
    twice = changed(fire_case(), "household.members", [applicant, member(8, relation="self")])
    assert found(twice) == [("household.members.1.relation", "duplicate_self")]
    assert found(changed(fire_case(), "household.members", [member(9, relation="spouse")])) == []


def test_a_need_is_listed_once() -> None:
    assert found(changed(fire_case(), "situation.needs", ["housing", "medical", "housing"])) == [
        ("situation.needs.2", "duplicate_need")]


def test_check_refuses_with_every_field_named_and_passes_a_good_body() -> None:
    check(CaseIn.model_validate(fire_case()), TODAY)
    body = changed(fire_case(), "consent.signed_on", "2027-01-01")
    body = changed(body, "household.members.0.birth_date", "1980-01-02")
    with pytest.raises(Unprocessable) as refused:
        check(CaseIn.model_validate(body), TODAY)
    assert [e["field"] for e in refused.value.errors] == ["consent.signed_on", "household.members.0.birth_date"]
    assert all(e["message"] for e in refused.value.errors)
    assert refused.value.detail == "Invalid fields: consent.signed_on, household.members.0.birth_date"
    assert SAMPLE_ID_NUMBER not in refused.value.detail


def test_temporary_assistance_states_an_event_and_its_severity_an_application_need_not() -> None:
    quiet = {**fire_case(), "situation": {"events": [], "expenses": [], "needs": []}}
    assert found(quiet) == [("situation.events", "too_short")]  # no event: no emergency to need a severity
    assert found({**quiet, "applies_for": "dibao"}) == []
    assert found({**quiet, "applies_for": "tekun"}) == []
