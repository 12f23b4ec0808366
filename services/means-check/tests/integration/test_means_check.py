"""means-check against a real migrated database and a real NATS server, served on a socket."""
from __future__ import annotations

import json

import httpx

from means_check.main import build
from means_check.settings import Settings
from relief_shared.contract import Envelope
from relief_shared.testing import eventually, harness_js, make_event, migrated, parse_event, serving, staff_token


def classified(case_id: str, type_: str = "emergency", status: str = "none", region: str = "fuxin-haizhou") -> Envelope:
    return make_event("case.classified", case_id, region=region,
                      classification={"type": type_, "household_category": status, "rules": ["CLS-EMG"],
                                      "reasons": []},
                      household={"status": status, "size": 1, "registered_in_region": True})


async def test_emergency_case_records_the_skip_and_publishes_means_skipped(database_url, nats_server) -> None:  # noqa: ANN001
    await migrated("means_check", database_url)
    app = build(Settings(database_url=database_url, nats_url=nats_server.url))
    async with serving(app) as base, httpx.AsyncClient(base_url=base) as client, harness_js(nats_server.url) as js:
        runtime = app.state.runtime
        event = classified("case-skip")
        for _ in range(2):  # a duplicate publish changes nothing
            await js.publish(event.subject, event.to_bytes(), headers={"Nats-Msg-Id": event.id})

        async def check() -> dict:
            r = await client.get("/v1/checks/case-skip", headers=staff_token("auditor"))
            assert r.status_code == 200, r.text
            return r.json()

        body = await eventually(check, message="means check recorded")
        assert body["status"] == "skipped" and body["rules"] == ["ADV-SKIP"]

        async def skipped_published() -> bool:
            sub = await js.pull_subscribe("relief.means.skipped", stream="RELIEF")
            [msg] = await sub.fetch(1, timeout=1)
            return parse_event(msg.data).causation_id == event.id

        assert await eventually(skipped_published, message="means.skipped published")
        assert (await client.get("/readyz")).status_code == 200


async def test_unknown_case_is_a_problem_document(database_url, nats_server) -> None:  # noqa: ANN001
    await migrated("means_check", database_url)
    async with serving(build(Settings(database_url=database_url, nats_url=nats_server.url))) as base:
        async with httpx.AsyncClient(base_url=base) as client:
            r = await client.get("/v1/checks/nope", headers=staff_token("auditor"))
            assert r.status_code == 404
            assert r.headers["content-type"].startswith("application/problem+json")
            assert (await client.get("/v1/checks/nope")).status_code == 401


async def test_parked_messages_are_listed_for_ops(database_url, nats_server) -> None:  # noqa: ANN001
    await migrated("means_check", database_url)
    app = build(Settings(database_url=database_url, nats_url=nats_server.url))
    async with serving(app) as base, httpx.AsyncClient(base_url=base) as client, harness_js(nats_server.url) as js:
        await js.publish("relief.case.classified", b"{not json", headers={"Nats-Msg-Id": "junk-1"})

        async def listed() -> list:
            r = await client.get("/v1/ops/parked-messages", headers=staff_token("ops"))
            assert r.status_code == 200, r.text
            return r.json()

        [parked] = await eventually(listed, message="parked message listed")
        assert parked["consumer"] == "means-check-classified" and parked["reason"].startswith("invalid message: not JSON")
        assert parked["payload"] == "{not json"
        assert (await client.get("/v1/ops/parked-messages", headers=staff_token("clerk"))).status_code == 403
        assert (await client.get("/v1/ops/parked-messages", headers=staff_token("auditor"))).json() == []

        other_region = classified("case-other", region="anyang")
        raw = json.loads(other_region.to_bytes())
        raw["data"] = {}  # nothing a consumer could act on: parked, scoped to the region it names
        await js.publish(other_region.subject, json.dumps(raw).encode(), headers={"Nats-Msg-Id": other_region.id})

        async def anyang_ops_view() -> list:
            rows = (await client.get("/v1/ops/parked-messages", headers=staff_token("ops", region="anyang"))).json()
            assert len(rows) == 2, rows  # its region's message and the one too broken to name a region
            return rows

        await eventually(anyang_ops_view, message="poison from another region parked")
        auditor = (await client.get("/v1/ops/parked-messages", headers=staff_token("auditor", region="anyang"))).json()
        assert [p["event_id"] for p in auditor] == [other_region.id] and "payload" not in auditor[0]
        assert [p["event_id"] for p in await listed()] == [None]  # fuxin ops: only the unnamed one


async def test_ops_discard_a_parked_message_over_http_and_the_record_stays(database_url, nats_server) -> None:  # noqa: ANN001
    await migrated("means_check", database_url)
    app = build(Settings(database_url=database_url, nats_url=nats_server.url))
    async with serving(app) as base, httpx.AsyncClient(base_url=base) as client, harness_js(nats_server.url) as js:
        await js.publish("relief.case.classified", b"{not json", headers={"Nats-Msg-Id": "junk-2"})
        ops = staff_token("ops", sub="ops-7")

        async def parked_id() -> int:
            [row] = (await client.get("/v1/ops/parked-messages", headers=ops)).json()
            return row["id"]

        pid = await eventually(parked_id, message="parked")
        assert (await client.post(f"/v1/ops/parked-messages/{pid}/replay",
                                  headers=staff_token("auditor"))).status_code == 403
        r = await client.post(f"/v1/ops/parked-messages/{pid}/replay", headers=ops)
        assert r.status_code == 422 and "still invalid" in r.json()["detail"], r.text
        assert (await client.post("/v1/ops/parked-messages/999/discard", json={"note": "gone"},
                                  headers=ops)).status_code == 404
        r = await client.post(f"/v1/ops/parked-messages/{pid}/discard", json={"note": "test junk"}, headers=ops)
        assert r.status_code == 200 and r.json()["resolution"] == "discarded", r.text
        assert (await client.get("/v1/ops/parked-messages", headers=ops)).json() == []
        [kept] = (await client.get("/v1/ops/parked-messages", params={"state": "all"}, headers=ops)).json()
        assert (kept["resolution"], kept["resolved_by"], kept["resolution_note"]) == ("discarded", "ops-7", "test junk")
