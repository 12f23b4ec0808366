"""LF-KIN (Linfen 二(一)): matching a case's household against the register of staff and their
close relatives (近亲属备案) without sending the members' ID numbers to services that do not
need them.

Eligibility, which holds the household, publishes one key per member; approval, which holds the
register, computes the same key from each registered relative's ID number. The key is an
HMAC-SHA256 under the suite's kin secret (`RELIEF_KIN_SECRET`, shared by eligibility and
approval only): an ID number has too little entropy (region, birth date, a sequence) for a bare
hash to hide it from whoever reads the events or the logs in between, the read-only ops user
included. Cases keyed before the secret existed carry the bare hash (`legacy_key`); approval
still matches those, computing both keys from the relatives' ID numbers it holds, and never
writes a legacy key for a new case.
"""
from __future__ import annotations

import hashlib
import hmac

PREFIX = "relief-lf-kin:"


def member_key(id_number: str, secret: str) -> str:
    if not secret:
        raise ValueError("the kin secret is empty: set RELIEF_KIN_SECRET")
    return hmac.new(secret.encode(), _text(id_number), hashlib.sha256).hexdigest()


def legacy_key(id_number: str) -> str:
    """The unkeyed key of cases keyed before RELIEF_KIN_SECRET (SHA-256 of the prefix and the ID number)."""
    return hashlib.sha256(_text(id_number)).hexdigest()


def keys_of(id_number: str, secret: str) -> tuple[str, str]:
    """Both keys a registered relative may appear under in a household: keyed and legacy."""
    return member_key(id_number, secret), legacy_key(id_number)


def _text(id_number: str) -> bytes:
    return (PREFIX + id_number.strip().upper()).encode()
