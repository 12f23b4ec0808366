"""A valid intake body to vary in tests (sample people; the ID numbers pass the GB 11643 check)."""
from __future__ import annotations

import copy

from eligibility.citizen_id import check_character


def citizen_id(first17: str = "21090219800101123") -> str:
    return first17 + check_character(first17)


FIRE_CASE = {
    "region": "fuxin-haizhou",
    "org_unit": "fuxin-haizhou/hanjiadian",
    "channel": "window",
    "applies_for": "temporary_assistance",
    "applicant": {"id_number": citizen_id(), "name": "王秀兰", "phone": "13800000000"},
    "household": {
        "status": "none",
        "members": [{"id_number": citizen_id(), "name": "王秀兰", "relation": "self", "birth_date": "1980-01-01",
                     "disabled": False, "seriously_ill": False, "able_to_work": True}],
        "monthly_income_per_capita": "812.00",
        "registered_in_region": True,
    },
    "situation": {
        "events": [{"kind": "fire", "occurred_on": "2026-11-20", "description": "house fire"}],
        "severity": "severe",
        "expenses": [],
        "needs": ["housing"],
    },
    "consent": {"means_check": True, "signed_on": "2026-11-21"},
}


def fire_case(**changes) -> dict:  # noqa: ANN003
    body = copy.deepcopy(FIRE_CASE)
    body.update(changes)
    return body
