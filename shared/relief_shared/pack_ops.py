"""Region packs reloaded by ops, without a restart, in every service at once.

`POST /v1/ops/region-packs/reload` (ops) on any service reads the packs folder again there,
then announces the reload in the NATS key-value bucket `relief_region_packs`; every service
follows it and reloads too. Pack by pack: a pack that does not validate is refused with its
reasons and the version in force stays. `GET /v1/ops/region-packs` shows what this service
has in force and what its last reload did, so an operator sees that each service took it.
"""
from __future__ import annotations

import json
import logging
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, Request
from nats.js.errors import KeyNotFoundError
from nats.js.kv import KeyValue
from pydantic import BaseModel, Field

from relief_shared.auth import Principal, require
from relief_shared.regions import RegionPacks
from relief_shared.suite_state import Follower, bucket

if TYPE_CHECKING:
    from relief_shared.runtime import Runtime

log = logging.getLogger(__name__)
BUCKET, KEY = "relief_region_packs", "reload"
Ops = Annotated[Principal, Depends(require("ops"))]
Watcher = Annotated[Principal, Depends(require("ops", "auditor"))]


class PackState(BaseModel):
    code: str
    name: str
    pack_version: str
    rules: int = Field(description="how many rules the region declares")


class PacksState(BaseModel):
    folder: str = Field(description="where the packs are read from")
    packs: list[PackState]
    last_reload: dict[str, str] = Field(description="what the last reload did, by pack (empty before any)")
    last_reload_at: str | None


class PackReloads:
    """A service's packs and what its last reload did."""

    def __init__(self, packs: RegionPacks):
        self.packs = packs
        self.outcome: dict[str, str] = {}
        self.at: datetime | None = None
        self.seen_revision = 0
        self.loaded_at = datetime.now(timezone.utc)  # when the packs in force were read from the folder

    def reload(self) -> dict[str, str]:
        self.at = self.loaded_at = datetime.now(timezone.utc)
        self.outcome = self.packs.reload()
        refused = {code: what for code, what in self.outcome.items() if what.startswith("refused")}
        log.warning("region packs reloaded: %s", self.outcome) if not refused else \
            log.error("region packs reloaded, some refused: %s", refused)
        return self.outcome

    async def follow(self, kv: KeyValue) -> None:
        try:
            entry = await kv.get(KEY)
        except KeyNotFoundError:
            return
        if entry.revision <= self.seen_revision:
            return
        self.seen_revision = entry.revision
        announced = datetime.fromisoformat(json.loads(entry.value)["at"])
        if announced >= self.loaded_at:  # an older announcement: the folder was read since, at start
            self.reload()

    def state(self) -> dict[str, Any]:
        return {"folder": str(self.packs.folder or "relief_shared/regions (shipped)"),
                "packs": [{"code": p.code, "name": p.name, "pack_version": p.pack_version, "rules": len(p.rules)}
                          for p in (self.packs.get(code) for code in self.packs.codes())],
                "last_reload": self.outcome, "last_reload_at": self.at.isoformat() if self.at else None}


def follower(runtime: Runtime) -> Follower:
    return Follower(runtime.bus, BUCKET, reloads(runtime).follow, resync_seconds=15.0)


def reloads(runtime: Runtime) -> PackReloads:
    return runtime.extras.setdefault("pack_reloads", PackReloads(runtime.packs))


def router() -> APIRouter:
    r = APIRouter(prefix="/v1/ops", tags=["ops"])

    @r.get("/region-packs", response_model=PacksState)
    async def region_packs(request: Request, _: Watcher) -> dict[str, Any]:
        """The region packs this service has in force, and what its last reload did."""
        return reloads(request.app.state.runtime).state()

    @r.post("/region-packs/reload", response_model=PacksState)
    async def reload_packs(request: Request, principal: Ops) -> dict[str, Any]:
        """Read the packs folder again here and have every service do the same. A pack that
        fails validation is refused with its reasons; the version in force stays."""
        runtime = request.app.state.runtime
        state = reloads(runtime)
        state.reload()
        kv = await bucket(await runtime.bus.wait_ready(), BUCKET)
        state.seen_revision = await kv.put(KEY, json.dumps({"by": principal.sub,
                                                            "at": state.at.isoformat() if state.at else None}).encode())
        return state.state()

    return r
