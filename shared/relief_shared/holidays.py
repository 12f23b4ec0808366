"""`python -m relief_shared.holidays load <year>.json [--nats-url …]`: load a year's State Council
holiday notice into the running suite, without a restart.

The file has the shape of `relief_shared/calendar_data/*.json` (`year`, `source`, `provisional`,
`holidays`, `adjusted_workdays`). It is checked like shipped data, then put into the NATS
key-value bucket every service follows; each service takes it within seconds, recounts its
`calendar_incomplete` deadlines and publishes the new due instants. Ship the file in
`calendar_data/` too, so a fresh installation has it.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

import nats

from relief_shared.broker import url_with
from relief_shared.settings import EMBEDDED_NATS_PORT
from relief_shared.suite_state import publish_year


async def load(path: Path, nats_url: str, *, allow_provisional: bool = False) -> str:
    raw = json.loads(path.read_text("utf-8"))
    if raw.get("provisional") and not allow_provisional:
        raise ValueError(f"{path} is marked provisional: load the official notice (or pass --provisional)")
    nc = await nats.connect(nats_url, connect_timeout=5)
    try:
        year = await publish_year(nc.jetstream(timeout=5), raw)
    finally:
        await nc.close()
    return year.version


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    load_cmd = sub.add_parser("load", help="load one year's notice from a JSON file")
    load_cmd.add_argument("file", type=Path)
    # The broker admits no anonymous client: the embedded run's default writes the calendar bucket
    # as eligibility (any service's user may); elsewhere pass nats://<service>:<password>@host:4222.
    load_cmd.add_argument("--nats-url", default=url_with(f"nats://127.0.0.1:{EMBEDDED_NATS_PORT}", "eligibility",
                                                         "dev-eligibility"))
    load_cmd.add_argument("--provisional", action="store_true", help="accept a file marked provisional")
    args = parser.parse_args(argv)
    try:
        version = asyncio.run(load(args.file, args.nats_url, allow_provisional=args.provisional))
    except (ValueError, KeyError, OSError) as exc:
        print(f"not loaded: {exc}", file=sys.stderr)
        return 1
    print(f"loaded {version}; every service picks it up within seconds")
    return 0


if __name__ == "__main__":
    sys.exit(main())
