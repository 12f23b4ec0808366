"""Region packs declare their rules; a pack that does not validate is refused with its reasons,
and on a reload the pack in force stays."""
from __future__ import annotations

import shutil
from datetime import date
from importlib import resources
from pathlib import Path

import pytest
from relief_shared import rule_catalog
from relief_shared.regions import MissingParameter, PackRefused, RegionPack, RegionPacks, RuleNotDeclared

REGIONS = ["anyang", "chongqing-yubei", "fuxin-haizhou", "linfen", "wenzhou-dongtou"]


def raw_pack(**changes: object) -> dict:
    raw = {"code": "x", "name": "X", "pack_version": "1", "rules": {"FX-CASE": "clause 1"},
           "parameters": {"dibao_standard": {"unit": "yuan/person/month", "rule": "ANY-DIBAO-PAY", "values": [
               {"value": "600.00", "valid_from": date(2020, 1, 1), "source": "s"}]}}}
    raw.update(changes)
    return raw


def test_the_five_regions_load_each_declaring_its_rules_from_the_catalogue() -> None:
    packs = RegionPacks.load()
    assert packs.codes() == REGIONS
    for code in REGIONS:
        pack = packs.get(code)
        assert pack.rules and set(pack.rules) <= rule_catalog.KNOWN
        assert all(unit.startswith(f"{code}/") for unit in pack.org_units)


@pytest.mark.parametrize("region, has, lacks", [
    ("fuxin-haizhou", ["FX-EMG-TIER", "FX-EXP-DIBAO", "FX-LOWINC"], ["LF-CAP", "CQ-CLASS-B", "DT-CARE"]),
    ("linfen", ["LF-CAP", "LF-TK-DEF", "FX-CASE"], ["FX-EMG-TIER", "ANY-TK-AGE", "DT-MARGINAL"]),
    ("anyang", ["ANY-TK-AGE", "ANY-SINGLE", "ANY-EXIT", "ANY-DIBAO-PAY"], ["LF-TK-DEF", "LF-CAP", "FX-EMG-TIER"]),
    ("wenzhou-dongtou", ["DT-MARGINAL", "DT-CARE", "DT-15D"], ["FX-EMG-TIER", "LF-CAP", "FX-LOWINC"]),
    ("chongqing-yubei", ["CQ-CLASS-B", "CQ-EXP-SCOPE", "CQ-ADV"], ["FX-EMG-TIER", "LF-CAP", "FX-LOWINC"]),
])
def test_each_region_declares_its_own_rules_and_not_the_others(region: str, has: list[str], lacks: list[str]) -> None:
    pack = RegionPacks.load().get(region)
    assert all(pack.has_rule(rule) for rule in has)
    assert not any(pack.has_rule(rule) for rule in lacks)
    with pytest.raises(RuleNotDeclared, match=f"{region}.*{lacks[0]}"):
        pack.require_rule(lacks[0])


@pytest.mark.parametrize("changes, reason", [
    ({"rules": {"FX-CASE": "c", "XX-NOPE": "c"}}, "unknown rule ID 'XX-NOPE'"),
    ({"rules": {}}, "no [rules]"),
    ({"parameters": {"p": {"rule": "FX-CASE", "values": [{"value": 1, "valid_from": date(2020, 1, 1),
                                                          "source": "s"}]}}}, "parameter p: 'unit' is missing"),
    ({"parameters": {"p": {"unit": "u", "rule": "FX-CASE", "values": [{"value": 1, "valid_from": date(2020, 1, 1)}]}}},
     "parameter p, value 0: 'source' is missing"),
    ({"parameters": {"p": {"unit": "u", "rule": "NOPE", "values": [{"value": 1, "valid_from": date(2020, 1, 1),
                                                                    "source": "s"}]}}}, "unknown rule ID 'NOPE'"),
    ({"parameters": {"p": {"unit": "u", "rule": "FX-CASE", "values": [
        {"value": 1, "valid_from": date(2020, 1, 1), "valid_to": date(2021, 1, 1), "source": "s"},
        {"value": 2, "valid_from": date(2021, 1, 1), "source": "s"}]}}}, "overlap"),
    ({"parameters": {"p": {"unit": "u", "rule": "FX-CASE", "values": [
        {"value": 1, "valid_from": date(2020, 1, 1), "source": "s"},
        {"value": 2, "valid_from": date(2020, 1, 1), "source": "s"}]}}}, "overlap"),
    ({"time_limits": {"T": {"name": "t", "unit": "weeks", "amount": 1}}}, "time limit T"),
])
def test_a_pack_that_does_not_validate_is_refused_with_the_reason(changes: dict, reason: str) -> None:
    with pytest.raises(PackRefused) as refused:
        RegionPack.from_toml(raw_pack(**changes))
    assert reason in str(refused.value)


def test_a_new_value_supersedes_the_old_one_from_its_first_day() -> None:
    pack = RegionPack.from_toml(raw_pack(parameters={"s": {"unit": "u", "rule": "FX-CASE", "values": [
        {"value": "old", "valid_from": date(2020, 1, 1), "source": "a"},
        {"value": "new", "valid_from": date(2026, 7, 1), "valid_to": date(2026, 12, 31), "source": "b"}]}}))
    assert pack.parameter("s", date(2026, 6, 30)).value == "old"
    assert pack.parameter("s", date(2026, 7, 1)).value == "new"
    with pytest.raises(MissingParameter):  # the new value ended: the old one does not come back
        pack.parameter("s", date(2027, 1, 1))


def _copy_shipped(to: Path) -> Path:
    shutil.copytree(Path(str(resources.files("relief_shared") / "regions")), to)
    return to


def test_reload_takes_a_changed_pack_and_refuses_a_broken_one_keeping_the_old(tmp_path: Path) -> None:
    folder = _copy_shipped(tmp_path / "regions")
    packs = RegionPacks.load(folder)
    linfen_before = packs.get("linfen")
    (folder / "linfen" / "pack.toml").write_text(
        (folder / "linfen" / "pack.toml").read_text("utf-8").replace('pack_version = "2026.11.2"',
                                                                     'pack_version = "2027.01.1"'), "utf-8")
    rules = folder / "anyang" / "rules.toml"
    rules.write_text(rules.read_text("utf-8") + '"ANY-NOT-A-RULE" = "somewhere"\n', "utf-8")

    outcome = packs.reload()

    assert outcome["linfen"] == "loaded version 2027.01.1"
    assert packs.get("linfen").pack_version == "2027.01.1" and packs.get("linfen") is not linfen_before
    assert outcome["anyang"].startswith("refused (unknown rule ID 'ANY-NOT-A-RULE'")
    assert outcome["anyang"].endswith("version 2026.11.2 stays in force")
    assert packs.get("anyang").pack_version == "2026.11.2" and packs.get("anyang").has_rule("ANY-TK-AGE")
    assert outcome["fuxin-haizhou"] == "version 2026.11.2 reloaded"


def test_a_broken_pack_stops_the_first_load(tmp_path: Path) -> None:
    folder = _copy_shipped(tmp_path / "regions")
    (folder / "linfen" / "more.toml").write_text('[rules]\n"LF-CAP" = "again"\n', "utf-8")
    with pytest.raises(PackRefused, match="rules.LF-CAP is defined twice"):
        RegionPacks.load(folder)
