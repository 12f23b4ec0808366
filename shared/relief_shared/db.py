"""Async engine and the unit of work: one transaction for a state change and its events.

SQLite (the embedded default) has one writer at a time. Each service owns its file, so the
writers of one process queue on an asyncio lock (`Database.writing()`) instead of on SQLite's
busy handler, whose sleeps grow to 100 ms under contention, and take turns on one connection
kept open for them (checking a connection out of the pool and back costs more than a small
transaction); a write transaction starts with `BEGIN IMMEDIATE` so it never fails half-way on
a lock upgrade; readers use plain `BEGIN` on pooled connections and WAL lets them proceed
beside the writer. WAL checkpoints (copying the log back into the database file, ending in an
fsync) run in a thread every second instead of inside a commit, where they would stall the
loop. `synchronous=NORMAL`: a killed process loses nothing, a power cut may lose the last
commits; production runs on PostgreSQL. PostgreSQL is used as it is: pooled connections, no
lock.
Only `UnitOfWork.commit()` commits, and it writes the outbox rows first.
"""
from __future__ import annotations

import asyncio
import contextlib
import functools
import sqlite3
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from sqlalchemy import DateTime, MetaData, Table, event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.types import TypeDecorator

from relief_shared import sqlite
from relief_shared.contract import Envelope
from relief_shared.idempotency import IdempotencyKeys
from relief_shared.outbox import write_outbox

if TYPE_CHECKING:
    from relief_shared.plumbing import Plumbing

WRITE = "relief_write"
BACKSTOP_CHECKPOINT_PAGES = 10_000  # SQLite's own checkpoint at commit, should the background one not run

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out, on every backend (SQLite forgets offsets)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: the suite stores only aware datetimes")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def new_metadata() -> MetaData:
    return MetaData(naming_convention=NAMING)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{Path(path).resolve()}"


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """PostgreSQL through asyncpg; any SQLite URL (`sqlite:///…`, `sqlite+aiosqlite:///…`)
    through the in-loop driver of `relief_shared.sqlite`."""
    if not is_sqlite(url):
        return create_async_engine(url, pool_pre_ping=True, **kwargs)
    sa_url = make_url(url).set(drivername=f"sqlite+{sqlite.DRIVER}")
    if sa_url.database and sa_url.database != ":memory:":
        Path(sa_url.database).parent.mkdir(parents=True, exist_ok=True)
    # The busy timeout holds the whole event loop, and only another process (an operator's shell)
    # can hold a service's write lock: wait a little, then fail the transaction as transient.
    engine = create_async_engine(sa_url, connect_args={"timeout": 5}, **kwargs)

    @event.listens_for(engine.sync_engine, "connect")
    def _pragmas(dbapi_conn: Any, _: Any) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute(f"PRAGMA wal_autocheckpoint={BACKSTOP_CHECKPOINT_PAGES}")
        cur.execute("PRAGMA busy_timeout=5000")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _begin(conn: Any) -> None:  # straight to the driver: SQLAlchemy would only pass it through
        conn.connection.driver_connection.cursor().execute(
            "BEGIN IMMEDIATE" if conn.get_execution_options().get(WRITE) else "BEGIN")

    return engine


@functools.cache
def insert_if_absent(dialect: str, table: Table):
    """INSERT … ON CONFLICT DO NOTHING on SQLite and PostgreSQL: `rowcount` 0 means it was there.
    Built once per table and dialect: building a statement costs more than running it."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table).on_conflict_do_nothing()


class UnitOfWork:
    """One transaction of a use case: `async with uow:` … `uow.record(event)` … `await uow.commit()`.

    Leaving the block without commit rolls back: nothing half-done, no event without its state.
    A service's store subclasses it and hangs its repositories on it in `bind` (`uow.cases`),
    so a use case never sees a connection and can be unit-tested with an in-memory double.
    Built by `Database.uow()` for writing or `Database.reading()` for a read, which takes no
    write lock and can never commit.
    """

    def __init__(self, db: Database, *, writing: bool = True):
        self._db = db
        self._writing_mode = writing
        self._events: list[Envelope] = []
        self._after_commit: list[Callable[[], None]] = []
        self.conn: AsyncConnection

    def bind(self, conn: AsyncConnection) -> None:
        """Hang the repositories on the unit of work; the plumbing's own are always there."""

    async def __aenter__(self) -> Self:
        if self._writing_mode:
            self._scope = self._db.writing()
        else:
            self._scope = self._db.reading_connection()
        self.conn = await self._scope.__aenter__()
        self.idempotency = IdempotencyKeys(self.conn, self._db.plumbing.idempotency)
        self.bind(self.conn)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._scope.__aexit__(None, None, None)

    def record(self, *events: Envelope) -> None:
        self._events.extend(events)

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run `callback` once the transaction is committed (e.g. wake a worker), never before."""
        self._after_commit.append(callback)

    def signal_after_commit(self, name: str) -> None:
        """Set the database's signal `name` once committed (a worker waiting on it looks again)."""
        self.after_commit(self._db.signal(name).set)

    async def commit(self) -> None:
        if not self._writing_mode:
            raise RuntimeError("a reading unit of work cannot commit")
        events, self._events = self._events, []
        if events:
            await write_outbox(self.conn, self._db.plumbing.outbox, events)
        await self.conn.commit()
        if events:
            self._db.outbox_signal.set()  # wakes the relay: only when there is something for it
        callbacks, self._after_commit = self._after_commit, []
        for callback in callbacks:
            callback()


class Database:
    """The service's engine, its plumbing tables, and a factory of its units of work."""

    def __init__(self, engine: AsyncEngine, plumbing: Plumbing, unit_of_work: type[UnitOfWork] = UnitOfWork):
        self.engine = engine
        self.plumbing = plumbing
        self.outbox_signal = asyncio.Event()
        self._unit_of_work = unit_of_work
        self._write_lock = asyncio.Lock() if engine.dialect.name == "sqlite" else None
        self._writer: AsyncConnection | None = None
        self._signals: dict[str, asyncio.Event] = {}

    def signal(self, name: str) -> asyncio.Event:
        """A named wake-up for a worker of this database (e.g. "deadlines"), made on first use."""
        return self._signals.setdefault(name, asyncio.Event())

    def uow(self) -> UnitOfWork:
        return self._unit_of_work(self)

    def reading(self) -> UnitOfWork:
        return self._unit_of_work(self, writing=False)

    @contextlib.asynccontextmanager
    async def reading_connection(self) -> AsyncIterator[AsyncConnection]:
        """A pooled connection for reads beside the writer (WAL), rolled back at the end."""
        async with self.engine.connect() as conn:
            yield conn

    @contextlib.asynccontextmanager
    async def writing(self) -> AsyncIterator[AsyncConnection]:
        """A connection in a write transaction; rolled back unless the caller commits."""
        if self._write_lock is None:
            conn = await self.engine.connect()
            try:
                await conn.begin()
                yield conn
            finally:
                await asyncio.shield(conn.close())  # rolls back what was not committed
            return
        async with self._write_lock:
            conn = await self._sqlite_writer()
            await conn.begin()
            try:
                yield conn
            finally:
                if conn.in_transaction():
                    await conn.rollback()

    async def _sqlite_writer(self) -> AsyncConnection:
        if self._writer is None or self._writer.closed or self._writer.invalidated:
            conn = await self.engine.connect()
            self._writer = await conn.execution_options(**{WRITE: True})
        return self._writer

    async def checkpoint_forever(self, every_seconds: float = 1.0) -> None:
        """SQLite only: checkpoint the WAL from a thread, so no commit in the loop pays for it."""
        if self._write_lock is None:
            return
        path = self.engine.url.database

        def checkpoint() -> None:
            conn = sqlite3.connect(path, timeout=5)
            try:
                conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
            finally:
                conn.close()

        while True:
            await asyncio.sleep(every_seconds)
            await asyncio.to_thread(checkpoint)

    async def dispose(self) -> None:
        if self._writer is not None:
            await self._writer.close()
            self._writer = None
        await self.engine.dispose()
