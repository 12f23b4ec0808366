"""The AsyncAPI 3 document of the suite's events, generated from the registry.

Channels are subjects, each naming the stream that stores it; a message per type and version
whose payload is the envelope with that version's `data` schema and whose headers carry
`Nats-Msg-Id`; a `send` operation per publishing service and a `receive` operation per durable
consumer and subject. The document is committed as `docs/asyncapi.json` (`make contract`) and
served by eligibility; a test fails when the two differ or when it stops validating against the
official AsyncAPI 3.0.0 JSON Schema.
"""
from __future__ import annotations

import functools
from typing import Any

from pydantic.json_schema import models_json_schema

from relief_shared.contract import REGISTRY, STREAMS
from relief_shared.contract.examples import example
from relief_shared.contract.fields import PERSONAL_MARK
from relief_shared.contract.registry import EventSpec

SCHEMAS = "#/components/schemas/{model}"
HEADERS = "NatsHeaders"


@functools.cache
def document() -> dict[str, Any]:
    specs = sorted(REGISTRY.events.values(), key=lambda s: (s.type, s.version))
    refs, definitions = models_json_schema([(s.envelope, "validation") for s in specs], ref_template=SCHEMAS)
    schemas = {HEADERS: _headers(), **dict(sorted(definitions["$defs"].items()))}
    messages = {spec.key: _message(spec, refs[(spec.envelope, "validation")], schemas) for spec in specs}
    channels: dict[str, Any] = {}
    for spec in specs:
        channel = channels.setdefault(spec.type, {
            "address": spec.subject, "title": spec.type,
            "description": f"Stored in JetStream stream `{spec.stream}` (subjects {', '.join(STREAMS[spec.stream])}).",
            "messages": {}, "x-stream": spec.stream,
        })
        channel["messages"][spec.key] = {"$ref": f"#/components/messages/{spec.key}"}
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "relief events",
            "version": "1.0.0",
            "description": (
                "Every event between the relief services and to partner departments. Each message is the "
                "envelope of contract.md with a typed `data` payload; the `Nats-Msg-Id` header equals the "
                "envelope `id`, so duplicate publishes are dropped and consumers de-duplicate on it. Within a "
                "version a payload only grows (additive changes); a breaking change is a new version published "
                "beside the old one. Fields marked `x-personal-data` hold a citizen's personal data. "
                "`occurred_at` and every deadline instant are suite-clock time: real time in production; in "
                "development and test runs the time `PUT /v1/ops/clock` set (see the README). `deadline.*` "
                "events are published by whichever service owns the time limit; each carries the deadline's "
                "whole state and a growing `revision`, so a reader keeps the highest revision it saw."),
        },
        "servers": {
            "embedded": {"host": "127.0.0.1:14222", "protocol": "nats",
                         "description": "The embedded NATS server of `make run` (JetStream enabled)."},
        },
        "defaultContentType": "application/json",
        "channels": channels,
        "operations": _operations(specs),
        "components": {"messages": messages, "schemas": schemas},
    }


def _message(spec: EventSpec, ref: dict[str, str], schemas: dict[str, Any]) -> dict[str, Any]:
    sample = example(spec).model_dump(mode="json")
    message: dict[str, Any] = {
        "name": spec.type, "title": f"{spec.type} v{spec.version}", "summary": spec.summary,
        "contentType": "application/json", "headers": {"$ref": SCHEMAS.format(model=HEADERS)}, "payload": ref,
        "examples": [{"name": f"{spec.type}-example", "headers": {"Nats-Msg-Id": "0f8fad5b-d9cb-469f-a165-70867728950e"},
                      "payload": {"id": "0f8fad5b-d9cb-469f-a165-70867728950e", "type": spec.type,
                                  "version": spec.version, "occurred_at": "2026-11-21T10:30:00+08:00",
                                  "case_id": "TA-20261121-0a1b2c3d4e", "region": "fuxin-haizhou",
                                  "source": spec.publisher, "correlation_id": "0f8fad5b-d9cb-469f-a165-70867728950e",
                                  "causation_id": None, "data": sample}}],
        "x-publisher": spec.publisher,
        **({"x-also-published-by": list(spec.also_published_by)} if spec.also_published_by else {}),
        "x-version": spec.version,
        "x-personal-data": personal_fields(spec.model.__name__, schemas),
    }
    if spec.id_number_reason:
        message["x-id-number-allowed"] = spec.id_number_reason
    return message


def _operations(specs: list[EventSpec]) -> dict[str, Any]:
    operations: dict[str, Any] = {}
    for spec in specs:
        for publisher in spec.publishers:
            operations[f"{publisher}.sends.{spec.key}"] = {
                "action": "send", "channel": {"$ref": f"#/channels/{spec.type}"},
                "summary": f"{publisher} publishes {spec.type} v{spec.version} through its outbox.",
                "messages": [{"$ref": f"#/channels/{spec.type}/messages/{spec.key}"}],
            }
    for consumer in sorted(REGISTRY.consumers.values(), key=lambda c: c.durable):
        for type_, version in consumer.events:
            spec = REGISTRY.get(type_, version)
            operations[f"{consumer.durable}.receives.{spec.key}"] = {
                "action": "receive", "channel": {"$ref": f"#/channels/{spec.type}"},
                "summary": f"{consumer.service}: durable consumer `{consumer.durable}` {consumer.purpose}.",
                "description": "Durable pull consumer, explicit ack after its effect commits, idempotent on the "
                               "envelope id; a message that does not validate is parked, never retried.",
                "messages": [{"$ref": f"#/channels/{spec.type}/messages/{spec.key}"}],
                "x-durable": consumer.durable, "x-service": consumer.service, "x-stream": consumer.stream,
            }
    return operations


def _headers() -> dict[str, Any]:
    return {"type": "object", "required": ["Nats-Msg-Id"], "properties": {
        "Nats-Msg-Id": {"type": "string", "description": "Equals the envelope `id`: JetStream drops a duplicate "
                                                         "publish within its 20-minute window."}}}


def personal_fields(model: str, schemas: dict[str, Any]) -> list[dict[str, str]]:
    """Every field of a payload schema marked as personal data, with its path and kind."""
    found: list[dict[str, str]] = []

    def walk(schema: dict[str, Any], path: str, seen: tuple[str, ...]) -> None:
        if PERSONAL_MARK in schema:
            found.append({"field": path, "kind": schema[PERSONAL_MARK]})
        ref = schema.get("$ref")
        if ref:
            name = ref.rsplit("/", 1)[-1]
            if name not in seen:
                walk(schemas[name], path, (*seen, name))
        for key, sub in (schema.get("properties") or {}).items():
            walk(sub, f"{path}.{key}" if path else key, seen)
        for sub in schema.get("anyOf", []):
            walk(sub, path, seen)
        if isinstance(schema.get("items"), dict):
            walk(schema["items"], f"{path}[]", seen)

    walk(schemas[model], "", (model,))
    return found
