"""The evolution rule, checked: within a version a payload schema may only grow.

`breaks(released, current)` compares the `data` schema of one event type and version as last
released (the committed snapshot) with the one the code generates now, and names every change
an existing consumer could trip over: a field removed or renamed, a type narrowed (fewer JSON
types, fewer enum values, a tighter length, bound or pattern), a field that became required.
Adding an optional field, widening a type or adding an enum value is allowed.
"""
from __future__ import annotations

from typing import Any

Schema = dict[str, Any]
_BOUNDS_UP = ("minLength", "minimum", "exclusiveMinimum", "minItems")  # a higher value narrows
_BOUNDS_DOWN = ("maxLength", "maximum", "exclusiveMaximum", "maxItems")  # a lower value narrows


def resolve(schema: Schema, definitions: dict[str, Schema]) -> Schema:
    """The schema with every `$ref` into `definitions` replaced by its target (payloads are trees)."""
    if "$ref" in schema:
        target = definitions[schema["$ref"].rsplit("/", 1)[-1]]
        return resolve({**target, **{k: v for k, v in schema.items() if k != "$ref"}}, definitions)
    out: Schema = {}
    for key, value in schema.items():
        if key == "properties":
            out[key] = {name: resolve(sub, definitions) for name, sub in value.items()}
        elif key in ("items", "additionalProperties") and isinstance(value, dict):
            out[key] = resolve(value, definitions)
        elif key in ("anyOf", "oneOf", "allOf"):
            out[key] = [resolve(sub, definitions) for sub in value]
        else:
            out[key] = value
    return out


def breaks(old: Schema, new: Schema, path: str = "data") -> list[str]:
    found: list[str] = []
    old_types, new_types = _types(old), _types(new)
    if old_types and new_types and not old_types <= new_types:
        found.append(f"{path}: type narrowed from {sorted(old_types)} to {sorted(new_types)}")
    old_enum, new_enum = _enum(old), _enum(new)
    if old_enum is not None and new_enum is not None and not old_enum <= new_enum:
        found.append(f"{path}: values {sorted(old_enum - new_enum, key=str)} no longer allowed")
    if old_enum is None and new_enum is not None:
        found.append(f"{path}: now limited to {sorted(new_enum, key=str)}")
    for bound in _BOUNDS_UP:
        if bound in new and (bound not in old or new[bound] > old[bound]):
            found.append(f"{path}: {bound} tightened to {new[bound]}")
    for bound in _BOUNDS_DOWN:
        if bound in new and (bound not in old or new[bound] < old[bound]):
            found.append(f"{path}: {bound} tightened to {new[bound]}")
    if "pattern" in new and new.get("pattern") != old.get("pattern"):
        found.append(f"{path}: pattern changed to {new['pattern']!r}")
    old_obj, new_obj = _object(old), _object(new)
    if old_obj is not None and new_obj is not None:
        old_props, new_props = old_obj.get("properties", {}), new_obj.get("properties", {})
        for name, sub in old_props.items():
            if name not in new_props:
                found.append(f"{path}.{name}: removed (or renamed)")
            else:
                found.extend(breaks(sub, new_props[name], f"{path}.{name}"))
        for name in sorted(set(new_obj.get("required", [])) - set(old_obj.get("required", []))):
            found.append(f"{path}.{name}: now required")
    old_items, new_items = _items(old), _items(new)
    if old_items is not None and new_items is not None:
        found.extend(breaks(old_items, new_items, f"{path}[]"))
    return found


def _alternatives(schema: Schema) -> list[Schema]:
    return schema.get("anyOf") or schema.get("oneOf") or [schema]


def _types(schema: Schema) -> set[str]:
    types: set[str] = set()
    for alt in _alternatives(schema):
        t = alt.get("type")
        types.update([t] if isinstance(t, str) else t or [])
    return types


def _enum(schema: Schema) -> set[Any] | None:
    values: set[Any] = set()
    for alt in _alternatives(schema):
        if "const" in alt:
            values.add(alt["const"])
        elif "enum" in alt:
            values.update(alt["enum"])
        elif alt.get("type") != "null":
            return None
    return values or None


def _object(schema: Schema) -> Schema | None:
    return next((alt for alt in _alternatives(schema) if "properties" in alt), None)


def _items(schema: Schema) -> Schema | None:
    return next((alt["items"] for alt in _alternatives(schema) if isinstance(alt.get("items"), dict)), None)
