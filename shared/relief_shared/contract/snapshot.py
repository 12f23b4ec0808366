"""The released schema snapshot, and the files generated from the registry.

`released.json` (committed, beside this module) holds the `data` schema of every event type and
version as last released. `make contract` regenerates `docs/asyncapi.json`, `docs/events.md` and
the snapshot, and refuses when the code breaks a released schema (see `compat`); tests fail when
any committed file differs from what the code generates.
"""
from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

from relief_shared.contract import REGISTRY
from relief_shared.contract.asyncapi import document
from relief_shared.contract.compat import breaks, resolve
from relief_shared.contract.docs import events_markdown

SNAPSHOT = "released.json"


def current_schemas() -> dict[str, Any]:
    """Each event's `data` schema as the code generates it, with every reference resolved."""
    doc = document()
    definitions = doc["components"]["schemas"]
    return {spec.key: resolve({"$ref": f"#/components/schemas/{spec.model.__name__}"}, definitions)
            for spec in sorted(REGISTRY.events.values(), key=lambda s: s.key)}


def released_schemas() -> dict[str, Any]:
    return json.loads((resources.files("relief_shared.contract") / SNAPSHOT).read_text("utf-8"))


def breaking_changes(released: dict[str, Any], current: dict[str, Any]) -> list[str]:
    found = []
    for key, schema in released.items():
        if key not in current:
            found.append(f"{key}: a released event type and version is gone")
        else:
            found.extend(f"{key} {b}" for b in breaks(schema, current[key]))
    return found


def rendered(root: Path) -> dict[Path, str]:
    """Every generated file and its content, by path."""
    return {
        root / "docs" / "asyncapi.json": _json(document()),
        root / "docs" / "events.md": events_markdown(),
        Path(str(resources.files("relief_shared.contract") / SNAPSHOT)): _json(current_schemas()),
    }


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=False) + "\n"
