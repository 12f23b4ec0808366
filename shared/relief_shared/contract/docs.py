"""`docs/events.md`, generated from the registry: the page a newcomer reads first."""
from __future__ import annotations

from relief_shared.contract import REGISTRY
from relief_shared.contract.asyncapi import document, personal_fields


def events_markdown() -> str:
    schemas = document()["components"]["schemas"]
    lines = [
        "# Events between the services",
        "",
        "Generated from the registry in `shared/relief_shared/contract/` by `make contract`; do not edit.",
        "The machine-readable document is `docs/asyncapi.json` (AsyncAPI 3, also served by eligibility at",
        "`GET /asyncapi.json`). Every message is the envelope of contract.md; money is a string",
        "`\"1234.00\"`, dates `YYYY-MM-DD`, instants ISO 8601 with offset. Within a version a payload only",
        "grows; a breaking change is a new version published beside the old one (checked against",
        "`released.json`).",
        "",
        "| event | publisher | durable consumers | data fields | personal data |",
        "|---|---|---|---|---|",
    ]
    for spec in sorted(REGISTRY.events.values(), key=lambda s: s.key):
        consumers = ", ".join(f"`{c.durable}`" for c in REGISTRY.consumers_of(spec)) or "—"
        publishers = ", ".join(spec.publishers)
        fields = ", ".join(spec.model.model_fields)
        personal = ", ".join(f"{p['field']} ({p['kind']})" for p in personal_fields(spec.model.__name__, schemas))
        lines.append(f"| `{spec.type}` v{spec.version} | {publishers} | {consumers} | {fields} | {personal or '—'} |")
    lines += ["", "## What each event says", ""]
    for spec in sorted(REGISTRY.events.values(), key=lambda s: s.key):
        lines.append(f"- **`{spec.type}` v{spec.version}** — {spec.summary}")
        if spec.id_number_reason:
            lines.append(f"  Carries a full ID number because {spec.id_number_reason}.")
    lines += ["", "## Time and deadlines", "",
              "`occurred_at` and every deadline instant are suite-clock time: real time in production; in",
              "development and test runs the time that `PUT /v1/ops/clock` (role ops, any service) set",
              "(`{\"now\": \"2026-02-12T09:00:00+08:00\"}` or `{\"advance_seconds\": 86400}`; `GET` shows it,",
              "`DELETE` returns to real time; refused under production settings). `deadline.*` events come",
              "from whichever service owns the time limit (`data.service`); `deadline.due_soon` and",
              "`deadline.breached` are published exactly once per deadline. Each carries the deadline's whole",
              "state and a growing `revision`: keep the highest revision seen, in any order of arrival. A",
              "deadline with `calendar_complete: false` (state `calendar_incomplete`) was counted without the",
              "year's official holiday notice and is counted again (`deadline.rescheduled`) when it is loaded."]
    lines += ["", "## Durable consumers", ""]
    for c in sorted(REGISTRY.consumers.values(), key=lambda c: c.durable):
        reads = ", ".join(f"`{t}` v{v}" for t, v in c.events)
        lines.append(f"- `{c.durable}` ({c.service}, stream {c.stream}): {c.purpose}. Reads {reads}.")
    return "\n".join(lines) + "\n"
