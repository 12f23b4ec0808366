"""LF-KIN (Linfen 二(一)): matching a case's household against the register of staff and their
close relatives (近亲属备案) without sending the members' ID numbers to services that do not
need them.

Eligibility, which holds the household, publishes one key per member; approval, which holds the
register, computes the same key from each registered relative's ID number. The key is a
pseudonym (SHA-256 of a fixed prefix and the ID number), not a secret: it keeps ID numbers out
of the events and logs of the services in between, nothing more.
"""
from __future__ import annotations

import hashlib

PREFIX = "relief-lf-kin:"


def member_key(id_number: str) -> str:
    return hashlib.sha256((PREFIX + id_number.strip().upper()).encode()).hexdigest()
