"""Sample intake bodies — made-up people — for the demo, the end-to-end tests and the benchmark.

The ID number passes the GB 11643 check; the household is a single registered resident whose
house burned down, which the Fuxin pack treats as an emergency (FX-EMG-TIER by severity).
"""
from __future__ import annotations

import copy
from datetime import date, datetime, timedelta
from typing import Any

from relief_shared.calendar import SHANGHAI

SAMPLE_ID_NUMBER = "210902198001011236"
SAMPLE_ORG_UNIT = "fuxin-haizhou/hanjiadian"

_FIRE_CASE: dict[str, Any] = {
    "region": "fuxin-haizhou",
    "org_unit": SAMPLE_ORG_UNIT,
    "channel": "window",
    "applies_for": "temporary_assistance",
    "applicant": {"id_number": SAMPLE_ID_NUMBER, "name": "王秀兰", "phone": "13800000000",
                  "bank_account": "6217000010001234567"},
    "household": {
        "status": "none",
        "registered_in_region": True,
        "monthly_income_per_capita": "812.00",
        "members": [{"id_number": SAMPLE_ID_NUMBER, "name": "王秀兰", "relation": "self",
                     "birth_date": "1980-01-01", "disabled": False, "seriously_ill": False,
                     "able_to_work": True}],
    },
    "situation": {
        "events": [{"kind": "fire", "occurred_on": "2026-11-20", "description": "house fire"}],
        "severity": "severe",
        "expenses": [],
        "needs": ["housing"],
    },
    "consent": {"means_check": True, "signed_on": "2026-11-21"},
}


def fire_case(*, on: date | None = None, **changes: Any) -> dict[str, Any]:
    """A fresh copy of the sample emergency request, top-level keys replaced by `changes`.
    `on`: the day it is brought to the window (the fire the day before, consent that day), for
    a suite clock set elsewhere in time: intake refuses dates in the future."""
    body = copy.deepcopy(_FIRE_CASE)
    if on is not None:
        body["situation"]["events"][0]["occurred_on"] = (on - timedelta(days=1)).isoformat()
        body["consent"]["signed_on"] = on.isoformat()
    body.update(changes)
    return body


SAMPLE_SPOUSE_ID_NUMBER = "210902198203051236"


def hospital_case(*, consent: bool = True) -> dict[str, Any]:
    """The sample household with a spouse and yesterday's 23,000 of inpatient costs: expenditure
    aid, whose household's means are checked with the departments (consent as given)."""
    yesterday = (datetime.now(SHANGHAI).date() - timedelta(days=1)).isoformat()
    body = fire_case()
    body["situation"] = {"events": [{"kind": "chronic_illness", "occurred_on": yesterday, "description": "住院"}],
                         "severity": "serious", "needs": ["medical"],
                         "expenses": [{"category": "medical_inpatient", "amount": "23000.00",
                                       "incurred_from": yesterday, "incurred_to": yesterday}]}
    body["household"]["members"].append({"id_number": SAMPLE_SPOUSE_ID_NUMBER, "name": "李强", "relation": "spouse",
                                         "birth_date": "1982-03-05", "disabled": False, "seriously_ill": False,
                                         "able_to_work": True})
    body["consent"] = {"means_check": consent, "signed_on": datetime.now(SHANGHAI).date().isoformat()}
    return body
