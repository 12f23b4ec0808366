"""`python -m means_check.audit [--database-url URL]`: walk the access log's hash chain.

Prints how many rows hold and exits 0, or names the first broken row and exits 1, so an
auditor (or a cron job) can check the log without the service running.
"""
from __future__ import annotations

import argparse
import asyncio
import sys

from relief_shared.db import Database, create_engine

from means_check.settings import Settings
from means_check.store import UnitOfWork, plumbing


async def check(database_url: str) -> int:
    db = Database(create_engine(database_url), plumbing, UnitOfWork)
    try:
        async with db.reading() as uow:
            report = await uow.access_log.verify()
    finally:
        await db.dispose()
    if report.intact:
        print(f"access log intact: {report.rows} rows")
        return 0
    print(f"access log broken at row {report.first_broken}: {report.reason}")
    return 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None, help="default: the service's own setting")
    args = parser.parse_args()
    sys.exit(asyncio.run(check(args.database_url or Settings().database_url)))


if __name__ == "__main__":
    main()
