"""The approval record (FX-RECORD, FX-LEDGER) of a finished case, as JSON and as the printable A4
page, against a real migrated database and a real NATS server."""
from __future__ import annotations

import re

from relief_shared.testing import eventually, make_event, staff_token

from .test_approval import APPROVER, TOWN, calculated, publish, running, task_of

DISTRICT = staff_token("district", sub="district-1", name="赵区局", org_unit=None)
HANDLER = staff_token("clerk", sub="clerk-1", name="李经办", org_unit=TOWN)
REVIEWER = staff_token("reviewer", sub="reviewer-1", name="钱审核", org_unit=TOWN)


async def decide(client, who: dict, step: str, **body) -> dict:  # noqa: ANN001
    r = await client.post("/v1/cases/case-rec/decisions", json={"step": step, "decision": "approve", **body},
                          headers=who)
    assert r.status_code == 201, r.text
    return r.json()


def classified(case_id: str):  # noqa: ANN201 - an envelope
    return make_event("case.classified", case_id, org_unit=TOWN,
                      applicant={"id_number": "210902199001011234", "name": "张三"},
                      accepted_by={"id": "clerk-1", "name": "李经办"})


async def test_the_printable_record_of_a_finished_case_names_subject_reason_amount_actors_and_unit(
        database_url, nats_server) -> None:  # noqa: ANN001
    async with running(database_url, nats_server.url) as (client, runtime, js):
        ops = staff_token("ops", sub="ops-1", org_unit=None)
        assert (await client.put("/v1/ops/clock", json={"now": "2026-10-08T09:00:00+08:00"}, headers=ops)).status_code == 200
        await publish(js, classified("case-rec"))
        await publish(js, calculated("case-rec", type_="expenditure", ceiling="5000.00",
                                     decision="FX-EMG-TIER: ceiling for a severe emergency <b>"))
        await task_of(client, "case-rec", headers=HANDLER)  # FX-EXP-PROC: verification and investigation
        await publish(js, make_event("means.verified", "case-rec"))

        async def verified() -> bool:
            view = (await client.get("/v1/approvals/case-rec", headers=DISTRICT)).json()
            return "verification" not in view["open_steps"]

        await eventually(verified)
        await decide(client, HANDLER, "investigation", findings={"summary": "入户调查属实", "visited_on": "2026-10-08"})
        await decide(client, HANDLER, "appraisal", comment="民主评议通过")
        await decide(client, HANDLER, "public_notice", notice={"where": "村务公开栏"})
        await client.put("/v1/ops/clock", json={"now": "2026-10-20T09:00:00+08:00"}, headers=ops)
        await decide(client, REVIEWER, "review", comment="审核同意")
        await decide(client, APPROVER, "approve", amount="4500.00", comment="同意")
        done = await decide(client, DISTRICT, "district_consent", comment="同意发放")  # 4,500 > 2,000
        assert done["status"] == "approved", done

        async def with_subject() -> dict | None:
            view = (await client.get("/v1/approvals/case-rec", headers=staff_token("auditor"))).json()
            return view if view["record"]["subject"].get("household") else None

        view = await eventually(with_subject)
        rec = view["record"]
        assert view["status"] == "approved" and rec["rules"] == ["FX-RECORD", "FX-LEDGER"]
        assert rec["unit"] == {"code": TOWN, "name": "韩家店镇"} or rec["unit"]["code"] == TOWN
        assert rec["subject"]["name"] == "张三" and rec["subject"]["household"]["size"] == 1
        assert rec["reason"]["rules"] == ["FX-EMG-TIER"] and rec["amount"] == "4500.00"
        assert [(a["duty"], a["step"], a["id"]) for a in rec["actors"]] == [
            ("handler", "intake", "clerk-1"), ("system", "verification", "system:means-check"),
            ("handler", "investigation", "clerk-1"),
            ("handler", "appraisal", "clerk-1"), ("handler", "public_notice", "clerk-1"),
            ("reviewer", "review", "reviewer-1"), ("approver", "approve", "approver-1"),
            ("district", "district_consent", "district-1")]
        assert [d["step"] for d in rec["decisions"] if d["actor"]] == [
            "verification", "investigation", "appraisal", "public_notice", "review", "approve", "district_consent"]

        r = await client.get("/v1/approvals/case-rec?format=html", headers=staff_token("auditor"))
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html"), r.text
        page = r.text
        assert "@page { size: A4" in page
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
        for expected in ("社会救助审批记录", "张三", "210902199001011234", "4500.00", "5000.00", "FX-EMG-TIER",
                         "李经办", "钱审核", "王审批", "赵区局", "入户调查 investigation", "审核人 reviewer", "审批人 approver", "区民政局同意 district consent", "同意发放",
                         rec["unit"]["name"], "盖章 seal", "FX-RECORD", "fire (2026-11-20)"):
            assert expected in text, expected
        assert "<b>\n" not in page and "&lt;b&gt;" in page  # the calculation's text is escaped, not markup

        same = await client.get("/v1/approvals/case-rec", headers={**staff_token("auditor"), "Accept": "text/html"})
        assert same.headers["content-type"].startswith("text/html")
        assert (await client.get("/v1/approvals/case-rec", headers={**staff_token("auditor"), "Accept": "*/*"})
                ).headers["content-type"].startswith("application/json")
        other = await client.get("/v1/approvals/case-rec?format=html", headers=staff_token("auditor", region="anyang",
                                                                                          org_unit=None))
        assert other.status_code == 404
