"""Each service's Alembic history builds exactly the tables its code declares (SQLite, and
PostgreSQL when reachable): a column added to the code without its migration fails here."""
from __future__ import annotations

import importlib

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from relief_shared.db import create_engine
from relief_shared.stack import SERVICES
from relief_shared.testing import migrated


@pytest.mark.parametrize("service", SERVICES, ids=lambda s: s.name)
async def test_migrations_build_the_declared_schema(service, database_url: str) -> None:  # noqa: ANN001
    await migrated(service.package, database_url)
    metadata = importlib.import_module(f"{service.package}.store").metadata
    engine = create_engine(database_url)
    try:
        async with engine.connect() as conn:
            diff = await conn.run_sync(lambda sync: compare_metadata(
                MigrationContext.configure(sync, opts={"compare_type": False}), metadata))
    finally:
        await engine.dispose()
    assert diff == []
