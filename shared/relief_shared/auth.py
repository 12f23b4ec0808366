"""Bearer JWT (HS256) identities and role checks, as contract.md defines them.

Missing or bad token: 401. Right token, wrong role or region: 403. The region check is the
caller's job via `Principal.require_region`, since only the route knows the case's region.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable
import time
from datetime import datetime, timedelta, timezone
from typing import Annotated, Any

import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, ValidationError

from relief_shared.problems import Forbidden, Unauthorized

ROLES = frozenset({"clerk", "reviewer", "approver", "district", "partner", "auditor", "ops"})
STAFF_ROLES = frozenset({"clerk", "reviewer", "approver", "district", "auditor", "ops"})
TOWN_ROLES = frozenset({"clerk", "reviewer", "approver"})  # act for one town/street: need `org_unit`


class Principal(BaseModel):
    model_config = ConfigDict(frozen=True)  # one verified token's principal serves many requests

    sub: str
    name: str
    roles: tuple[str, ...]
    region: str
    org_unit: str | None = None
    department: str | None = None

    def has_any(self, roles: frozenset[str] | set[str]) -> bool:
        return bool(set(self.roles) & set(roles))

    def require_region(self, region: str) -> None:
        if region != self.region:
            raise Forbidden(f"{self.sub} works for region {self.region}, not {region}")


def decode(token: str, secret: str) -> Principal:
    """Verify a token; one verified before is taken from a small cache until it expires.

    Staff send the same token with every request, and checking the signature and claims again
    costs more than the request's own work. The cache is keyed by the whole token and the
    secret, so nothing unverified can hit it, and `exp` is checked on every use."""
    key = (token, secret)
    cached = _verified.get(key)
    if cached is not None:
        principal, expires = cached
        if time.time() < expires:
            return principal
        del _verified[key]
    try:
        claims = jwt.decode(token, secret, algorithms=["HS256"], options={"require": ["sub", "exp", "iat"]})
        principal = Principal.model_validate(claims)
    except (jwt.PyJWTError, ValidationError) as exc:
        raise Unauthorized(f"invalid token: {exc}") from exc
    town_roles = sorted(TOWN_ROLES.intersection(principal.roles))
    if town_roles and not principal.org_unit:
        # without it a town's clerk would act for every town of the region
        raise Unauthorized(f"invalid token: the role {town_roles[0]} needs the claim org_unit")
    if len(_verified) >= _VERIFIED_MAX:
        _verified.pop(next(iter(_verified)))
    _verified[key] = (principal, float(claims["exp"]))
    return principal


_VERIFIED_MAX = 1024
_verified: dict[tuple[str, str], tuple[Principal, float]] = {}


def issue(secret: str, *, sub: str, name: str, roles: list[str], region: str,
          org_unit: str | None = None, department: str | None = None, ttl_hours: int = 12) -> str:
    """Mint a token: for the embedded demo, tests and the benchmark's scripted staff."""
    now = datetime.now(timezone.utc)
    claims: dict[str, Any] = {"sub": sub, "name": name, "roles": roles, "region": region,
                              "iat": now, "exp": now + timedelta(hours=ttl_hours)}
    if org_unit:
        claims["org_unit"] = org_unit
    if department:
        claims["department"] = department
    return jwt.encode(claims, secret, algorithm="HS256")


_bearer = HTTPBearer(auto_error=False, scheme_name="bearer", bearerFormat="JWT",
                     description="HS256 JWT with the claims of contract.md (sub, name, roles, region, org_unit, "
                                 "department, exp, iat)")


async def principal_from(request: Request,
                         credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> Principal:
    """Async on purpose, as every dependency here: FastAPI runs a plain `def` in a thread. The
    `HTTPBearer` dependency declares the scheme in each service's OpenAPI document."""
    if credentials is None or not credentials.credentials:
        raise Unauthorized("missing bearer token")
    return decode(credentials.credentials, request.app.state.runtime.settings.jwt_secret)


def require(*roles: str) -> Callable[..., Awaitable[Principal]]:
    allowed = frozenset(roles)

    async def dependency(principal: Annotated[Principal, Depends(principal_from)]) -> Principal:
        if not principal.has_any(allowed):
            raise Forbidden(f"needs one of the roles: {', '.join(sorted(allowed))}")
        return principal

    return dependency


def authorize(request: Request, roles: frozenset[str]) -> Principal:
    """The caller of a hot route, checked without FastAPI's dependency machinery (which costs
    more than such a route's own work): the same token rules as `require`. The route declares
    `openapi_extra=BEARER` so its OpenAPI operation still names the scheme."""
    return check_bearer(request.headers.get("authorization", ""), request.app.state.runtime.settings.jwt_secret,
                        roles)


def check_bearer(authorization: str, secret: str, roles: frozenset[str]) -> Principal:
    """An `Authorization` header read as `HTTPBearer` reads it (scheme `bearer`, the token
    stripped), verified, and held to `roles`: 401 or 403 as `require` answers."""
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("missing bearer token")
    principal = decode(token.strip(), secret)
    if not principal.has_any(roles):
        raise Forbidden(f"needs one of the roles: {', '.join(sorted(roles))}")
    return principal


BEARER: dict[str, Any] = {"security": [{"bearer": []}]}

