"""Bearer JWT (HS256) identities and role checks, as contract.md defines them.

Missing or bad token: 401. Right token, wrong role or region: 403. The region check is the
caller's job via `Principal.require_region`, since only the route knows the case's region.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta, timezone
from typing import Annotated, Any

import jwt
from fastapi import Depends, Request
from pydantic import BaseModel, ValidationError

from relief_shared.problems import Forbidden, Unauthorized

ROLES = frozenset({"clerk", "reviewer", "approver", "district", "partner", "auditor", "ops"})
STAFF_ROLES = frozenset({"clerk", "reviewer", "approver", "district", "auditor", "ops"})


class Principal(BaseModel):
    sub: str
    name: str
    roles: list[str]
    region: str
    org_unit: str | None = None
    department: str | None = None

    def has_any(self, roles: frozenset[str] | set[str]) -> bool:
        return bool(set(self.roles) & set(roles))

    def require_region(self, region: str) -> None:
        if region != self.region:
            raise Forbidden(f"{self.sub} works for region {self.region}, not {region}")


def decode(token: str, secret: str) -> Principal:
    try:
        claims = jwt.decode(token, secret, algorithms=["HS256"], options={"require": ["sub", "exp", "iat"]})
        return Principal.model_validate(claims)
    except (jwt.PyJWTError, ValidationError) as exc:
        raise Unauthorized(f"invalid token: {exc}") from exc


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


async def principal_from(request: Request) -> Principal:
    """Async on purpose, as every dependency here: FastAPI runs a plain `def` in a thread."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("missing bearer token")
    return decode(token, request.app.state.runtime.settings.jwt_secret)


def require(*roles: str) -> Callable[..., Awaitable[Principal]]:
    allowed = frozenset(roles)

    async def dependency(principal: Annotated[Principal, Depends(principal_from)]) -> Principal:
        if not principal.has_any(allowed):
            raise Forbidden(f"needs one of the roles: {', '.join(sorted(allowed))}")
        return principal

    return dependency
