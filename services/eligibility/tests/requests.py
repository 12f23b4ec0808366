"""Intake bodies for eligibility's tests."""
from __future__ import annotations

from eligibility.citizen_id import check_character
from relief_shared.samples import fire_case  # noqa: F401 - re-exported for the tests


def citizen_id(first17: str = "21090219800101123") -> str:
    return first17 + check_character(first17)
