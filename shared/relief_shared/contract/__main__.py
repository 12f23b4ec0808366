"""`python -m relief_shared.contract [--root DIR]`: regenerate the contract files (what `make
contract` runs) and the broker's permissions in deploy/nats/nats.conf. Refuses, changing nothing, when the code breaks a released schema."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from relief_shared.contract.snapshot import breaking_changes, current_schemas, released_schemas, rendered


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="the repository root")
    args = parser.parse_args()
    broken = breaking_changes(released_schemas(), current_schemas())
    if broken:
        print("breaking changes to released event schemas (publish a new version beside the old one instead):",
              *broken, sep="\n  ", file=sys.stderr)
        return 1
    from relief_shared import broker  # the broker's permissions follow who publishes what

    files = {**rendered(args.root.resolve()), args.root.resolve() / broker.DEPLOY_CONFIG: broker.deploy_config()}
    for path, content in files.items():
        if not path.exists() or path.read_text("utf-8") != content:
            path.write_text(content, "utf-8")
            print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
