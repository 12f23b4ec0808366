import pytest

from relief_shared.auth import decode, issue
from relief_shared.problems import Unauthorized
from relief_shared.settings import DEV_JWT_SECRET, ServiceSettings


def test_token_round_trip() -> None:
    token = issue(DEV_JWT_SECRET, sub="c1", name="李", roles=["clerk"], region="fuxin-haizhou",
                  org_unit="fuxin-haizhou/hanjiadian")
    principal = decode(token, DEV_JWT_SECRET)
    assert (principal.sub, principal.roles, principal.org_unit) == ("c1", ["clerk"], "fuxin-haizhou/hanjiadian")


def test_token_signed_with_another_secret_is_refused() -> None:
    token = issue("another-secret-of-enough-length-32b", sub="c1", name="李", roles=["clerk"], region="x")
    with pytest.raises(Unauthorized):
        decode(token, DEV_JWT_SECRET)


def test_production_refuses_the_development_secret(monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.delenv("RELIEF_JWT_SECRET", raising=False)
    with pytest.raises(ValueError, match="RELIEF_JWT_SECRET"):
        ServiceSettings(environment="production")
    assert ServiceSettings(environment="production", jwt_secret="a-real-secret").environment == "production"


def test_token_without_expiry_is_refused() -> None:
    import jwt

    token = jwt.encode({"sub": "ops-1", "name": "x", "roles": ["ops"], "region": "fuxin-haizhou"}, DEV_JWT_SECRET,
                       algorithm="HS256")
    with pytest.raises(Unauthorized):
        decode(token, DEV_JWT_SECRET)
