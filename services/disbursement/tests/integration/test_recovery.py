"""Recovery of fraudulently obtained money (ANY-RECOVER) as a receivable with instalments, its
repayments in the ledger; never after a dibao or tekun recipient's death (ANY-NO-CLAWBACK)."""
from __future__ import annotations

from relief_shared.testing import eventually, make_event, staff_token

from .test_instalments import CLERK_DT, DISTRICT_DT, approved_dt, reach, set_clock
from .test_payments import Suite, suite  # noqa: F401 - the fixture

DEAD = {"id_number": "330322194001011234", "name": "陈阿婆"}


async def test_recovery_with_instalments_and_no_clawback_after_death(suite: Suite) -> None:
    async with suite.running() as app:
        await set_clock(app, "2026-03-06T10:00:00+08:00")
        await app.publish(approved_dt("case-rc", "1200.00"))
        await reach(app, "case-rc", ["paid"])
        body = {"case_id": "case-rc", "debtor": {"name": "林小梅", "id_number": "330322198506071234"},
                "amount": "1200.00", "reason": "虚报家庭收入",
                "instalments": [{"amount": "600.00", "due": "2026-04-01"}, {"amount": "600.00", "due": "2026-05-01"}]}
        r = await app.client.post("/v1/recoveries", json=body, headers=DISTRICT_DT)
        assert r.status_code == 201, r.text
        recovery = r.json()
        assert (recovery["outstanding"], len(recovery["instalments"])) == ("1200.00", 2)
        url = f"/v1/recoveries/{recovery['id']}/repayments"
        r = await app.client.post(url, json={"amount": "600.00", "received_on": "2026-04-01"}, headers=CLERK_DT)
        assert (r.status_code, r.json()["outstanding"], r.json()["status"]) == (201, "600.00", "open")
        r = await app.client.post(url, json={"amount": "700.00", "received_on": "2026-05-01"}, headers=CLERK_DT)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "amount"
        r = await app.client.post(url, json={"amount": "600.00", "received_on": "2026-05-01"}, headers=CLERK_DT)
        assert (r.json()["outstanding"], r.json()["status"]) == ("0.00", "settled")
        lines = (await app.client.get("/v1/ledger/export", headers=CLERK_DT, params={
            "org_unit": "wenzhou-dongtou/beiyan", "month": "2026-03"})).json()
        assert [line["kind"] for line in lines] == ["payment", "recovery", "recovery"]
        csv = await app.client.get("/v1/ledger/export", headers={**CLERK_DT, "Accept": "text/csv"}, params={
            "org_unit": "wenzhou-dongtou/beiyan", "month": "2026-03"})
        assert csv.headers["content-type"].startswith("text/csv") and csv.text.count("\n") == 4
        assert "330322198506071234" not in csv.text and "**************1234" in csv.text

        # a dibao recipient who died: nothing paid to them is recovered
        await app.publish(approved_dt("case-dead", "900.00", payee=DEAD))
        await reach(app, "case-dead", ["paid"])
        died = make_event("status.changed", "case-dibao-dead", region="wenzhou-dongtou", person=DEAD, status="none",
                          previous="dibao", since="2026-03-10", deceased_on="2026-03-09", reason="recipient died",
                          rules=["ANY-NO-CLAWBACK"], by={"id": "a", "name": "审批人"})
        await app.publish(died)
        engine = app.app.state.runtime.db

        async def on_roster() -> object:
            async with engine.reading() as uow:
                return await uow.roster.get(DEAD["id_number"])

        await eventually(on_roster, message="death on the roster")
        r = await app.client.post("/v1/recoveries", headers=DISTRICT_DT, json={
            "case_id": "case-dead", "debtor": DEAD, "amount": "900.00", "reason": "冒领"})
        assert r.status_code == 422 and r.json()["rule"] == "ANY-NO-CLAWBACK", r.text
        town = staff_token("clerk", sub="c", region="wenzhou-dongtou", org_unit="wenzhou-dongtou/beiyan")
        assert (await app.client.post("/v1/recoveries", headers=town, json={
            "case_id": "case-dead", "debtor": DEAD, "amount": "900.00", "reason": "冒领"})).status_code == 403
