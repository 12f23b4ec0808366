"""LF-KIN member keys: keyed, so a reader of the events cannot hash ID numbers to find them."""
from __future__ import annotations

import hashlib

import pytest

from relief_shared.kin import PREFIX, keys_of, legacy_key, member_key

ID = "210902198203051236"


def test_the_key_depends_on_the_secret_and_is_not_the_bare_hash() -> None:
    bare = hashlib.sha256((PREFIX + ID).encode()).hexdigest()
    assert member_key(ID, "secret-a") != member_key(ID, "secret-b")
    assert bare not in (member_key(ID, "secret-a"), member_key(ID, "secret-b"))
    assert legacy_key(ID) == bare  # what cases keyed before the secret carry
    assert keys_of(ID, "secret-a") == (member_key(ID, "secret-a"), bare)


def test_the_key_ignores_case_and_spaces_of_the_id_number() -> None:
    assert member_key(" 21090219820305123x ", "s") == member_key("21090219820305123X", "s")


def test_an_empty_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="RELIEF_KIN_SECRET"):
        member_key(ID, "")
