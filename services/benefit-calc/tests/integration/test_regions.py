"""Region packs over HTTP: their rules, a rule a region lacks, and a reload by ops that changes
what is calculated from now on but never a result already recorded."""
from __future__ import annotations

import shutil
import uuid
from collections.abc import AsyncIterator
from importlib import resources
from pathlib import Path
from typing import Any

import httpx
import pytest

from benefit_calc.main import build
from benefit_calc.settings import Settings
from relief_shared.testing import eventually, harness_js, make_event, migrated, serving, staff_token

OPS = staff_token("ops", org_unit=None)


@pytest.fixture
async def service(database_url: str, nats_server: Any, tmp_path: Path) -> AsyncIterator[tuple[httpx.AsyncClient, Any, Path]]:
    folder = tmp_path / "regions"
    shutil.copytree(Path(str(resources.files("relief_shared") / "regions")), folder)
    await migrated("benefit_calc", database_url)
    app = build(Settings(database_url=database_url, nats_url=nats_server.url, regions_dir=folder))
    async with serving(app) as base, httpx.AsyncClient(base_url=base) as client:
        yield client, app, folder

@pytest.fixture
async def js(nats_server: Any) -> AsyncIterator[Any]:
    """JetStream as the tests-only harness user: the test plays eligibility."""
    async with harness_js(nats_server.url) as js:
        yield js



def body(region: str, type_: str, **changes: Any) -> dict[str, Any]:
    return {"region": region, "as_of": "2026-03-16", "classification": {"type": type_},
            "household": {"status": "none", "members": [{}, {}], "monthly_income_per_capita": "300.00"},
            "situation": {"severity": "severe"}, **changes}


async def test_each_region_lists_the_rules_that_apply_there(service) -> None:  # noqa: ANN001
    client, _, _ = service
    regions = {r["code"]: r for r in (await client.get("/v1/regions", headers=staff_token("auditor"))).json()}
    assert "LF-CAP" in regions["linfen"]["rules"] and "LF-CAP" not in regions["anyang"]["rules"]
    one = (await client.get("/v1/regions/wenzhou-dongtou", headers=staff_token("auditor"))).json()
    assert one["rule_sources"]["DT-MARGINAL"] == "seed 004 九" and one == regions["wenzhou-dongtou"]
    assert (await client.get("/v1/regions/atlantis", headers=staff_token("auditor"))).status_code == 404


async def test_a_rule_the_region_lacks_is_a_422_naming_it_and_no_other_regions_numbers(service) -> None:  # noqa: ANN001
    client, _, _ = service
    linfen = staff_token("clerk", region="linfen", org_unit="linfen/shuita")
    r = await client.post("/v1/calculations", json=body("linfen", "dibao"), headers=linfen)
    assert r.status_code == 422, r.text
    [error] = r.json()["errors"]
    assert (error["field"], error["rule"]) == ("classification.type", "ANY-DIBAO-PAY")
    anyang = staff_token("clerk", region="anyang", org_unit="anyang/nanguan")
    r = await client.post("/v1/calculations", json=body("anyang", "dibao"), headers=anyang)
    assert (r.status_code, r.json()["ceiling"], r.json()["rules"]) == (200, "780.00", ["ANY-DIBAO-PAY"])


async def test_a_reload_changes_what_comes_next_never_a_recorded_result(service, js) -> None:  # noqa: ANN001
    client, app, folder = service
    case_id = f"case-{uuid.uuid4().hex[:8]}"
    event = make_event("case.classified", case_id, accepted_on="2026-03-16",
                       classification={"type": "emergency", "household_category": "none", "rules": ["CLS-EMG"],
                                       "reasons": []})
    await js.publish(event.subject, event.to_bytes(), headers={"Nats-Msg-Id": event.id})

    async def recorded() -> dict[str, Any] | None:
        r = await client.get(f"/v1/calculations/{case_id}", headers=staff_token("auditor"))
        return r.json() if r.status_code == 200 else None

    before = await eventually(recorded, message="case calculated")
    assert (before["ceiling"], before["pack_version"]) == ("5000.00", "2026.11.2")

    pack = folder / "fuxin-haizhou"
    (pack / "pack.toml").write_text((pack / "pack.toml").read_text("utf-8").replace("2026.11.2", "2026.12.1"), "utf-8")
    (pack / "parameters.toml").write_text((pack / "parameters.toml").read_text("utf-8").replace(
        'severe = "5000.00"', 'severe = "6000.00"'), "utf-8")
    (folder / "linfen" / "rules.toml").write_text('[rules]\n"NOT-A-RULE" = "x"\n', "utf-8")
    r = await client.post("/v1/ops/region-packs/reload", headers=OPS)
    assert r.status_code == 200, r.text
    outcome = r.json()["last_reload"]
    assert outcome["fuxin-haizhou"] == "loaded version 2026.12.1"
    assert outcome["linfen"].startswith("refused (unknown rule ID 'NOT-A-RULE'") and "stays in force" in outcome["linfen"]
    assert {p["code"]: p["pack_version"] for p in r.json()["packs"]}["linfen"] == "2026.11.2"

    now = await client.post("/v1/calculations", json=body("fuxin-haizhou", "emergency"), headers=staff_token("clerk"))
    assert (now.json()["ceiling"], now.json()["pack_version"]) == ("6000.00", "2026.12.1")
    assert await recorded() == before  # the recorded result keeps its amount, pack version and values
    assert before["parameters"]["emergency_tier_ceilings"]["value"]["severe"] == "5000.00"
    assert (await client.post("/v1/ops/region-packs/reload", headers=staff_token("auditor"))).status_code == 403


async def test_a_reload_asked_of_one_process_reaches_the_others(database_url: str, nats_server: Any,
                                                                  tmp_path: Path) -> None:
    folder = tmp_path / "regions"
    shutil.copytree(Path(str(resources.files("relief_shared") / "regions")), folder)
    await migrated("benefit_calc", database_url)
    settings = Settings(database_url=database_url, nats_url=nats_server.url, regions_dir=folder)
    async with serving(build(settings)) as one, serving(build(settings)) as other, httpx.AsyncClient() as client:
        async def linfen_version(base: str) -> str:
            state = (await client.get(f"{base}/v1/ops/region-packs", headers=OPS)).json()
            return {p["code"]: p["pack_version"] for p in state["packs"]}["linfen"]

        await eventually(lambda: _ready(client, other), message="the other replica follows NATS")
        pack = folder / "linfen" / "pack.toml"
        pack.write_text(pack.read_text("utf-8").replace("2026.11.2", "2027.01.1"), "utf-8")
        assert (await client.post(f"{one}/v1/ops/region-packs/reload", headers=OPS)).status_code == 200

        async def other_took_it() -> bool:
            return await linfen_version(other) == "2027.01.1"

        await eventually(other_took_it, message="the other process reloaded")
        state = (await client.get(f"{other}/v1/ops/region-packs", headers=OPS)).json()
        assert state["last_reload"]["linfen"] == "loaded version 2027.01.1"


async def _ready(client: httpx.AsyncClient, base: str) -> bool:
    return (await client.get(f"{base}/readyz")).status_code == 200
