"""The standard procedure (policy.md §4) against a real migrated database and a real NATS server:
steps as the region's pack lists them, in parallel where allowed, returns with history, DT-SOD,
LF-KIN, objections to the public notice, deliberation, advance paperwork and staged plans."""
from __future__ import annotations

import asyncio
import base64
import contextlib
from collections.abc import AsyncIterator

import httpx
import pytest

from approval.domain import DutyConflict
from approval.main import build
from approval.settings import Settings
from relief_shared.contract import Envelope
from relief_shared.kin import legacy_key, member_key
from relief_shared.settings import DEV_KIN_SECRET
from relief_shared import testing
from relief_shared.testing import eventually, harness_js, make_event, migrated, serving, staff_token

FX, FX_TOWN = "fuxin-haizhou", "fuxin-haizhou/hanjiadian"
APPLICANT = {"id_number": "210902199001011234", "name": "张三"}


def people(region: str, town: str) -> dict[str, dict]:
    return {
        "handler": staff_token("clerk", sub="clerk-1", name="李经办", region=region, org_unit=town),
        "clerk2": staff_token("clerk", sub="clerk-2", name="赵调查", region=region, org_unit=town),
        "reviewer": staff_token("reviewer", "approver", sub="reviewer-1", name="钱审核", region=region, org_unit=town),
        "approver": staff_token("approver", sub="approver-1", name="王审批", region=region, org_unit=town),
        "approver2": staff_token("approver", sub="approver-2", name="孙审批", region=region, org_unit=town),
        "district": staff_token("district", sub="district-1", name="区民政局", region=region, org_unit=None),
        "ops": staff_token("ops", sub="ops-1", region=region, org_unit=None),
    }


FXP = people(FX, FX_TOWN)


SPOUSE = "210902198203051236"


def calculated(case_id: str, *, region: str = FX, town: str = FX_TOWN, type_: str = "expenditure",
               ceiling: str = "3000.00", deliberate: bool = False, members: tuple[str, ...] = (),
               bank_account: str | None = None, legacy: bool = False) -> Envelope:
    key = legacy_key if legacy else (lambda number: member_key(number, DEV_KIN_SECRET))
    return make_event("benefit.calculated", case_id, region=region, org_unit=town, type=type_, as_of="2026-09-30",
                      ceiling=ceiling, recommended=ceiling, rules=["FX-EXP-DIBAO"], trace=[], caps=[],
                      needs_deliberation=deliberate, applicant=APPLICANT,
                      accepted_by={"id": "clerk-1", "name": "李经办"},
                      household_member_keys=[key(m) for m in (APPLICANT["id_number"], *members)],
                      bank_account=bank_account)


@contextlib.asynccontextmanager
async def running(database_url: str, nats_url: str) -> AsyncIterator[tuple[httpx.AsyncClient, object, object]]:
    await migrated("approval", database_url)
    app = build(Settings(database_url=database_url, nats_url=nats_url))
    async with (serving(app) as base, httpx.AsyncClient(base_url=base, timeout=20) as client,
                harness_js(nats_url) as js):  # the test plays the services upstream of approval
        await app.state.runtime.bus.wait_ready()
        yield client, app.state.runtime, js


async def publish(js, event: Envelope) -> None:  # noqa: ANN001
    await js.publish(event.subject, event.to_bytes(), headers={"Nats-Msg-Id": event.id})


async def published(js, subject: str, case_id: str) -> list[Envelope]:  # noqa: ANN001
    return await testing.published(js, subject, case_id=case_id)


async def view(client: httpx.AsyncClient, case_id: str, who: dict = FXP["district"]) -> dict | None:
    r = await client.get(f"/v1/approvals/{case_id}", headers=who)
    return r.json() if r.status_code == 200 else None


async def routed(client: httpx.AsyncClient, case_id: str, who: dict = FXP["district"]) -> dict:
    return await eventually(lambda: view(client, case_id, who), message=f"{case_id} routed")


async def decide(client: httpx.AsyncClient, case_id: str, who: dict, step: str, decision: str = "approve",
                 expect: int = 201, **body) -> dict:
    r = await client.post(f"/v1/cases/{case_id}/decisions", json={"step": step, "decision": decision, **body},
                          headers=who)
    assert r.status_code == expect, r.text
    return r.json()


async def set_clock(client: httpx.AsyncClient, **body) -> None:
    r = await client.put("/v1/ops/clock", json=body, headers=FXP["ops"])
    assert r.status_code == 200, r.text


async def to_the_notice(client: httpx.AsyncClient, js, case_id: str, p: dict = FXP) -> None:  # noqa: ANN001
    """verification (by means.verified) and investigation in parallel, appraisal, notice posted."""
    v = await routed(client, case_id, p["district"])
    assert sorted(v["open_steps"]) == ["investigation", "verification"]  # in parallel (FX-EXP-PROC)
    await publish(js, make_event("means.verified", case_id, region=v["region"]))

    async def verified() -> bool:
        return "verification" not in (await view(client, case_id, p["district"]))["open_steps"]

    await eventually(verified, message="means.verified completes the verification")
    await decide(client, case_id, p["handler"], "investigation", findings={"summary": "入户调查属实",
                                                                           "visited_on": "2026-10-01"})
    await decide(client, case_id, p["handler"], "appraisal", comment="民主评议通过")
    await decide(client, case_id, p["handler"], "public_notice", notice={"where": "村务公开栏"})


async def test_fuxin_expenditure_walks_the_procedure_and_an_objection_blocks_it(database_url, nats_server) -> None:  # noqa: ANN001
    async with running(database_url, nats_server.url) as (client, runtime, js):
        await set_clock(client, now="2026-10-08T09:00:00+08:00")
        await publish(js, calculated("fx-walk"))
        await publish(js, calculated("fx-above"))
        await to_the_notice(client, js, "fx-walk")

        v = await view(client, "fx-walk")
        assert v["route"]["procedure"] == "fuxin-haizhou/expenditure/2020.1" and v["open_steps"] == ["review"]
        notice = next(s for s in v["steps"] if s["step"] == "public_notice")
        assert notice["status"] == "running" and notice["report"]["where"] == "村务公开栏"
        r = await client.post("/v1/cases/fx-walk/decisions", headers=FXP["reviewer"],
                              json={"step": "review", "decision": "approve"})
        assert r.status_code == 409 and "runs until" in r.json()["detail"], r.text

        objection = {"objector": {"name": "周村民", "phone": "13800000000"}, "reason": "家中有车",
                     "received_on": "2026-10-08"}
        r = await client.post("/v1/cases/fx-walk/public-notice/objections", headers=FXP["clerk2"],
                              json={**objection, "received_on": "2026-12-01"})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "received_on", r.text
        r = await client.post("/v1/cases/fx-walk/public-notice/objections", json=objection, headers=FXP["clerk2"])
        assert r.status_code == 201, r.text
        oid = r.json()["id"]
        await set_clock(client, now="2026-10-20T09:00:00+08:00")  # the notice is over, the objection still open
        r = await client.post("/v1/cases/fx-walk/decisions", headers=FXP["reviewer"],
                              json={"step": "review", "decision": "approve"})
        assert r.status_code == 409 and "objection" in r.json()["detail"], r.text
        assert await published(js, "relief.case.approved", "fx-walk") == []
        r = await client.post(f"/v1/cases/fx-walk/public-notice/objections/{oid}/resolution",
                              json={"outcome": "dismissed", "reason": "车辆登记在他人名下"}, headers=FXP["clerk2"])
        assert r.status_code == 200 and r.json()["status"] == "dismissed", r.text

        await decide(client, "fx-walk", FXP["reviewer"], "review")
        done = await decide(client, "fx-walk", FXP["approver"], "approve", amount="2000.00")
        assert done["status"] == "approved"  # 2,000.00 stays at the street (FX-ROUTE, inclusive)
        [approved] = await eventually(lambda: published(js, "relief.case.approved", "fx-walk"))
        assert (approved.data.step, str(approved.data.amount)) == ("approve", "2000.00")
        v = await view(client, "fx-walk")
        assert [(s["step"], s["status"]) for s in v["steps"]] == [
            ("verification", "approved"), ("investigation", "approved"), ("appraisal", "approved"),
            ("public_notice", "approved"), ("review", "approved"), ("approve", "approved"),
            ("district_consent", "skipped")]
        assert v["steps"][0]["actor"]["id"] == "system:means-check"
        assert [o["status"] for o in v["objections"]] == ["dismissed"]

        # 2,000.01 adds the district's consent before anything is paid
        await to_the_notice(client, js, "fx-above")
        await set_clock(client, advance_seconds=8 * 86400)
        await decide(client, "fx-above", FXP["reviewer"], "review")
        pending = await decide(client, "fx-above", FXP["approver"], "approve", amount="2000.01")
        assert pending["status"] == "pending" and pending["open_steps"] == ["district_consent"]
        assert await published(js, "relief.case.approved", "fx-above") == []
        consent = await decide(client, "fx-above", FXP["district"], "district_consent")
        assert consent["status"] == "approved"


async def test_a_returned_case_goes_back_and_comes_forward_with_its_history(database_url, nats_server) -> None:  # noqa: ANN001
    async with running(database_url, nats_server.url) as (client, runtime, js):
        await set_clock(client, now="2026-10-08T09:00:00+08:00")
        await publish(js, calculated("fx-return"))
        await to_the_notice(client, js, "fx-return")
        await set_clock(client, advance_seconds=8 * 86400)
        await decide(client, "fx-return", FXP["reviewer"], "review", "return", expect=422)  # no step named
        back = await decide(client, "fx-return", FXP["reviewer"], "review", "return", return_to="investigation",
                            comment="配偶经营收入未入户核实")
        assert back["open_steps"] == ["investigation"]
        [returned] = await eventually(lambda: published(js, "relief.approval.returned", "fx-return"))
        assert (returned.data.step, returned.data.round) == ("investigation", 2)

        redo = await decide(client, "fx-return", FXP["handler"], "investigation", findings={"summary": "已补充核实"})
        assert redo["round"] == 2 and redo["open_steps"] == ["appraisal"]
        await decide(client, "fx-return", FXP["handler"], "appraisal")
        await decide(client, "fx-return", FXP["handler"], "public_notice", notice={"where": "社区公示栏"})
        await set_clock(client, advance_seconds=8 * 86400)
        await decide(client, "fx-return", FXP["reviewer"], "review")
        assert (await decide(client, "fx-return", FXP["approver"], "approve", amount="1500.00"))["status"] == "approved"

        v = await view(client, "fx-return")
        history = [(h["step"], h["round"], h["status"], h["superseded"]) for h in v["history"]]
        assert ("investigation", 1, "approved", True) in history and ("investigation", 2, "approved", False) in history
        assert ("review", 1, "returned", True) in history and ("review", 2, "approved", False) in history
        assert v["returns"][0]["reason"] == "配偶经营收入未入户核实"


async def test_anyang_uncontested_skips_the_appraisal_and_dongtou_approves_6000_at_the_street(database_url, nats_server) -> None:  # noqa: ANN001
    ay = people("anyang", "anyang/nanguan")
    dt = people("wenzhou-dongtou", "wenzhou-dongtou/beiyan")
    async with running(database_url, nats_server.url) as (client, runtime, js):
        await publish(js, calculated("ay-1", region="anyang", town="anyang/nanguan"))
        await publish(js, calculated("ay-2", region="anyang", town="anyang/nanguan"))
        await publish(js, calculated("dt-1", region="wenzhou-dongtou", town="wenzhou-dongtou/beiyan", ceiling="8000.00"))
        for case_id, contested in (("ay-1", False), ("ay-2", True)):
            await routed(client, case_id, ay["district"])
            await decide(client, case_id, ay["clerk2"], "verification", comment="核对完成")
            after = await decide(client, case_id, ay["handler"], "investigation",
                                 findings={"summary": "调查", "contested": contested})
            assert after["open_steps"] == (["appraisal"] if contested else ["public_notice"])
        v = await view(client, "ay-1", ay["district"])
        appraisal = next(s for s in v["steps"] if s["step"] == "appraisal")
        assert appraisal["status"] == "skipped" and "ANY-NO-APPRAISAL" in appraisal["comment"]

        v = await routed(client, "dt-1", dt["district"])
        assert "DT-15D" in [d["limit"] for d in v["deadlines"]]
        await decide(client, "dt-1", dt["handler"], "verification")
        await decide(client, "dt-1", dt["handler"], "investigation", findings={"summary": "属实"})
        await decide(client, "dt-1", dt["reviewer"], "review")
        done = await decide(client, "dt-1", dt["approver"], "approve", amount="6000.00")
        assert done["status"] == "approved" and done["open_steps"] == []  # the street alone (seed 004 三)
        [approved] = await eventually(lambda: published(js, "relief.case.approved", "dt-1"))
        assert str(approved.data.amount) == "6000.00"


async def test_separation_of_duties_kin_and_concurrent_approvals(database_url, nats_server) -> None:  # noqa: ANN001
    dt = people("wenzhou-dongtou", "wenzhou-dongtou/beiyan")
    async with running(database_url, nats_server.url) as (client, runtime, js):
        await publish(js, calculated("dt-sod", region="wenzhou-dongtou", town="wenzhou-dongtou/beiyan"))
        await routed(client, "dt-sod", dt["district"])
        await decide(client, "dt-sod", dt["handler"], "verification")
        await decide(client, "dt-sod", dt["handler"], "investigation", findings={"summary": "属实"})
        await decide(client, "dt-sod", dt["reviewer"], "review")  # reviewer-1 also holds the approver role
        before = await view(client, "dt-sod", dt["district"])
        r = await client.post("/v1/cases/dt-sod/decisions", headers=dt["reviewer"],
                              json={"step": "approve", "decision": "approve", "amount": "1000.00"})
        assert r.status_code == 409 and r.json()["rule"] == "DT-SOD", r.text
        assert await view(client, "dt-sod", dt["district"]) == before  # nothing moved

        # the database refuses a second duty for one person on one case, whatever the domain says
        async with runtime.db.uow() as uow:
            with pytest.raises(DutyConflict):
                await uow.approvals.take_duty("dt-sod", "reviewer-1", "approver", "approve", before_at(before))

        # two approvers at once: exactly one decides
        replies = await asyncio.gather(*(client.post(
            "/v1/cases/dt-sod/decisions", headers=dt[who],
            json={"step": "approve", "decision": "approve", "amount": "1000.00"}) for who in ("approver", "approver2")))
        assert sorted(r.status_code for r in replies) == [201, 409], [r.text for r in replies]
        await eventually(lambda: published(js, "relief.case.approved", "dt-sod"))
        assert len(await published(js, "relief.case.approved", "dt-sod")) == 1

        # LF-KIN: approver-1's registered relative lives in the applicant's household: flagged, and 403 for them
        await publish(js, calculated("dt-kin", region="wenzhou-dongtou", town="wenzhou-dongtou/beiyan",
                                     members=(SPOUSE,)))
        await routed(client, "dt-kin", dt["district"])
        register = {"entries": [{"staff_id": "approver-1", "staff_name": "王审批", "relatives": [
            {"id_number": SPOUSE, "name": "李强", "relation": "兄弟"}]}]}
        r = await client.put("/v1/kin-register", json=register, headers=dt["clerk2"])
        assert r.status_code == 403, r.text
        r = await client.put("/v1/kin-register", json=register, headers=dt["district"])
        assert r.status_code == 200 and "dt-kin" in r.json()["flagged_cases"], r.text
        v = await view(client, "dt-kin", dt["district"])
        assert v["flags"][0]["rule"] == "LF-KIN" and v["flags"][0]["staff"] == ["approver-1"]
        await decide(client, "dt-kin", dt["handler"], "verification")
        await decide(client, "dt-kin", dt["handler"], "investigation", findings={"summary": "属实"})
        await decide(client, "dt-kin", dt["reviewer"], "review")
        r = await client.post("/v1/cases/dt-kin/decisions", headers=dt["approver"],
                              json={"step": "approve", "decision": "approve", "amount": "1000.00"})
        assert r.status_code == 403 and r.json()["rule"] == "LF-KIN", r.text
        await decide(client, "dt-kin", dt["approver2"], "approve", amount="1000.00")
        # a case routed after the registration is flagged on arrival
        await publish(js, calculated("dt-kin-later", region="wenzhou-dongtou", town="wenzhou-dongtou/beiyan",
                                     members=(SPOUSE,)))
        v = await routed(client, "dt-kin-later", dt["district"])
        assert [f["rule"] for f in v["flags"]] == ["LF-KIN"]
        # a case keyed before the kin secret (bare SHA-256 keys) is still matched
        await publish(js, calculated("dt-kin-legacy", region="wenzhou-dongtou", town="wenzhou-dongtou/beiyan",
                                     members=(SPOUSE,), legacy=True))
        v = await routed(client, "dt-kin-legacy", dt["district"])
        assert [f["rule"] for f in v["flags"]] == ["LF-KIN"] and v["flags"][0]["staff"] == ["approver-1"]


def before_at(v: dict):  # noqa: ANN201 - a datetime
    from datetime import datetime
    return datetime.fromisoformat(v["history"][0]["opened_at"])


def appraisers(n: int) -> list[dict]:
    roles = ["street_staff", "village_committee", "resident_cadre", "residents_representative"]
    return [{"name": f"评议人{i}", "role": roles[i % 4]} for i in range(n)]


async def test_deliberation_needs_12_and_an_observer_then_its_amount_above_the_ceiling_is_approved(database_url, nats_server) -> None:  # noqa: ANN001
    dt = people("wenzhou-dongtou", "wenzhou-dongtou/beiyan")
    async with running(database_url, nats_server.url) as (client, runtime, js):
        await set_clock(client, now="2026-10-08T09:00:00+08:00")
        await publish(js, calculated("dt-case", region="wenzhou-dongtou", town="wenzhou-dongtou/beiyan",
                                     ceiling="0.00", deliberate=True, bank_account="6217000010009876543"))
        v = await routed(client, "dt-case", dt["district"])
        assert v["open_steps"] == ["deliberation"] and "DT-CASE" in v["route"]["rules"]
        record = {"participants": appraisers(12), "observer": {"name": "纪检员", "unit": "街道纪工委"},
                  "held_on": "2026-10-08", "minutes": "经评议，同意救助8000元", "decided_amount": "8000.00",
                  "vote": {"in_favour": 11, "against": 1, "abstain": 0},
                  "minutes_file": {"filename": "minutes.pdf", "content_type": "application/pdf",
                                   "content_base64": base64.b64encode(b"%PDF-1.4 minutes").decode()}}
        r = await client.post("/v1/cases/dt-case/deliberation", headers=dt["handler"],
                              json={**record, "participants": appraisers(11)})
        assert r.status_code == 422 and r.json()["rule"] == "DT-CASE" and r.json()["errors"][0]["field"] == \
            "participants", r.text
        r = await client.post("/v1/cases/dt-case/deliberation", headers=dt["handler"],
                              json={k: v for k, v in record.items() if k != "observer"})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "observer", r.text
        same = [{"name": "同一人", "role": "street_staff"}] * 12
        r = await client.post("/v1/cases/dt-case/deliberation", headers=dt["handler"], json={**record,
                                                                                            "participants": same})
        assert r.status_code == 422, r.text  # twelve rows of one person are one appraiser
        assert (await view(client, "dt-case", dt["district"]))["open_steps"] == ["deliberation"]

        r = await client.post("/v1/cases/dt-case/deliberation", headers=dt["handler"], json=record)
        assert r.status_code == 201 and r.json()["open_steps"] == ["review"], r.text
        [reported] = await eventually(lambda: published(js, "relief.approval.deliberated", "dt-case"))
        assert reported.data.participants == 12 and str(reported.data.decided_amount) == "8000.00"
        v = await view(client, "dt-case", dt["district"])
        limits = {d["limit"]: d for d in v["deadlines"]}
        assert limits["deliberation#1"]["state"] == "met" and limits["review#1"]["state"] == "open"
        assert v["deliberations"][0]["observer"]["unit"] == "街道纪工委" and v["deliberations"][0]["minutes_file"]

        await decide(client, "dt-case", dt["reviewer"], "review")
        await decide(client, "dt-case", dt["handler"], "public_notice", notice={"where": "北岙社区公示栏"})
        await set_clock(client, advance_seconds=8 * 86400)
        await decide(client, "dt-case", dt["approver"], "approve", amount="8000.01", expect=422)
        await decide(client, "dt-case", dt["approver"], "approve", amount="8000.00", expect=422,  # STAGED: not past
                     instalments=[{"amount": "8000.00", "due": "2026-10-01"}])
        done = await decide(client, "dt-case", dt["approver"], "approve", amount="8000.00", channel="bank",
                            instalments=[{"amount": "5000.00", "due": "2026-10-20"},
                                         {"amount": "3000.00", "due": "2026-11-20"}])
        assert done["status"] == "approved"
        [approved] = await eventually(lambda: published(js, "relief.case.approved", "dt-case"))
        assert str(approved.data.amount) == "8000.00" and approved.data.channel == "bank"
        assert [(str(i.amount), i.due.isoformat()) for i in approved.data.instalments] == [
            ("5000.00", "2026-10-20"), ("3000.00", "2026-11-20")] and "STAGED" in approved.data.rules


async def test_advance_paperwork_after_payment_refused_is_recovered(database_url, nats_server) -> None:  # noqa: ANN001
    async with running(database_url, nats_server.url) as (client, runtime, js):
        await publish(js, calculated("fx-adv", type_="emergency"))
        await routed(client, "fx-adv")
        await decide(client, "fx-adv", FXP["approver"], "approve", amount="2800.00")
        approved = (await eventually(lambda: published(js, "relief.case.approved", "fx-adv")))[0]
        await publish(js, make_event("payment.paid", "fx-adv"))

        async def paperwork_open() -> bool:
            return (await view(client, "fx-adv"))["open_steps"] == ["paperwork"]

        await eventually(paperwork_open, message="the paperwork opens after the advance payment")
        body = {"subject": "张三", "reason": "火灾", "amount": "2800.00", "seal": True,
                "signatures": [{"name": "李经办", "role": "handler"}, {"name": "王审批", "role": "approver"}]}
        r = await client.post("/v1/cases/fx-adv/paperwork", json={**body, "amount": "2900.00"}, headers=FXP["handler"])
        assert r.status_code == 422, r.text
        r = await client.post("/v1/cases/fx-adv/paperwork", json=body, headers=FXP["handler"])
        assert r.status_code == 201 and r.json()["open_steps"] == ["paperwork_review"], r.text
        await eventually(lambda: published(js, "relief.approval.paperwork_completed", "fx-adv"))
        refused = await decide(client, "fx-adv", FXP["district"], "paperwork_review", "reject", comment="无正当事由")
        assert refused["status"] == "revoked"
        [revoked] = await eventually(lambda: published(js, "relief.case.revoked", "fx-adv"))
        assert revoked.data.fraudulent and "ANY-RECOVER" in revoked.data.rules
        assert revoked.data.task_id == approved.data.task_id


async def test_chongqing_advance_paperwork_is_entered_and_filed_within_its_limits(database_url, nats_server) -> None:  # noqa: ANN001
    cq = people("chongqing-yubei", "chongqing-yubei/longxi")
    async with running(database_url, nats_server.url) as (client, runtime, js):
        await set_clock(client, now="2026-10-12T09:00:00+08:00")
        await publish(js, calculated("cq-adv", region="chongqing-yubei", town="chongqing-yubei/longxi",
                                     type_="emergency"))
        await routed(client, "cq-adv", cq["district"])
        await decide(client, "cq-adv", cq["approver"], "approve", amount="1000.00")
        await publish(js, make_event("payment.paid", "cq-adv", region="chongqing-yubei"))

        async def entry_open() -> dict | None:
            v = await view(client, "cq-adv", cq["district"])
            return v if v["open_steps"] == ["paperwork"] else None

        v = await eventually(entry_open, message="paperwork after payment")
        entry = next(d for d in v["deadlines"] if d["limit"] == "CQ-ADV-ENTRY")
        assert entry["due"] == "2026-10-24T23:59:59+08:00"  # before the 25th of the approval month
        body = {"subject": "张三", "reason": "火灾", "amount": "1000.00", "seal": True,
                "signatures": [{"name": "李经办", "role": "handler"}]}
        r = await client.post("/v1/cases/cq-adv/paperwork", json=body, headers=cq["handler"])
        assert r.status_code == 201, r.text
        await decide(client, "cq-adv", cq["district"], "paperwork_review", comment="已备案")
        v = await view(client, "cq-adv", cq["district"])
        states = {d["limit"]: d["state"] for d in v["deadlines"]}
        assert states["CQ-ADV-ENTRY"] == "met" and states["CQ-ADV-FILING"] == "met"
        await eventually(lambda: published(js, "relief.approval.filed", "cq-adv"))
        assert v["status"] == "approved"


async def test_a_deliberation_not_held_within_5_working_days_is_escalated_to_the_district(database_url, nats_server) -> None:  # noqa: ANN001
    dt = people("wenzhou-dongtou", "wenzhou-dongtou/beiyan")
    async with running(database_url, nats_server.url) as (client, runtime, js):
        await set_clock(client, now="2026-10-12T09:00:00+08:00")  # a Monday
        await publish(js, calculated("dt-late", region="wenzhou-dongtou", town="wenzhou-dongtou/beiyan",
                                     ceiling="0.00", deliberate=True))
        v = await routed(client, "dt-late", dt["district"])
        limit = next(d for d in v["deadlines"] if d["limit"] == "deliberation#1")
        assert (limit["rule"], limit["due"]) == ("DT-CASE", "2026-10-19T23:59:59+08:00")
        await set_clock(client, now="2026-10-20T09:00:00+08:00")

        async def escalated() -> list | None:
            tasks = (await client.get("/v1/tasks", headers=dt["district"])).json()
            found = [t for t in tasks if t["case_id"] == "dt-late" and t["step"] == "escalation"]
            return found or None

        [task] = await eventually(escalated, message="the late deliberation escalated")
        assert task["rule"] == "DT-CASE" and task["deadline"]["limit"] == "deliberation#1"
