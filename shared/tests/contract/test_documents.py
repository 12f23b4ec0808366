"""The generated contract documents: committed as the code generates them, valid AsyncAPI 3."""
from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from relief_shared.contract import REGISTRY
from relief_shared.contract.asyncapi import document
from relief_shared.contract.examples import EXAMPLES, missing_examples
from relief_shared.contract.snapshot import rendered
from relief_shared.testing import message_validator

ROOT = Path(__file__).resolve().parents[3]
OFFICIAL = json.loads((Path(__file__).with_name("asyncapi-3.0.0.schema.json")).read_text("utf-8"))


@pytest.mark.parametrize("path", list(rendered(ROOT)), ids=lambda p: p.name)
def test_committed_file_is_what_the_registry_generates(path: Path) -> None:
    expected = rendered(ROOT)[path]
    assert path.exists() and path.read_text("utf-8") == expected, (
        f"{path} differs from what the registry generates: run `make contract` and commit the result")


def test_the_document_validates_against_the_official_asyncapi_3_schema() -> None:
    errors = list(jsonschema.Draft7Validator(OFFICIAL).iter_errors(document()))
    assert errors == [], [f"{list(e.absolute_path)}: {e.message[:200]}" for e in errors]


def test_the_official_schema_does_reject_a_broken_document() -> None:
    broken = json.loads(json.dumps(document()))
    next(iter(broken["operations"].values()))["action"] = "publish"  # AsyncAPI 2's verb, not 3's
    assert list(jsonschema.Draft7Validator(OFFICIAL).iter_errors(broken))


def test_every_event_type_has_an_example_that_validates_against_its_message_schema() -> None:
    assert missing_examples() == []
    doc = document()
    for spec in REGISTRY.events.values():
        message = doc["components"]["messages"][spec.key]
        [example] = message["examples"]
        message_validator(doc, spec.key).validate(example["payload"])
        assert example["payload"]["data"] == EXAMPLES[(spec.type, spec.version)].model_dump(mode="json")


def test_every_consumer_and_publisher_appears_as_an_operation() -> None:
    operations = document()["operations"].values()
    durables = {op.get("x-durable") for op in operations if op["action"] == "receive"}
    assert durables == set(REGISTRY.consumers)
    sent = {op["messages"][0]["$ref"].rsplit("/", 1)[-1] for op in operations if op["action"] == "send"}
    assert sent == {spec.key for spec in REGISTRY.events.values()}
