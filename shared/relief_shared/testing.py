"""Pytest fixtures for real-parts tests: a real nats-server, migrated databases, polling.

Load with `-p relief_shared.testing`. Databases: SQLite always; PostgreSQL too when
RELIEF_TEST_POSTGRES_URL names a reachable server (a fresh database per test, dropped after).
A test still running after `TEST_DEADLINE_SECONDS` has every asyncio task's stack printed and
its tasks cancelled: a hang becomes a failure that says where it waited, not a stuck CI run.
"""
from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import sys
import threading
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from relief_shared import broker
from relief_shared.db import sqlite_url
from relief_shared.embedded import NatsServer
from relief_shared.migrate import upgrade

T = TypeVar("T")
POSTGRES_ENV = "RELIEF_TEST_POSTGRES_URL"
TEST_DEADLINE_SECONDS = 240.0


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Any:
    timer = threading.Timer(TEST_DEADLINE_SECONDS, _unstick, args=(item.nodeid,))
    timer.daemon = True
    timer.start()
    try:
        return (yield)
    finally:
        timer.cancel()


def _unstick(nodeid: str) -> None:
    loops = [o for o in gc.get_objects() if isinstance(o, asyncio.AbstractEventLoop) and o.is_running()]
    print(f"\n{nodeid} still running after {TEST_DEADLINE_SECONDS}s; its tasks:", file=sys.stderr, flush=True)
    for loop in loops:
        loop.call_soon_threadsafe(_dump_and_cancel, loop)


def _dump_and_cancel(loop: asyncio.AbstractEventLoop) -> None:
    for task in asyncio.all_tasks(loop):
        task.print_stack(file=sys.stderr)
        task.cancel()


async def eventually(probe: Callable[[], Awaitable[T]], *, timeout: float = 15.0, interval: float = 0.05,
                     message: str = "condition") -> T:
    """Poll `probe` until it returns a truthy value; an exception counts as "not yet" and is
    reported with the timeout if it is the last thing seen."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while True:
        try:
            last = await probe()
            if last:
                return last
        except Exception as exc:
            last = exc
        if time.monotonic() > deadline:
            raise AssertionError(f"{message} not reached within {timeout}s; last: {last!r}")
        await asyncio.sleep(interval)


def _backends() -> list[str]:
    return ["sqlite", "postgres"] if os.environ.get(POSTGRES_ENV) else ["sqlite"]


@pytest.fixture
def nats_server(tmp_path: Path) -> Iterator[NatsServer]:
    # The suite's users and permissions, plus `harness` (publishes and reads anything) for tests
    # that play another service: `nats_server.url_as("harness")`. Services bring their own users.
    server = NatsServer(tmp_path / "nats", log_file=tmp_path / "nats.log", extra_users=[broker.test_harness()]).start()
    yield server
    server.stop()
    refused = service_violations(tmp_path / "nats.log")
    if refused and not getattr(server, "service_violations_expected", False):
        pytest.fail("the broker refused a service what it does (add it to relief_shared.broker):\n" + "\n".join(refused))


def service_violations(log: Path) -> list[str]:
    """Permission violations of the services' own users in a nats-server log: a service doing
    something its user may not is a gap in the table, which retries would otherwise hide."""
    if not log.exists():
        return []
    services = {f'"$G/user:{name}"' for name in broker.SERVICES}
    return sorted({line.split(" - ", 2)[-1] for line in log.read_text(errors="replace").splitlines()
                   if "Violation" in line and any(user in line for user in services)})


@pytest.fixture(params=_backends())
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield sqlite_url(tmp_path / "test.sqlite")
        return
    async with postgres_database() as url:
        yield url


class postgres_database:
    """A throw-away database on the server named by RELIEF_TEST_POSTGRES_URL."""

    def __init__(self) -> None:
        from sqlalchemy.engine import make_url

        self.admin_url = make_url(os.environ[POSTGRES_ENV]).set(drivername="postgresql+asyncpg")
        self.name = f"relief_test_{uuid.uuid4().hex[:12]}"

    async def _admin(self, sql: str) -> None:
        import asyncpg

        u = self.admin_url
        conn = await asyncpg.connect(host=u.host, port=u.port or 5432, user=u.username,
                                     password=u.password, database=u.database or "postgres")
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    async def __aenter__(self) -> str:
        await self._admin(f'CREATE DATABASE "{self.name}"')
        return self.admin_url.set(database=self.name).render_as_string(hide_password=False)

    async def __aexit__(self, *exc: object) -> None:
        await self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


async def migrated(package: str, url: str) -> str:
    """Upgrade a service's database to head with its real Alembic history."""
    await asyncio.to_thread(upgrade, package, url)
    return url


@contextlib.asynccontextmanager
async def harness_js(nats_url: str) -> AsyncIterator[Any]:
    """JetStream as the tests-only `harness` user, for a test that plays the other services: a
    service's own connection may publish only that service's events, as in production."""
    import nats

    from relief_shared.bus import ensure_streams

    nc = await nats.connect(broker.url_with(nats_url, "harness", broker.test_harness().dev_password))
    try:
        js = nc.jetstream(timeout=5)
        await ensure_streams(js)  # as a service's bus does before it is ready: publishing may come first
        yield js
    finally:
        await nc.close()


@contextlib.asynccontextmanager
async def serving(app: Any) -> AsyncIterator[str]:
    """Serve an app on a real socket (free port) with its lifespan; yields the base URL."""
    import uvicorn

    from relief_shared.embedded import free_port

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
            raise RuntimeError("server stopped during start-up")
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


def staff_token(*roles: str, sub: str = "staff-1", name: str = "测试员", region: str = "fuxin-haizhou",
                org_unit: str | None = "fuxin-haizhou/hanjiadian", department: str | None = None) -> dict[str, str]:
    """Authorization header for a test caller, signed with the development secret."""
    from relief_shared.auth import issue
    from relief_shared.settings import DEV_JWT_SECRET

    token = issue(DEV_JWT_SECRET, sub=sub, name=name, roles=list(roles), region=region,
                  org_unit=org_unit, department=department)
    return {"Authorization": f"Bearer {token}"}


def make_event(type_: str, case_id: str, *, region: str = "fuxin-haizhou", version: int = 1, cause: Any = None,
               **changes: Any) -> Any:
    """An envelope of a registered type: the registry's example payload with `changes` applied and
    validated again, so a test names only what it cares about and a renamed field breaks it."""
    from relief_shared.contract import REGISTRY, Envelope
    from relief_shared.contract.examples import example

    spec = REGISTRY.get(type_, version)
    payload = spec.model.model_validate({**example(spec).model_dump(), **changes})
    return Envelope.new(payload, case_id=case_id, region=region, source=spec.publisher, cause=cause)


def parse_event(raw: bytes) -> Any:
    """A message's bytes as the typed envelope a consumer would get."""
    from relief_shared.contract import REGISTRY

    return REGISTRY.parse(raw)


async def published(js: Any, subject: str, *, case_id: str | None = None) -> list[Any]:
    """Every event its stream holds on `subject` (wildcards too), as typed envelopes, optionally
    only one case's: read to the end by a throwaway consumer (the stream dropped duplicate ids)."""
    from nats.errors import TimeoutError as NatsTimeoutError

    from relief_shared.contract.streams import stream_of

    sub = await js.pull_subscribe(subject, stream=stream_of(subject))
    found: list[Any] = []
    try:
        while True:
            try:
                msgs = await sub.fetch(500, timeout=0.5)
            except (NatsTimeoutError, TimeoutError):
                break
            found += [e for e in (parse_event(m.data) for m in msgs) if case_id is None or e.case_id == case_id]
    finally:
        await sub.unsubscribe()
    return found


def message_validator(asyncapi: dict[str, Any], message_key: str) -> Any:
    """A JSON Schema validator for one message of an AsyncAPI document (its envelope payload,
    with the document's `#/components/...` references resolved)."""
    import jsonschema

    schema = {"$ref": f"#/components/messages/{message_key}/payload", "components": asyncapi["components"]}
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
