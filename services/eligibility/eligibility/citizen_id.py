"""Resident identity card numbers (GB 11643-1999): 17 digits and a check character."""
from __future__ import annotations

import re
from datetime import date

_FORMAT = re.compile(r"^[0-9]{17}[0-9X]$")  # ASCII only: \d would take full-width digits
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def check_character(first17: str) -> str:
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS)) % 11]


def birth_date_of(id_number: str) -> date:
    """The birth date a valid number carries in its digits 7-14 (YYYYMMDD)."""
    return date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))


def problem_with(id_number: str) -> str | None:
    """Why the number is not a valid citizen ID, or None when it is."""
    if not _FORMAT.match(id_number):
        return "must be 17 digits followed by a digit or X (18 characters)"
    try:
        birth_date_of(id_number)
    except ValueError:
        return "contains an impossible birth date"
    if check_character(id_number[:17]) != id_number[17]:
        return "check character does not match (GB 11643)"
    return None
