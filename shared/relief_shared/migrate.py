"""Migrations: each service keeps its own Alembic history in `<package>/migrations`.

`python -m relief_shared.migrate <package>` upgrades that service's database (URL from its
settings) to head; `upgrade(package, url)` does the same from code. A service's env.py is
one call: `run_env(metadata)`.
"""
from __future__ import annotations

import asyncio
import importlib
import sys

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData

from relief_shared.db import create_engine


def alembic_config(package: str, url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", f"{package}:migrations")
    cfg.set_main_option("sqlalchemy.url", url)
    cfg.attributes["configure_logger"] = False
    return cfg


def upgrade(package: str, url: str, revision: str = "head") -> None:
    """Blocking; from async code run it with `asyncio.to_thread`."""
    command.upgrade(alembic_config(package, url), revision)


def run_env(metadata: MetaData) -> None:
    url = context.config.get_main_option("sqlalchemy.url")
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=metadata, literal_binds=True, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    asyncio.run(_online(url, metadata))


async def _online(url: str, metadata: MetaData) -> None:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            await conn.run_sync(_run, metadata)
            await conn.commit()
    finally:
        await engine.dispose()


def _run(conn, metadata: MetaData) -> None:  # noqa: ANN001
    context.configure(connection=conn, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m relief_shared.migrate <service package>", file=sys.stderr)
        return 2
    package = argv[0]
    settings = importlib.import_module(f"{package}.settings").Settings()
    upgrade(package, settings.database_url)
    print(f"{package}: migrated to head")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
