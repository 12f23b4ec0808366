"""Least personal data, declared: only allow-listed event types carry a full ID number."""
from __future__ import annotations

import re

from relief_shared.contract import REGISTRY
from relief_shared.contract.asyncapi import document, personal_fields
from relief_shared.contract.examples import EXAMPLES
from relief_shared.contract.referral import DEPARTMENTS, NO_ID_NUMBER

ID_NUMBER = re.compile(r"\b\d{17}[\dX]\b")
ALLOWED = {"case.classified.v1", "benefit.calculated.v1", "case.approved.v1", "status.changed.v1",
           "case.verification_needed.v1",
           # each department's own referral request names the person it must act on (not the charity's)
           *(f"referral.{d}.requested.v1" for d in DEPARTMENTS if d not in NO_ID_NUMBER),
           "referral.education.status_changed.v1"}


def test_only_the_allow_list_carries_an_id_number() -> None:
    schemas = document()["components"]["schemas"]
    carrying = {spec.key for spec in REGISTRY.events.values()
                if any(p["kind"] == "id_number" for p in personal_fields(spec.model.__name__, schemas))}
    assert carrying == ALLOWED
    for spec in REGISTRY.events.values():
        assert (spec.key in carrying) == bool(spec.id_number_reason), f"{spec.key}: allow-list reason and fields disagree"


def test_no_unmarked_field_holds_an_id_number_in_the_examples() -> None:
    for key, payload in EXAMPLES.items():
        spec = REGISTRY.get(*key)
        text = payload.model_dump_json()
        if spec.id_number_reason is None:
            assert not ID_NUMBER.search(text), f"{spec.key} example carries an ID number"


def test_fields_named_like_personal_data_are_marked() -> None:
    """A field called id_number, phone or bank_account anywhere in a payload must be declared
    with its personal-data type, so the allow-list sees it."""
    schemas = document()["components"]["schemas"]
    for name, schema in schemas.items():
        for field, sub in (schema.get("properties") or {}).items():
            if field in ("id_number", "phone", "bank_account", "address"):
                assert "x-personal-data" in sub, f"{name}.{field} is not marked as personal data"
