"""Migration 1314 of approval: a kin register kept before the kin secret is keyed again, and
keeps the bare key that cases routed before still carry (SQLite, and PostgreSQL when reachable)."""
from __future__ import annotations

import asyncio
from datetime import datetime, timezone

from approval.store import kin
from relief_shared.db import create_engine
from relief_shared.kin import legacy_key, member_key
from relief_shared.migrate import upgrade
from relief_shared.settings import DEV_KIN_SECRET
from sqlalchemy import insert, select

RELATIVE = "210902198203051236"


async def test_a_register_from_before_the_secret_is_keyed_and_keeps_its_legacy_key(database_url: str) -> None:
    await asyncio.to_thread(upgrade, "approval", database_url, "1313")
    engine = create_engine(database_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(insert(kin).values(  # the columns of revision 1313 only
                region="linfen", staff_id="approver-1", staff_name="王审批", relative_id_number=RELATIVE,
                relative_name="李强", relation="兄弟", registered_at=datetime.now(timezone.utc),
                registered_by="district-1", relative_key=legacy_key(RELATIVE)))
        await asyncio.to_thread(upgrade, "approval", database_url)
        async with engine.connect() as conn:
            row = (await conn.execute(select(kin.c.relative_key, kin.c.relative_legacy_key))).one()
    finally:
        await engine.dispose()
    assert tuple(row) == (member_key(RELATIVE, DEV_KIN_SECRET), legacy_key(RELATIVE))
