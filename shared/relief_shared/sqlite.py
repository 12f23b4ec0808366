"""SQLite driven from the event loop's own thread, for the async engine.

aiosqlite hands every statement to a worker thread and back, which costs more CPU than the
statement itself: a service's SQLite file is local, in WAL mode, with `synchronous=NORMAL`
(no fsync on commit), so a statement answers in microseconds. This dialect is SQLAlchemy's
own pysqlite dialect declared async; its cursor passes once through SQLAlchemy's greenlet
bridge per statement (the async engine insists on that) and otherwise runs inline, so a
statement holds the loop for exactly as long as SQLite takes.

Writers of one process never wait on SQLite's lock inside the loop, because `Database`
queues them on an asyncio lock first; the only other processes on a service's file are its
migration (before start) and an operator's sqlite3 shell.
"""
from __future__ import annotations

import sqlite3
from typing import Any

from sqlalchemy import pool
from sqlalchemy.dialects import registry
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.engine import URL
from sqlalchemy.util.concurrency import await_, in_greenlet

DRIVER = "inloop"


async def _at_once() -> None:
    return None


class _Cursor(sqlite3.Cursor):
    def execute(self, sql: str, parameters: Any = ()) -> _Cursor:
        if in_greenlet():
            await_(_at_once())
        return super().execute(sql, parameters)

    def executemany(self, sql: str, seq_of_parameters: Any) -> _Cursor:
        if in_greenlet():
            await_(_at_once())
        return super().executemany(sql, seq_of_parameters)

    async def _async_soft_close(self) -> None:
        """The async result's hook for drivers that prefetch; rows here are read inline."""


class _Connection(sqlite3.Connection):
    def cursor(self, factory: type[sqlite3.Cursor] = _Cursor) -> sqlite3.Cursor:  # type: ignore[override]
        return super().cursor(factory)


class SQLiteDialect_inloop(SQLiteDialect_pysqlite):  # noqa: N801 - SQLAlchemy's dialect naming
    driver = DRIVER
    is_async = True
    supports_statement_cache = True

    @classmethod
    def get_pool_class(cls, url: URL) -> type[pool.Pool]:
        return pool.AsyncAdaptedQueuePool if cls._is_url_file_db(url) else pool.StaticPool

    def create_connect_args(self, url: URL) -> Any:
        args, opts = super().create_connect_args(url)
        return args, {**opts, "factory": _Connection}


registry.register(f"sqlite.{DRIVER}", __name__, "SQLiteDialect_inloop")
