"""Intake bodies for eligibility's tests."""
from __future__ import annotations

import copy
from typing import Any, get_args

from eligibility.citizen_id import check_character
from eligibility.schemas import MAX_DESCRIPTION, MAX_EVENTS, MAX_EXPENSES, MAX_MEMBERS, Need
from relief_shared.samples import SAMPLE_ID_NUMBER, fire_case  # noqa: F401 - re-exported for the tests

ASTRAL = "𠀀"  # U+20000 (CJK Extension B, found in real names): 4 bytes in UTF-8, the most a character costs


def citizen_id(first17: str = "21090219800101123") -> str:
    return first17 + check_character(first17)


def changed(body: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of `body` with the field at a dotted path (`household.members.0.disabled`) set."""
    body = copy.deepcopy(body)
    *parents, last = path.split(".")
    node: Any = body
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node[key]
    node[int(last) if isinstance(node, list) else last] = value
    return body


def member(index: int, **changes: Any) -> dict[str, Any]:
    """Another person of the sample household, born 1980-01-01 like the applicant."""
    person = {"id_number": citizen_id(f"21090219800101{index:03d}"), "name": "王小", "relation": "child",
              "birth_date": "1980-01-01", "disabled": False, "seriously_ill": False, "able_to_work": True}
    return {**person, **changes}


def largest_case() -> dict[str, Any]:
    """The biggest body the window accepts: every list and string at its bound, in 4-byte characters."""
    body = fire_case()
    body["applicant"]["name"] = ASTRAL * 100
    body["household"]["members"] = [{**fire_case()["household"]["members"][0], "name": ASTRAL * 100}] + [
        member(200 + i, name=ASTRAL * 100) for i in range(MAX_MEMBERS - 1)]
    event = {"kind": "fire", "occurred_on": "2026-11-20", "description": ASTRAL * MAX_DESCRIPTION}
    body["situation"]["events"] = [event] * MAX_EVENTS
    body["situation"]["expenses"] = [{"category": "medical_inpatient", "amount": "9999999.99",
                                      "incurred_from": "2026-01-01", "incurred_to": "2026-11-01"}] * MAX_EXPENSES
    body["situation"]["needs"] = list(get_args(Need))
    return body
