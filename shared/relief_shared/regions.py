"""Region packs: each jurisdiction's policy as versioned, dated data.

A pack is a folder of TOML files under `relief_shared/regions/` (or an operator's folder,
setting `regions_dir`). It declares the rules that apply in the region (`[rules]`, each rule ID
of `rule_catalog` with the clause that makes it apply there): services apply only those, so a
rule the region does not declare is never applied. Every parameter is a list of dated values
with its unit, rule ID and source clause; `parameter(name, as_of)` returns the value in force on
that date or raises `MissingParameter` — a region never borrows another's numbers and a missing
value is never silently defaulted. Sample values are flagged `sample = true`.
Time limits (限时办结) are typed data of their own (`relief_shared.timelimits`): unit, amount,
start and stop events, owner and source; `time_limit(rule, as_of)` finds one.

A pack that fails validation (an unknown rule ID, a parameter without unit or source, two
values of one parameter in force on the same day, a broken time limit) is refused with every
reason at once (`PackRefused`); on a reload the pack in force stays in force.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

from relief_shared import rule_catalog, timelimits
from relief_shared.timelimits import TimeLimit


class UnknownRegion(LookupError):
    def __init__(self, code: str):
        super().__init__(f"unknown region {code!r}")
        self.code = code


class MissingParameter(LookupError):
    def __init__(self, region: str, name: str, as_of: date):
        super().__init__(f"region {region!r} has no value of {name!r} in force on {as_of.isoformat()}")
        self.region, self.name, self.as_of = region, name, as_of


class PackRefused(ValueError):
    """A pack that does not validate; `problems` lists every reason."""

    def __init__(self, where: str, problems: list[str]):
        super().__init__(f"region pack {where} refused: " + "; ".join(problems))
        self.where, self.problems = where, problems


class RuleNotDeclared(LookupError):
    """The region's pack does not declare the rule: it does not apply there."""

    def __init__(self, region: str, rule: str, what: str = ""):
        super().__init__(f"region {region!r} does not declare {rule}" + (f": {what}" if what else ""))
        self.region, self.rule = region, rule


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
    rules: dict[str, str] = field(default_factory=dict)  # rule ID -> the clause that makes it apply here

    def has_rule(self, rule: str) -> bool:
        return rule in self.rules

    def require_rule(self, rule: str, what: str = "") -> str:
        """The clause of a declared rule; `RuleNotDeclared` where the region does not have it."""
        try:
            return self.rules[rule]
        except KeyError:
            raise RuleNotDeclared(self.code, rule, what) from None

    def first_declared(self, *rules: str) -> str | None:
        return next((rule for rule in rules if rule in self.rules), None)

    def parameter(self, name: str, as_of: date) -> ParameterValue:
        """The value in force on `as_of`: the latest that started by then, unless it has ended."""
        for candidate in self._parameters.get(name, []):  # newest first
            if candidate.valid_from <= as_of:
                if candidate.valid_to is None or as_of <= candidate.valid_to:
                    return candidate
                break
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
        """The pack of one merged document; `PackRefused` with every problem found."""
        problems: list[str] = []
        for key in ("code", "name", "pack_version"):
            if not isinstance(raw.get(key), str) or not raw.get(key):
                problems.append(f"{key!r} is missing")
        code = str(raw.get("code") or "?")
        rules = raw.get("rules")
        if not isinstance(rules, dict) or not rules:
            problems.append("no [rules]: a pack declares the rules that apply in its region")
            rules = {}
        for rule, clause in rules.items():
            if rule not in rule_catalog.KNOWN:
                problems.append(f"unknown rule ID {rule!r} in [rules]")
            if not isinstance(clause, str) or not clause.strip():
                problems.append(f"rule {rule} names no clause")
        for unit in raw.get("org_units", {}):
            if not unit.startswith(f"{code}/"):
                problems.append(f"org unit {unit!r} is not `{code}/<pinyin>`")
        params = {name: _values(name, spec, problems) for name, spec in raw.get("parameters", {}).items()}
        for name, values in params.items():
            if name.startswith("procedure_"):
                for v in values:
                    _check_procedure(name, v.value, problems)
        limits = {}
        for key, spec in raw.get("time_limits", {}).items():
            try:
                limits[key] = limit = timelimits.parse(key, spec)
            except ValueError as exc:
                problems.append(str(exc))
                continue
            if limit.rule not in rule_catalog.KNOWN:
                problems.append(f"time limit {key}: unknown rule ID {limit.rule!r}")
        if problems:
            raise PackRefused(code, problems)
        return cls(code=raw["code"], name=raw["name"], pack_version=raw["pack_version"],
                   documents=raw.get("documents", {}), org_units=raw.get("org_units", {}),
                   _parameters=params, time_limits=limits, rules=dict(rules))


def _values(name: str, spec: dict[str, Any], problems: list[str]) -> list[ParameterValue]:
    """A parameter's dated values, newest first. A value without `valid_to` ends the day before
    the next one starts (a new standard supersedes the old); two values starting on one day, or
    an explicit `valid_to` reaching into the next value, are an overlap and refused."""
    where = f"parameter {name}"
    if not spec.get("unit"):
        problems.append(f"{where}: 'unit' is missing")
    rule = spec.get("rule", "")
    if rule not in rule_catalog.KNOWN:
        problems.append(f"{where}: unknown rule ID {rule!r}")
    values = []
    for i, v in enumerate(spec.get("values") or []):
        source = v.get("source", spec.get("source", ""))
        if not source:
            problems.append(f"{where}, value {i}: 'source' is missing")
        if "value" not in v:
            problems.append(f"{where}, value {i}: 'value' is missing")
        start, end = v.get("valid_from"), v.get("valid_to")
        if not isinstance(start, date) or (end is not None and not isinstance(end, date)):
            problems.append(f"{where}, value {i}: valid_from (and valid_to) must be dates")
            continue
        if end is not None and end < start:
            problems.append(f"{where}, value {i}: valid_to {end} is before valid_from {start}")
        values.append(ParameterValue(name=name, value=v.get("value"), unit=spec.get("unit", ""), valid_from=start,
                                     valid_to=end, rule=rule, source=source, sample=bool(v.get("sample", False))))
    if not values:
        problems.append(f"{where}: no dated values")
    ordered = sorted(values, key=lambda p: p.valid_from)
    for earlier, later in zip(ordered, ordered[1:]):
        if earlier.valid_from == later.valid_from or (earlier.valid_to is not None
                                                      and earlier.valid_to >= later.valid_from):
            problems.append(f"{where}: the values from {earlier.valid_from} and from {later.valid_from} overlap")
    return ordered[::-1]


def _check_procedure(name: str, value: Any, problems: list[str]) -> None:
    """A procedure (approval's `procedures.toml`): a version and steps, each naming its step and
    role and waiting only for earlier steps; approval reads the rest of each step."""
    where = f"parameter {name}"
    if not isinstance(value, dict) or not value.get("version") or not isinstance(value.get("steps"), list) \
            or not value["steps"]:
        problems.append(f"{where}: a procedure needs `version` and a non-empty `steps` list")
        return
    seen: list[str] = []
    for step in value["steps"]:
        if not isinstance(step, dict) or not step.get("step") or not step.get("role"):
            problems.append(f"{where}: every step names its `step` and `role`: {step!r}")
            return
        for before in step.get("after", seen[-1:]):
            if before not in seen:
                problems.append(f"{where}: step {step['step']!r} waits for {before!r}, which is not an earlier step")
        seen.append(step["step"])


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
    """The packs in force. `reload()` swaps in place (every holder sees the new packs at once),
    pack by pack: a pack that does not validate is refused and the one in force stays."""

    def __init__(self, packs: dict[str, RegionPack], folder: Path | None = None):
        self._packs = packs
        self.folder = folder

    @classmethod
    def load(cls, folder: Path | None = None) -> RegionPacks:
        """Every region folder under `folder` (default: the packs shipped in `relief_shared/regions/`):
        one pack each, whose TOML files (`pack.toml` with its name and org units, `rules.toml`,
        `parameters.toml`, `time_limits.toml`, and one file per further concern) are merged into
        one document; a table defined twice is an error. Any pack refused stops the load."""
        packs = {}
        for where, raw in _read(folder):
            if isinstance(raw, Exception):
                raise PackRefused(where, [str(raw)])
            pack = RegionPack.from_toml(raw)
            packs[pack.code] = pack
        return cls(packs, folder)

    def reload(self) -> dict[str, str]:
        """Read the folder again; what became of each pack, by code (or folder name)."""
        outcome, packs = {}, dict(self._packs)
        for where, raw in _read(self.folder):
            try:
                if isinstance(raw, Exception):
                    raise PackRefused(where, [str(raw)])
                pack = RegionPack.from_toml(raw)
            except PackRefused as exc:
                code = raw.get("code", where) if isinstance(raw, dict) else where
                kept = self._packs.get(code)
                outcome[code] = f"refused ({'; '.join(exc.problems)})" + (
                    f"; version {kept.pack_version} stays in force" if kept else "")
                continue
            before = packs.get(pack.code)
            packs[pack.code] = pack
            outcome[pack.code] = (f"loaded version {pack.pack_version}" if before is None
                                  or before.pack_version != pack.pack_version
                                  else f"version {pack.pack_version} reloaded")
        self._packs = packs
        return outcome

    def get(self, code: str) -> RegionPack:
        try:
            return self._packs[code]
        except KeyError:
            raise UnknownRegion(code) from None

    def __contains__(self, code: str) -> bool:
        return code in self._packs

    def codes(self) -> list[str]:
        return sorted(self._packs)


def _read(folder: Path | None) -> list[tuple[str, dict[str, Any] | Exception]]:
    root: Any = folder if folder is not None else resources.files("relief_shared") / "regions"
    found: list[tuple[str, dict[str, Any] | Exception]] = []
    for entry in sorted(root.iterdir(), key=lambda e: e.name):
        if entry.is_dir() and (entry / "pack.toml").is_file():
            try:
                found.append((entry.name, merged_toml(entry)))
            except (ValueError, tomllib.TOMLDecodeError, OSError) as exc:
                found.append((entry.name, exc))
    return found
