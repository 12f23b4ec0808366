"""Region packs: each jurisdiction's policy as versioned, dated data.

A pack is a TOML file in `relief_shared/regions/`. Every parameter is a list of dated values
with its rule ID and source clause; `parameter(name, as_of)` returns the value in force on that
date or raises `MissingParameter` — a region never borrows another's numbers and a missing
value is never silently defaulted. Sample values are flagged `sample = true`.
Time limits (限时办结) are typed data of their own (`relief_shared.timelimits`): unit, amount,
start and stop events, owner and source; `time_limit(rule, as_of)` finds one, and a pack whose
limit lacks any of these does not load.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from typing import Any

from relief_shared import timelimits
from relief_shared.timelimits import TimeLimit


class UnknownRegion(LookupError):
    def __init__(self, code: str):
        super().__init__(f"unknown region {code!r}")
        self.code = code


class MissingParameter(LookupError):
    def __init__(self, region: str, name: str, as_of: date):
        super().__init__(f"region {region!r} has no value of {name!r} in force on {as_of.isoformat()}")
        self.region, self.name, self.as_of = region, name, as_of


@dataclass(frozen=True)
class ParameterValue:
    name: str
    value: Any
    unit: str
    valid_from: date
    valid_to: date | None
    rule: str
    source: str
    sample: bool

    def describe(self) -> dict[str, Any]:
        return {"value": self.value, "unit": self.unit, "valid_from": self.valid_from.isoformat(),
                "valid_to": self.valid_to.isoformat() if self.valid_to else None,
                "rule": self.rule, "source": self.source, "sample": self.sample}


@dataclass(frozen=True)
class RegionPack:
    code: str
    name: str
    pack_version: str
    documents: dict[str, str]
    org_units: dict[str, str]
    _parameters: dict[str, list[ParameterValue]] = field(repr=False)
    time_limits: dict[str, TimeLimit] = field(default_factory=dict, repr=False)

    def parameter(self, name: str, as_of: date) -> ParameterValue:
        for candidate in self._parameters.get(name, []):
            if candidate.valid_from <= as_of and (candidate.valid_to is None or as_of <= candidate.valid_to):
                return candidate
        raise MissingParameter(self.code, name, as_of)

    def parameters(self, as_of: date) -> dict[str, ParameterValue]:
        found = {}
        for name in self._parameters:
            try:
                found[name] = self.parameter(name, as_of)
            except MissingParameter:
                pass
        return found

    def time_limit(self, rule: str, as_of: date) -> TimeLimit | None:
        """The region's limit `rule` in force on `as_of`; None where the region has none."""
        limit = self.time_limits.get(rule)
        return limit if limit is not None and limit.valid_from <= as_of else None

    def stops_a_limit(self, service: str, event_type: str) -> bool:
        """Whether any limit `service` owns here (at any date) is satisfied by `event_type`: a
        step that cannot close anything skips the look-up."""
        return any(limit.owner == service and event_type in limit.stop for limit in self.time_limits.values())

    def limits_owned_by(self, service: str, as_of: date) -> list[TimeLimit]:
        return [limit for limit in self.time_limits.values() if limit.owner == service and limit.valid_from <= as_of]

    def has_org_unit(self, org_unit: str) -> bool:
        return org_unit in self.org_units

    @classmethod
    def from_toml(cls, raw: dict[str, Any]) -> RegionPack:
        params: dict[str, list[ParameterValue]] = {}
        for name, spec in raw.get("parameters", {}).items():
            values = [
                ParameterValue(
                    name=name, value=v["value"], unit=spec.get("unit", ""),
                    valid_from=v["valid_from"], valid_to=v.get("valid_to"),
                    rule=spec.get("rule", ""), source=v.get("source", spec.get("source", "")),
                    sample=bool(v.get("sample", False)),
                )
                for v in spec["values"]
            ]
            params[name] = sorted(values, key=lambda p: p.valid_from, reverse=True)
        try:
            limits = {rule: timelimits.parse(rule, spec) for rule, spec in raw.get("time_limits", {}).items()}
        except ValueError as exc:
            raise ValueError(f"region pack {raw.get('code')!r}: {exc}") from exc
        return cls(code=raw["code"], name=raw["name"], pack_version=raw["pack_version"],
                   documents=raw.get("documents", {}), org_units=raw.get("org_units", {}),
                   _parameters=params, time_limits=limits)


def merged_toml(folder: Any) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            _merge(merged, tomllib.loads(entry.read_text("utf-8")), f"{folder.name}/{entry.name}")
    return merged


def _merge(into: dict[str, Any], part: dict[str, Any], where: str, path: str = "") -> None:
    for key, value in part.items():
        if key not in into:
            into[key] = value
        elif isinstance(into[key], dict) and isinstance(value, dict):
            _merge(into[key], value, where, f"{path}{key}.")
        else:
            raise ValueError(f"{where}: {path}{key} is defined twice in the region pack")


class RegionPacks:
    def __init__(self, packs: dict[str, RegionPack]):
        self._packs = packs

    @classmethod
    def load(cls) -> RegionPacks:
        """Every region folder under `relief_shared/regions/`: one pack each, whose TOML files
        (`pack.toml` with its name and org units, `parameters.toml`, `time_limits.toml`, and one
        file per further concern) are merged into one document; a table defined twice is an error."""
        folder = resources.files("relief_shared") / "regions"
        packs = {}
        for entry in sorted(folder.iterdir(), key=lambda e: e.name):
            if entry.is_dir() and (entry / "pack.toml").is_file():
                pack = RegionPack.from_toml(merged_toml(entry))
                packs[pack.code] = pack
        return cls(packs)

    def get(self, code: str) -> RegionPack:
        try:
            return self._packs[code]
        except KeyError:
            raise UnknownRegion(code) from None

    def __contains__(self, code: str) -> bool:
        return code in self._packs

    def codes(self) -> list[str]:
        return sorted(self._packs)
