"""ID numbers as they may appear outside the query itself: masked for people, keyed digests
for the access log's search by person. Neither gives the number back."""
from __future__ import annotations

import hashlib
import hmac
import re
from datetime import date

ID_NUMBER = re.compile(r"\b(\d{6})\d{8}(\d{3}[\dX])\b")


def mask(id_number: str) -> str:
    """210902198001011236 → 210902********1236: the region and the last four stay readable."""
    return f"{id_number[:6]}{'*' * 8}{id_number[-4:]}"


def mask_text(text: str) -> str:
    """Every full ID number inside a free text (an error message from a department) masked."""
    return ID_NUMBER.sub(lambda m: f"{m.group(1)}{'*' * 8}{m.group(2)[-4:]}", text)


def digest(id_number: str, key: str) -> str:
    """A keyed digest of the ID number: an auditor searching by the full number finds the
    person's rows, while the table alone cannot be turned back into numbers (the ID space is
    small enough to hash exhaustively, so a plain hash would not do)."""
    return hmac.new(key.encode(), id_number.encode(), hashlib.sha256).hexdigest()


def birth_date(id_number: str) -> date:
    return date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))


def age_on(id_number: str, day: date) -> int:
    born = birth_date(id_number)
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))
