"""The evolution rule: within a version a payload only grows; the snapshot is the last release."""
from __future__ import annotations

import copy

from pydantic import Field, create_model
from relief_shared.contract import REGISTRY
from relief_shared.contract.approval import CaseApproved
from relief_shared.contract.compat import breaks, resolve
from relief_shared.contract.snapshot import breaking_changes, current_schemas, released_schemas


def test_no_released_schema_is_broken_by_the_code() -> None:
    assert breaking_changes(released_schemas(), current_schemas()) == []


def test_every_registered_event_is_in_the_released_snapshot() -> None:
    assert sorted(released_schemas()) == sorted(spec.key for spec in REGISTRY.events.values()), (
        "run `make contract` to release the new event types")


def test_removing_a_field_from_the_snapshot_is_noticed() -> None:
    released = copy.deepcopy(released_schemas())
    del released["case.approved.v1"]["properties"]["comment"]
    assert released != current_schemas()  # the committed snapshot would differ: test_documents fails


def schema_of(model: type) -> dict:
    raw = model.model_json_schema(ref_template="#/$defs/{model}")
    return resolve({k: v for k, v in raw.items() if k != "$defs"}, raw.get("$defs", {}))


def test_renaming_a_producer_field_is_a_breaking_change() -> None:
    fields = {name: (info.annotation, info) for name, info in CaseApproved.model_fields.items() if name != "payee"}
    renamed = create_model("CaseApproved", __base__=None, **fields, recipient=(dict, ...))
    assert any("data.payee: removed (or renamed)" in b for b in breaks(schema_of(CaseApproved), schema_of(renamed)))


def test_what_counts_as_breaking() -> None:
    old = {"type": "object", "required": ["a"], "properties": {
        "a": {"type": "string"}, "b": {"anyOf": [{"type": "integer"}, {"type": "null"}]},
        "c": {"enum": ["x", "y"], "type": "string"}, "d": {"type": "string", "maxLength": 10},
        "e": {"type": "array", "items": {"type": "object", "properties": {"f": {"type": "string"}}}}}}
    assert breaks(old, old) == []
    grown = copy.deepcopy(old)
    grown["properties"]["new"] = {"type": "string"}  # optional: additive
    grown["properties"]["c"]["enum"].append("z")  # a wider enum
    grown["properties"]["d"]["maxLength"] = 20  # a looser bound
    assert breaks(old, grown) == []

    def broken(change) -> list[str]:  # noqa: ANN001
        new = copy.deepcopy(old)
        change(new)
        return breaks(old, new)

    assert broken(lambda s: s["properties"].pop("a")) == ["data.a: removed (or renamed)"]
    assert broken(lambda s: s["properties"]["b"].update(anyOf=[{"type": "integer"}])) == [
        "data.b: type narrowed from ['integer', 'null'] to ['integer']"]
    assert broken(lambda s: s["required"].append("b")) == ["data.b: now required"]
    assert broken(lambda s: s["properties"]["c"].update(enum=["x"])) == ["data.c: values ['y'] no longer allowed"]
    assert broken(lambda s: s["properties"]["d"].update(maxLength=5)) == ["data.d: maxLength tightened to 5"]
    assert broken(lambda s: s["properties"]["e"]["items"]["properties"].pop("f")) == ["data.e[].f: removed (or renamed)"]


def test_a_field_gets_a_new_required_sibling_only_in_a_new_version() -> None:
    required = create_model("CaseApproved", __base__=CaseApproved, channel=(str, Field(...)))
    assert "data.channel: now required" in breaks(schema_of(CaseApproved), schema_of(required))
