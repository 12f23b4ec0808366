import pytest

from relief_shared.auth import decode, issue
from relief_shared.problems import Unauthorized
from relief_shared.settings import DEV_JWT_SECRET, ServiceSettings


def test_token_round_trip() -> None:
    token = issue(DEV_JWT_SECRET, sub="c1", name="李", roles=["clerk"], region="fuxin-haizhou",
                  org_unit="fuxin-haizhou/hanjiadian")
    principal = decode(token, DEV_JWT_SECRET)
    assert (principal.sub, principal.roles, principal.org_unit) == ("c1", ("clerk",), "fuxin-haizhou/hanjiadian")


def test_token_signed_with_another_secret_is_refused() -> None:
    token = issue("another-secret-of-enough-length-32b", sub="c1", name="李", roles=["clerk"], region="x")
    with pytest.raises(Unauthorized):
        decode(token, DEV_JWT_SECRET)


def test_production_refuses_the_development_secret(monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.delenv("RELIEF_JWT_SECRET", raising=False)
    monkeypatch.delenv("RELIEF_KIN_SECRET", raising=False)
    with pytest.raises(ValueError, match="RELIEF_JWT_SECRET"):
        ServiceSettings(environment="production", kin_secret="a-real-key")
    with pytest.raises(ValueError, match="RELIEF_KIN_SECRET"):  # LF-KIN's member keys (relief_shared.kin)
        ServiceSettings(environment="production", jwt_secret="a-real-secret")
    assert ServiceSettings(environment="production", jwt_secret="a-real-secret",
                           kin_secret="a-real-key").environment == "production"


def test_token_without_expiry_is_refused() -> None:
    import jwt

    token = jwt.encode({"sub": "ops-1", "name": "x", "roles": ["ops"], "region": "fuxin-haizhou"}, DEV_JWT_SECRET,
                       algorithm="HS256")
    with pytest.raises(Unauthorized):
        decode(token, DEV_JWT_SECRET)


def test_a_verified_token_is_remembered_only_for_its_secret_and_lifetime() -> None:
    import jwt

    token = issue(DEV_JWT_SECRET, sub="c2", name="王", roles=["clerk"], region="fuxin-haizhou",
                  org_unit="fuxin-haizhou/hanjiadian")
    assert decode(token, DEV_JWT_SECRET) is decode(token, DEV_JWT_SECRET)
    with pytest.raises(Unauthorized):  # remembered for the secret that verified it, not for another
        decode(token, "another-secret-of-enough-length-32b")
    expired = jwt.encode({"sub": "c3", "name": "x", "roles": ["clerk"], "region": "fuxin-haizhou",
                          "iat": 1_000_000_000, "exp": 1_000_000_060}, DEV_JWT_SECRET, algorithm="HS256")
    with pytest.raises(Unauthorized):
        decode(expired, DEV_JWT_SECRET)


def test_a_remembered_token_stops_working_when_it_expires(monkeypatch) -> None:  # noqa: ANN001
    import time
    from datetime import datetime, timedelta

    import jwt.api_jwt

    token = issue(DEV_JWT_SECRET, sub="c4", name="赵", roles=["clerk"], region="fuxin-haizhou",
                  org_unit="fuxin-haizhou/hanjiadian", ttl_hours=1)
    decode(token, DEV_JWT_SECRET)

    class TwoHoursLater(datetime):
        @classmethod
        def now(cls, tz=None):  # noqa: ANN001, ANN206
            return datetime.now(tz) + timedelta(hours=2)

    later = time.time() + 2 * 3600
    monkeypatch.setattr(time, "time", lambda: later)
    monkeypatch.setattr(jwt.api_jwt, "datetime", TwoHoursLater)
    with pytest.raises(Unauthorized):
        decode(token, DEV_JWT_SECRET)


@pytest.mark.parametrize("role", ["clerk", "reviewer", "approver"])
def test_a_town_role_without_its_org_unit_is_refused(role: str) -> None:
    token = issue(DEV_JWT_SECRET, sub="c5", name="孙", roles=[role], region="fuxin-haizhou")
    with pytest.raises(Unauthorized, match=f"role {role} needs the claim org_unit"):
        decode(token, DEV_JWT_SECRET)
    with pytest.raises(Unauthorized):  # nor is the refusal remembered as a success
        decode(token, DEV_JWT_SECRET)


def test_the_district_covers_its_region_without_an_org_unit() -> None:
    token = issue(DEV_JWT_SECRET, sub="d1", name="区民政局", roles=["district"], region="fuxin-haizhou")
    assert decode(token, DEV_JWT_SECRET).org_unit is None
    both = issue(DEV_JWT_SECRET, sub="d2", name="兼", roles=["district", "approver"], region="fuxin-haizhou")
    with pytest.raises(Unauthorized, match="approver"):
        decode(both, DEV_JWT_SECRET)
