"""The approval record (FX-RECORD, FX-LEDGER) of a finished case, as JSON and as the printable A4
page, against a real migrated database and a real NATS server."""
from __future__ import annotations

import re

from relief_shared.testing import eventually, make_event, staff_token

from .test_approval import APPROVER, TOWN, calculated, publish, running, task_of

DISTRICT = staff_token("district", sub="district-1", name="赵区局", org_unit=None)


def classified(case_id: str):  # noqa: ANN201 - an envelope
    return make_event("case.classified", case_id, org_unit=TOWN,
                      applicant={"id_number": "210902199001011234", "name": "张三"},
                      accepted_by={"id": "clerk-1", "name": "李经办"})


async def test_the_printable_record_of_a_finished_case_names_subject_reason_amount_actors_and_unit(
        database_url, nats_server) -> None:  # noqa: ANN001
    async with running(database_url, nats_server.url) as (client, runtime, js):
        await publish(js, classified("case-rec"))
        await publish(js, calculated("case-rec", type_="expenditure", ceiling="5000.00",
                                     decision="FX-EMG-TIER: ceiling for a severe emergency <b>"))
        await task_of(client, "case-rec")
        r = await client.post("/v1/cases/case-rec/decisions", headers=APPROVER,
                              json={"step": "approve", "decision": "approve", "amount": "4500.00", "comment": "同意"})
        assert r.status_code == 201, r.text
        task = await task_of(client, "case-rec", headers=DISTRICT)  # 4,500 > 2,000: the district consents
        r = await client.post("/v1/cases/case-rec/decisions", headers=DISTRICT,
                              json={"step": task["step"], "decision": "approve", "comment": "同意发放"})
        assert r.status_code == 201 and r.json()["status"] == "approved", r.text

        async def with_subject() -> dict | None:
            view = (await client.get("/v1/approvals/case-rec", headers=staff_token("auditor"))).json()
            return view if view["record"]["subject"].get("household") else None

        view = await eventually(with_subject)
        rec = view["record"]
        assert view["status"] == "approved" and rec["rules"] == ["FX-RECORD", "FX-LEDGER"]
        assert rec["unit"] == {"code": TOWN, "name": "韩家店镇"} or rec["unit"]["code"] == TOWN
        assert rec["subject"]["name"] == "张三" and rec["subject"]["household"]["size"] == 1
        assert rec["reason"]["rules"] == ["FX-EMG-TIER"] and rec["amount"] == "4500.00"
        assert [(a["duty"], a["id"]) for a in rec["actors"]] == [
            ("handler", "clerk-1"), ("approver", "approver-1"), ("district", "district-1")]
        assert [(d["step"], d["status"]) for d in rec["decisions"]] == [("approve", "approved"),
                                                                        ("district_consent", "approved")]

        r = await client.get("/v1/approvals/case-rec?format=html", headers=staff_token("auditor"))
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html"), r.text
        page = r.text
        assert "@page { size: A4" in page
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
        for expected in ("社会救助审批记录", "张三", "210902199001011234", "4500.00", "5000.00", "FX-EMG-TIER",
                         "李经办", "王审批", "赵区局", "审批人 approver", "区民政局同意 district consent", "同意发放",
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
