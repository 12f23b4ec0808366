"""Dibao, marginal and tekun applications (DT-20D, DT-CARE, ANY-RECHECK): the region's procedure,
the decision period on the durable clock, `status.changed` on approval and on termination, and the
periodic re-checks; against a real migrated database and a real NATS server."""
from __future__ import annotations

from relief_shared.testing import eventually, make_event, staff_token

from .test_approval import publish, published, running

DT, BEIYAN = "wenzhou-dongtou", "wenzhou-dongtou/beiyan"
AY, AY_TOWN = "anyang", "anyang/nanguan"
APPLICANT = {"id_number": "330322195001011234", "name": "陈阿婆"}


def people(region: str, town: str) -> dict[str, dict]:
    return {"handler": staff_token("clerk", sub="clerk-1", name="林经办", region=region, org_unit=town),
            "reviewer": staff_token("reviewer", sub="reviewer-1", name="钱审核", region=region, org_unit=town),
            "approver": staff_token("approver", sub="approver-1", name="王审批", region=region, org_unit=town),
            "district": staff_token("district", sub="district-1", name="区民政局", region=region, org_unit=None),
            "ops": staff_token("ops", sub="ops-1", region=region, org_unit=None)}


P = people(DT, BEIYAN)


def application(case_id: str, applies_for: str, *, region: str = DT, town: str = BEIYAN, size: int = 3,
                income: str | None = "500.00", status: str = "none"):  # noqa: ANN201 - an envelope
    return make_event("case.classified", case_id, region=region, org_unit=town, applies_for=applies_for,
                      classification={"type": "expenditure", "household_category": status, "rules": ["CLS-EXP"],
                                      "reasons": ["application"]},
                      applicant=APPLICANT, accepted_by={"id": "clerk-1", "name": "林经办"},
                      household={"status": status, "size": size, "monthly_income_per_capita": income,
                                 "registered_in_region": True},
                      situation={"events": [], "expenses": [], "needs": []},
                      accepted_on="2026-03-02", accepted_at="2026-03-02T01:00:00Z")


async def view(client, case_id: str, who: dict) -> dict | None:  # noqa: ANN001
    r = await client.get(f"/v1/approvals/{case_id}", headers=who)
    return r.json() if r.status_code == 200 else None


async def decide(client, case_id: str, who: dict, step: str, expect: int = 201, **body) -> dict:  # noqa: ANN001
    r = await client.post(f"/v1/cases/{case_id}/decisions", json={"step": step, "decision": "approve", **body},
                          headers=who)
    assert r.status_code == expect, r.text
    return r.json()


async def verified_and_visited(client, js, case_id: str, p: dict, region: str = DT, means: dict | None = None,  # noqa: ANN001
                               **findings) -> None:
    v = await eventually(lambda: view(client, case_id, p["district"]), message=f"{case_id} routed")
    assert sorted(v["open_steps"]) == ["investigation", "verification"], v
    await publish(js, make_event("means.verified", case_id, region=region, **(means or {})))

    async def done() -> bool:
        return "verification" not in (await view(client, case_id, p["district"]))["open_steps"]

    await eventually(done, message="means.verified completes the verification")
    await decide(client, case_id, p["handler"], "investigation",
                 findings={"summary": "入户核查属实", "visited_on": "2026-03-04", **findings})


async def test_a_dibao_application_approved_publishes_status_changed_within_dt_20d(database_url, nats_server) -> None:  # noqa: ANN001
    async with running(database_url, nats_server.url) as (client, runtime, js):
        await client.put("/v1/ops/clock", json={"now": "2026-03-02T10:00:00+08:00"}, headers=P["ops"])
        await publish(js, application("dt-dibao", "dibao"))
        v = await eventually(lambda: view(client, "dt-dibao", P["district"]))
        assert v["type"] == "dibao" and v["amount_ceiling"] == "1755.00"  # (1085 − 500) × 3 (ANY-DIBAO-PAY gap)
        [limit] = [d for d in v["deadlines"] if d["rule"] == "DT-20D"]
        assert limit["state"] == "open" and limit["due"].startswith("2026-03-22")  # 20 calendar days from acceptance
        assert await published(js, "relief.case.approved", "dt-dibao") == []

        await verified_and_visited(client, js, "dt-dibao", P)
        await decide(client, "dt-dibao", P["reviewer"], "review")
        await decide(client, "dt-dibao", P["approver"], "approve", amount="1800.00", expect=422)  # above the gap
        done = await decide(client, "dt-dibao", P["approver"], "approve", amount="1755.00", comment="同意纳入低保")
        assert done["status"] == "approved"

        [changed] = await eventually(lambda: published(js, "relief.status.changed", "dt-dibao"))
        d = changed.data
        assert (d.person.id_number, d.person.name) == (APPLICANT["id_number"], APPLICANT["name"])
        assert (d.status, d.previous, str(d.since), d.household_size) == ("dibao", "none", "2026-03-02", 3)
        assert str(d.monthly_amount) == "1755.00" and d.org_unit == BEIYAN
        assert "DT-20D" in d.rules and "ANY-DIBAO-PAY" in d.rules and "王审批" in d.reason
        assert d.by.id == "approver-1" and changed.source == "approval"
        assert await published(js, "relief.case.approved", "dt-dibao") == []  # a status, not a one-off payment
        v = await view(client, "dt-dibao", P["district"])
        assert [x["state"] for x in v["deadlines"] if x["rule"] == "DT-20D"] == ["met"]

        r = await client.post("/v1/cases/dt-dibao/termination", headers=P["reviewer"],
                              json={"reason": "收入超过标准", "effective_on": "2026-09-01"})
        assert r.status_code == 403
        r = await client.post("/v1/cases/dt-dibao/termination", headers=P["approver"],
                              json={"reason": "复核：家庭收入超过低保标准", "effective_on": "2026-09-01"})
        assert r.status_code == 201 and r.json()["status"] == "none", r.text
        [_, ended] = await eventually(lambda: _two(published(js, "relief.status.changed", "dt-dibao")))
        assert (ended.data.status, ended.data.previous, str(ended.data.since)) == ("none", "dibao", "2026-09-01")
        again = await client.post("/v1/cases/dt-dibao/termination", headers=P["approver"],
                                  json={"reason": "again", "effective_on": "2026-09-01"})
        assert again.status_code == 409


async def _two(found):  # noqa: ANN001, ANN202
    events = await found
    return events if len(events) == 2 else None


async def test_tekun_needs_the_self_care_assessment_and_marginal_is_a_status_without_amount(
        database_url, nats_server) -> None:  # noqa: ANN001
    async with running(database_url, nats_server.url) as (client, runtime, js):
        await client.put("/v1/ops/clock", json={"now": "2026-03-02T10:00:00+08:00"}, headers=P["ops"])
        await publish(js, application("dt-tekun", "tekun", size=1, income="0.00"))
        v = await eventually(lambda: view(client, "dt-tekun", P["district"]))
        assert v["amount_ceiling"] == "1410.50"  # the tekun basic living standard (sample)
        await publish(js, make_event("means.verified", "dt-tekun", region=DT))
        await eventually(lambda: _open_is(client, "dt-tekun", ["investigation"]))  # verified: no race on the case
        r = await client.post("/v1/cases/dt-tekun/decisions", headers=P["handler"],
                              json={"step": "investigation", "decision": "approve",
                                    "findings": {"summary": "独居老人"}})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "findings.self_care", r.text
        assert r.json().get("rule") == "DT-CARE"
        await decide(client, "dt-tekun", P["handler"], "investigation",
                     findings={"summary": "独居老人", "self_care": "moderate", "dispersed": True})
        await eventually(lambda: _open_is(client, "dt-tekun", ["review"]))
        await decide(client, "dt-tekun", P["reviewer"], "review")
        await decide(client, "dt-tekun", P["approver"], "approve", amount="1410.50")
        [changed] = await eventually(lambda: published(js, "relief.status.changed", "dt-tekun"))
        assert (changed.data.status, changed.data.self_care, changed.data.dispersed) == ("tekun", "moderate", True)
        assert changed.data.household_size == 1

        await publish(js, application("dt-marginal", "marginal", income="1500.00"))
        slow = {"started_at": "2026-03-02T02:00:00Z", "finished_at": "2026-03-19T02:00:00Z", "took_days": 17,
                "decision_periods": [{"limit": "DT-20D", "rule": "DT-MEANS-15D", "days": 30, "extended": True}]}
        await verified_and_visited(client, js, "dt-marginal", P, means=slow)
        v = await view(client, "dt-marginal", P["district"])
        [limit] = [d for d in v["deadlines"] if d["rule"] == "DT-20D"]
        assert limit["due"].startswith("2026-04-01"), limit  # DT-MEANS-15D: over 15 days, at most 30
        await decide(client, "dt-marginal", P["reviewer"], "review")
        await decide(client, "dt-marginal", P["approver"], "approve")  # nothing to price
        [changed] = await eventually(lambda: published(js, "relief.status.changed", "dt-marginal"))
        assert (changed.data.status, changed.data.monthly_amount) == ("marginal", None)


async def _open_is(client, case_id: str, steps: list[str]) -> bool:  # noqa: ANN001
    v = await view(client, case_id, P["district"])
    return v is not None and v["open_steps"] == steps


async def test_anyang_rechecks_a_dibao_household_every_six_months_when_its_income_is_unstable(
        database_url, nats_server) -> None:  # noqa: ANN001
    ay = people(AY, AY_TOWN)
    async with running(database_url, nats_server.url) as (client, runtime, js):
        await client.put("/v1/ops/clock", json={"now": "2026-03-02T10:00:00+08:00"}, headers=ay["ops"])
        await publish(js, application("ay-dibao", "dibao", region=AY, town=AY_TOWN, size=2, income="300.00"))
        await verified_and_visited(client, js, "ay-dibao", ay, region=AY, income_unstable=True)
        v = await eventually(lambda: view(client, "ay-dibao", ay["district"]))
        assert [x["rule"] for x in v["deadlines"]] == [] or all(x["rule"] != "DT-20D" for x in v["deadlines"])
        await eventually(lambda: _review_open(client, "ay-dibao", ay))
        await decide(client, "ay-dibao", ay["reviewer"], "review")  # uncontested: no appraisal (ANY-NO-APPRAISAL)
        await decide(client, "ay-dibao", ay["approver"], "approve", amount=v["amount_ceiling"])
        await eventually(lambda: published(js, "relief.status.changed", "ay-dibao"))

        [recheck] = (await client.get("/v1/cases/ay-dibao/rechecks", headers=ay["handler"])).json()
        assert (recheck["rule"], recheck["due_on"], recheck["status"]) == ("ANY-RECHECK", "2026-09-02", "open")
        v = await view(client, "ay-dibao", ay["district"])
        assert [x["state"] for x in v["deadlines"] if x["rule"] == "ANY-RECHECK"] == ["open"]
        assert [t for t in (await client.get("/v1/tasks", headers=ay["handler"])).json() if t["step"] == "recheck"] == []

        await client.put("/v1/ops/clock", json={"now": "2026-08-20T10:00:00+08:00"}, headers=ay["ops"])
        [task] = [t for t in (await client.get("/v1/tasks", headers=ay["handler"])).json() if t["step"] == "recheck"]
        assert task["case_id"] == "ay-dibao" and task["rule"] == "ANY-RECHECK"
        r = await client.post(f"/v1/cases/ay-dibao/rechecks/{task['id']}", headers=ay["handler"],
                              json={"outcome": "unchanged", "comment": "收入无明显变化"})
        assert r.status_code == 200, r.text
        done, following = r.json()["rechecks"]
        assert (done["status"], following["status"], following["round"]) == ("done", "open", 2)
        assert following["due_on"] == "2027-02-20"  # six months on, while the status lasts
        again = await client.post(f"/v1/cases/ay-dibao/rechecks/{task['id']}", headers=ay["handler"],
                                  json={"outcome": "unchanged"})
        assert again.status_code == 409

        r = await client.post("/v1/cases/ay-dibao/termination", headers=ay["district"],
                              json={"reason": "本人死亡", "effective_on": "2026-08-21", "deceased_on": "2026-08-20"})
        assert r.status_code == 201, r.text
        statuses = [x["status"] for x in (await client.get("/v1/cases/ay-dibao/rechecks", headers=ay["handler"])).json()]
        assert statuses == ["done", "cancelled"]
        [_, ended] = await eventually(lambda: _two(published(js, "relief.status.changed", "ay-dibao")))
        assert str(ended.data.deceased_on) == "2026-08-20" and "ANY-NO-CLAWBACK" in ended.data.rules


async def _review_open(client, case_id: str, p: dict) -> bool:  # noqa: ANN001
    v = await view(client, case_id, p["district"])
    return v is not None and "review" in v["open_steps"]
