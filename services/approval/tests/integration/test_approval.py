"""approval against a real migrated database and a real NATS server, served on a socket."""
from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator

import httpx
from sqlalchemy import func, select

from approval import store
from approval.main import build
from approval.settings import Settings
from relief_shared.contract import Envelope
from relief_shared import testing
from relief_shared.testing import eventually, harness_js, make_event, migrated, serving, staff_token

TOWN = "fuxin-haizhou/hanjiadian"
APPROVER = staff_token("approver", sub="approver-1", name="王审批", org_unit=TOWN)
CLERK = staff_token("clerk", "approver", sub="clerk-1", name="李经办", org_unit=TOWN)


def calculated(case_id: str, *, type_: str = "emergency", ceiling: str = "3000.00", org_unit: str = TOWN,
               **overrides) -> Envelope:
    return make_event("benefit.calculated", case_id, org_unit=org_unit, type=type_, as_of="2026-09-30", ceiling=ceiling,
                      recommended=ceiling, rules=["FX-EMG-TIER"], trace=[], caps=[], needs_deliberation=False,
                      applicant={"id_number": "210902199001011234", "name": "张三"},
                      accepted_by={"id": "clerk-1", "name": "李经办"}, **overrides)


@contextlib.asynccontextmanager
async def running(database_url: str, nats_url: str,
                  **overrides: object) -> AsyncIterator[tuple[httpx.AsyncClient, object, object]]:
    await migrated("approval", database_url)
    # tests draw their spot checks by hand unless they test the monthly draw itself
    values = {"database_url": database_url, "nats_url": nats_url, "spot_checks_monthly": False, **overrides}
    app = build(Settings(**values))
    async with serving(app) as base, httpx.AsyncClient(base_url=base) as client, harness_js(nats_url) as js:
        yield client, app.state.runtime, js


async def publish(js, event: Envelope, msg_id: str | None = None, raw: bytes | None = None) -> None:  # noqa: ANN001
    await js.publish(event.subject, raw or event.to_bytes(), headers={"Nats-Msg-Id": msg_id or event.id})


async def task_of(client: httpx.AsyncClient, case_id: str, headers: dict = APPROVER) -> dict:
    async def probe() -> dict | None:
        r = await client.get("/v1/tasks", headers=headers)
        assert r.status_code == 200, r.text
        return next((t for t in r.json() if t["case_id"] == case_id), None)

    return await eventually(probe, message=f"task for {case_id}")


async def published(js, subject: str, case_id: str) -> list[Envelope]:  # noqa: ANN001
    return await testing.published(js, subject, case_id=case_id)


async def test_an_emergency_case_becomes_a_task_for_its_town_and_is_approved(database_url, nats_server) -> None:  # noqa: ANN001
    async with running(database_url, nats_server.url) as (client, runtime, js):
        event = calculated("case-adv")
        await publish(js, event)

        task = await task_of(client, "case-adv")
        assert (task["step"], task["role"], task["org_unit"]) == ("approve", "approver", TOWN)
        assert task["amount_ceiling"] == "3000.00"
        assert task["due"] is None  # seed 000 sets no time limit for advance aid; none is borrowed
        other_town = staff_token("approver", sub="approver-2", org_unit="fuxin-haizhou/dongliang")
        assert [t for t in (await client.get("/v1/tasks", headers=other_town)).json() if t["case_id"] == "case-adv"] == []

        [requested] = await eventually(lambda: published(js, "relief.approval.requested", "case-adv"))
        assert requested.causation_id == event.id and requested.data.task_id == task["id"]
        assert requested.data.route.model_dump() == {"rules": ["FX-ADV", "ADV-SKIP"],
                                                     "skipped": ["means_check", "democratic_appraisal", "public_notice"],
                                                     "sources": ["seed 000 四", "seed 000 四 (先行救助…事后补齐审核审批手续)"],
                                                     "pack_version": "2026.11.2",
                                                     "procedure": "fuxin-haizhou/advance_paperwork/2020.1"}
        assert requested.data.by.model_dump() == {"id": "system:approval", "name": "approval"}

        body = {"step": "approve", "decision": "approve", "amount": "2800.00", "comment": "先行救助"}
        r = await client.post("/v1/cases/case-adv/decisions", json=body, headers=CLERK)
        assert r.status_code == 409 and r.json()["rule"] == "DT-SOD", r.text
        assert r.headers["content-type"].startswith("application/problem+json")

        r = await client.post("/v1/cases/case-adv/decisions", json=body,
                              headers=staff_token("approver", sub="x", org_unit="fuxin-haizhou/dongliang"))
        assert r.status_code == 403, r.text
        r = await client.post("/v1/cases/case-adv/decisions", json=body,
                              headers=staff_token("approver", sub="y", region="anyang", org_unit="anyang/x"))
        assert r.status_code == 404, r.text  # another region's case is not there for the caller

        r = await client.post("/v1/cases/case-adv/decisions", json=body, headers=APPROVER)
        assert r.status_code == 201, r.text
        assert r.json()["status"] == "approved"

        [approved] = await eventually(lambda: published(js, "relief.case.approved", "case-adv"))
        assert str(approved.data.amount) == "2800.00"
        assert approved.data.payee.model_dump() == {"id_number": "210902199001011234", "name": "张三"}
        assert approved.data.approved_by.model_dump() == {"id": "approver-1", "name": "王审批"}
        assert approved.correlation_id == event.correlation_id

        view = (await client.get("/v1/approvals/case-adv", headers=staff_token("auditor"))).json()
        assert view["status"] == "approved" and view["steps"][0]["actor"]["id"] == "approver-1"
        assert view["deadlines"] == []
        assert await task_list(client) == []

        r = await client.post("/v1/cases/case-adv/decisions", json=body, headers=APPROVER)
        assert r.status_code == 409, r.text


async def test_the_channel_is_the_bank_only_with_the_applicants_account(database_url, nats_server) -> None:  # noqa: ANN001
    """FX-PAY-CHANNEL as the contract states it: the account given at intake travels to
    case.approved, whose default channel is then `bank`; without one it is `cash`, and an
    approver who asks for the bank is told there is no account to pay to."""
    async with running(database_url, nats_server.url) as (client, _, js):
        await publish(js, calculated("with-account", bank_account="6217000010001234567"))
        await publish(js, calculated("no-account"))
        body = {"step": "approve", "decision": "approve", "amount": "2800.00", "comment": "先行救助"}
        await task_of(client, "no-account")
        r = await client.post("/v1/cases/no-account/decisions", json={**body, "channel": "bank"}, headers=APPROVER)
        assert r.status_code == 422 and r.json()["rule"] == "FX-PAY-CHANNEL", r.text
        assert r.json()["errors"][0]["field"] == "channel"
        view = (await client.get("/v1/approvals/no-account", headers=APPROVER)).json()
        assert (view["status"], view["channel"], view["bank_account_given"]) == ("pending", "cash", False)
        for case_id in ("with-account", "no-account"):
            await task_of(client, case_id)
            r = await client.post(f"/v1/cases/{case_id}/decisions", json=body, headers=APPROVER)
            assert r.status_code == 201, r.text
        [paid_in] = await eventually(lambda: published(js, "relief.case.approved", "with-account"))
        assert (paid_in.data.channel, paid_in.data.bank_account) == ("bank", "6217000010001234567")
        [cash] = await eventually(lambda: published(js, "relief.case.approved", "no-account"))
        assert (cash.data.channel, cash.data.bank_account) == ("cash", None)


async def task_list(client: httpx.AsyncClient) -> list:
    return (await client.get("/v1/tasks", headers=APPROVER)).json()


async def test_idempotency_key_replays_and_a_float_amount_changes_nothing(database_url, nats_server) -> None:  # noqa: ANN001
    async with running(database_url, nats_server.url) as (client, runtime, js):
        await publish(js, calculated("case-idem"))
        await task_of(client, "case-idem")

        r = await client.post("/v1/cases/case-idem/decisions", headers={**APPROVER, "Idempotency-Key": "k1"},
                              json={"step": "approve", "decision": "approve", "amount": 1500.0})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "amount", r.text
        assert (await client.get("/v1/approvals/case-idem", headers=APPROVER)).json()["status"] == "pending"

        body = {"step": "approve", "decision": "approve", "amount": "1500.00", "comment": ""}
        first = await client.post("/v1/cases/case-idem/decisions", json=body, headers={**APPROVER, "Idempotency-Key": "k1"})
        again = await client.post("/v1/cases/case-idem/decisions", json=body, headers={**APPROVER, "Idempotency-Key": "k1"})
        assert first.status_code == again.status_code == 201, again.text
        assert first.json() == again.json()
        other = await client.post("/v1/cases/case-idem/decisions", headers={**APPROVER, "Idempotency-Key": "k1"},
                                  json={**body, "amount": "1400.00"})
        assert other.status_code == 409, other.text

        await eventually(lambda: published(js, "relief.case.approved", "case-idem"))
        async with runtime.db.engine.connect() as conn:
            unsent = await conn.scalar(select(func.count()).select_from(store.plumbing.outbox))
        assert unsent == 2  # approval.requested and one case.approved
        assert len(await published(js, "relief.case.approved", "case-idem")) == 1


async def test_duplicates_give_one_task_and_poison_is_parked(database_url, nats_server) -> None:  # noqa: ANN001
    async with running(database_url, nats_server.url) as (client, runtime, js):
        event = calculated("case-dup")
        await publish(js, event)
        await publish(js, event)  # dropped by the stream's duplicate window
        await publish(js, event, msg_id="redelivered")  # reaches the consumer; the inbox absorbs it
        bad = calculated("case-bad")
        raw = json.loads(bad.to_bytes())
        raw["data"]["ceiling"] = 1500  # a number where the contract says a string: never converted
        await publish(js, bad, raw=json.dumps(raw).encode())

        async def parked() -> int:
            async with runtime.db.engine.connect() as conn:
                return await conn.scalar(select(func.count()).select_from(store.plumbing.parked))

        assert await eventually(parked, message="poison parked") == 1
        async with runtime.db.engine.connect() as conn:
            [row] = (await conn.execute(select(store.plumbing.parked))).all()
        assert row.event_id == bad.id and row.region == "fuxin-haizhou"
        assert row.reason.startswith("invalid message: benefit.calculated.v1 does not validate: data.ceiling")

        async def all_acked() -> bool:
            info = await js.consumer_info("RELIEF", "approval-calculated")
            return info.num_pending == 0 and info.num_ack_pending == 0 and info.delivered.stream_seq >= 3

        await eventually(all_acked, message="consumer caught up")
        tasks = [t for t in await task_list(client) if t["case_id"] == "case-dup"]
        assert len(tasks) == 1
        assert (await client.get("/v1/approvals/case-bad", headers=APPROVER)).status_code == 404


async def test_above_the_town_limit_the_district_consents_before_the_case_is_approved(database_url, nats_server) -> None:  # noqa: ANN001
    """A region without an expenditure procedure in its pack keeps FX-ROUTE's plain route."""
    cq, town = "chongqing-yubei", "chongqing-yubei/longxi"
    approver = staff_token("approver", sub="approver-1", name="王审批", region=cq, org_unit=town)
    async with running(database_url, nats_server.url) as (client, runtime, js):
        await publish(js, calculated("case-exp", type_="expenditure", ceiling="4560.00", region=cq, org_unit=town))
        await task_of(client, "case-exp", headers=approver)
        body = {"step": "approve", "decision": "approve", "amount": "4000.00", "comment": "集体讨论"}
        assert (await client.post("/v1/cases/case-exp/decisions", json=body, headers=approver)).status_code == 201

        district = staff_token("district", sub="district-1", name="区民政局", region=cq, org_unit=None)
        task = await task_of(client, "case-exp", headers=district)
        assert task["step"] == "district_consent" and task["role"] == "district"
        consent = {"step": "district_consent", "decision": "approve", "comment": "同意"}
        r = await client.post("/v1/cases/case-exp/decisions", json=consent, headers=district)
        assert r.status_code == 201 and r.json()["status"] == "approved", r.text

        [approved] = await eventually(lambda: published(js, "relief.case.approved", "case-exp"))
        assert (approved.data.step, str(approved.data.amount)) == ("district_consent", "4000.00")
        assert approved.data.rules == ["FX-ROUTE", "DT-SOD"]
        view = (await client.get("/v1/approvals/case-exp", headers=district)).json()
        assert [(s["step"], s["status"], s["actor"]["id"]) for s in view["steps"]] == [
            ("approve", "approved", "approver-1"), ("district_consent", "approved", "district-1")]
