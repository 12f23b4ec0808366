"""SQLite specifics of the unit of work: one kept writer connection, checkpoints off the loop."""
from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from sqlalchemy import insert, select

from relief_shared.db import Database, create_engine, sqlite_url

from .conftest import effects, metadata, plumbing


async def sqlite_database(path: Path) -> Database:
    engine = create_engine(sqlite_url(path))
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    return Database(engine, plumbing)


async def test_a_failed_transaction_leaves_the_kept_writer_ready_for_the_next(tmp_path: Path) -> None:
    db = await sqlite_database(tmp_path / "t.sqlite")
    try:
        try:
            async with db.uow() as uow:
                await uow.conn.execute(insert(effects).values(event_id="e1", case_id="c1"))
                raise RuntimeError("the use case fails half-way")
        except RuntimeError:
            pass
        async with db.uow() as uow:
            await uow.conn.execute(insert(effects).values(event_id="e2", case_id="c2"))
            await uow.commit()
        async with db.engine.connect() as conn:
            assert list(await conn.scalars(select(effects.c.event_id))) == ["e2"]
    finally:
        await db.dispose()


async def test_the_wal_is_checkpointed_by_the_background_task(tmp_path: Path) -> None:
    path = tmp_path / "t.sqlite"
    db = await sqlite_database(path)
    try:
        for i in range(50):
            async with db.uow() as uow:
                await uow.conn.execute(insert(effects).values(event_id=f"e{i}", case_id="c"))
                await uow.commit()
        before = path.stat().st_size  # the commits are in the WAL; no commit checkpointed them
        task = asyncio.create_task(db.checkpoint_forever(every_seconds=0.05))
        await asyncio.sleep(0.3)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        assert path.stat().st_size > before  # copied into the database file by the background task
        conn = sqlite3.connect(path)
        assert conn.execute("SELECT count(*) FROM effects").fetchone() == (50,)
        conn.close()
    finally:
        await db.dispose()
